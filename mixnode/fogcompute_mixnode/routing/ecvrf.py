"""ECVRF-EDWARDS25519-SHA512-TAI (RFC 9381, suite 0x03): prove, verify, proof to hash.

Sits at the bottom of the routing core: the operator proves the VRF output a circuit's path is
drawn from (``proving``), anyone checks it (``verifying``, ``fogctl circuit verify``). Must not
do field or group arithmetic itself: every point and scalar operation is libsodium's, through
PyNaCl's ``nacl.bindings`` (``crypto_core_ed25519_*``, ``crypto_scalarmult_ed25519_*``); the
rest is SHA-512 and byte layout as RFC 9381 sections 5.1-5.4 and 5.5 write them.

Where libsodium is stricter than the RFC, verification is stricter too: the public key and
Gamma must lie in the prime-order subgroup (libsodium's scalar multiplication refuses other
points). An honest key (``x*B``) and an honest Gamma (``x*H``, H cofactor-cleared) always do,
so only proofs no honest prover makes are refused. ``verify`` returns ``None`` for every
malformed or tampered input, whatever its length; it never raises for ``bytes`` arguments.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from nacl import bindings, exceptions

__all__ = [
    "PROOF_SIZE",
    "PUBLIC_KEY_SIZE",
    "SECRET_KEY_SIZE",
    "VrfKeyPair",
    "keypair_from_secret",
    "proof_to_hash",
    "prove",
    "verify",
]

SUITE = b"\x03"  # ECVRF-EDWARDS25519-SHA512-TAI
SECRET_KEY_SIZE = 32
PUBLIC_KEY_SIZE = 32
PROOF_SIZE = 80  # Gamma (32) || c (16) || s (32)
C_LEN = 16
# The prime order q of the edwards25519 base point (RFC 8032 "L"); only compared against.
GROUP_ORDER = 2**252 + 27742317777372353535851937790883648493
IDENTITY = b"\x01" + b"\x00" * 31


@dataclass(frozen=True)
class VrfKeyPair:
    """An operator's VRF key: the 32-byte secret (RFC 8032 style) and ``Y = x*B``."""

    secret: bytes = field(repr=False)
    public_key: bytes


@dataclass(frozen=True)
class _Expanded:
    scalar: bytes  # x reduced mod q, 32 bytes little-endian
    nonce_key: bytes  # the second half of SHA-512(SK), keys the deterministic nonce
    public_key: bytes


def _reduce(wide: bytes) -> bytes:
    return bytes(bindings.crypto_core_ed25519_scalar_reduce(wide.ljust(64, b"\x00")))


def _expand(secret: bytes) -> _Expanded:
    if not isinstance(secret, bytes) or len(secret) != SECRET_KEY_SIZE:
        raise ValueError(f"VRF secret key: expected {SECRET_KEY_SIZE} bytes")
    digest = hashlib.sha512(secret).digest()
    clamped = bytearray(digest[:32])
    clamped[0] &= 248
    clamped[31] &= 127
    clamped[31] |= 64
    scalar = _reduce(bytes(clamped))
    public = bytes(bindings.crypto_scalarmult_ed25519_base_noclamp(scalar))
    return _Expanded(scalar=scalar, nonce_key=digest[32:], public_key=public)


def keypair_from_secret(secret: bytes) -> VrfKeyPair:
    """The key pair for a 32-byte secret (RFC 9381 5.5: the RFC 8032 key generation)."""
    return VrfKeyPair(secret=secret, public_key=_expand(secret).public_key)


def _decode_point(encoded: bytes) -> bytes | None:
    """``encoded`` if it is the canonical encoding of a curve point (RFC 8032 5.1.3), else None.

    Adding the identity makes libsodium decode the point (it refuses points off the curve) and
    re-encode it canonically; a different encoding means a non-canonical input.
    """
    try:
        again = bytes(bindings.crypto_core_ed25519_add(encoded, IDENTITY))
    except exceptions.CryptoError:
        return None
    return encoded if again == encoded else None


def _clear_cofactor(point: bytes) -> bytes:
    """``8 * point`` as three doublings (libsodium's addition accepts every curve point)."""
    for _ in range(3):
        point = bytes(bindings.crypto_core_ed25519_add(point, point))
    return point


def _mul(scalar: bytes, point: bytes) -> bytes:
    """``scalar * point``; the identity for a zero scalar (libsodium refuses to return it)."""
    if scalar == b"\x00" * 32:
        return IDENTITY
    return bytes(bindings.crypto_scalarmult_ed25519_noclamp(scalar, point))


def _mul_base(scalar: bytes) -> bytes:
    if scalar == b"\x00" * 32:
        return IDENTITY
    return bytes(bindings.crypto_scalarmult_ed25519_base_noclamp(scalar))


def _encode_to_curve(public_key: bytes, alpha: bytes) -> bytes:
    """RFC 9381 5.4.1.1, try-and-increment: the first hash that decodes, times the cofactor."""
    for counter in range(256):
        digest = hashlib.sha512(
            SUITE + b"\x01" + public_key + alpha + bytes([counter]) + b"\x00"
        ).digest()
        point = _decode_point(digest[:32])
        if point is None:
            continue
        cleared = _clear_cofactor(point)
        if cleared != IDENTITY:
            return cleared
    # Each try fails with probability about 1/2: 256 failures do not happen.
    raise ValueError("encode_to_curve: no point after 256 tries")


def _challenge(*points: bytes) -> bytes:
    """RFC 9381 5.4.3: the first cLen bytes of SHA-512 over the five points."""
    return hashlib.sha512(SUITE + b"\x02" + b"".join(points) + b"\x00").digest()[:C_LEN]


def prove(*, secret_key: bytes, alpha: bytes) -> bytes:
    """The 80-byte proof ``pi`` for ``alpha`` (RFC 9381 5.1)."""
    key = _expand(secret_key)
    h = _encode_to_curve(key.public_key, alpha)
    gamma = _mul(key.scalar, h)
    k = _reduce(hashlib.sha512(key.nonce_key + h).digest())  # 5.4.2.2
    c = _challenge(key.public_key, h, gamma, _mul_base(k), _mul(k, h))
    c_scalar = c.ljust(32, b"\x00")
    s = bytes(
        bindings.crypto_core_ed25519_scalar_add(
            k, bindings.crypto_core_ed25519_scalar_mul(c_scalar, key.scalar)
        )
    )
    return gamma + c + s


def _decode_proof(proof: bytes) -> tuple[bytes, bytes, bytes] | None:
    if not isinstance(proof, bytes) or len(proof) != PROOF_SIZE:
        return None
    gamma = _decode_point(proof[:32])
    c, s = proof[32:48], proof[48:]
    if gamma is None or int.from_bytes(s, "little") >= GROUP_ORDER:
        return None
    return gamma, c, s


def proof_to_hash(proof: bytes) -> bytes | None:
    """The 64-byte VRF output ``beta`` of a well-formed proof (RFC 9381 5.2); None otherwise.

    Does not verify the proof: use ``verify``, which returns the same ``beta`` when it holds.
    """
    decoded = _decode_proof(proof)
    if decoded is None:
        return None
    return hashlib.sha512(SUITE + b"\x03" + _clear_cofactor(decoded[0]) + b"\x00").digest()


def verify(*, public_key: bytes, alpha: bytes, proof: bytes) -> bytes | None:
    """``beta`` if ``proof`` proves ``alpha`` under ``public_key`` (RFC 9381 5.3), else None."""
    if not isinstance(public_key, bytes) or not isinstance(alpha, bytes):
        return None
    if len(public_key) != PUBLIC_KEY_SIZE or not bindings.crypto_core_ed25519_is_valid_point(
        public_key
    ):
        return None  # off the curve, non-canonical, small order or outside the subgroup
    decoded = _decode_proof(proof)
    if decoded is None:
        return None
    gamma, c, s = decoded
    c_scalar = c.ljust(32, b"\x00")
    try:
        h = _encode_to_curve(public_key, alpha)
        u = bytes(bindings.crypto_core_ed25519_sub(_mul_base(s), _mul(c_scalar, public_key)))
        v = bytes(bindings.crypto_core_ed25519_sub(_mul(s, h), _mul(c_scalar, gamma)))
    except (exceptions.CryptoError, ValueError):
        return None  # Gamma outside the prime-order subgroup: never an honest proof
    if _challenge(public_key, h, gamma, u, v) != c:
        return None
    return proof_to_hash(proof)
