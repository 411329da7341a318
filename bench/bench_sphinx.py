"""Sphinx packet benchmark: per-hop processing and 5-hop creation, ours vs sphinxmix 0.0.7.

Run with ``.venv/bin/python bench/bench_sphinx.py [N]``; ``bench/bench_mixnet.py`` imports
``run(n)`` and merges its figures. Both implementations run in the same process with the
same payload size (``PAYLOAD_SIZE`` bytes) and 5-hop paths; sphinxmix uses its default
parameters (petlib NIST P-224 group, AES-128-CTR, its own LIONESS). Each packet is timed on
its own with ``perf_counter_ns``, ours and sphinxmix's alternately, so that load from other
processes on the machine hits both alike; figures are medians over ``n`` packets.
Not a test: nothing here asserts on speed.
"""

from __future__ import annotations

import gc
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from fogcompute_mixnode.sphinx import (
    PAYLOAD_SIZE,
    NodeId,
    PathHop,
    ReplayFilter,
    SphinxNode,
    build_forward_packet,
    generate_epoch_key,
)

HOPS = 5
PER_HOP_TARGET = 1.6
MESSAGE = b"x" * 1024


def machine() -> dict[str, Any]:
    """Cores and CPU model of this machine."""
    model = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"cores": os.cpu_count() or 0, "cpu": model, "python": platform.python_version()}


def _timed(action: Callable[[], object]) -> int:
    start = time.perf_counter_ns()
    action()
    return time.perf_counter_ns() - start


def _median_us(samples: list[int]) -> float:
    return statistics.median(samples) / 1000.0


def _ours() -> tuple[Callable[[], bytes], SphinxNode]:
    keys = [generate_epoch_key(1) for _ in range(HOPS)]
    path = [
        PathHop(node_id=NodeId(bytes([i]) * 32), public_key=k.public_key, epoch=1, delay_us=1000)
        for i, k in enumerate(keys)
    ]
    node = SphinxNode(
        keys=[keys[0]], replay=ReplayFilter(expected_per_epoch=100_000), max_delay_us=10**7
    )

    def create() -> bytes:
        return build_forward_packet(path=path, recipient=b"r" * 32, message=MESSAGE)

    return create, node


def _sphinxmix() -> tuple[Callable[[], Any], Callable[[Any], Any]]:
    from sphinxmix.SphinxClient import Nenc, create_forward_message
    from sphinxmix.SphinxNode import sphinx_process
    from sphinxmix.SphinxParams import SphinxParams

    params = SphinxParams(body_len=PAYLOAD_SIZE)
    group = params.group
    secrets = [group.gensecret() for _ in range(HOPS)]
    publics = [group.expon(group.g, [x]) for x in secrets]
    routing = [Nenc(bytes([i])) for i in range(HOPS)]

    def create() -> Any:
        return create_forward_message(params, routing, publics, b"dest", MESSAGE)

    def process(packet: Any) -> Any:
        header, delta = packet
        return sphinx_process(params, secrets[0], header, delta)

    return create, process


def run(n: int) -> dict[str, float]:
    """Median per-hop and 5-hop creation times (microseconds) of both, and the ratios."""
    our_create, node = _ours()
    ref_create, ref_process = _sphinxmix()
    our_packets: list[bytes] = []
    ref_packets: list[Any] = []
    times: dict[str, list[int]] = {"oc": [], "rc": [], "op": [], "rp": []}
    gc.disable()
    try:
        for _ in range(n):
            times["oc"].append(_timed(lambda: our_packets.append(our_create())))
            times["rc"].append(_timed(lambda: ref_packets.append(ref_create())))
        for ours, ref in zip(our_packets, ref_packets, strict=True):
            times["op"].append(_timed(lambda o=ours: node.process(o)))  # type: ignore[misc]
            times["rp"].append(_timed(lambda r=ref: ref_process(r)))  # type: ignore[misc]
    finally:
        gc.enable()
    ours_hop, ref_hop = _median_us(times["op"]), _median_us(times["rp"])
    ours_make, ref_make = _median_us(times["oc"]), _median_us(times["rc"])
    return {
        "sphinx_per_hop_us": round(ours_hop, 1),
        "sphinxmix_per_hop_us": round(ref_hop, 1),
        "per_hop_speedup": round(ref_hop / ours_hop, 2),
        "sphinx_create_5hop_us": round(ours_make, 1),
        "sphinxmix_create_5hop_us": round(ref_make, 1),
        "create_5hop_speedup": round(ref_make / ours_make, 2),
    }


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    info = machine()
    print(f"machine: {info['cores']} cores, {info['cpu']}, Python {info['python']}")
    print(f"packets: {n} per figure, {HOPS}-hop paths, {PAYLOAD_SIZE}-byte payload, medians")
    figures = run(n)
    met = "met" if figures["per_hop_speedup"] >= PER_HOP_TARGET else "NOT met"
    print(
        f"per hop:       ours {figures['sphinx_per_hop_us']:8.1f} us   "
        f"sphinxmix {figures['sphinxmix_per_hop_us']:8.1f} us   "
        f"ratio {figures['per_hop_speedup']:.2f}x (target >= {PER_HOP_TARGET}x: {met})"
    )
    print(
        f"5-hop create:  ours {figures['sphinx_create_5hop_us']:8.1f} us   "
        f"sphinxmix {figures['sphinxmix_create_5hop_us']:8.1f} us   "
        f"ratio {figures['create_5hop_speedup']:.2f}x"
    )
    print(json.dumps({"machine": info, **figures}, sort_keys=True))


if __name__ == "__main__":
    main()
