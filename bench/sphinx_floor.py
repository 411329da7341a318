"""A native Sphinx hop against the floor of the format, and where the hop's time goes.

Imported by ``bench_sphinx`` (``measure`` after its interleaved comparison with sphinxmix,
``report`` for the lines it prints); ``bench_mixnet`` uses the steady-state hop for its
throughput bound. Not a test: nothing here asserts on speed.

The floor is a hop's two X25519 multiplications (the node's key, then the blinding
factor), so it is twice the fastest X25519 the extension has, bytes to bytes, measured
inside the extension (``_native.profile_x25519``): curve25519-dalek lifted to Edwards form
(the hop's route), dalek's Montgomery ladder, and x25519-dalek; libsodium's
``crypto_scalarmult`` through pynacl, and the extension's own ``x25519`` through Python,
are printed for reference. The hop is measured as a node runs it: batches of ``BATCH``
fresh packets through ``SphinxNode.process`` back to back, between the floor samples, so
both see the same load; the same for bare ``_native.unwrap_packet`` calls, which splits
the Python side in two. ``_native.profile_hop`` times each step of the unwrap on its own.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from typing import Any

from fogcompute_mixnode.sphinx import (
    NodeId,
    PathHop,
    ReplayFilter,
    SphinxNode,
    backends,
    build_forward_packet,
    generate_epoch_key,
)

HOPS = 5
BATCH = 8
FLOOR_TARGET = 1.3
MESSAGE = b"x" * 1024

STEADY_HOP = "native hop through SphinxNode.process, back to back"
FLOOR_ROUTE = "dalek via Edwards (the hop's route)"
IN_EXTENSION_ROUTES = (
    FLOOR_ROUTE,
    "dalek Montgomery ladder (MontgomeryPoint::mul_clamped)",
    "x25519-dalek x25519()",
)
LIBSODIUM = "libsodium crypto_scalarmult (pynacl, through Python)"
FROM_PYTHON = "dalek via Edwards, _native.x25519 through Python"
WHOLE_UNWRAP = "whole unwrap in Rust (all steps above, no Python)"
LIONESS = "lioness decrypt over the 2048 B payload"
GIL = "GIL release + reacquire, x2"
OUTPUT = "output bytes object (2486 B copy)"
BARE_CALL = "native hop through a bare _native.unwrap_packet call"
CALL_SIDE = "Python call: arguments, result tuple, cache misses (bare call - the above)"
PROCESS_SIDE = "SphinxNode.process around the call: checks, key, Forward (hop - bare call)"


def _timed(action: Callable[[], object]) -> int:
    start = time.perf_counter_ns()
    action()
    return time.perf_counter_ns() - start


def _timed_each(action: Callable[[], object]) -> float:
    """Nanoseconds per call of ``action`` over ``BATCH`` calls in a row."""
    start = time.perf_counter_ns()
    for _ in range(BATCH):
        action()
    return (time.perf_counter_ns() - start) / BATCH


class _Samples:
    """Named samples in nanoseconds, their medians in microseconds."""

    def __init__(self) -> None:
        self.values: dict[str, list[float]] = {}

    def add(self, rows: list[tuple[str, float]]) -> None:
        for name, ns in rows:
            self.values.setdefault(name, []).append(ns)

    def medians_us(self) -> dict[str, float]:
        return {name: statistics.median(v) / 1000.0 for name, v in self.values.items()}


def measure(n: int) -> dict[str, Any]:
    """``n`` rounds of: ``BATCH`` native hops, one sample of every X25519 route and of every
    step of a hop. Empty if the extension is not built."""
    from nacl.bindings import crypto_scalarmult

    native = backends.native
    if native is None:
        return {}
    keys = [generate_epoch_key(1) for _ in range(HOPS)]
    path = [
        PathHop(node_id=NodeId(bytes([i]) * 32), public_key=k.public_key, epoch=1, delay_us=1000)
        for i, k in enumerate(keys)
    ]
    node = SphinxNode(
        keys=[keys[0]], replay=ReplayFilter(expected_per_epoch=100_000), max_delay_us=10**7
    )
    key, point = keys[0].private_key, keys[1].public_key
    bloom = ReplayFilter(expected_per_epoch=100_000).bloom_for(1)  # for the bare calls
    before = backends.active()
    backends.select("native")
    samples = _Samples()
    try:
        packets = [
            build_forward_packet(path=path, recipient=b"r" * 32, message=MESSAGE)
            for _ in range(2 * n * (BATCH + 1) + 1)
        ]
        probe = packets.pop()
        gc.disable()

        def through_node(batch: list[bytes]) -> None:
            for packet in batch:
                node.process(packet)

        def bare(batch: list[bytes]) -> None:
            for packet in batch:
                native.unwrap_packet(
                    key, packet, 10**7, bloom.bits, bloom.size, bloom.hashes, bloom.salt
                )

        for index in range(n):
            # One untimed hop each first (the samples below evict what a node keeps warm),
            # then the timed batches, which one first alternating.
            at = 2 * index * (BATCH + 1)
            through_node(packets[at : at + 1])
            bare(packets[at + 1 : at + 2])
            order = [(STEADY_HOP, through_node), (BARE_CALL, bare)]
            for turn, (name, hops) in enumerate(order[:: 1 if index % 2 else -1]):
                batch = packets[at + 2 + turn * BATCH : at + 2 + (turn + 1) * BATCH]
                samples.add([(name, _timed(lambda h=hops, b=batch: h(b)) / BATCH)])  # type: ignore[misc]
            samples.add([(LIBSODIUM, _timed_each(lambda: crypto_scalarmult(key, point)))])
            samples.add([(FROM_PYTHON, _timed_each(lambda: native.x25519(key, point)))])
            samples.add(native.profile_x25519(key, point, 1))
            samples.add(native.profile_hop(key, probe, 1))
    finally:
        gc.enable()
        backends.select(before)
    return _figures(samples.medians_us())


def _figures(medians: dict[str, float]) -> dict[str, Any]:
    hop = medians.pop(STEADY_HOP)
    x25519_names = (*IN_EXTENSION_ROUTES, LIBSODIUM, FROM_PYTHON)
    x25519 = {name: round(medians.pop(name), 2) for name in x25519_names}
    x25519.update(
        {
            name: round(medians.pop(name), 2)
            for name in list(medians)
            if name.startswith("  Edwards route")
        }
    )
    floor = 2 * min(x25519[name] for name in IN_EXTENSION_ROUTES)
    bare = medians.pop(BARE_CALL)
    steps = {name: round(us, 2) for name, us in medians.items()}
    steps[CALL_SIDE] = round(bare - medians[WHOLE_UNWRAP] - medians[GIL] - medians[OUTPUT], 2)
    steps[PROCESS_SIDE] = round(hop - bare, 2)
    return {
        "per_hop_steady_us": round(hop, 1),
        "x25519_us": x25519,
        "floor_2x_x25519_us": round(floor, 1),
        "per_hop_vs_floor": round(hop / floor, 3),
        "per_hop_vs_floor_target": FLOOR_TARGET,
        "per_hop_vs_floor_met": hop / floor <= FLOOR_TARGET,
        "hop_breakdown_us": steps,
    }


def report(figures: dict[str, Any]) -> list[str]:
    """The lines for ``measure``'s figures (none if the extension is not built)."""
    if "per_hop_steady_us" not in figures:
        return []
    hop, floor = figures["per_hop_steady_us"], figures["floor_2x_x25519_us"]
    lines = ["one X25519 (scalar x point, bytes to bytes), same run, medians:"]
    lines.extend(f"  {us:8.2f} us  {name}" for name, us in figures["x25519_us"].items())
    met = "met" if figures["per_hop_vs_floor_met"] else "NOT met"
    lines.append(
        f"per hop vs floor: {hop:.1f} us per native hop (a node's steady state) vs "
        f"2 x X25519 = {floor:.1f} us: ratio {figures['per_hop_vs_floor']:.2f}x "
        f"(target <= {FLOOR_TARGET}x: {met})"
    )
    lines.append(f"breakdown of one native hop ({hop:.1f} us):")
    steps = figures["hop_breakdown_us"]
    lines.extend(f"  {us:8.2f} us {100 * us / hop:5.1f} %  {name}" for name, us in steps.items())
    lines.append(_above_floor(steps, hop=hop, floor=floor))
    python = figures.get("ours_python_per_hop_us")
    if python is not None:
        sodium = 2 * figures["x25519_us"][LIBSODIUM]
        lines.append(
            f"the pure-Python reference for comparison: {python:.1f} us per hop vs 2 x libsodium "
            f"X25519 (its own) = {sodium:.1f} us: ratio {python / sodium:.2f}x"
        )
    cold = figures.get("ours_native_per_hop_us")
    if cold is not None:
        lines.append(
            f"cold caches: the per-hop figure against sphinxmix ({cold:.1f} us) is "
            f"{cold - hop:+.1f} us over this steady state, each hop run between the other "
            "implementations' work"
        )
    return lines


def _above_floor(steps: dict[str, float], *, hop: float, floor: float) -> str:
    """Where the time above the floor goes: what a hop does besides two X25519s."""
    x25519 = sum(us for name, us in steps.items() if name.startswith("x25519"))
    rest = steps[WHOLE_UNWRAP] - x25519 - steps[LIONESS]
    python = steps[CALL_SIDE] + steps[PROCESS_SIDE] + steps[GIL] + steps[OUTPUT]
    return (
        f"above the floor: {hop - floor:+.1f} us = X25519 as the hop does it "
        f"{x25519 - floor:+.1f} (one lift to Edwards serves both) + lioness "
        f"{steps[LIONESS]:.1f} + HKDF/HMAC/AES/tag/bloom/copies {rest:.1f} + Python side "
        f"and GIL {python:.1f}"
    )
