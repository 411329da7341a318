"""What the Sphinx work alone allows a node to forward, next to what it forwarded.

Imported by ``bench_mixnet``: a ``HopProbe`` times the native hop in the benchmark's own
process right after each throughput trial (the load generator has stopped, the machine's
other load has not), and ``bound_figures`` turns each worker count's zero-loss rate into a
fraction of ``workers`` cores each unwrapping one packet per probed hop time. The rest of
a node's time goes to its socket I/O, delay queue and counters; the load generator and the
sink share the same cores, so on a small machine the fraction is a lower bound.
Not a test: nothing here asserts on speed.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Sequence
from pathlib import Path

from fogcompute_mixnode.sphinx import PACKET_SIZE, EpochKey, ReplayFilter, SphinxNode, backends

PROBE_PACKETS = 128
BATCH = 8


class HopProbe:
    """Median per-hop time of ``SphinxNode.process`` (native) over probes taken on demand."""

    def __init__(self, *, packets_file: Path, keys: Sequence[EpochKey]) -> None:
        with packets_file.open("rb") as handle:
            data = handle.read(PROBE_PACKETS * PACKET_SIZE)
        self._packets = [data[i : i + PACKET_SIZE] for i in range(0, len(data), PACKET_SIZE)]
        self._keys = list(keys)
        self.samples_us: list[float] = []

    def sample(self) -> None:
        """Process the probe packets once with a fresh node (empty replay filter)."""
        before = backends.active()
        backends.select("native")
        node = SphinxNode(
            keys=self._keys, replay=ReplayFilter(expected_per_epoch=10**5), max_delay_us=10**7
        )
        batches = []
        try:
            node.process(self._packets[0])  # warm; not timed
            for at in range(1, len(self._packets) - BATCH + 1, BATCH):
                start = time.perf_counter_ns()
                for packet in self._packets[at : at + BATCH]:
                    node.process(packet)
                batches.append((time.perf_counter_ns() - start) / BATCH / 1000.0)
        finally:
            backends.select(before)
        self.samples_us.append(statistics.median(batches))

    def median_us(self) -> float:
        return statistics.median(self.samples_us)


def bound_figures(
    results: dict[int, float], *, per_hop_us: dict[int, float]
) -> tuple[dict[str, object], list[str]]:
    """Figures and printed lines: each zero-loss rate against ``workers`` cores' hop bound."""
    cores = os.cpu_count() or 1
    figures: dict[str, object] = {}
    lines = []
    for workers, pps in results.items():
        used = min(workers, cores)
        hop = per_hop_us[workers]
        bound = used * 1e6 / hop
        figures[f"throughput_hop_us_probed_{workers}"] = round(hop, 1)
        figures[f"throughput_bound_pps_{workers}"] = round(bound)
        figures[f"throughput_vs_hop_bound_{workers}"] = round(pps / bound, 3)
        lines.append(
            f"throughput workers={workers}: {pps:,.0f} packets/s = {pps / bound:.2f} of the "
            f"{bound:,.0f}/s that {used} core(s) allow at {hop:.1f} us per hop (probed "
            f"between these trials; machine: {cores} cores, shared with the load generator "
            "and the sink)"
        )
    return figures, lines
