"""The chart's admission policy on the real API server: a Stake is created, changed or voted
with only by the user its spec.account names. Two ordinary users (client certificates) with the
same RBAC rights on Stakes: bob cannot bond, unbond or vote with alice's Stake; alice can.
The policy is applied from the rendered chart template, bound to this test's namespace only."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from economics_support import stake
from fogcompute_testbed.controlplane import ControlPlane
from fogcompute_testbed.toolchain import repo_root

CHART = repo_root() / "charts" / "fog-compute"


@pytest.fixture
def stake_policy(control_plane: ControlPlane, crds: list[str], namespace: str) -> Iterator[None]:
    del crds
    release = f"authz{uuid.uuid4().hex[:6]}"
    selector = json.dumps({"matchLabels": {"kubernetes.io/metadata.name": namespace}})
    rendered = control_plane.helm(
        "template",
        release,
        str(CHART),
        "--namespace",
        "fog",
        "--show-only",
        "templates/stake-admission.yaml",
        "--set-json",
        f"economics.stakeAdmission.namespaceSelector={selector}",
    ).stdout
    docs = [d for d in yaml.safe_load_all(rendered) if d]
    assert [d["kind"] for d in docs] == [
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
    ]
    manifest = json.dumps({"apiVersion": "v1", "kind": "List", "items": docs})
    control_plane.kubectl("apply", "-f", "-", input=manifest)
    try:
        yield
    finally:
        control_plane.kubectl("delete", "-f", "-", "--wait=false", input=manifest, check=False)


def grant_stakes(control_plane: ControlPlane, namespace: str, *users: str) -> None:
    control_plane.kubectl(
        "create",
        "role",
        "stakers",
        "-n",
        namespace,
        "--verb=get,list,watch,create,update,patch",
        "--resource=stakes.fogcompute.io",
    )
    control_plane.kubectl(
        "create",
        "rolebinding",
        "stakers",
        "-n",
        namespace,
        "--role=stakers",
        *[f"--user={u}" for u in users],
    )


def as_user(plane: ControlPlane, kubeconfig: Path, *args: str, input: str | None = None) -> Any:  # noqa: A002
    return plane.kubectl(*args, kubeconfig=kubeconfig, input=input, check=False)


def test_only_the_named_account_bonds_unbonds_or_votes(
    control_plane: ControlPlane, namespace: str, stake_policy: None
) -> None:
    del stake_policy
    plane = control_plane
    grant_stakes(plane, namespace, "alice", "bob")
    alice, bob = plane.kubeconfig_for("alice"), plane.kubeconfig_for("bob")
    mine = json.dumps(
        stake("alice-stake", account="alice", amount=2_000_000, kind="MixNode", target="m1")
    )
    # bob may not bond in alice's name (retried briefly: a new policy takes a moment to load)
    deadline = time.monotonic() + 20
    while True:
        refused = as_user(plane, bob, "create", "-n", namespace, "-f", "-", input=mine)
        if refused.returncode != 0 or time.monotonic() > deadline:
            break
        plane.kubectl("delete", "stake", "alice-stake", "-n", namespace, check=False)
        time.sleep(0.5)
    assert refused.returncode != 0, "bob created a Stake naming alice"
    assert "only alice may create, bond, unbond or vote with it, not bob" in refused.stderr
    created = as_user(plane, alice, "create", "-n", namespace, "-f", "-", input=mine)
    assert created.returncode == 0, created.stderr
    # bob cannot unbond, bond more or vote with it
    for patch in (
        {"spec": {"unbond": True}},
        {"spec": {"amount": "3000000"}},
        {"spec": {"votes": [{"proposal": "p1", "option": "yes"}]}},
    ):
        result = as_user(
            plane,
            bob,
            "patch",
            "stake",
            "alice-stake",
            "-n",
            namespace,
            "--type=merge",
            "-p",
            json.dumps(patch),
        )
        assert result.returncode != 0, f"bob changed alice's Stake with {patch}"
        assert "not bob" in result.stderr
    # alice can do all three
    for patch in (
        {"spec": {"votes": [{"proposal": "p1", "option": "yes"}]}},
        {"spec": {"amount": "3000000"}},
        {"spec": {"unbond": True}},
    ):
        result = as_user(
            plane,
            alice,
            "patch",
            "stake",
            "alice-stake",
            "-n",
            namespace,
            "--type=merge",
            "-p",
            json.dumps(patch),
        )
        assert result.returncode == 0, result.stderr
    # bob's own Stake is his to create
    his = json.dumps(
        stake("bob-stake", account="bob", amount=2_000_000, kind="MixNode", target="m1")
    )
    assert as_user(plane, bob, "create", "-n", namespace, "-f", "-", input=his).returncode == 0
    stored = json.loads(
        plane.kubectl("get", "stake", "alice-stake", "-n", namespace, "-o", "json").stdout
    )
    assert stored["spec"]["unbond"] is True
    assert stored["spec"]["amount"] == "3000000"
