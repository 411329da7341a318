"""Key schedule and primitive wrappers of the Sphinx header (Katzenpost X25519 flavour).

Used by ``headers`` (both directions), ``lioness`` and ``building``. Every primitive comes
from a maintained library: X25519 from libsodium (pynacl), HKDF, AES-256-CTR and ChaCha20
from ``cryptography``, HMAC-SHA256, SHA-512/256 and BLAKE2b from the standard library.
This module only names and splits their outputs; it holds no state and does no I/O.

Per hop, from the X25519 shared secret ``s`` (Katzenpost, vectors in tests/mixnode/vectors)::

    okm = HKDF-Expand(SHA-256, PRK=s, info="katzenpost-kdf-v0-hkdf-sha256", L=160)
    mac key = okm[0:32]  header key = okm[32:64]  header IV = okm[64:80]
    payload key = okm[80:128]  blinding seed = okm[128:160]
    blinding factor = ChaCha20(key=blinding seed, nonce=0, counter=0) over 32 zero bytes
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Final

import nacl.bindings
import nacl.exceptions
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDFExpand

KDF_INFO: Final = b"katzenpost-kdf-v0-hkdf-sha256"
HOP_KEY_MATERIAL_SIZE: Final = 160
_SHA256: Final = hashes.SHA256()
_ZERO_32: Final = bytes(32)
_ZERO_NONCE_12: Final = bytes(12)
_SHA512_256: Final = hashlib.new("sha512_256")  # copied per use: hashlib.new by name is slow


class LowOrderPointError(ValueError):
    """An X25519 multiplication gave the all-zero point: the input was a low-order point."""


@dataclass(frozen=True, slots=True)
class HopKeys:
    """The keys one hop derives from its shared secret."""

    mac_key: bytes
    header_key: bytes
    header_iv: bytes
    payload_key: bytes
    blinding_seed: bytes


def hkdf_expand_sha256(prk: bytes, *, info: bytes, length: int) -> bytes:
    """RFC 5869 HKDF-Expand with SHA-256 (no extract step, as Katzenpost does)."""
    return HKDFExpand(_SHA256, length, info).derive(prk)


def derive_hop_keys(shared_secret: bytes) -> HopKeys:
    """Split the 160-byte key material of one hop (see the module docstring)."""
    okm = HKDFExpand(_SHA256, HOP_KEY_MATERIAL_SIZE, KDF_INFO).derive(shared_secret)
    return HopKeys(okm[0:32], okm[32:64], okm[64:80], okm[80:128], okm[128:160])


def chacha20_xor(
    key: bytes, data: bytes, *, nonce: bytes = _ZERO_NONCE_12, counter: int = 0
) -> bytes:
    """RFC 8439 ChaCha20 (96-bit nonce, 32-bit block counter) applied to ``data``."""
    full_nonce = counter.to_bytes(4, "little") + nonce
    return Cipher(algorithms.ChaCha20(key, full_nonce), None).encryptor().update(data)


def blinding_factor(blinding_seed: bytes) -> bytes:
    """The X25519 scalar a hop blinds the group element with."""
    return chacha20_xor(blinding_seed, _ZERO_32)


def aes256_ctr_xor(key: bytes, iv: bytes, data: bytes) -> bytes:
    """AES-256-CTR with the full 16-byte IV as the initial counter block."""
    return Cipher(algorithms.AES(key), modes.CTR(iv)).encryptor().update(data)


def x25519(scalar: bytes, point: bytes) -> bytes:
    """X25519(scalar, point); raises ``LowOrderPointError`` on an all-zero result."""
    try:
        return nacl.bindings.crypto_scalarmult(scalar, point)
    except nacl.exceptions.RuntimeError as exc:
        raise LowOrderPointError("X25519 result is the all-zero point") from exc


def x25519_base(scalar: bytes) -> bytes:
    """The X25519 public key of ``scalar``."""
    return nacl.bindings.crypto_scalarmult_base(scalar)


def header_mac(mac_key: bytes, authenticated: bytes) -> bytes:
    """HMAC-SHA256 over additional data | group element | routing information."""
    return hmac.digest(mac_key, authenticated, "sha256")


def replay_tag(group_element: bytes) -> bytes:
    """SHA-512/256 of the group element a hop received."""
    digest = _SHA512_256.copy()
    digest.update(group_element)
    return digest.digest()
