"""Deleting Stakes and Proposals that hold money, against the real API server, a real
PostgreSQL ledger and the operator as a real process: a deleted bonded Stake stays (Terminating)
while it unbonds and goes once the tokens are back; a Stake deleted before it bonded is never
bonded; a deleted Voting Proposal refunds its deposit once and goes; and an operator SIGKILLed
in the middle of a deletion pays nothing twice after its restart. Its own module: a fresh
database and an operator with a longer unbonding period, so the Terminating phase is seen."""

from __future__ import annotations

import json
from typing import Any

import pytest
from economics_support import (
    apply_cluster_scoped,
    condition,
    get_cluster_scoped,
    mixnode,
    stake,
    stake_events,
    unique,
    wait_stake,
)
from fogcompute_operator.ledger import Ledger, StakeUid, staker_account
from fogcompute_operator.proposals import DEPOSIT_FINALIZER
from fogcompute_operator.stakes import UNBOND_FINALIZER
from operator_cluster import Cluster, FogOperator

UNBONDING_SECONDS = 6
AMOUNT = 3_000_000
HOLD = "test.fogcompute.io/hold"  # a finalizer of nobody's: keeps a deleted object in view


@pytest.fixture(scope="module")
def economics_extra_env() -> dict[str, str]:
    return {
        "FOG_ECONOMICS_UNBONDING_SECONDS": str(UNBONDING_SECONDS),
        "FOG_ECONOMICS_VOTING_SECONDS": "120",
    }


def metadata(cluster: Cluster, name: str) -> dict[str, Any]:
    return dict((cluster.get("stake", name) or {}).get("metadata") or {})


def wait_gone(cluster: Cluster, kind: str, name: str, timeout: float = 60) -> None:
    def probe() -> tuple[bool | None, Any]:
        found = cluster.kubectl(
            "get", kind, name, "-n", cluster.namespace, "-o", "json", check=False
        )
        if found.returncode != 0:
            return True, None
        body = json.loads(found.stdout)
        return None, (body["metadata"].get("finalizers"), body.get("status", {}).get("phase"))

    cluster.wait_for(f"{kind} {name} gone", probe, timeout)


def wait_ledger(cluster: Cluster, what: str, check: Any, timeout: float = 60) -> Any:
    return cluster.wait_for(what, lambda: (check() or None, None), timeout)


def assert_ledger_sound(ledger: Ledger) -> None:
    assert ledger.check_invariants() == ()
    verification = ledger.verify()
    assert verification.ok, verification


def bonded_stake(cluster: Cluster, account: str, **spec: Any) -> tuple[str, str]:
    node = mixnode(cluster, reliability=0.9)
    name = unique(account)
    cluster.apply(stake(name, account=account, amount=AMOUNT, kind="MixNode", target=node, **spec))
    wait_stake(cluster, name, "Bonded", lambda s: s.get("phase") == "Bonded")
    held = metadata(cluster, name)
    assert UNBOND_FINALIZER in held.get("finalizers", [])
    return name, str(held["uid"])


def delete(cluster: Cluster, kind: str, name: str) -> None:
    cluster.kubectl("delete", kind, name, "-n", cluster.namespace, "--wait=false")


def test_a_deleted_bonded_stake_unbonds_then_goes(cluster: Cluster, ledger: Ledger) -> None:
    before = ledger.balance(staker_account("alice"))
    name, uid = bonded_stake(cluster, "alice")
    delete(cluster, "stake", name)
    status = wait_stake(
        cluster,
        name,
        "Terminating and unbonding",
        lambda s: (
            condition(s, "Unbonding").get("reason") == "StakeDeleted"
            and "unbondingCompleteTime" in s
            and "unbond" in ledger.history(uid)
        ),
    )
    held = metadata(cluster, name)  # still there: Terminating, held by the finalizer
    assert held.get("deletionTimestamp")
    assert held.get("finalizers") == [UNBOND_FINALIZER]
    assert status["phase"] == "Unbonding"
    assert condition(status, "Unbonding")["status"] == "True"
    assert status["unbondingCompleteTime"] in condition(status, "Unbonding")["message"]
    assert "release" not in ledger.history(uid)
    assert "StakeDeleted" in stake_events(cluster, name)
    rewards_at_deletion = ledger.history(uid)["reward"].moved
    wait_gone(cluster, "stake", name, timeout=UNBONDING_SECONDS + 30)
    history = ledger.history(uid)
    assert history["unbond"].entries == 1
    assert history["release"].entries == 1
    assert history["release"].moved == AMOUNT
    assert history["bond"].entries == 1
    assert history["reward"].moved == rewards_at_deletion  # nothing paid after the deletion
    position = ledger.positions().get(StakeUid(uid))
    assert position is None or (position.bonded, position.unbonding) == (0, 0)
    assert ledger.balance(staker_account("alice")) == before + history["reward"].moved
    assert_ledger_sound(ledger)


def test_a_stake_deleted_before_it_bonded_is_never_bonded(
    cluster: Cluster, fog_operator: FogOperator, ledger: Ledger
) -> None:
    node = mixnode(cluster, reliability=0.9)
    # 1. bond refused (no funds): the finalizer came before the bond, and goes at the deletion
    poor = unique("poor")
    cluster.apply(stake(poor, account="nobody", amount=AMOUNT, kind="MixNode", target=node))
    wait_stake(
        cluster,
        poor,
        "InsufficientFunds",
        lambda s: condition(s, "Bonded").get("reason") == "InsufficientFunds",
    )
    poor_uid = str(metadata(cluster, poor)["uid"])
    delete(cluster, "stake", poor)
    wait_gone(cluster, "stake", poor)
    assert "bond" not in ledger.history(poor_uid)
    # 2. deleted while no operator ran (held in view by someone else's finalizer): the
    #    operator that starts later sees the deletion and never bonds it
    fog_operator.stop()
    late = stake(unique("late"), account="bob", amount=AMOUNT, kind="MixNode", target=node)
    late["metadata"]["finalizers"] = [HOLD]
    cluster.apply(late)
    name = late["metadata"]["name"]
    delete(cluster, "stake", name)
    fog_operator.start()
    late_uid = str(metadata(cluster, name)["uid"])
    bonded_stake(cluster, "bob")  # the restarted operator at work: it has seen the Stake
    assert ledger.history(late_uid) == {}
    assert metadata(cluster, name).get("finalizers") == [HOLD]  # ours never added
    patch = json.dumps({"metadata": {"finalizers": None}})
    cluster.kubectl("patch", "stake", name, "-n", cluster.namespace, "--type=merge", "-p", patch)
    wait_gone(cluster, "stake", name)
    assert_ledger_sound(ledger)


def proposal_manifest(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "fogcompute.io/v1alpha1",
        "kind": "Proposal",
        "metadata": {"name": name},
        "spec": {
            "title": "withdrawn before its verdict",
            "proposer": "carol",
            "deposit": "5000",
            "changes": [{"parameter": "staking.minimumStake", "value": "2000000"}],
        },
    }


def test_a_deleted_voting_proposal_refunds_its_deposit_once(
    cluster: Cluster, ledger: Ledger
) -> None:
    name = unique("withdrawn")  # vetoed by its only voter: a tally would burn the deposit
    bonded_stake(cluster, "dave", votes=[{"proposal": name, "option": "noWithVeto"}])
    before = ledger.balance(staker_account("carol"))
    apply_cluster_scoped(cluster, proposal_manifest(name))

    def voting() -> tuple[dict[str, Any] | None, Any]:
        body = get_cluster_scoped(cluster, "proposal", name)
        return (body if (body.get("status") or {}).get("phase") == "Voting" else None), body

    body = cluster.wait_for(f"Proposal {name} Voting", voting, 60)
    assert DEPOSIT_FINALIZER in body["metadata"].get("finalizers", [])
    uid = body["metadata"]["uid"]
    assert ledger.balance(staker_account("carol")) == before - 5000
    assert body["status"]["tally"]["noWithVeto"] == str(AMOUNT)
    cluster.kubectl("delete", "proposal", name, "--wait=false")

    def gone() -> tuple[bool | None, Any]:
        found = get_cluster_scoped(cluster, "proposal", name)
        return (True if not found else None), found.get("metadata", {}).get("finalizers")

    cluster.wait_for(f"Proposal {name} gone", gone, 60)
    history = ledger.history(uid)
    assert history["deposit"].moved == 5000
    assert history["refund_withdrawn"].entries == 1
    assert history["refund_withdrawn"].moved == 5000
    assert "burn" not in history  # votes void: a veto cast before the deletion burns nothing
    assert ledger.balance(staker_account("carol")) == before
    assert_ledger_sound(ledger)


def test_operator_killed_mid_deletion_pays_nothing_twice(
    cluster: Cluster, fog_operator: FogOperator, ledger: Ledger
) -> None:
    before = ledger.balance(staker_account("carol"))
    name, uid = bonded_stake(cluster, "carol")
    # an operator that pauses between its ledger commits and its status writes
    fog_operator.stop()
    fog_operator.env["FOG_ECONOMICS_PAUSE_AFTER_LEDGER_SECONDS"] = "15"
    fog_operator.start()
    delete(cluster, "stake", name)
    wait_ledger(cluster, "the unbonding committed", lambda: "unbond" in ledger.history(uid), 90)
    fog_operator.kill()  # 1. SIGKILL between BeginUnbond and the status write
    fog_operator.start()
    wait_ledger(cluster, "the release committed", lambda: "release" in ledger.history(uid), 90)
    assert metadata(cluster, name).get("finalizers") == [UNBOND_FINALIZER]
    fog_operator.kill()  # 2. SIGKILL between the release and the finalizer's removal
    del fog_operator.env["FOG_ECONOMICS_PAUSE_AFTER_LEDGER_SECONDS"]
    fog_operator.start()
    wait_gone(cluster, "stake", name)
    history = ledger.history(uid)
    assert (history["bond"].entries, history["unbond"].entries) == (1, 1)
    assert (history["release"].entries, history["release"].moved) == (1, AMOUNT)
    assert ledger.balance(staker_account("carol")) == before + history["reward"].moved
    assert_ledger_sound(ledger)
