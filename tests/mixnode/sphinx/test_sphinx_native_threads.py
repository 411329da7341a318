"""The native unwrap with the GIL released, and the benchmark's profiling entry points.

``_native.unwrap_packet`` runs its cryptography without the GIL and checks the replay
filter with it; these tests drive one node from several threads at once and hold the
exactly-once rule and the results against the single-threaded outcome. The profiling
functions serve only ``bench/sphinx_floor.py``; here they must name their steps and refuse
input they cannot time with a clear error.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from fogcompute_mixnode.sphinx import (
    MAX_HOPS,
    PACKET_SIZE,
    Forward,
    NodeId,
    PathHop,
    ReplayFilter,
    SphinxDrop,
    SphinxNode,
    backends,
    build_forward_packet,
    generate_epoch_key,
)
from sphinx_testing import EPOCH, MAX_DELAY_US, RECIPIENT

if not backends.native_available():
    pytest.fail(
        f"fogcompute_mixnode._native does not import ({backends.NATIVE_ERROR}); "
        f"{backends.BUILD_HINT}",
        pytrace=False,
    )
native = backends.native
KEYS = [generate_epoch_key(EPOCH) for _ in range(MAX_HOPS)]
PATH = [
    PathHop(node_id=NodeId(bytes([i]) * 32), public_key=k.public_key, epoch=EPOCH, delay_us=7)
    for i, k in enumerate(KEYS)
]


@pytest.fixture(scope="module", autouse=True)
def sphinx_implementation() -> Iterator[str]:
    """Native only: select it for the whole module."""
    before = backends.active()
    backends.select("native")
    yield "native"
    backends.select(before)


def _outcome(node: SphinxNode, packet: bytes) -> tuple[str, bytes]:
    try:
        result = node.process(packet)
    except SphinxDrop as drop:
        return drop.reason, b""
    assert isinstance(result, Forward)
    return "forward", result.packet


def test_threads_sharing_a_node_forward_each_packet_once_and_drop_every_replay() -> None:
    packets = [
        build_forward_packet(path=PATH, recipient=RECIPIENT, message=os.urandom(20))
        for _ in range(40)
    ]
    node = SphinxNode(
        keys=[KEYS[0]], replay=ReplayFilter(expected_per_epoch=1000), max_delay_us=MAX_DELAY_US
    )
    reference = SphinxNode(
        keys=[KEYS[0]], replay=ReplayFilter(expected_per_epoch=1000), max_delay_us=MAX_DELAY_US
    )
    expected = {packet: _outcome(reference, packet)[1] for packet in packets}
    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(lambda p: (p, _outcome(node, p)), packets * 3))
    forwarded = [(packet, out) for packet, (reason, out) in outcomes if reason == "forward"]
    reasons = sorted({reason for _, (reason, _) in outcomes})
    assert reasons == ["forward", "replay"]
    assert sorted(packet for packet, _ in forwarded) == sorted(packets)
    assert all(out == expected[packet] and len(out) == PACKET_SIZE for packet, out in forwarded)


def test_profile_hop_times_every_step_of_a_real_hop() -> None:
    packet = build_forward_packet(path=PATH, recipient=RECIPIENT, message=b"timed")
    steps = dict(native.profile_hop(KEYS[0].private_key, packet, 3))
    assert any(name.startswith("x25519 #2") for name in steps)
    assert "whole unwrap in Rust (all steps above, no Python)" in steps
    assert all(ns > 0 for name, ns in steps.items() if "x25519" in name or "lioness" in name)


@pytest.mark.parametrize(
    ("key", "packet", "error"),
    [
        pytest.param(KEYS[0].private_key, b"short", "not PACKET_SIZE", id="short-packet"),
        pytest.param(KEYS[1].private_key, None, "does not unwrap", id="wrong-key"),
        pytest.param(b"k", None, "key is not 32 bytes", id="short-key"),
    ],
)
def test_profile_hop_refuses_what_it_cannot_time(
    key: bytes, packet: bytes | None, error: str
) -> None:
    if packet is None:
        packet = build_forward_packet(path=PATH, recipient=RECIPIENT, message=b"timed")
    with pytest.raises(ValueError, match=error):
        native.profile_hop(key, packet, 1)


def test_profile_x25519_names_each_route_and_refuses_a_twist_point() -> None:
    routes = dict(native.profile_x25519(KEYS[0].private_key, KEYS[1].public_key, 3))
    assert "x25519-dalek x25519()" in routes
    assert all(ns > 0 for ns in routes.values())
    with pytest.raises(ValueError, match="does not lift"):
        native.profile_x25519(KEYS[0].private_key, (2).to_bytes(32, "little"), 1)
