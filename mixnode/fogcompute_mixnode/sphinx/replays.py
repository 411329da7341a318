"""Replay detection: one Bloom filter per key epoch, consulted after a packet's MAC verified.

Used by ``processing.SphinxNode``; the daemon creates one ``ReplayFilter`` per worker and
drops an epoch's filter together with the epoch's key. A Bloom filter never forgets a tag
(no false negatives); it wrongly calls an unseen tag a replay with probability at most
``fp_rate`` while it holds no more than ``expected_per_epoch`` tags. It is sized for half
of ``fp_rate`` so that the rate stays under the target despite rounding of the bit and
hash counts. The bit positions of a tag are the first little-endian 32-bit words of its
BLAKE2b-512 digest keyed with a per-filter secret salt, so a sender cannot aim packets at
chosen bits. With the Rust extension selected, ``SphinxNode`` hands an epoch's ``Bloom``
(``bloom_for``) to the native unwrap, which sets the same bits in the same bytearray.
"""

from __future__ import annotations

import hashlib
import math
import os
import struct
from typing import Final

_SALT_SIZE: Final = 16
_MAX_HASHES: Final = 16  # 32-bit words in one 64-byte BLAKE2b digest
_MAX_BITS: Final = 2**32


class Bloom:
    """One epoch's filter: ``size`` bits, ``hashes`` positions per tag, keyed by ``salt``."""

    __slots__ = ("bits", "hashes", "salt", "size", "words")

    def __init__(self, *, size: int, hashes: int, salt: bytes) -> None:
        self.bits = bytearray((size + 7) // 8)
        self.size = size
        self.hashes = hashes
        self.words = struct.Struct(f"<{hashes}I")
        self.salt = salt

    def positions(self, tag: bytes) -> tuple[int, ...]:
        digest = hashlib.blake2b(tag, key=self.salt).digest()
        size = self.size
        return tuple(word % size for word in self.words.unpack_from(digest))


def bloom_dimensions(expected: int, fp_rate: float) -> tuple[int, int]:
    """(bits, hash count) of a Bloom filter holding ``expected`` items at ``fp_rate``."""
    bits = math.ceil(-expected * math.log(fp_rate) / (math.log(2) ** 2))
    hashes = max(1, round(bits / expected * math.log(2)))
    return bits, hashes


class ReplayFilter:
    """Per-epoch Bloom filters of replay tags (32-byte SHA-512/256 digests)."""

    def __init__(
        self, *, expected_per_epoch: int, fp_rate: float = 0.001, seed: bytes | None = None
    ) -> None:
        """``seed`` fixes the filters' salts (tests only); by default they are random."""
        if expected_per_epoch < 1:
            raise ValueError(f"expected_per_epoch must be >= 1, got {expected_per_epoch}")
        if not 0.0 < fp_rate < 1.0:
            raise ValueError(f"fp_rate must be in (0, 1), got {fp_rate}")
        self.expected_per_epoch = expected_per_epoch
        self.fp_rate = fp_rate
        self.bits, self.hashes = bloom_dimensions(expected_per_epoch, fp_rate / 2)
        if self.hashes > _MAX_HASHES or self.bits > _MAX_BITS:
            raise ValueError(
                f"a filter for {expected_per_epoch} packets at fp_rate {fp_rate} needs "
                f"{self.bits} bits and {self.hashes} hashes; the limits are {_MAX_BITS} and "
                f"{_MAX_HASHES}: raise fp_rate or rotate epochs more often"
            )
        self._seed = seed
        self._filters: dict[int, Bloom] = {}

    def epochs(self) -> tuple[int, ...]:
        """The epochs that currently have a filter."""
        return tuple(sorted(self._filters))

    def bloom_for(self, epoch: int) -> Bloom:
        """The filter of ``epoch``, created empty on first use."""
        bloom = self._filters.get(epoch)
        if bloom is None:
            bloom = self._filters[epoch] = Bloom(
                size=self.bits, hashes=self.hashes, salt=self._salt(epoch)
            )
        return bloom

    def check_and_add(self, epoch: int, tag: bytes) -> bool:
        """Record ``tag`` for ``epoch``; True if it (probably) was recorded before."""
        bloom = self.bloom_for(epoch)
        bits = bloom.bits
        seen = True
        for position in bloom.positions(tag):
            mask = 1 << (position & 7)
            if not bits[position >> 3] & mask:
                seen = False
                bits[position >> 3] |= mask
        return seen

    def contains(self, epoch: int, tag: bytes) -> bool:
        """Whether ``tag`` (probably) was recorded for ``epoch``, without recording it."""
        bloom = self._filters.get(epoch)
        if bloom is None:
            return False
        bits = bloom.bits
        return all(bits[p >> 3] & (1 << (p & 7)) for p in bloom.positions(tag))

    def drop_epoch(self, epoch: int) -> None:
        """Forget the filter of ``epoch`` (its key is gone, so its packets can't be replayed)."""
        self._filters.pop(epoch, None)

    def _salt(self, epoch: int) -> bytes:
        if self._seed is None:
            return os.urandom(_SALT_SIZE)
        material = self._seed + epoch.to_bytes(8, "big", signed=True)
        return hashlib.blake2b(material, digest_size=_SALT_SIZE).digest()
