"""Client-side packet building: a random path per packet, delays per hop, SURBs.

Sits between the Loopix streams / mailbox replies and the sphinx package. Paths are one node
per layer chosen with ``secrets``; per-hop delays are exponential with the configured mean,
also from ``secrets``. Every packet and SURB is built for the epoch clock's current epoch
(``--epoch-seconds``/``--epoch-genesis``, the daemon's flags) with the directory's public keys
for that epoch. Never sends anything: returns the packet and the first hop's address.
"""

from __future__ import annotations

import secrets

from fogcompute_mixnode.delivering import DROP_RECIPIENT
from fogcompute_mixnode.directory import (
    Address,
    Clock,
    Directory,
    EpochClock,
    choose_route,
    to_path,
    wall_clock,
)
from fogcompute_mixnode.directory.pathing import Chooser
from fogcompute_mixnode.sampling import ExponentialSampler, UniformSource
from fogcompute_mixnode.sphinx import (
    Surb,
    SurbKeys,
    build_forward_packet,
    build_reply_packet,
    build_surb,
)


class PacketFactory:
    """Builds forward packets, drop cover and SURBs over fresh random paths."""

    def __init__(
        self,
        *,
        directory: Directory,
        epochs: EpochClock,
        hop_delay_mean_us: float,
        max_delay_us: int,
        chooser: Chooser | None = None,
        delay_source: UniformSource | None = None,
        clock: Clock = wall_clock,
    ) -> None:
        self.directory = directory
        self._epochs = epochs
        self._clock = clock
        self._delays = ExponentialSampler(mean=hop_delay_mean_us, source=delay_source)
        self._max_delay_us = max_delay_us
        self._chooser = chooser if chooser is not None else secrets.SystemRandom()

    def current_epoch(self) -> int:
        """The epoch packets are built for now: the clock's, never the directory file's."""
        return self._epochs.current(self._clock())

    def forward(self, *, recipient: bytes, message: bytes) -> tuple[bytes, Address]:
        """A packet delivering ``message`` to ``recipient`` and where to send it."""
        route = choose_route(self.directory, chooser=self._chooser)
        path = to_path(
            route,
            epoch=self.current_epoch(),
            delays=self._delays,
            max_delay_us=self._max_delay_us,
        )
        packet = build_forward_packet(path=path, recipient=recipient, message=message)
        return packet, route[0].address

    def drop_cover(self) -> tuple[bytes, Address]:
        """A dummy the exit hop discards: Loopix drop cover and the payload stream's filler."""
        return self.forward(recipient=DROP_RECIPIENT, message=secrets.token_bytes(32))

    def surb(self, *, recipient: bytes) -> tuple[Surb, SurbKeys]:
        """A SURB routing a reply to ``recipient`` (our own mailbox id)."""
        route = choose_route(self.directory, chooser=self._chooser)
        path = to_path(
            route,
            epoch=self.current_epoch(),
            delays=self._delays,
            max_delay_us=self._max_delay_us,
        )
        return build_surb(path=path, recipient=recipient)

    def reply(self, *, surb: Surb, message: bytes) -> tuple[bytes, Address] | None:
        """The reply packet for ``surb`` and its first hop, or None if that hop is unknown."""
        address = self.directory.node_address(surb.first_hop)
        if address is None:
            return None
        return build_reply_packet(surb=surb, message=message), address
