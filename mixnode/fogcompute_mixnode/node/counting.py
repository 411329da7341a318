"""Per-worker packet counters and their aggregation into the node's Prometheus metrics.

Workers count with plain integers on the hot path (no locks, no shared memory) and send a
snapshot to the parent every half second and on exit; the parent sums the latest snapshot of
every worker, so ``/metrics`` shows node totals. A dead worker's last snapshot is kept, so
counters never go backwards. Key rotation (``rotating``) reports through the same snapshot:
its reload counter is summed, and the key epoch and live key count are gauges over the live
workers (the newest epoch, and the fewest keys any worker holds).
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
KEY_RELOAD_RESULTS: Final = ("ok", "error")

COUNTERS: Final = {
    "received": "Datagrams received on the mixnet port",
    "processed": "Packets accepted by Sphinx processing",
    "forwarded": "Packets sent on to the next mixnode",
    "delivered": "Messages and SURB replies handed to a mailbox",
    "cover_dropped": "Drop cover packets absorbed at this exit",
    "loops_sent": "Loop cover packets this node sent",
    "loops_returned": "Loop cover packets that came back to this node",
    "loops_skipped": "Loop cover packets not built: the directory lacks a current-epoch key",
}


@dataclass
class WorkerStats:
    """One worker's counters; mutated in place on the hot path."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTERS, 0))
    dropped: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ALL_DROP_REASONS, 0))
    key_reloads: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(KEY_RELOAD_RESULTS, 0)
    )
    queue_depth: int = 0
    key_epoch: int = -1
    live_keys: int = 0

    def drop(self, reason: str) -> None:
        self.dropped[reason] = self.dropped.get(reason, 0) + 1

    def snapshot(self) -> dict[str, object]:
        return {
            "counts": dict(self.counts),
            "dropped": dict(self.dropped),
            "queue": self.queue_depth,
            "key_reloads": dict(self.key_reloads),
            "key_epoch": self.key_epoch,
            "live_keys": self.live_keys,
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
        return sum(self._alive_values("queue"))

    def key_epoch(self) -> int | None:
        """The newest current epoch any live worker has rotated to (None before the first)."""
        epochs = [e for e in self._alive_values("key_epoch") if e >= 0]
        return max(epochs) if epochs else None

    def live_keys(self) -> int:
        """The fewest epoch keys any live worker holds: a lagging worker shows here."""
        return min(self._alive_values("live_keys"), default=0)

    def _alive_values(self, name: str) -> list[int]:
        return [int(str(s.get(name, 0))) for w, s in self.snapshots.items() if w in self.alive]


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
        reloads = CounterMetricFamily(
            "fog_mixnode_key_reloads",
            "Key file reloads at epoch boundaries, by result",
            labels=["result"],
        )
        for result in KEY_RELOAD_RESULTS:
            reloads.add_metric([result], totals.total("key_reloads", result))
        yield reloads
        epoch = GaugeMetricFamily(
            "fog_mixnode_key_epoch", "The node's key epoch, by state", labels=["state"]
        )
        current = totals.key_epoch()
        if current is not None:
            epoch.add_metric(["current"], current)
        yield epoch
        yield GaugeMetricFamily(
            "fog_mixnode_live_keys",
            "Epoch keys held (current, next, previous in grace), fewest over workers",
            value=totals.live_keys(),
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
