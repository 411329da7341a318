"""The Rust extension against the Python reference: same bytes, same drop reasons, the vectors.

The rest of the suite runs under both implementations (see ``conftest``); this module holds
them against each other on the same inputs: X25519 against libsodium, headers and packets
built from the same randomness, packets of either origin processed by either, and
Katzenpost's header vectors through the native unwrap.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import nacl.bindings
import nacl.exceptions
import pytest
from fogcompute_mixnode.sphinx import (
    HEADER_SIZE,
    MAX_HOPS,
    PACKET_SIZE,
    PAYLOAD_SIZE,
    EpochKey,
    Forward,
    NodeId,
    PathHop,
    ProcessResult,
    ReplayFilter,
    SphinxDrop,
    SphinxNode,
    backends,
    build_forward_packet,
    build_reply_packet,
    build_surb,
    generate_epoch_key,
    lioness,
    payloads,
)
from fogcompute_mixnode.sphinx.commands import CMD_DELAY, CMD_NEXT_HOP
from fogcompute_mixnode.sphinx.geometry import (
    AD_END,
    ALPHA_END,
    PER_HOP_ROUTING_INFO_SIZE,
    additional_data,
)
from fogcompute_mixnode.sphinx.headers import build_header, padding_size
from fogcompute_mixnode.sphinx.keying import derive_hop_keys, replay_tag, x25519
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sphinx_testing import EPOCH, MAX_DELAY_US, RECIPIENT, flip_bit, forge_one_hop, using

if not backends.native_available():
    pytest.fail(
        f"fogcompute_mixnode._native does not import ({backends.NATIVE_ERROR}); "
        f"{backends.BUILD_HINT}",
        pytrace=False,
    )
native = backends.native

PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
VECTORS: list[dict[str, Any]] = json.loads(
    (Path(__file__).parent.parent / "vectors" / "katzenpost-sphinx-x25519-vectors.json").read_text()
)
P = 2**255 - 19
SLOT = PER_HOP_ROUTING_INFO_SIZE
RECIPIENT_SLOT = bytes([0x02]) + RECIPIENT
KEYS = [generate_epoch_key(EPOCH) for _ in range(MAX_HOPS)]


@pytest.fixture(scope="module", autouse=True)
def sphinx_implementation() -> str:
    """This module picks implementations itself: run it once, not once per implementation."""
    return backends.active()


def _on_curve(point: bytes) -> bool:
    u = int.from_bytes(point, "little") & ((1 << 255) - 1)
    rhs = (u * u * u + 486662 * u * u + u) % P
    return rhs == 0 or pow(rhs, (P - 1) // 2, P) == 1


def _twist_point() -> bytes:
    while True:
        candidate = os.urandom(32)
        if not _on_curve(candidate):
            return candidate


def _libsodium(scalar: bytes, point: bytes) -> bytes:
    try:
        return nacl.bindings.crypto_scalarmult(scalar, point)
    except nacl.exceptions.RuntimeError:
        return bytes(32)  # libsodium refuses the all-zero result; native returns it


LOW_ORDER_AND_EDGE_POINTS = [
    bytes(32),
    (1).to_bytes(32, "little"),
    bytes.fromhex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"),
    bytes.fromhex("5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157"),
    (P - 1).to_bytes(32, "little"),
    P.to_bytes(32, "little"),
    (P + 1).to_bytes(32, "little"),
    (2**255 - 1).to_bytes(32, "little"),
    (2**256 - 1).to_bytes(32, "little"),
    (9).to_bytes(32, "little"),
    bytes(KEYS[0].public_key[:31]) + bytes([KEYS[0].public_key[31] | 0x80]),
]


@pytest.mark.parametrize("point", LOW_ORDER_AND_EDGE_POINTS, ids=lambda p: p.hex()[:8])
def test_x25519_matches_libsodium_on_edge_points(point: bytes) -> None:
    for _ in range(4):
        scalar = os.urandom(32)
        assert native.x25519(scalar, point) == _libsodium(scalar, point)


@PROPERTY
@given(scalar=st.binary(min_size=32, max_size=32), point=st.binary(min_size=32, max_size=32))
def test_x25519_matches_libsodium_on_and_off_the_curve(scalar: bytes, point: bytes) -> None:
    assert native.x25519(scalar, point) == _libsodium(scalar, point)
    twist = _twist_point()
    assert native.x25519(scalar, twist) == _libsodium(scalar, twist)


def _path(keys: list[bytes], *, delay_us: int = 7) -> list[PathHop]:
    return [
        PathHop(
            node_id=NodeId(bytes([i + 1]) * 32), public_key=k, epoch=EPOCH, delay_us=delay_us + i
        )
        for i, k in enumerate(keys)
    ]


def _native_header(
    path: list[PathHop], *, secret: bytes, padding: bytes, surb_id: bytes | None
) -> tuple[bytes, list[bytes]]:
    return native.build_header(
        secret=secret,
        public_keys=[h.public_key for h in path],
        node_ids=[h.node_id for h in path],
        delays=[h.delay_us for h in path],
        additional_data=additional_data(EPOCH),
        recipient=RECIPIENT,
        surb_id=surb_id,
        padding=padding,
    )


@PROPERTY
@given(
    hops=st.integers(min_value=1, max_value=MAX_HOPS),
    secret=st.binary(min_size=32, max_size=32),
    surb=st.booleans(),
    twist_at=st.integers(min_value=-1, max_value=MAX_HOPS - 1),
)
def test_headers_from_the_same_randomness_are_byte_identical(
    hops: int, secret: bytes, surb: bool, twist_at: int
) -> None:
    keys = [k.public_key for k in KEYS[:hops]]
    if 0 <= twist_at < hops:  # a key off the curve takes the native builder's other branch
        keys[twist_at] = _twist_point()
    path = _path(keys)
    padding = os.urandom(padding_size(hops))
    surb_id = os.urandom(16) if surb else None
    try:
        reference = build_header(
            path=path,
            additional_data=additional_data(EPOCH),
            recipient=RECIPIENT,
            surb_id=surb_id,
            secret=secret,
            padding=padding,
        )
    except ValueError:  # an all-zero X25519 result on the twist: native must refuse too
        with pytest.raises(ValueError, match="all-zero"):
            _native_header(path, secret=secret, padding=padding, surb_id=surb_id)
        return
    header, keys_out = _native_header(path, secret=secret, padding=padding, surb_id=surb_id)
    assert header == reference.header
    assert tuple(keys_out) == reference.payload_keys
    block = payloads.encode_block(b"same block")
    with using("python"):
        python_packet = reference.header + payloads.wrap(block, reference.payload_keys)
    if surb_id is None:
        assert python_packet == native.build_packet(
            secret=secret,
            public_keys=[h.public_key for h in path],
            node_ids=[h.node_id for h in path],
            delays=[h.delay_us for h in path],
            additional_data=additional_data(EPOCH),
            recipient=RECIPIENT,
            padding=padding,
            block=block,
        )


@pytest.mark.parametrize("bad", [bytes(32), LOW_ORDER_AND_EDGE_POINTS[2]], ids=["zero", "order-8"])
def test_both_builders_refuse_a_low_order_public_key(bad: bytes) -> None:
    path = _path([KEYS[0].public_key, bad])
    for implementation in backends.IMPLEMENTATIONS:
        with using(implementation), pytest.raises(ValueError, match="all-zero"):
            build_forward_packet(path=path, recipient=RECIPIENT, message=b"m")


@pytest.mark.parametrize("size", [33, 100, PAYLOAD_SIZE])
def test_lioness_layers_are_byte_identical(size: int) -> None:
    key, block = os.urandom(48), os.urandom(size)
    assert native.lioness_encrypt(key, block) == lioness.encrypt(key, block)
    assert native.lioness_decrypt(key, block) == lioness.decrypt(key, block)
    keys = [os.urandom(48) for _ in range(3)]
    with using("python"):
        assert native.wrap_payload(block, keys) == payloads.wrap(block, keys)


def _outcome(
    implementation: str, packets: list[bytes], keys: list[EpochKey]
) -> list[ProcessResult | str]:
    """What a fresh node running ``implementation`` makes of ``packets``, in order."""
    outcomes: list[ProcessResult | str] = []
    with using(implementation):
        node = SphinxNode(
            keys=keys, replay=ReplayFilter(expected_per_epoch=1000), max_delay_us=MAX_DELAY_US
        )
        for packet in packets:
            try:
                outcomes.append(node.process(packet))
            except SphinxDrop as drop:
                outcomes.append(drop.reason)
    return outcomes


def _agree(packets: list[bytes], keys: list[EpochKey]) -> list[ProcessResult | str]:
    python, rust = _outcome("python", packets, keys), _outcome("native", packets, keys)
    assert rust == python
    return python


@PROPERTY
@given(
    hops=st.integers(min_value=1, max_value=MAX_HOPS),
    builder=st.sampled_from(backends.IMPLEMENTATIONS),
    message=st.binary(max_size=64),
)
def test_packets_from_either_builder_give_identical_results_at_every_hop(
    hops: int, builder: str, message: bytes
) -> None:
    path = _path([k.public_key for k in KEYS[:hops]])
    with using(builder):
        packet = build_forward_packet(path=path, recipient=RECIPIENT, message=message)
    for index in range(hops):
        first, replay = _agree([packet, packet], [KEYS[index]])
        assert replay == "replay"
        if isinstance(first, Forward):
            packet = first.packet
    assert not isinstance(first, Forward | str)


@PROPERTY
@given(
    hops=st.integers(min_value=1, max_value=MAX_HOPS), builder=st.sampled_from(["python", "native"])
)
def test_surb_replies_from_either_builder_give_identical_results(hops: int, builder: str) -> None:
    path = _path([k.public_key for k in KEYS[:hops]])
    with using(builder):
        surb, _ = build_surb(path=path, recipient=RECIPIENT)
        packet = build_reply_packet(surb=surb, message=b"reply")
    for index in range(hops):
        (result,) = _agree([packet], [KEYS[index]])
        if isinstance(result, Forward):
            packet = result.packet
    assert not isinstance(result, str)


@PROPERTY
@given(bit=st.integers(min_value=0, max_value=PACKET_SIZE * 8 - 1), hops=st.integers(1, 2))
def test_a_flipped_bit_anywhere_gets_the_same_verdict(bit: int, hops: int) -> None:
    path = _path([k.public_key for k in KEYS[:hops]])
    packet = build_forward_packet(path=path, recipient=RECIPIENT, message=b"x")
    (verdict,) = _agree([flip_bit(packet, bit)], [KEYS[0]])
    if bit >= 8 * HEADER_SIZE and hops == 1:
        assert verdict == "bad_payload"
    elif bit < 8 * HEADER_SIZE:
        assert isinstance(verdict, str)


def _pad(slot: bytes) -> bytes:
    return slot + bytes(SLOT - len(slot))


BAD = "bad_command"
FORGED_SLOTS = [
    pytest.param(_pad(bytes([0x7F])), (BAD, BAD), id="unknown-command"),
    pytest.param(bytes(SLOT), (BAD, BAD), id="nothing-to-do"),
    pytest.param(_pad(bytes([CMD_DELAY, 0, 0, 0, 1])), (BAD, BAD), id="only-a-delay"),
    pytest.param(_pad(RECIPIENT_SLOT + RECIPIENT_SLOT), (BAD, BAD), id="recipient-twice"),
    pytest.param(
        _pad(bytes([CMD_NEXT_HOP]) + bytes(64) + bytes([3]) + bytes(16)),
        (BAD, BAD),
        id="surb-on-a-mix",
    ),
    pytest.param(_pad(RECIPIENT_SLOT + bytes([0, 0, 9])), (BAD, BAD), id="garbage-after-null"),
    pytest.param(
        bytes([CMD_DELAY, 0, 0, 0, 1]) + bytes([CMD_NEXT_HOP]) * (SLOT - 5),
        (BAD, BAD),
        id="truncated-next-hop",
    ),
    pytest.param(_pad(RECIPIENT_SLOT), ("bad_payload", "replay"), id="random-payload"),
    pytest.param(
        _pad(bytes([CMD_DELAY]) + (MAX_DELAY_US + 1).to_bytes(4, "big") + RECIPIENT_SLOT),
        ("delay_over_cap", "replay"),
        id="delay-over-cap",
    ),
    pytest.param(_pad(RECIPIENT_SLOT + bytes([0x03]) + bytes(16)), (None, "replay"), id="surb"),
    pytest.param(_pad(bytes([CMD_NEXT_HOP]) + bytes(64)), (None, "replay"), id="no-delay"),
]


@pytest.mark.parametrize(("slot", "expected"), FORGED_SLOTS)
def test_forged_commands_get_the_same_verdict_twice(
    slot: bytes, expected: tuple[str | None, str]
) -> None:
    # Twice: a packet refused for its commands is refused again, before the replay check;
    # one that passed the commands has been recorded and comes back as a replay.
    packet = forge_one_hop(KEYS[0].public_key, slot)
    first, second = _agree([packet, packet], [KEYS[0]])
    assert (first if isinstance(first, str) else None, second) == expected


@pytest.mark.parametrize("point", LOW_ORDER_AND_EDGE_POINTS[:8], ids=lambda p: p.hex()[:8])
def test_low_order_and_edge_group_elements_get_the_same_verdict(point: bytes) -> None:
    packet = bytes([0, EPOCH]) + point + os.urandom(PACKET_SIZE - ALPHA_END)
    (verdict,) = _agree([packet], [KEYS[0]])
    assert verdict in {"low_order_point", "bad_mac"}


@PROPERTY
@given(data=st.binary(max_size=PACKET_SIZE + 8), hint=st.booleans())
def test_garbage_gets_the_same_verdict(data: bytes, hint: bool) -> None:
    if hint and len(data) >= AD_END:
        data = bytes([0, EPOCH]) + data[AD_END:]
    (verdict,) = _agree([data], [KEYS[0]])
    assert isinstance(verdict, str)


def _unwrap(private_key: bytes, packet: bytes, cap: int) -> tuple[int, int, bytes, bytes, bytes]:
    bloom = ReplayFilter(expected_per_epoch=100).bloom_for(EPOCH)
    return native.unwrap_packet(
        private_key, packet, cap, bloom.bits, bloom.size, bloom.hashes, bloom.salt
    )


@PROPERTY
@given(
    key=st.binary(max_size=40),
    packet=st.binary(max_size=PACKET_SIZE + 4),
    cap=st.integers(0, 2**64 - 1),
)
def test_the_native_unwrap_returns_a_drop_code_for_any_input(
    key: bytes, packet: bytes, cap: int
) -> None:
    code, *_ = _unwrap(key, packet, cap)
    assert code in {-1, -2, -3}


@pytest.mark.parametrize("first", backends.IMPLEMENTATIONS)
def test_both_implementations_share_one_replay_filter(first: str) -> None:
    path = _path([KEYS[0].public_key])
    packet = build_forward_packet(path=path, recipient=RECIPIENT, message=b"once")
    replay = ReplayFilter(expected_per_epoch=100)
    node = SphinxNode(keys=[KEYS[0]], replay=replay, max_delay_us=MAX_DELAY_US)
    second = "python" if first == "native" else "native"
    with using(first):
        node.process(packet)
    assert replay.contains(EPOCH, replay_tag(packet[AD_END:ALPHA_END]))
    with using(second), pytest.raises(SphinxDrop, match="replay"):
        node.process(packet)


TRANSITIONS = [
    pytest.param(v, hop, id=f"vector{index}-hop{hop}")
    for index, v in enumerate(VECTORS)
    for hop in range(len(v["Nodes"]))
]


@pytest.mark.parametrize(("vector", "hop"), TRANSITIONS)
def test_every_katzenpost_hop_through_the_native_unwrap(vector: dict[str, Any], hop: int) -> None:
    header = bytes.fromhex(vector["Packets"][hop])[:HEADER_SIZE]
    private_key = bytes.fromhex(vector["Nodes"][hop]["PrivateKey"])
    commands = {
        raw[0]: raw[1:] for raw in (bytes.fromhex(c) for c in vector["Path"][hop]["Commands"])
    }
    if hop < len(vector["Nodes"]) - 1:
        code, delay, next_hop, packet, _ = _unwrap(
            private_key, header + os.urandom(PAYLOAD_SIZE), 2**32
        )
        following = bytes.fromhex(vector["Packets"][hop + 1])[:HEADER_SIZE]
        assert (code, next_hop, packet[:HEADER_SIZE]) == (
            0,
            bytes.fromhex(vector["Path"][hop + 1]["ID"]),
            following,
        )
        assert delay == int.from_bytes(commands[CMD_DELAY], "big")
        return
    # The exit: make a payload this hop can open, with the reference's key schedule.
    keys = derive_hop_keys(x25519(private_key, header[AD_END:ALPHA_END]))
    block = payloads.encode_block(b"katzenpost")
    code, _, recipient, body, surb_id = _unwrap(
        private_key, header + lioness.encrypt(keys.payload_key, block), 2**32
    )
    assert recipient == commands[0x02]
    if 0x03 in commands:
        assert (code, surb_id, body) == (2, commands[0x03], block)
    else:
        assert (code, body) == (1, b"katzenpost")
