"""The primitive wrappers against their RFC test vectors, and LIONESS as a wide-block cipher."""

from __future__ import annotations

import os

import pytest
from fogcompute_mixnode.sphinx import lioness
from fogcompute_mixnode.sphinx.keying import (
    LowOrderPointError,
    chacha20_xor,
    hkdf_expand_sha256,
    replay_tag,
    x25519,
    x25519_base,
)


def test_hkdf_expand_rfc5869_case_1() -> None:
    prk = bytes.fromhex("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5")
    info = bytes.fromhex("f0f1f2f3f4f5f6f7f8f9")
    okm = hkdf_expand_sha256(prk, info=info, length=42)
    assert okm.hex() == (
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
    )


@pytest.mark.parametrize(
    ("key", "nonce", "counter", "keystream"),
    [
        pytest.param(
            bytes(32),
            bytes(12),
            0,
            "76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7"
            "da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586",
            id="rfc8439-A.1-1",
        ),
        pytest.param(
            bytes(32),
            bytes(12),
            1,
            "9f07e7be5551387a98ba977c732d080dcb0f29a048e3656912c6533e32ee7aed"
            "29b721769ce64e43d57133b074d839d531ed1f28510afb45ace10a1f4b794d6f",
            id="rfc8439-A.1-2",
        ),
        pytest.param(
            bytes(range(32)),
            bytes.fromhex("000000090000004a00000000"),
            1,
            "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e"
            "d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e",
            id="rfc8439-2.3.2",
        ),
    ],
)
def test_chacha20_keystream_rfc8439(key: bytes, nonce: bytes, counter: int, keystream: str) -> None:
    assert chacha20_xor(key, bytes(64), nonce=nonce, counter=counter).hex() == keystream


def test_x25519_agrees_both_ways_and_rejects_the_zero_point() -> None:
    a, b = os.urandom(32), os.urandom(32)
    assert x25519(a, x25519_base(b)) == x25519(b, x25519_base(a))
    with pytest.raises(LowOrderPointError):
        x25519(a, bytes(32))


def test_replay_tag_is_sha512_256() -> None:
    # FIPS 180-4 example: SHA-512/256("abc").
    assert replay_tag(b"abc").hex() == (
        "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23"
    )


@pytest.mark.parametrize("size", [33, 64, 2048])
def test_lioness_round_trips_and_spreads_a_one_bit_change(size: int) -> None:
    key = os.urandom(48)
    block = os.urandom(size)
    cipher = lioness.encrypt(key, block)
    assert lioness.decrypt(key, cipher) == block
    assert cipher != block
    changed = bytearray(block)
    changed[-1] ^= 1
    other = lioness.encrypt(key, bytes(changed))
    # A wide-block cipher: both halves of the output change, not just the tail.
    assert other[:32] != cipher[:32]
    assert other[32:48] != cipher[32:48]


def test_lioness_depends_on_the_key() -> None:
    block = os.urandom(256)
    assert lioness.encrypt(os.urandom(48), block) != lioness.encrypt(os.urandom(48), block)
