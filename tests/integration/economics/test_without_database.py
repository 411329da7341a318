"""Without a configured database the economics controllers say so and do nothing else, and the
rest of the operator works: a Stake and a Proposal get LedgerReady=False (NoDatabase), no phase
beyond Pending, and a FogJob beside them is still placed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from economics_support import (
    apply_cluster_scoped,
    condition,
    get_cluster_scoped,
    stake,
    unique,
    wait_stake,
)
from operator_cluster import Cluster, FogOperator, fogjob


@pytest.fixture(scope="module")
def fog_operator(
    control_plane: Any, crds: list[str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FogOperator]:
    del crds
    op = FogOperator(control_plane=control_plane, workdir=tmp_path_factory.mktemp("operator"))
    op.start()
    try:
        yield op
    finally:
        op.stop()


def test_no_database_is_a_condition_and_nothing_else(cluster: Cluster) -> None:
    name = unique("nodb")
    cluster.apply(stake(name, account="alice", amount=2_000_000, kind="MixNode", target="m"))
    status = wait_stake(
        cluster,
        name,
        "LedgerReady=False",
        lambda s: condition(s, "LedgerReady").get("reason") == "NoDatabase",
    )
    assert condition(status, "LedgerReady")["status"] == "False"
    assert "FOG_LEDGER_DSN_FILE" in condition(status, "LedgerReady")["message"]
    assert "phase" not in status
    assert status.get("bonded", "0") == "0"  # the CRD's default; nothing was bonded
    proposal = unique("nodb")
    apply_cluster_scoped(
        cluster,
        {
            "apiVersion": "fogcompute.io/v1alpha1",
            "kind": "Proposal",
            "metadata": {"name": proposal},
            "spec": {
                "title": "t",
                "proposer": "alice",
                "deposit": "5000",
                "changes": [{"parameter": "governance.quorum", "value": "0.4"}],
            },
        },
    )

    def reported() -> tuple[dict[str, Any] | None, Any]:
        found = get_cluster_scoped(cluster, "proposal", proposal).get("status") or {}
        return (
            found if condition(found, "LedgerReady").get("reason") == "NoDatabase" else None
        ), found

    found = cluster.wait_for("Proposal LedgerReady=False", reported)
    assert found["phase"] == "Pending"
    cluster.apply(fogjob("beside", outcome="Succeeded", delay="1s"))
    cluster.wait_job(
        "beside", "Succeeded", lambda j: (j.get("status") or {}).get("phase") == "Succeeded"
    )
