"""ECVRF-EDWARDS25519-SHA512-TAI against RFC 9381's vectors; tampering fails, never crashes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fogcompute_mixnode.routing import ecvrf
from hypothesis import given, settings
from hypothesis import strategies as st

VECTORS_FILE = (
    Path(__file__).parent.parent / "vectors" / "rfc9381-ecvrf-edwards25519-sha512-tai.json"
)
VECTORS: list[dict[str, Any]] = json.loads(VECTORS_FILE.read_text())["vectors"]
BY_NAME = [pytest.param(v, id=v["name"].replace(" ", "-")) for v in VECTORS]


def _bytes(vector: dict[str, Any], key: str) -> bytes:
    return bytes.fromhex(vector[key])


def test_the_vectors_file_holds_examples_16_to_18() -> None:
    assert [v["name"] for v in VECTORS] == ["Example 16", "Example 17", "Example 18"]


@pytest.mark.parametrize("vector", BY_NAME)
def test_keygen_gives_the_rfc_public_key(vector: dict[str, Any]) -> None:
    assert ecvrf.keypair_from_secret(_bytes(vector, "sk")).public_key == _bytes(vector, "pk")


@pytest.mark.parametrize("vector", BY_NAME)
def test_encode_to_curve_gives_the_rfc_point(vector: dict[str, Any]) -> None:
    h = ecvrf._encode_to_curve(_bytes(vector, "pk"), _bytes(vector, "alpha"))
    assert h == _bytes(vector, "h")


@pytest.mark.parametrize("vector", BY_NAME)
def test_prove_gives_the_rfc_proof_and_output(vector: dict[str, Any]) -> None:
    proof = ecvrf.prove(secret_key=_bytes(vector, "sk"), alpha=_bytes(vector, "alpha"))
    assert proof == _bytes(vector, "pi")
    assert ecvrf.proof_to_hash(proof) == _bytes(vector, "beta")


@pytest.mark.parametrize("vector", BY_NAME)
def test_verify_accepts_the_rfc_proof(vector: dict[str, Any]) -> None:
    beta = ecvrf.verify(
        public_key=_bytes(vector, "pk"), alpha=_bytes(vector, "alpha"), proof=_bytes(vector, "pi")
    )
    assert beta == _bytes(vector, "beta")


def _flip(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]


@pytest.mark.parametrize("vector", BY_NAME)
@pytest.mark.parametrize("index", [0, 17, 31, 32, 40, 47, 48, 60, 79])
def test_a_flipped_proof_bit_fails(vector: dict[str, Any], index: int) -> None:
    proof = _flip(_bytes(vector, "pi"), index)
    assert (
        ecvrf.verify(public_key=_bytes(vector, "pk"), alpha=_bytes(vector, "alpha"), proof=proof)
        is None
    )


@pytest.mark.parametrize("vector", BY_NAME)
def test_another_key_or_input_fails(vector: dict[str, Any]) -> None:
    other = VECTORS[(VECTORS.index(vector) + 1) % len(VECTORS)]
    pk, alpha, pi = _bytes(vector, "pk"), _bytes(vector, "alpha"), _bytes(vector, "pi")
    assert ecvrf.verify(public_key=_bytes(other, "pk"), alpha=alpha, proof=pi) is None
    assert ecvrf.verify(public_key=pk, alpha=alpha + b"x", proof=pi) is None
    assert ecvrf.verify(public_key=_flip(pk, 3), alpha=alpha, proof=pi) is None


GARBAGE_KEYS = [
    b"",
    b"\x00" * 31,
    b"\x00" * 32,
    b"\x01" + b"\x00" * 31,  # the identity
    b"\xff" * 32,  # y >= p: not canonical
    bytes.fromhex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),  # order 2
    bytes.fromhex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"),  # order 8
    b"\x00" * 33,
]


@pytest.mark.parametrize("key", GARBAGE_KEYS, ids=lambda k: k.hex()[:12] or "empty")
def test_garbage_public_keys_fail_without_raising(key: bytes) -> None:
    vector = VECTORS[0]
    assert ecvrf.verify(public_key=key, alpha=b"", proof=_bytes(vector, "pi")) is None


@pytest.mark.parametrize(
    "proof",
    [
        b"",
        b"\x00" * 79,
        b"\x00" * 80,
        b"\xff" * 80,
        b"\x00" * 81,
        bytes.fromhex(VECTORS[0]["pi"])[:48] + b"\xff" * 32,  # s >= q
        bytes.fromhex("26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05")
        + bytes.fromhex(VECTORS[0]["pi"])[32:],  # Gamma of small order
    ],
    ids=["empty", "short", "zeros", "ones", "long", "s-too-big", "small-order-gamma"],
)
def test_garbage_proofs_fail_without_raising(proof: bytes) -> None:
    vector = VECTORS[0]
    assert ecvrf.verify(public_key=_bytes(vector, "pk"), alpha=b"", proof=proof) is None


def test_a_fresh_key_proves_and_verifies_its_own_outputs() -> None:
    secret = bytes(range(32))
    keys = ecvrf.keypair_from_secret(secret)
    for alpha in (b"", b"a", bytes(200)):
        proof = ecvrf.prove(secret_key=secret, alpha=alpha)
        assert ecvrf.verify(public_key=keys.public_key, alpha=alpha, proof=proof) == (
            ecvrf.proof_to_hash(proof)
        )


def test_a_secret_of_the_wrong_size_is_refused_with_a_message() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        ecvrf.prove(secret_key=b"short", alpha=b"")


@settings(max_examples=200, deadline=None)
@given(
    public_key=st.binary(max_size=40), alpha=st.binary(max_size=64), proof=st.binary(max_size=90)
)
def test_arbitrary_bytes_never_raise(public_key: bytes, alpha: bytes, proof: bytes) -> None:
    assert ecvrf.verify(public_key=public_key, alpha=alpha, proof=proof) is None
    ecvrf.proof_to_hash(proof)  # must not raise either


@settings(max_examples=100, deadline=None)
@given(index=st.integers(0, ecvrf.PROOF_SIZE - 1), mask=st.integers(1, 255))
def test_any_single_byte_change_of_a_proof_fails(index: int, mask: int) -> None:
    vector = VECTORS[1]
    proof = bytearray(_bytes(vector, "pi"))
    proof[index] ^= mask
    beta = ecvrf.verify(
        public_key=_bytes(vector, "pk"), alpha=_bytes(vector, "alpha"), proof=bytes(proof)
    )
    assert beta is None
