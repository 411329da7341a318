"""Rewards and downtime from the informers' bodies: Nym's share, the cpu-seconds estimate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction

from fogcompute_operator.stakes import compute_share, cpu_seconds, health_of, mixing_share
from fogcompute_operator.treasury import Governed

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)


def pod(node: str, start: str, finish: str | None, cpu: str) -> dict[str, object]:
    state = (
        {"terminated": {"startedAt": start, "finishedAt": finish}} if finish else {"running": {}}
    )
    return {
        "spec": {"nodeName": node, "containers": [{"resources": {"requests": {"cpu": cpu}}}]},
        "status": {"startTime": start, "containerStatuses": [{"state": state}]},
    }


def test_cpu_seconds_are_the_overlap_with_the_epoch_times_the_request() -> None:
    pods = [
        pod("n1", "2026-01-01T11:59:50Z", "2026-01-01T12:00:20Z", "500m"),  # 20 s in the epoch
        pod("n1", "2026-01-01T12:00:30Z", None, "2"),  # still running: 30 s to the epoch end
        pod("n2", "2026-01-01T12:00:00Z", "2026-01-01T12:01:00Z", "4"),  # another node
    ]
    got = cpu_seconds(pods, node="n1", start=NOW, end=NOW + timedelta(seconds=60))
    assert got == Fraction(20) * Fraction(1, 2) + 30 * 2


def test_compute_share_is_capped_by_the_pool_and_split_by_stake() -> None:
    assert compute_share(cpu=Fraction(100), stake=1, device_total=4, rate=10, pool=10_000) == 250
    assert compute_share(cpu=Fraction(100), stake=4, device_total=4, rate=10, pool=300) == 300


def test_mixing_share_follows_nym_and_splits_a_node_among_its_stakes() -> None:
    whole = mixing_share(
        performance=Fraction(9, 10),
        stake=100,
        node_total=100,
        bonded_total=100,
        staked_nodes=1,
        budget=13_000,
    )
    assert whole == 9_000  # 0.9 x 13000 x 1 / 1.3
    half = mixing_share(
        performance=Fraction(9, 10),
        stake=50,
        node_total=100,
        bonded_total=100,
        staked_nodes=1,
        budget=13_000,
    )
    assert half == 4_500
    assert (
        mixing_share(
            performance=None, stake=1, node_total=1, bonded_total=1, staked_nodes=1, budget=1
        )
        == 0
    )


def test_health_of_a_mixnode_and_of_an_edge_device() -> None:
    params = Governed(minimum_reliability=Fraction(1, 2), unknown_window_seconds=60)
    low = health_of("MixNode", {"status": {"reliability": 0.2}}, now=NOW, params=params)
    assert low.down
    assert low.performance == Fraction(1, 5)
    assert not health_of("MixNode", {"status": {}}, now=NOW, params=params).down
    unknown = {
        "status": {
            "conditions": [
                {"type": "Ready", "status": "Unknown", "lastTransitionTime": "2026-01-01T11:58:00Z"}
            ]
        }
    }
    assert health_of("EdgeDevice", unknown, now=NOW, params=params).down
    assert not health_of("EdgeDevice", unknown, now=NOW - timedelta(seconds=90), params=params).down
    assert not health_of("EdgeDevice", None, now=NOW, params=params).exists
