"""Replay detection: one Bloom filter per key epoch, consulted after a packet's MAC verified.

Used by ``processing.SphinxNode``; the daemon creates one ``ReplayFilter`` per worker and
drops an epoch's filter together with the epoch's key. A Bloom filter never forgets a tag
(no false negatives) and wrongly reports an unseen tag as seen with probability at most
``fp_rate`` while it holds no more than ``expected_per_epoch`` tags.
"""

from __future__ import annotations


class ReplayFilter:
    """Per-epoch Bloom filters of replay tags (32-byte SHA-512/256 digests)."""

    def __init__(self, *, expected_per_epoch: int, fp_rate: float = 0.001) -> None:
        raise NotImplementedError

    def check_and_add(self, epoch: int, tag: bytes) -> bool:
        """Record ``tag`` for ``epoch``; True if it (probably) was recorded before."""
        raise NotImplementedError

    def drop_epoch(self, epoch: int) -> None:
        """Forget the filter of ``epoch`` (its key is gone, so its packets can't be replayed)."""
        raise NotImplementedError
