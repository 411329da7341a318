"""Per-worker packet counters and their aggregation into the node's Prometheus metrics.

Workers count with plain integers on the hot path (no locks, no shared memory) and send a
snapshot to the parent every half second and on exit; the parent sums the latest snapshot of
every worker, so ``/metrics`` shows node totals. A dead worker's last snapshot is kept, so
counters never go backwards.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Final

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from fogcompute_mixnode.sphinx import DROP_REASONS

NODE_DROP_REASONS: Final = (
    "queue_full",
    "expired",
    "unknown_next_hop",
    "unknown_recipient",
    "forged_loop",
    "send_error",
    "internal_error",
)
ALL_DROP_REASONS: Final = tuple(DROP_REASONS) + NODE_DROP_REASONS

COUNTERS: Final = {
    "received": "Datagrams received on the mixnet port",
    "processed": "Packets accepted by Sphinx processing",
    "forwarded": "Packets sent on to the next mixnode",
    "delivered": "Messages and SURB replies handed to a mailbox",
    "cover_dropped": "Drop cover packets absorbed at this exit",
    "loops_sent": "Loop cover packets this node sent",
    "loops_returned": "Loop cover packets that came back to this node",
}


@dataclass
class WorkerStats:
    """One worker's counters; mutated in place on the hot path."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTERS, 0))
    dropped: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ALL_DROP_REASONS, 0))
    queue_depth: int = 0

    def drop(self, reason: str) -> None:
        self.dropped[reason] = self.dropped.get(reason, 0) + 1

    def snapshot(self) -> dict[str, object]:
        return {
            "counts": dict(self.counts),
            "dropped": dict(self.dropped),
            "queue": self.queue_depth,
        }


@dataclass
class NodeTotals:
    """The parent's view: the latest snapshot of every worker, summed on scrape."""

    snapshots: dict[int, dict[str, object]] = field(default_factory=dict)
    ready: set[int] = field(default_factory=set)
    alive: set[int] = field(default_factory=set)

    def update(self, worker: int, snapshot: dict[str, object]) -> None:
        self.snapshots[worker] = snapshot

    def total(self, section: str, name: str) -> int:
        total = 0
        for snap in self.snapshots.values():
            values = snap.get(section)
            if isinstance(values, dict):
                total += int(values.get(name, 0))
        return total

    def queue_depth(self) -> int:
        return sum(
            int(str(s.get("queue", 0))) for w, s in self.snapshots.items() if w in self.alive
        )


class TotalsCollector:
    """A prometheus_client collector reading ``NodeTotals`` at scrape time."""

    def __init__(self, totals: NodeTotals) -> None:
        self._totals = totals

    def collect(self) -> Iterator[Metric]:
        totals = self._totals
        for name, doc in COUNTERS.items():
            family = CounterMetricFamily(f"fog_mixnode_{_metric_name(name)}", doc)
            family.add_metric([], totals.total("counts", name))
            yield family
        dropped = CounterMetricFamily(
            "fog_mixnode_packets_dropped", "Packets dropped, by reason", labels=["reason"]
        )
        reasons = set(ALL_DROP_REASONS)
        for snap in totals.snapshots.values():
            values = snap.get("dropped")
            if isinstance(values, dict):
                reasons.update(values)
        for reason in sorted(reasons):
            dropped.add_metric([reason], totals.total("dropped", reason))
        yield dropped
        yield GaugeMetricFamily(
            "fog_mixnode_queue_depth",
            "Packets waiting in the delay heaps",
            value=totals.queue_depth(),
        )
        yield GaugeMetricFamily(
            "fog_mixnode_workers_ready",
            "Worker processes serving",
            value=len(totals.ready & totals.alive),
        )


def _metric_name(counter: str) -> str:
    if counter in {"received", "processed", "forwarded", "delivered"}:
        return f"packets_{counter}"
    return counter
