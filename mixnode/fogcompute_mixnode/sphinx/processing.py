"""A mix's half of Sphinx: unwrap one layer of a packet, or say exactly why it is dropped.

Called by the daemon's workers for every datagram. Order of checks: length and version,
epoch hint (a known key, no blind trial of keys), low-order group element, header MAC,
replay tag (only after the MAC, so forged packets cannot fill the Bloom filter), routing
commands, then the payload. ``process`` raises ``SphinxDrop`` and nothing else, whatever
bytes it is given. It does no I/O and keeps no timers: delays are the daemon's.
"""

from __future__ import annotations

from collections.abc import Sequence

from fogcompute_mixnode.sphinx.epochs import EpochKey
from fogcompute_mixnode.sphinx.replays import ReplayFilter
from fogcompute_mixnode.sphinx.results import ProcessResult


class SphinxNode:
    """One mixnode's packet processor: its epoch keys, its replay filter, its delay cap."""

    def __init__(
        self, *, keys: Sequence[EpochKey], replay: ReplayFilter, max_delay_us: int
    ) -> None:
        raise NotImplementedError

    def add_key(self, key: EpochKey) -> None:
        """Accept packets for ``key.epoch`` (replaces a key held for the same epoch hint)."""
        raise NotImplementedError

    def drop_epoch(self, epoch: int) -> None:
        """Forget the key and the replay filter of ``epoch``."""
        raise NotImplementedError

    def process(self, packet: bytes) -> ProcessResult:
        """Unwrap one layer: ``Forward``, ``Deliver`` or ``SurbReplyDelivered``.

        Raises ``SphinxDrop`` (with its ``reason``) for any packet that must be dropped, and
        never any other exception.
        """
        raise NotImplementedError
