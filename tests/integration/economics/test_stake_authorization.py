"""The chart's admission policy on the real API server: a Stake is created, changed or voted
with only by the user its spec.account names. Two ordinary users (client certificates) with the
same RBAC rights on Stakes: bob cannot bond, unbond or vote with alice's Stake; alice can; nor
can the cluster admin by default. With ``breakGlassGroups`` set, a member of such a group (carol)
may act on alice's Stake, while bob and the cluster admin still may not. The policy is applied
from the rendered chart template, bound to this test's namespace only."""

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


BREAK_GLASS = "fog:stake-break-glass"


@pytest.fixture
def stake_policy(
    control_plane: ControlPlane, crds: list[str], namespace: str, request: pytest.FixtureRequest
) -> Iterator[None]:
    """The chart's policy; a test parametrizing it indirectly sets breakGlassGroups."""
    del crds
    groups = list(getattr(request, "param", ()))
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
        "--set-json",
        f"economics.stakeAdmission.breakGlassGroups={json.dumps(groups)}",
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


def refused_once_loaded(plane: ControlPlane, kubeconfig: Path, namespace: str, body: str) -> Any:
    """Create ``body`` as that user until the policy refuses it (a new policy takes a moment to
    load; bounded) and return the refusal."""
    deadline = time.monotonic() + 20
    while True:
        refused = as_user(plane, kubeconfig, "create", "-n", namespace, "-f", "-", input=body)
        if refused.returncode != 0 or time.monotonic() > deadline:
            return refused
        name = json.loads(body)["metadata"]["name"]
        plane.kubectl("delete", "stake", name, "-n", namespace, check=False)
        time.sleep(0.5)


def patch_stake(plane: ControlPlane, kubeconfig: Path, namespace: str, patch: Any) -> Any:
    return as_user(
        plane,
        kubeconfig,
        "patch",
        "stake",
        "alice-stake",
        "-n",
        namespace,
        "--type=merge",
        "-p",
        json.dumps(patch),
    )


def test_only_the_named_account_bonds_unbonds_or_votes(
    control_plane: ControlPlane, namespace: str, stake_policy: None
) -> None:
    del stake_policy
    plane = control_plane
    grant_stakes(plane, namespace, "alice", "bob")
    alice, bob = plane.kubeconfig_for("alice"), plane.kubeconfig_for("bob")
    admin = plane.admin_kubeconfig
    mine = json.dumps(
        stake("alice-stake", account="alice", amount=2_000_000, kind="MixNode", target="m1")
    )
    # bob may not bond in alice's name
    refused = refused_once_loaded(plane, bob, namespace, mine)
    assert refused.returncode != 0, "bob created a Stake naming alice"
    assert "only alice may create, bond, unbond or vote with it, not bob" in refused.stderr
    # nor may the cluster admin: no break-glass group by default
    refused = as_user(plane, admin, "create", "-n", namespace, "-f", "-", input=mine)
    assert refused.returncode != 0, "the cluster admin created a Stake naming alice"
    assert "only alice may create, bond, unbond or vote with it" in refused.stderr
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


@pytest.mark.parametrize("stake_policy", [[BREAK_GLASS]], indirect=True, ids=["break-glass"])
def test_a_break_glass_group_member_may_act_on_any_stake_and_no_one_else(
    control_plane: ControlPlane, namespace: str, stake_policy: None
) -> None:
    del stake_policy
    plane = control_plane
    grant_stakes(plane, namespace, "alice", "bob", "carol")
    alice, bob = plane.kubeconfig_for("alice"), plane.kubeconfig_for("bob")
    carol = plane.kubeconfig_for("carol", groups=[BREAK_GLASS])
    mine = json.dumps(
        stake("alice-stake", account="alice", amount=2_000_000, kind="MixNode", target="m1")
    )
    refused = refused_once_loaded(plane, bob, namespace, mine)
    assert refused.returncode != 0, "bob (not in the break-glass group) created alice's Stake"
    created = as_user(plane, alice, "create", "-n", namespace, "-f", "-", input=mine)
    assert created.returncode == 0, created.stderr
    # the cluster admin is not in the group: still refused
    result = patch_stake(plane, plane.admin_kubeconfig, namespace, {"spec": {"unbond": True}})
    assert result.returncode != 0, "the cluster admin unbonded alice's Stake"
    assert "only alice may create, bond, unbond or vote with it" in result.stderr
    assert patch_stake(plane, bob, namespace, {"spec": {"unbond": True}}).returncode != 0
    # carol, in the break-glass group, unbonds it (a compromised key's stake, say)
    result = patch_stake(plane, carol, namespace, {"spec": {"unbond": True}})
    assert result.returncode == 0, result.stderr
    stored = json.loads(
        plane.kubectl("get", "stake", "alice-stake", "-n", namespace, "-o", "json").stdout
    )
    assert stored["spec"]["unbond"] is True
