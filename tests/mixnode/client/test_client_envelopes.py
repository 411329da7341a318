"""End-to-end envelopes: encoding round trips, sealing, and garbage never raises."""

from __future__ import annotations

from fogcompute_mixnode.client.envelopes import Envelope, decode, max_body_size, seal, unseal
from fogcompute_mixnode.sphinx import MAX_MESSAGE_SIZE, SURB_SIZE
from hypothesis import given
from hypothesis import strategies as st
from nacl.public import PrivateKey


def test_round_trip_with_surb_and_reply_to() -> None:
    envelope = Envelope(kind="reply", body=b"hello", reply_to=b"r" * 16, surb=b"s" * 40)
    assert decode(envelope.encode()) == envelope


def test_sealed_envelope_opens_only_with_the_recipient_key() -> None:
    key, other = PrivateKey.generate(), PrivateKey.generate()
    sealed = seal(b"secret", public_key=bytes(key.public_key))
    assert unseal(sealed, private_key=bytes(key)) == b"secret"
    assert unseal(sealed, private_key=bytes(other)) is None
    tampered = bytes([sealed[0]]) + bytes([sealed[1] ^ 1]) + sealed[2:]
    assert unseal(tampered, private_key=bytes(key)) is None


def test_largest_body_with_a_surb_fits_one_packet() -> None:
    body = b"x" * max_body_size(surb_size=SURB_SIZE)
    envelope = Envelope(kind="message", body=body, surb=b"s" * SURB_SIZE)
    sealed = seal(envelope.encode(), public_key=bytes(PrivateKey.generate().public_key))
    assert len(sealed) == MAX_MESSAGE_SIZE


@given(st.binary(max_size=3000))
def test_random_bytes_decode_to_none_or_an_envelope(data: bytes) -> None:
    result = decode(data)
    assert result is None or isinstance(result, Envelope)
