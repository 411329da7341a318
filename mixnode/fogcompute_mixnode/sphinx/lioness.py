"""LIONESS-BLAKE2b-ChaCha20: the wide-block cipher of the Sphinx payload.

Used by ``payloads`` (and so by building, processing and SURBs). It follows Katzenpost's
LIONESS specification (Yawning Angel, katzenpost/docs/specs/lioness.md): four rounds of an
unbalanced Feistel network, ``H(k, m)`` = BLAKE2b keyed with ``k | iv`` and truncated to 32
bytes, ``S(k, iv)`` = ChaCha20 with a 96-bit nonce and the counter at 0::

    L, R = block[0:32], block[32:]
    R = ChaCha20(L ^ k1, iv1, R);  L = L ^ BLAKE2b(k2 | iv2, R)
    R = ChaCha20(L ^ k3, iv3, R);  L = L ^ BLAKE2b(k4 | iv4, R)

The spec's 128-byte key and 48-byte IV come from the hop's 48-byte Sphinx payload key
through SHAKE-256 used as a key-derivation XOF (one call; HKDF-Expand needed six HMACs)::

    k1|k2|k3|k4|iv1|iv2|iv3|iv4 = SHAKE-256("fog-compute-lioness-v0" | payload key, 176 bytes)

Changing one bit anywhere in a block changes every bit of its image, which is what makes the
exit's 16-byte zero tag catch any tampering with the payload.
"""

from __future__ import annotations

import hashlib
from typing import Final, NamedTuple

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms

LIONESS_INFO: Final = b"fog-compute-lioness-v0"
HALF: Final = 32
MIN_BLOCK_SIZE: Final = HALF + 1
_EXPANDED_SIZE: Final = 4 * 32 + 4 * 12


class RoundKeys(NamedTuple):
    """The spec's round keys, shaped for the primitives that consume them."""

    stream_key1: bytes
    stream_key3: bytes
    nonce1: bytes  # cryptography's 16-byte ChaCha20 nonce: 32-bit counter 0, then iv1
    nonce3: bytes
    hash_key2: bytes  # k2 | iv2, the BLAKE2b key
    hash_key4: bytes


def round_keys(payload_key: bytes) -> RoundKeys:
    """Expand a 48-byte Sphinx payload key into the LIONESS round keys and IVs."""
    okm = hashlib.shake_256(LIONESS_INFO + payload_key).digest(_EXPANDED_SIZE)
    zero_counter = bytes(4)
    return RoundKeys(
        stream_key1=okm[0:32],
        stream_key3=okm[64:96],
        nonce1=zero_counter + okm[128:140],
        nonce3=zero_counter + okm[152:164],
        hash_key2=okm[32:64] + okm[140:152],
        hash_key4=okm[96:128] + okm[164:176],
    )


def _xor32(a: bytes, b: bytes) -> bytes:
    return (int.from_bytes(a, "little") ^ int.from_bytes(b, "little")).to_bytes(32, "little")


def _stream(key: bytes, nonce: bytes, data: bytes) -> bytes:
    return Cipher(algorithms.ChaCha20(key, nonce), None).encryptor().update(data)


def _hash(key: bytes, data: bytes) -> bytes:
    return hashlib.blake2b(data, key=key).digest()[:HALF]


def encrypt(payload_key: bytes, block: bytes) -> bytes:
    """LIONESS-Encrypt of ``block`` (at least 33 bytes) under the expanded ``payload_key``."""
    k1, k3, n1, n3, hk2, hk4 = round_keys(payload_key)
    left, right = block[:HALF], block[HALF:]
    right = _stream(_xor32(left, k1), n1, right)
    left = _xor32(left, _hash(hk2, right))
    right = _stream(_xor32(left, k3), n3, right)
    left = _xor32(left, _hash(hk4, right))
    return left + right


def decrypt(payload_key: bytes, block: bytes) -> bytes:
    """LIONESS-Decrypt, the inverse of ``encrypt``."""
    k1, k3, n1, n3, hk2, hk4 = round_keys(payload_key)
    left, right = block[:HALF], block[HALF:]
    left = _xor32(left, _hash(hk4, right))
    right = _stream(_xor32(left, k3), n3, right)
    left = _xor32(left, _hash(hk2, right))
    right = _stream(_xor32(left, k1), n1, right)
    return left + right
