"""Sphinx packet benchmark: per-hop processing and 5-hop creation, ours vs sphinxmix 0.0.7.

Run with ``.venv/bin/python bench/bench_sphinx.py [N]``; ``bench/bench_mixnet.py`` imports
``run(n)`` and merges its figures. Ours runs twice, as the Rust extension (``ours-native``,
when ``hack/build-native.sh`` built it) and as the pure-Python reference (``ours-python``),
switched with ``sphinx.backends.select``; all run in the same process with the same payload
size (``PAYLOAD_SIZE`` bytes) and 5-hop paths; sphinxmix uses its default parameters
(petlib NIST P-224 group, AES-128-CTR, its own LIONESS). Each packet is timed on its own
with ``perf_counter_ns``, the implementations alternately, so that load from other
processes on the machine hits all alike; figures are medians over ``n`` packets.
``sphinx_floor`` adds the native hop in a node's steady state against the floor of the
format (its two X25519 multiplications) and the per-step breakdown of that hop.
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

import sphinx_floor  # the script's own folder is on sys.path (bench_mixnet puts it there too)
from fogcompute_mixnode.sphinx import (
    PAYLOAD_SIZE,
    NodeId,
    PathHop,
    ReplayFilter,
    SphinxNode,
    backends,
    build_forward_packet,
    generate_epoch_key,
)
from fogcompute_mixnode.sphinx.backends import IMPLEMENTATIONS

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


def _ours() -> tuple[Callable[[], bytes], dict[str, SphinxNode]]:
    keys = [generate_epoch_key(1) for _ in range(HOPS)]
    path = [
        PathHop(node_id=NodeId(bytes([i]) * 32), public_key=k.public_key, epoch=1, delay_us=1000)
        for i, k in enumerate(keys)
    ]
    nodes: dict[str, SphinxNode] = {
        name: SphinxNode(
            keys=[keys[0]], replay=ReplayFilter(expected_per_epoch=100_000), max_delay_us=10**7
        )
        for name in IMPLEMENTATIONS
    }

    def create() -> bytes:
        return build_forward_packet(path=path, recipient=b"r" * 32, message=MESSAGE)

    return create, nodes


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


def _implementations() -> list[str]:
    return ["native", "python"] if backends.native_available() else ["python"]


def run(n: int) -> dict[str, Any]:
    """Median per-hop and 5-hop creation times (microseconds) of ours (native and Python)
    and of sphinxmix, and the ratios; ``per_hop_speedup`` is the fastest of ours."""
    before = backends.active()
    ours = _implementations()
    our_create, node = _ours()
    ref_create, ref_process = _sphinxmix()
    packets: dict[str, list[Any]] = {name: [] for name in [*ours, "sphinxmix"]}
    create: dict[str, list[int]] = {name: [] for name in packets}
    hop: dict[str, list[int]] = {name: [] for name in packets}
    gc.disable()
    try:
        for _ in range(n):  # interleaved, so load from elsewhere hits all alike
            for name in ours:
                backends.select(name)
                create[name].append(_timed(lambda p=packets[name]: p.append(our_create())))  # type: ignore[misc]
            create["sphinxmix"].append(_timed(lambda: packets["sphinxmix"].append(ref_create())))
        for index in range(n):
            for name in ours:
                backends.select(name)
                packet = packets[name][index]
                hop[name].append(_timed(lambda p=packet, n=node[name]: n.process(p)))  # type: ignore[misc]
            ref = packets["sphinxmix"][index]
            hop["sphinxmix"].append(_timed(lambda r=ref: ref_process(r)))  # type: ignore[misc]
    finally:
        gc.enable()
        backends.select(before)
    hop_us = {name: _median_us(samples) for name, samples in hop.items()}
    create_us = {name: _median_us(samples) for name, samples in create.items()}
    figures: dict[str, Any] = {"implementations": ours}
    for name in [*ours, "sphinxmix"]:
        label = name if name == "sphinxmix" else f"ours_{name}"
        figures[f"{label}_per_hop_us"] = round(hop_us[name], 1)
        figures[f"{label}_create_5hop_us"] = round(create_us[name], 1)
    for name in ours:
        figures[f"per_hop_speedup_{name}"] = round(hop_us["sphinxmix"] / hop_us[name], 2)
        figures[f"create_5hop_speedup_{name}"] = round(create_us["sphinxmix"] / create_us[name], 2)
    best = ours[0]
    figures["per_hop_speedup"] = figures[f"per_hop_speedup_{best}"]
    figures["create_5hop_speedup"] = figures[f"create_5hop_speedup_{best}"]
    if "native" in ours:
        figures["native_vs_python_per_hop"] = round(hop_us["python"] / hop_us["native"], 2)
        figures["native_vs_python_create_5hop"] = round(
            create_us["python"] / create_us["native"], 2
        )
        figures.update(sphinx_floor.measure(n))
    return figures


def report(figures: dict[str, Any]) -> list[str]:
    """The human-readable lines of ``run``'s figures (``bench_mixnet`` prints them too)."""
    lines = []
    for name in figures["implementations"]:
        ratio = figures[f"per_hop_speedup_{name}"]
        met = "met" if ratio >= PER_HOP_TARGET else "NOT met"
        lines.append(
            f"per hop       ours-{name:<7}{figures[f'ours_{name}_per_hop_us']:8.1f} us   "
            f"sphinxmix {figures['sphinxmix_per_hop_us']:8.1f} us   "
            f"ratio {ratio:.2f}x (target >= {PER_HOP_TARGET}x: {met})"
        )
    for name in figures["implementations"]:
        lines.append(
            f"5-hop create  ours-{name:<7}{figures[f'ours_{name}_create_5hop_us']:8.1f} us   "
            f"sphinxmix {figures['sphinxmix_create_5hop_us']:8.1f} us   "
            f"ratio {figures[f'create_5hop_speedup_{name}']:.2f}x"
        )
    if "native_vs_python_per_hop" in figures:
        lines.append(
            f"native vs python: per hop {figures['native_vs_python_per_hop']:.2f}x, "
            f"5-hop create {figures['native_vs_python_create_5hop']:.2f}x"
        )
    return lines + sphinx_floor.report(figures)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    info = machine()
    print(f"machine: {info['cores']} cores, {info['cpu']}, Python {info['python']}")
    print(f"packets: {n} per figure, {HOPS}-hop paths, {PAYLOAD_SIZE}-byte payload, medians")
    if not backends.native_available():
        print(f"native: not built ({backends.NATIVE_ERROR}); {backends.BUILD_HINT}")
    figures = run(n)
    for line in report(figures):
        print(line)
    print(json.dumps({"machine": info, **figures}, sort_keys=True))


if __name__ == "__main__":
    main()
