"""The eviction decision: may the edge agent that sent this AdmissionReview evict this pod?

Pure; called by ``serving`` once per review, after it has read the pod the Eviction names. The
rule: an eviction (``pods/eviction`` CREATE) requested by the edge agent's ServiceAccount is
allowed only when the pod's ``spec.nodeName`` is the node in the token's node-name claim
(``authentication.kubernetes.io/node-name`` in ``userInfo.extra``, which the API server adds to
a token bound to a pod). Everything else the webhook may be sent is allowed untouched: other
users (the webhook configuration's matchConditions send only the agent, this is the second
line), other operations. Denials say both nodes and the fix. No I/O, no clock, no kopf.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fogcompute_operator.kube import ObjectKey, object_key

NODE_CLAIM = "authentication.kubernetes.io/node-name"
FORBIDDEN = 403
NOT_FOUND = 404


class MalformedReviewError(ValueError):
    """The AdmissionReview lacks a field the decision needs; the message names it."""


@dataclass(frozen=True)
class EvictionRequest:
    """What the decision reads from one AdmissionReview request."""

    uid: str
    username: str
    node_claim: str | None  # None: the token carries no node-name claim
    operation: str
    resource: str  # "pods/eviction" for an eviction
    pod: ObjectKey

    @property
    def is_eviction(self) -> bool:
        return self.operation == "CREATE" and self.resource == "pods/eviction"


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    message: str = ""
    code: int = 200


ALLOWED = Verdict(allowed=True)


def _field(mapping: Mapping[str, Any], name: str, *, path: str) -> Any:
    if not isinstance(mapping, Mapping) or name not in mapping:
        raise MalformedReviewError(
            f"the AdmissionReview has no {path}{name}; send admission.k8s.io/v1"
        )
    return mapping[name]


def _node_claim(user: Mapping[str, Any]) -> str | None:
    extra = user.get("extra") or {}
    values = extra.get(NODE_CLAIM) if isinstance(extra, Mapping) else None
    if isinstance(values, list) and values and isinstance(values[0], str) and values[0]:
        return values[0]
    return None


def parse_request(review: Mapping[str, Any]) -> EvictionRequest:
    """The fields of ``review["request"]`` the decision needs; ``MalformedReviewError`` names a
    missing one."""
    request = _field(review, "request", path="")
    user = _field(request, "userInfo", path="request.")
    kind = _field(request, "resource", path="request.")
    plural = str(_field(kind, "resource", path="request.resource."))
    sub = request.get("subResource") or ""
    name = str(request.get("name") or "")
    if not name:
        raise MalformedReviewError("the AdmissionReview has no request.name (the pod to evict)")
    return EvictionRequest(
        uid=str(_field(request, "uid", path="request.")),
        username=str(user.get("username") or ""),
        node_claim=_node_claim(user),
        operation=str(_field(request, "operation", path="request.")),
        resource=f"{plural}/{sub}" if sub else plural,
        pod=object_key(str(request.get("namespace") or ""), name),
    )


def decide_eviction(
    *, request: EvictionRequest, agent_user: str, pod: Mapping[str, Any] | None
) -> Verdict:
    """Allow or deny ``request`` given the pod it names as stored (None: no such pod)."""
    if request.username != agent_user or not request.is_eviction:
        return ALLOWED
    if request.node_claim is None:
        return Verdict(
            allowed=False,
            code=FORBIDDEN,
            message=(
                "the edge agent's token has no node-name claim, so the pods it may evict are "
                "unknown; it must use the ServiceAccount token bound to its pod "
                "(automountServiceAccountToken or a projected token), not a long-lived one"
            ),
        )
    if pod is None:
        return Verdict(allowed=False, code=NOT_FOUND, message=f"pod {request.pod} not found")
    node = str((pod.get("spec") or {}).get("nodeName") or "")
    if node == request.node_claim:
        return ALLOWED
    where = f"runs on node {node}" if node else "is not bound to a node"
    return Verdict(
        allowed=False,
        code=FORBIDDEN,
        message=(
            f"the edge agent on node {request.node_claim} may evict only pods on node "
            f"{request.node_claim}; pod {request.pod} {where}"
        ),
    )


def review_response(*, uid: str, verdict: Verdict) -> dict[str, Any]:
    """The AdmissionReview (admission.k8s.io/v1) that answers the request ``uid``."""
    response: dict[str, Any] = {"uid": uid, "allowed": verdict.allowed}
    if not verdict.allowed:
        reason = "NotFound" if verdict.code == NOT_FOUND else "Forbidden"
        response["status"] = {"code": verdict.code, "message": verdict.message, "reason": reason}
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "response": response}
