"""SphinxNode: each drop reason from the packet that earns it, and key epochs."""

from __future__ import annotations

import pytest
from fogcompute_mixnode.sphinx import (
    PACKET_SIZE,
    Deliver,
    NodeId,
    PathHop,
    ReplayFilter,
    SphinxDrop,
    SphinxNode,
    build_forward_packet,
    generate_epoch_key,
)
from fogcompute_mixnode.sphinx.commands import (
    CMD_DELAY,
    CMD_NEXT_HOP,
    HopCommands,
    _decode_generic,
    decode_commands,
    encode_commands,
)
from fogcompute_mixnode.sphinx.geometry import PER_HOP_ROUTING_INFO_SIZE
from hypothesis import given, settings
from hypothesis import strategies as st
from sphinx_testing import EPOCH, MAX_DELAY_US, RECIPIENT, forge_one_hop, make_mixnet

SLOT = PER_HOP_ROUTING_INFO_SIZE


def _node(*epochs: int) -> tuple[SphinxNode, list[bytes]]:
    keys = [generate_epoch_key(epoch) for epoch in epochs]
    node = SphinxNode(
        keys=keys, replay=ReplayFilter(expected_per_epoch=1000), max_delay_us=MAX_DELAY_US
    )
    return node, [key.public_key for key in keys]


def _reason(node: SphinxNode, packet: bytes) -> str:
    with pytest.raises(SphinxDrop) as dropped:
        node.process(packet)
    return dropped.value.reason


def _pad(slot: bytes) -> bytes:
    return slot + bytes(SLOT - len(slot))


RECIPIENT_SLOT = bytes([0x02]) + RECIPIENT


@pytest.mark.parametrize(
    ("name", "slot"),
    [
        ("unknown command", _pad(bytes([0x7F]))),
        ("nothing to do", bytes(SLOT)),
        ("only a delay", _pad(bytes([CMD_DELAY, 0, 0, 0, 1]))),
        ("recipient twice", _pad(RECIPIENT_SLOT + RECIPIENT_SLOT)),
        (
            "SURB reply on a mix hop",
            _pad(bytes([CMD_NEXT_HOP]) + bytes(64) + bytes([3]) + bytes(16)),
        ),
        ("garbage after null", _pad(RECIPIENT_SLOT + bytes([0, 0, 9]))),
        ("truncated next hop", bytes([CMD_DELAY, 0, 0, 0, 1]) + bytes([CMD_NEXT_HOP]) * (SLOT - 5)),
    ],
)
def test_a_mac_valid_header_with_bad_commands_is_dropped(name: str, slot: bytes) -> None:
    node, (public,) = _node(EPOCH)
    assert len(slot) == SLOT, name
    assert _reason(node, forge_one_hop(public, slot)) == "bad_command"


def test_a_forged_but_valid_slot_is_delivered() -> None:
    node, (public,) = _node(EPOCH)
    # The forged packet's payload is random, so the exit rejects it on its tag, not the header.
    assert _reason(node, forge_one_hop(public, _pad(RECIPIENT_SLOT))) == "bad_payload"


def test_a_delay_over_the_cap_is_dropped_and_one_at_the_cap_is_not() -> None:
    node, (public,) = _node(EPOCH)
    hop = PathHop(node_id=NodeId(b"n" * 32), public_key=public, epoch=EPOCH, delay_us=0)
    over = build_forward_packet(
        path=[PathHop(**{**hop.__dict__, "delay_us": MAX_DELAY_US + 1})],
        recipient=RECIPIENT,
        message=b"m",
    )
    assert _reason(node, over) == "delay_over_cap"
    at_cap = build_forward_packet(
        path=[PathHop(**{**hop.__dict__, "delay_us": MAX_DELAY_US})],
        recipient=RECIPIENT,
        message=b"m",
    )
    assert node.process(at_cap) == Deliver(recipient=RECIPIENT, message=b"m", delay_us=MAX_DELAY_US)


@pytest.mark.parametrize(
    "point",
    [
        pytest.param(bytes(32), id="zero"),
        pytest.param((1).to_bytes(32, "little"), id="one"),
        pytest.param(
            bytes.fromhex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"),
            id="order-8",
        ),
        pytest.param((2**255 - 19).to_bytes(32, "little"), id="p"),
    ],
)
def test_a_low_order_group_element_is_dropped(point: bytes) -> None:
    node, _ = _node(EPOCH)
    packet = bytes([0, EPOCH]) + point + bytes(PACKET_SIZE - 34)
    assert _reason(node, packet) == "low_order_point"


def test_wrong_length_and_wrong_version_are_malformed() -> None:
    node, _ = _node(EPOCH)
    assert _reason(node, b"") == "malformed"
    assert _reason(node, bytes(PACKET_SIZE - 1)) == "malformed"
    assert _reason(node, bytes([1, EPOCH]) + bytes(PACKET_SIZE - 2)) == "malformed"
    assert _reason(node, "not bytes") == "malformed"  # type: ignore[arg-type]


def test_the_epoch_hint_picks_the_key_and_unknown_epochs_are_dropped() -> None:
    mixnet = make_mixnet(1)
    (node_id,) = mixnet.keys
    node = mixnet.nodes[node_id]
    next_key = generate_epoch_key(EPOCH + 1)
    node.add_key(next_key)
    assert node.epochs == (EPOCH, EPOCH + 1)
    path = [PathHop(node_id=node_id, public_key=next_key.public_key, epoch=EPOCH + 1, delay_us=0)]
    packet = build_forward_packet(path=path, recipient=RECIPIENT, message=b"next epoch")
    assert node.process(packet) == Deliver(recipient=RECIPIENT, message=b"next epoch")

    node.drop_epoch(EPOCH + 1)
    assert node.epochs == (EPOCH,)
    fresh = build_forward_packet(path=path, recipient=RECIPIENT, message=b"too late")
    assert _reason(node, fresh) == "unknown_epoch"


def test_a_key_256_epochs_later_replaces_the_old_one_and_its_replay_filter() -> None:
    replay = ReplayFilter(expected_per_epoch=100)
    node = SphinxNode(keys=[generate_epoch_key(1)], replay=replay, max_delay_us=1)
    replay.check_and_add(1, b"t" * 32)
    node.add_key(generate_epoch_key(257))
    assert node.epochs == (257,)
    assert replay.epochs() == ()


@settings(max_examples=50, deadline=None)
@given(
    delay=st.integers(min_value=0, max_value=2**32 - 1),
    node_id=st.binary(min_size=32, max_size=32),
    mac=st.binary(min_size=32, max_size=32),
)
def test_the_fast_command_decoder_agrees_with_the_generic_one(
    delay: int, node_id: bytes, mac: bytes
) -> None:
    commands = HopCommands(next_hop=node_id, next_mac=mac, delay_us=delay)
    slot = encode_commands(commands)
    assert decode_commands(slot) == _decode_generic(slot) == commands


def test_builders_name_the_bad_argument() -> None:
    _, (public,) = _node(EPOCH)
    hop = PathHop(node_id=NodeId(b"n" * 32), public_key=public, epoch=EPOCH, delay_us=0)
    other = PathHop(node_id=NodeId(b"m" * 32), public_key=public, epoch=EPOCH + 1, delay_us=0)
    with pytest.raises(ValueError, match="path has 0 hops"):
        build_forward_packet(path=[], recipient=RECIPIENT, message=b"")
    with pytest.raises(ValueError, match="path has 6 hops"):
        build_forward_packet(path=[hop] * 6, recipient=RECIPIENT, message=b"")
    with pytest.raises(ValueError, match=r"path\[1\].epoch"):
        build_forward_packet(path=[hop, other], recipient=RECIPIENT, message=b"")
    with pytest.raises(ValueError, match="recipient must be 32 bytes"):
        build_forward_packet(path=[hop], recipient=b"short", message=b"")
    with pytest.raises(ValueError, match="over the 2030-byte maximum"):
        build_forward_packet(path=[hop], recipient=RECIPIENT, message=bytes(2031))
