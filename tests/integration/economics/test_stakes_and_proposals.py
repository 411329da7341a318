"""Stake and Proposal controllers against the real API server and a real PostgreSQL ledger, with
the operator as a real process: bond, unbond, a slash, a proposal passing and its parameter
applied, and what the ledger holds after each."""

from __future__ import annotations

from typing import Any

from economics_support import (
    apply_cluster_scoped,
    condition,
    get_cluster_scoped,
    ghost_device,
    mixnode,
    stake,
    stake_events,
    status_of,
    unique,
    wait_stake,
)
from fogcompute_operator.ledger import BONDED, Ledger, staker_account
from operator_cluster import Cluster


def uid(cluster: Cluster, name: str) -> str:
    return str((cluster.get("stake", name) or {})["metadata"]["uid"])


def test_bond_then_unbond_pays_back_after_the_period(cluster: Cluster, ledger: Ledger) -> None:
    node = mixnode(cluster, reliability=0.95)
    name = unique("alice")
    before = ledger.balance(staker_account("alice"))
    cluster.apply(stake(name, account="alice", amount=3_000_000, kind="MixNode", target=node))
    status = wait_stake(cluster, name, "Bonded", lambda s: s.get("phase") == "Bonded")
    assert status["bonded"] == "3000000"
    assert condition(status, "Bonded")["status"] == "True"
    assert condition(status, "LedgerReady")["status"] == "True"
    stake_uid = uid(cluster, name)
    history = ledger.history(stake_uid)
    assert history["bond"].moved == 3_000_000
    assert history["bond"].entries == 1
    assert ledger.positions()[stake_uid].bonded == 3_000_000  # type: ignore[index]
    assert ledger.balance(staker_account("alice")) <= before - 3_000_000 + _rewards(
        ledger, stake_uid
    )
    assert "BondedAmountChanged" in stake_events(cluster, name)

    cluster.kubectl(
        "patch",
        "stake",
        name,
        "-n",
        cluster.namespace,
        "--type=merge",
        "-p",
        '{"spec":{"unbond":true}}',
    )
    wait_stake(cluster, name, "Unbonding", lambda s: s.get("phase") in ("Unbonding", "Unbonded"))
    status = wait_stake(cluster, name, "Unbonded", lambda s: s.get("phase") == "Unbonded", 30)
    assert status["bonded"] == "0"
    position = ledger.positions()[stake_uid]  # type: ignore[index]
    assert (position.bonded, position.unbonding) == (0, 0)
    history = ledger.history(stake_uid)
    assert history["release"].moved == 3_000_000
    rewards = _rewards(ledger, stake_uid)
    assert ledger.balance(staker_account("alice")) == before + rewards
    assert ledger.check_invariants() == ()


def _rewards(ledger: Ledger, stake_uid: str) -> int:
    found = ledger.history(stake_uid).get("reward")
    return found.moved if found is not None else 0


def test_below_minimum_and_insufficient_funds_are_conditions(cluster: Cluster) -> None:
    node = mixnode(cluster, reliability=0.9)
    small, rich = unique("small"), unique("rich")
    cluster.apply(stake(small, account="bob", amount=10, kind="MixNode", target=node))
    cluster.apply(stake(rich, account="nobody", amount=5_000_000, kind="MixNode", target=node))
    status = wait_stake(
        cluster,
        small,
        "BelowMinimumStake",
        lambda s: condition(s, "Bonded").get("reason") == "BelowMinimumStake",
    )
    assert status.get("phase") == "Pending"
    status = wait_stake(
        cluster,
        rich,
        "InsufficientFunds",
        lambda s: condition(s, "Bonded").get("reason") == "InsufficientFunds",
    )
    assert "insufficient funds" in condition(status, "Bonded")["message"]


def test_downtime_of_an_edge_device_slashes_once_and_jails(
    cluster: Cluster, ledger: Ledger
) -> None:
    device = ghost_device(cluster)
    name = unique("dave")
    cluster.apply(stake(name, account="dave", amount=2_000_000, kind="EdgeDevice", target=device))
    status = wait_stake(cluster, name, "Jailed after a slash", lambda s: s.get("phase") == "Jailed")
    assert status["slashed"] == "200000"
    assert status["bonded"] == "1800000"
    assert status.get("jailedUntil")
    stake_uid = uid(cluster, name)
    history = ledger.history(stake_uid)
    assert history["slash"].entries == 1
    assert history["slash"].moved == 200_000
    assert "Slashed" in stake_events(cluster, name)
    assert ledger.check_invariants() == ()


def test_proposal_passes_and_its_parameter_applies(cluster: Cluster, ledger: Ledger) -> None:
    node = mixnode(cluster, reliability=0.9)
    voter = unique("carol")
    proposal = unique("raise-min")
    carol_before = ledger.balance(staker_account("carol"))
    cluster.apply(
        stake(
            voter,
            account="carol",
            amount=20_000_000,
            kind="MixNode",
            target=node,
            votes=[{"proposal": proposal, "option": "yes"}],
        )
    )
    wait_stake(cluster, voter, "Bonded", lambda s: s.get("phase") == "Bonded")
    bob_before = ledger.balance(staker_account("bob"))
    apply_cluster_scoped(
        cluster,
        {
            "apiVersion": "fogcompute.io/v1alpha1",
            "kind": "Proposal",
            "metadata": {"name": proposal},
            "spec": {
                "title": "raise the minimum stake",
                "proposer": "bob",
                "deposit": "5000",
                "changes": [{"parameter": "staking.minimumStake", "value": "25000000"}],
            },
        },
    )

    def executed() -> tuple[dict[str, Any] | None, Any]:
        body = get_cluster_scoped(cluster, "proposal", proposal)
        status = body.get("status") or {}
        return (status if status.get("phase") in ("Executed", "Rejected") else None), status

    status = cluster.wait_for(f"Proposal {proposal} decided", executed, 60)
    assert status["phase"] == "Executed", status
    assert status["quorumReached"] is True
    assert int(status["tally"]["yes"]) >= 20_000_000
    assert condition(status, "Decided")["reason"] == "Passed"
    prop_uid = get_cluster_scoped(cluster, "proposal", proposal)["metadata"]["uid"]
    history = ledger.history(prop_uid)
    assert history["deposit"].moved == 5000
    assert history["refund_passed"].moved == 5000
    assert ledger.balance(staker_account("bob")) == bob_before  # the deposit came back
    recorded = status_of(cluster, voter).get("recordedVotes") or []
    assert [(v["proposal"], v["option"]) for v in recorded] == [(proposal, "yes")]
    # the new minimum stake applies: a 10,000,000 stake no longer bonds
    late = unique("late")
    cluster.apply(stake(late, account="carol", amount=10_000_000, kind="MixNode", target=node))
    late_status = wait_stake(
        cluster,
        late,
        "BelowMinimumStake",
        lambda s: condition(s, "Bonded").get("reason") == "BelowMinimumStake",
    )
    assert "25000000" in condition(late_status, "Bonded")["message"]
    assert ledger.balance(BONDED) >= 20_000_000
    assert ledger.balance(staker_account("carol")) <= carol_before
    assert ledger.check_invariants() == ()
