"""Property tests of the packet format: tampering, replays, garbage, and indistinguishable sizes."""

from __future__ import annotations

import os

import pytest
from fogcompute_mixnode.sphinx import (
    HEADER_SIZE,
    MAX_HOPS,
    MAX_MESSAGE_SIZE,
    PACKET_SIZE,
    PAYLOAD_SIZE,
    Deliver,
    Forward,
    SphinxDrop,
    SurbReplyDelivered,
    build_forward_packet,
    build_reply_packet,
    build_surb,
    open_reply,
    parse_surb,
    serialize_surb,
)
from fogcompute_mixnode.sphinx.geometry import AD_END, ALPHA_END, BETA_END
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sphinx_testing import EPOCH, RECIPIENT, Mixnet, flip_bit, make_mixnet

PROPERTY = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MIXNET: Mixnet = make_mixnet()
hop_counts = st.integers(min_value=1, max_value=MAX_HOPS)


def _expected_header_reason(bit: int) -> set[str]:
    byte = bit // 8
    if byte == 0:
        return {"malformed"}  # the version byte
    if byte < AD_END:
        return {"unknown_epoch"}  # the epoch hint
    if byte < ALPHA_END:
        return {"bad_mac", "low_order_point"}
    assert byte < HEADER_SIZE
    return {"bad_mac"}


@PROPERTY
@given(hops=hop_counts, bit=st.integers(min_value=0, max_value=HEADER_SIZE * 8 - 1))
def test_flipping_any_header_bit_makes_the_hop_reject_it(hops: int, bit: int) -> None:
    path = MIXNET.path(hops)
    packet = build_forward_packet(path=path, recipient=RECIPIENT, message=b"hello")
    with pytest.raises(SphinxDrop) as dropped:
        MIXNET.nodes[path[0].node_id].process(flip_bit(packet, bit))
    assert dropped.value.reason in _expected_header_reason(bit)


@PROPERTY
@given(hops=hop_counts, bit=st.integers(min_value=0, max_value=PAYLOAD_SIZE * 8 - 1))
def test_flipping_any_payload_bit_is_caught_at_the_exit(hops: int, bit: int) -> None:
    path = MIXNET.path(hops)
    packet = build_forward_packet(path=path, recipient=RECIPIENT, message=b"do not change me")
    packet = flip_bit(packet, HEADER_SIZE * 8 + bit)
    for hop in path[:-1]:  # mixes cannot tell: only the exit can
        result = MIXNET.nodes[hop.node_id].process(packet)
        assert isinstance(result, Forward)
        packet = result.packet
    with pytest.raises(SphinxDrop) as dropped:
        MIXNET.nodes[path[-1].node_id].process(packet)
    assert dropped.value.reason == "bad_payload"


@PROPERTY
@given(hops=hop_counts, message=st.binary(max_size=MAX_MESSAGE_SIZE))
def test_a_message_arrives_intact_and_a_replay_is_dropped(hops: int, message: bytes) -> None:
    path = MIXNET.path(hops)
    packet = build_forward_packet(path=path, recipient=RECIPIENT, message=message)
    forwards, result = MIXNET.route(packet, path[0].node_id)
    assert result == Deliver(recipient=RECIPIENT, message=message, delay_us=path[-1].delay_us)
    assert [f.next_hop for f in forwards] == [hop.node_id for hop in path[1:]]
    assert [f.delay_us for f in forwards] == [hop.delay_us for hop in path[:-1]]
    with pytest.raises(SphinxDrop) as dropped:
        MIXNET.nodes[path[0].node_id].process(packet)
    assert dropped.value.reason == "replay"
    # The same header with another payload is the same replay tag: still a replay.
    with pytest.raises(SphinxDrop) as dropped:
        MIXNET.nodes[path[0].node_id].process(packet[:HEADER_SIZE] + os.urandom(PAYLOAD_SIZE))
    assert dropped.value.reason == "replay"


@PROPERTY
@given(data=st.binary(max_size=PACKET_SIZE + 64))
def test_random_bytes_of_any_length_only_ever_raise_sphinxdrop(data: bytes) -> None:
    node = next(iter(MIXNET.nodes.values()))
    with pytest.raises(SphinxDrop):
        node.process(data)


@PROPERTY
@given(body=st.binary(min_size=PACKET_SIZE - 2, max_size=PACKET_SIZE - 2))
def test_random_packets_with_a_valid_epoch_hint_are_dropped_cleanly(body: bytes) -> None:
    node = next(iter(MIXNET.nodes.values()))
    with pytest.raises(SphinxDrop) as dropped:
        node.process(bytes([0, EPOCH]) + body)
    assert dropped.value.reason in {"bad_mac", "low_order_point"}


@settings(max_examples=20, deadline=None)
@given(message=st.binary(max_size=64))
def test_packets_of_one_to_five_hops_have_the_same_size_and_prefix(message: bytes) -> None:
    packets = [
        build_forward_packet(path=MIXNET.path(hops), recipient=RECIPIENT, message=message)
        for hops in range(1, MAX_HOPS + 1)
    ]
    assert {len(p) for p in packets} == {PACKET_SIZE}
    assert {p[:AD_END] for p in packets} == {bytes([0, EPOCH])}
    # Nothing else repeats between packets: routing info and MACs are fresh every time.
    assert len({p[ALPHA_END:BETA_END] for p in packets}) == MAX_HOPS


@PROPERTY
@given(hops=hop_counts, message=st.binary(max_size=MAX_MESSAGE_SIZE))
def test_a_surb_reply_comes_back_to_its_creator(hops: int, message: bytes) -> None:
    path = MIXNET.path(hops)
    surb, keys = build_surb(path=path, recipient=RECIPIENT)
    travelled = parse_surb(serialize_surb(surb))
    assert travelled == surb
    packet = build_reply_packet(surb=travelled, message=message)
    assert len(packet) == PACKET_SIZE
    _, result = MIXNET.route(packet, travelled.first_hop)
    assert isinstance(result, SurbReplyDelivered)
    assert result.surb_id == surb.surb_id
    assert result.recipient == RECIPIENT
    if len(message) >= 16:  # the exit sees only ciphertext (shorter strings match by chance)
        assert message not in result.payload
    assert open_reply(keys=keys, payload=result.payload) == message


@PROPERTY
@given(hops=hop_counts, bit=st.integers(min_value=0, max_value=PAYLOAD_SIZE * 8 - 1))
def test_a_tampered_surb_reply_does_not_open(hops: int, bit: int) -> None:
    path = MIXNET.path(hops)
    surb, keys = build_surb(path=path, recipient=RECIPIENT)
    packet = build_reply_packet(surb=surb, message=b"reply")
    _, result = MIXNET.route(flip_bit(packet, HEADER_SIZE * 8 + bit), surb.first_hop)
    assert isinstance(result, SurbReplyDelivered)
    with pytest.raises(SphinxDrop) as dropped:
        open_reply(keys=keys, payload=result.payload)
    assert dropped.value.reason == "bad_payload"
