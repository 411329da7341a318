"""Per-worker snapshots are summed into node totals on /metrics."""

from __future__ import annotations

from fogcompute_mixnode.node import ALL_DROP_REASONS, NodeTotals, WorkerStats
from fogcompute_mixnode.node.counting import TotalsCollector
from prometheus_client import CollectorRegistry, generate_latest


def scrape(totals: NodeTotals) -> str:
    registry = CollectorRegistry()
    registry.register(TotalsCollector(totals))
    return generate_latest(registry).decode()


def test_metrics_show_totals_over_workers() -> None:
    first, second = WorkerStats(), WorkerStats()
    first.counts["processed"] = 10
    second.counts["processed"] = 5
    first.drop("bad_mac")
    second.drop("bad_mac")
    second.drop("queue_full")
    first.queue_depth, second.queue_depth = 3, 4
    totals = NodeTotals(alive={0, 1}, ready={0, 1})
    totals.update(0, first.snapshot())
    totals.update(1, second.snapshot())
    text = scrape(totals)
    assert "fog_mixnode_packets_processed_total 15.0" in text
    assert 'fog_mixnode_packets_dropped_total{reason="bad_mac"} 2.0' in text
    assert 'fog_mixnode_packets_dropped_total{reason="queue_full"} 1.0' in text
    assert "fog_mixnode_queue_depth 7.0" in text
    assert "fog_mixnode_workers_ready 2.0" in text
    for reason in ALL_DROP_REASONS:
        assert f'fog_mixnode_packets_dropped_total{{reason="{reason}"}}' in text


def test_a_dead_workers_counts_are_kept() -> None:
    stats = WorkerStats()
    stats.counts["forwarded"] = 42
    totals = NodeTotals(alive={0}, ready={0})
    totals.update(0, stats.snapshot())
    totals.alive.discard(0)
    text = scrape(totals)
    assert "fog_mixnode_packets_forwarded_total 42.0" in text
    assert "fog_mixnode_workers_ready 0.0" in text
