"""Compute rewards from the measured counter, against the real API server, a real PostgreSQL
ledger and the operator as a real process. An EdgeDevice on a kwok node of its own reports
``status.harvestCpuSeconds`` (patched here as its agent would), a workload pod runs on that node
(the estimate, the ceiling); a Stake behind it is rewarded each 2 s epoch from the counter's delta,
and every reward's meter reading lands in the ledger with it: the baseline at the bond, measured
deltas, a reset when the counter goes down. A device without the counter falls back to the
estimate, and its Stake says so (condition ComputeMeasured=False NoCounter, and an Event)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from economics_support import (
    apply_cluster_scoped,
    condition,
    stake,
    stake_events,
    status_of,
    unique,
    wait_stake,
)
from fogcompute_operator.ledger import Ledger
from fogcompute_testbed.controlplane import NodeSpec
from operator_cluster import Cluster

M = 10**6


@pytest.fixture
def edge_nodes(cluster: Cluster) -> Iterator[tuple[str, str]]:
    """Two kwok edge nodes of this test's own (an EdgeDevice is named after its Node)."""
    names = (unique("meter"), unique("meter"))
    plane = cluster.control_plane
    plane.apply_nodes([NodeSpec(name=n, cpu="4", memory="8Gi", edge=True) for n in names])
    try:
        plane.wait_nodes_ready(names, timeout=60)
        yield names
    finally:
        cluster.kubectl("delete", "node", *names, "--wait=false", "--ignore-not-found", check=False)


pytestmark = pytest.mark.usefixtures("stakes_gone")


def edge_device(cluster: Cluster, node: str) -> str:
    name = node
    apply_cluster_scoped(
        cluster,
        {
            "apiVersion": "fogcompute.io/v1alpha1",
            "kind": "EdgeDevice",
            "metadata": {"name": name},
            "spec": {"nodeName": node},
        },
    )
    return name


def report_counter(cluster: Cluster, device: str, seconds: float) -> None:
    patch = json.dumps({"status": {"harvestCpuSeconds": seconds}})
    cluster.kubectl(
        "patch", "edgedevice", device, "--subresource=status", "--type=merge", "-p", patch
    )


def workload_pod(cluster: Cluster, node: str) -> None:
    """A running pod the operator counts as platform work on ``node`` (1 cpu requested)."""
    cluster.apply(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": unique("work"), "labels": {"fogcompute.io/fogjob": "metered"}},
            "spec": {
                "nodeName": node,
                "containers": [
                    {
                        "name": "work",
                        "image": "busybox:1.36",
                        "resources": {"requests": {"cpu": "1", "memory": "16Mi"}},
                    }
                ],
            },
        }
    )


def readings(dsn: str, stake_uid: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(dsn) as conn:
        return conn.execute(
            "SELECT epoch, counter_micros, credited_micros, basis FROM ledger_meter_readings"
            " WHERE stake_uid = %s ORDER BY epoch",
            (stake_uid,),
        ).fetchall()


def stake_uid(cluster: Cluster, name: str) -> str:
    return str((cluster.get("stake", name) or {})["metadata"]["uid"])


def test_compute_rewards_follow_the_counter_and_fall_back_to_the_estimate(
    cluster: Cluster, ledger: Ledger, economics_db: Any, edge_nodes: tuple[str, str]
) -> None:
    dsn = economics_db.read_text().strip()
    metered_node, plain_node = edge_nodes
    measured_device, estimated_device = (
        edge_device(cluster, metered_node),
        edge_device(cluster, plain_node),
    )
    report_counter(cluster, measured_device, 100.0)
    workload_pod(cluster, metered_node)
    workload_pod(cluster, plain_node)
    measured, estimated = unique("dave"), unique("bob")
    cluster.apply(
        stake(measured, account="dave", amount=2_000_000, kind="EdgeDevice", target=measured_device)
    )
    cluster.apply(
        stake(
            estimated, account="bob", amount=2_000_000, kind="EdgeDevice", target=estimated_device
        )
    )
    wait_stake(cluster, measured, "Bonded", lambda s: s.get("bonded") == "2000000")
    uid = stake_uid(cluster, measured)

    # the agent's counter grows by 0.5 cpu-seconds every 0.5 s (1 cpu busy half the time)
    counter = 100.0
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        counter += 0.5
        report_counter(cluster, measured_device, counter)
        found = readings(dsn, uid)
        if sum(1 for r in found if r[3] in ("measured", "capped")) >= 2:
            break
        time.sleep(0.5)
    found = readings(dsn, uid)
    assert found[0][1:] == (100 * M, 0, "baseline"), found  # the counter at the bond
    paid = [r for r in found if r[3] in ("measured", "capped")]
    assert len(paid) >= 2, found
    last = found[-1][1]
    assert sum(r[2] for r in found) <= last - 100 * M  # never more than the counter grew
    assert all(r[2] <= 2 * M + M // 10 for r in paid)  # nor than 1 cpu for a 2 s epoch allowed
    status = wait_stake(
        cluster,
        measured,
        "ComputeMeasured=True",
        lambda s: condition(s, "ComputeMeasured").get("status") == "True",
    )
    assert "status.harvestCpuSeconds" in condition(status, "ComputeMeasured")["message"]

    # the agent's state was reset: the counter starts again from 0
    report_counter(cluster, measured_device, 0.25)

    def reset_seen() -> tuple[list[tuple[Any, ...]] | None, Any]:
        rows = readings(dsn, uid)
        return (rows if any(r[3] == "reset" for r in rows) else None), rows[-3:]

    rows = cluster.wait_for("a reading of the reset counter", reset_seen, 30)
    reset = next(r for r in rows if r[3] == "reset")
    assert reset[1] == 250_000
    assert reset[2] <= 250_000  # what was used since the reset, not a negative delta

    # the device without the counter: the estimate, with the reason on the Stake
    status = wait_stake(
        cluster,
        estimated,
        "ComputeMeasured=False",
        lambda s: condition(s, "ComputeMeasured").get("reason") == "NoCounter",
    )
    assert "reports no status.harvestCpuSeconds" in condition(status, "ComputeMeasured")["message"]
    assert "NoCounter" in stake_events(cluster, estimated)
    fallback = readings(dsn, stake_uid(cluster, estimated))
    assert fallback, "no reading recorded with the estimated rewards"
    assert {r[3] for r in fallback} == {"estimated"}
    assert {r[1] for r in fallback} == {None}
    assert int(status_of(cluster, estimated).get("rewards") or 0) >= 0
    assert ledger.check_invariants() == ()
