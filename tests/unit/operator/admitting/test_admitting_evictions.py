"""The eviction decision as a table: who asks, which node the token names, where the pod runs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fogcompute_operator.admitting import (
    NODE_CLAIM,
    MalformedReviewError,
    decide_eviction,
    parse_request,
    review_response,
)

AGENT = "system:serviceaccount:fog-system:fog-compute-edge-agent"


def review(
    *,
    user: str = AGENT,
    node: str | None = "edge-1",
    operation: str = "CREATE",
    sub: str = "eviction",
    name: str = "job-0-0",
) -> dict[str, Any]:
    extra = {NODE_CLAIM: [node]} if node is not None else {}
    return {
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": "u-1",
            "operation": operation,
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "subResource": sub,
            "namespace": "work",
            "name": name,
            "userInfo": {"username": user, "extra": extra},
            "object": {"apiVersion": "policy/v1", "kind": "Eviction"},
        },
    }


def pod_on(node: str) -> dict[str, Any]:
    return {"metadata": {"name": "job-0-0", "namespace": "work"}, "spec": {"nodeName": node}}


@dataclass(frozen=True)
class Case:
    name: str
    review: dict[str, Any]
    pod: dict[str, Any] | None
    allowed: bool
    code: int = 200
    says: str = ""


CASES = [
    Case("own node", review(), pod_on("edge-1"), allowed=True),
    Case(
        "other node",
        review(),
        pod_on("edge-2"),
        allowed=False,
        code=403,
        says="the edge agent on node edge-1 may evict only pods on node edge-1; "
        "pod work/job-0-0 runs on node edge-2",
    ),
    Case("no node claim", review(node=None), pod_on("edge-1"), False, 403, "no node-name claim"),
    Case("empty node claim", review(node=""), pod_on("edge-1"), False, 403, "no node-name claim"),
    Case("no such pod", review(), None, False, 404, "pod work/job-0-0 not found"),
    Case("unbound pod", review(), {"spec": {}}, False, 403, "is not bound to a node"),
    Case("another user", review(user="system:admin", node=None), pod_on("edge-2"), True),
    Case("not an eviction", review(sub=""), pod_on("edge-2"), allowed=True),
    Case("not a create", review(operation="UPDATE"), pod_on("edge-2"), allowed=True),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_decision(case: Case) -> None:
    verdict = decide_eviction(request=parse_request(case.review), agent_user=AGENT, pod=case.pod)
    assert (verdict.allowed, verdict.code) == (case.allowed, case.code)
    assert case.says in verdict.message


def test_a_denial_answers_with_its_code_and_message() -> None:
    request = parse_request(review())
    verdict = decide_eviction(request=request, agent_user=AGENT, pod=pod_on("edge-2"))
    answer = review_response(uid=request.uid, verdict=verdict)
    assert answer["response"]["uid"] == "u-1"
    assert answer["response"]["allowed"] is False
    assert answer["response"]["status"]["code"] == 403
    assert answer["response"]["status"]["reason"] == "Forbidden"
    assert "edge-2" in answer["response"]["status"]["message"]


def test_an_allowance_carries_no_status() -> None:
    request = parse_request(review())
    verdict = decide_eviction(request=request, agent_user=AGENT, pod=pod_on("edge-1"))
    assert review_response(uid="u-1", verdict=verdict)["response"] == {
        "uid": "u-1",
        "allowed": True,
    }


@pytest.mark.parametrize(
    ("broken", "names"),
    [
        ({}, "request"),
        ({"request": {"uid": "u"}}, "request.userInfo"),
        ({"request": {"uid": "u", "userInfo": {}, "operation": "CREATE"}}, "request.resource"),
        (
            {"request": {"userInfo": {}, "resource": {"resource": "pods"}, "name": "p"}},
            "request.uid",
        ),
        ({"request": {"uid": "u", "userInfo": {}, "resource": {"resource": "pods"}}}, "name"),
    ],
)
def test_a_malformed_review_names_the_missing_field(broken: dict[str, Any], names: str) -> None:
    with pytest.raises(MalformedReviewError, match=names.replace(".", r"\.")):
        parse_request(broken)
