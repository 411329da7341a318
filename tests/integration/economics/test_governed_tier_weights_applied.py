"""Governance steers the scheduler, against the real API server, a real PostgreSQL ledger and the
operator as a real process: a Proposal changing a tier's weights passes, and the next placement
round uses the new weights (the round's ``fogcompute_scheduling_tier_weight`` gauge, and the
``TierWeightsApplied`` Event on the Proposal)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from economics_support import apply_cluster_scoped, get_cluster_scoped, mixnode, stake, unique
from economics_support import wait_stake as wait_stake_phase
from fogcompute_operator.ledger import Ledger
from operator_cluster import Cluster, fogjob

BRONZE_COST = 'fogcompute_scheduling_tier_weight{objective="cost",tier="bronze"}'


pytestmark = pytest.mark.usefixtures("stakes_gone")


def weight(cluster: Cluster, series: str) -> float | None:
    match = re.search(rf"^{re.escape(series)} (\S+)$", cluster.operator.metrics(), re.MULTILINE)
    return float(match.group(1)) if match else None


def placed(cluster: Cluster, name: str) -> dict[str, Any]:
    return cluster.wait_job(
        name, "placed", lambda j: bool((j.get("status") or {}).get("placement")), timeout=60
    )


def proposal_events(cluster: Cluster, name: str) -> list[dict[str, Any]]:
    selector = f"involvedObject.name={name},involvedObject.kind=Proposal"
    result = cluster.kubectl(
        "get", "events", "-A", "--field-selector", selector, "-o", "json", check=False
    )
    items: list[dict[str, Any]] = json.loads(result.stdout or "{}").get("items") or []
    return items


def test_a_passed_proposal_changes_the_weights_the_next_round_uses(
    cluster: Cluster, ledger: Ledger
) -> None:
    # a round before the Proposal: the default bronze weights (cost 4)
    cluster.apply(fogjob("before", outcome="Succeeded", delay="1s"))
    placed(cluster, "before")
    assert weight(cluster, BRONZE_COST) == 4.0

    node = mixnode(cluster, reliability=0.9)
    voter, proposal = unique("carol"), unique("cheaper-bronze")
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
    wait_stake_phase(cluster, voter, "Bonded", lambda s: s.get("phase") == "Bonded")
    apply_cluster_scoped(
        cluster,
        {
            "apiVersion": "fogcompute.io/v1alpha1",
            "kind": "Proposal",
            "metadata": {"name": proposal},
            "spec": {
                "title": "bronze minds cost even more",
                "proposer": "bob",
                "deposit": "5000",
                "changes": [
                    {"parameter": "scheduler.tierWeights.bronze.cost", "value": "7.5"},
                    {"parameter": "scheduler.tierWeights.bronze.latency", "value": "0"},
                ],
            },
        },
    )

    def decided() -> tuple[dict[str, Any] | None, Any]:
        status = get_cluster_scoped(cluster, "proposal", proposal).get("status") or {}
        return (status if status.get("phase") in ("Executed", "Rejected", "Failed") else None), (
            status
        )

    status = cluster.wait_for(f"Proposal {proposal} decided", decided, 60)
    assert status["phase"] == "Executed", status
    assert weight(cluster, BRONZE_COST) == 4.0  # no round since: nothing used the new weights

    # the next placement round uses the governed weights
    cluster.apply(fogjob("after", outcome="Succeeded", delay="1s"))
    placed(cluster, "after")
    assert weight(cluster, BRONZE_COST) == 7.5
    latency = 'fogcompute_scheduling_tier_weight{objective="latency",tier="bronze"}'
    assert weight(cluster, latency) == 0.0
    gold = 'fogcompute_scheduling_tier_weight{objective="cost",tier="gold"}'
    assert weight(cluster, gold) == 1.0  # other tiers keep their defaults

    def announced() -> tuple[list[str] | None, Any]:
        found = [
            e["message"]
            for e in proposal_events(cluster, proposal)
            if e["reason"] == "TierWeightsApplied"
        ]
        return (found or None), [e["reason"] for e in proposal_events(cluster, proposal)]

    (message,) = cluster.wait_for("the TierWeightsApplied Event", announced, 30)
    assert "bronze latency=0 energy=3 cost=7.5 makespan=0.5 unreliability=0.5" in message
    assert ledger.check_invariants() == ()
