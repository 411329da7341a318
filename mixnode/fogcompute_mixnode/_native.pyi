"""Typed stub of ``fogcompute_mixnode._native``, the Rust extension built from mixnode/native.

Only ``fogcompute_mixnode.sphinx`` calls it (through ``sphinx.backends``); see
mixnode/native/src/lib.rs for the implementation and ``sphinx.processing`` for the codes.
"""

from collections.abc import Sequence
from typing import Final

PACKET_SIZE: Final[int]
HEADER_SIZE: Final[int]

def unwrap_packet(
    private_key: bytes,
    packet: bytes,
    max_delay_us: int,
    bloom_bits: bytearray,
    bloom_size: int,
    bloom_hashes: int,
    bloom_salt: bytes,
    /,
) -> tuple[int, int, bytes, bytes, bytes]:
    """Unwrap one layer and record its replay tag: ``(code, delay_us, a, b, c)``.

    ``code`` 0 forward (a next hop, b packet), 1 deliver (a recipient, b message),
    2 SURB reply (a recipient, b payload block, c SURB id); a drop is negative, ``a`` its
    UTF-8 detail: -1 malformed, -2 low-order point, -3 bad MAC, -4 bad command, -5 replay,
    -6 delay over cap, -7 bad payload (checked in that order). The bloom arguments are an
    epoch's ``replays.Bloom``; its bits are set in place once MAC and commands verified.
    """

def build_header(
    *,
    secret: bytes,
    public_keys: Sequence[bytes],
    node_ids: Sequence[bytes],
    delays: Sequence[int],
    additional_data: bytes,
    recipient: bytes,
    surb_id: bytes | None,
    padding: bytes,
) -> tuple[bytes, list[bytes]]:
    """The header for the path and every hop's payload key, from the caller's randomness."""

def build_packet(
    *,
    secret: bytes,
    public_keys: Sequence[bytes],
    node_ids: Sequence[bytes],
    delays: Sequence[int],
    additional_data: bytes,
    recipient: bytes,
    padding: bytes,
    block: bytes,
) -> bytes:
    """A forward packet: ``build_header`` (no SURB id) then ``block`` wrapped for each hop."""

def lioness_encrypt(key: bytes, block: bytes, /) -> bytes: ...
def lioness_decrypt(key: bytes, block: bytes, /) -> bytes: ...
def wrap_payload(block: bytes, payload_keys: Sequence[bytes], /) -> bytes: ...
def x25519(scalar: bytes, point: bytes, /) -> bytes:
    """X25519 as the unwrap computes it; all-zero for a low-order point."""

def profile_hop(private_key: bytes, packet: bytes, rounds: int, /) -> list[tuple[str, float]]:
    """Median ns of each step of unwrapping the forward ``packet`` (benchmark breakdown)."""

def profile_x25519(scalar: bytes, point: bytes, rounds: int, /) -> list[tuple[str, float]]:
    """Median ns of one X25519 by each route the extension can take (benchmark floor)."""
