"""Loop cover traffic sent by the node itself: Poisson-timed loops through the mixnet.

Sits beside packet handling in each worker. Each loop is a packet through one random node per
layer and back to this node, whose handler recognises it by the node's id as recipient and a
secret per-process token; sent and returned loops are counted so reliability can be measured
later. Timing comes from an ``ExponentialSampler`` over ``secrets`` (unpredictable).

Every loop is built for the epoch clock's current epoch with the directory's public keys for
that epoch (this node's own hop included), so loops follow key rotation. When some hop has no
key for the current epoch the loop is skipped: counted as ``loops_skipped`` and logged once
per epoch, not once per tick.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable

from fogcompute_mixnode.directory import (
    Address,
    Clock,
    Directory,
    EpochClock,
    MissingEpochKeyError,
    choose_route,
    to_path,
    wall_clock,
)
from fogcompute_mixnode.node.counting import WorkerStats
from fogcompute_mixnode.sampling import ExponentialSampler, interval_sampler
from fogcompute_mixnode.sphinx import MAX_HOPS, NodeId, PathHop, build_forward_packet

log = logging.getLogger(__name__)


class LoopCover:
    """Sends one loop per Poisson event while running."""

    def __init__(
        self,
        *,
        rate_per_s: float,
        node_id: NodeId,
        directory: Directory,
        epochs: EpochClock,
        token: bytes,
        hop_delays: ExponentialSampler,
        max_delay_us: int,
        send: Callable[[bytes, Address], None],
        stats: WorkerStats,
        clock: Clock = wall_clock,
    ) -> None:
        self._intervals = interval_sampler(rate_per_s=rate_per_s)
        self._node_id = node_id
        self._directory = directory
        self._epochs = epochs
        self._clock = clock
        self._skip_logged: set[int] = set()
        self._token = token
        self._hop_delays = hop_delays
        self._max_delay_us = max_delay_us
        self._send = send
        self._stats = stats
        self._handle: asyncio.TimerHandle | None = None

    def use_directory(self, directory: Directory) -> None:
        """Choose loop routes from ``directory`` from now on (the file was reloaded)."""
        self._directory = directory

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._handle = loop.call_later(self._intervals.sample(), self._tick, loop)

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def build_loop(self) -> tuple[bytes, Address]:
        """One loop packet for the current epoch and the address of its first hop.

        Raises ``MissingEpochKeyError`` when the directory lacks a current-epoch key for a hop.
        """
        epoch = self._epochs.current(self._clock())
        own = self._directory.node(self._node_id)
        own_key = None if own is None else own.public_keys.get(epoch)
        if own_key is None:
            raise MissingEpochKeyError(node_id=self._node_id, epoch=epoch)
        route = choose_route(self._directory)[: MAX_HOPS - 1]
        path = to_path(route, epoch=epoch, delays=self._hop_delays, max_delay_us=self._max_delay_us)
        path.append(PathHop(node_id=self._node_id, public_key=own_key, epoch=epoch, delay_us=0))
        message = self._token + secrets.token_bytes(16)
        packet = build_forward_packet(path=path, recipient=self._node_id, message=message)
        return packet, route[0].address

    def send_one(self) -> bool:
        """Build and send one loop; False (counted, logged once per epoch) if skipped."""
        try:
            packet, address = self.build_loop()
        except MissingEpochKeyError as missing:
            self._stats.counts["loops_skipped"] += 1
            if missing.epoch not in self._skip_logged:
                self._skip_logged.add(missing.epoch)
                log.warning(
                    "event=loop_skipped reason=no_key_in_directory epoch=%d node=%s "
                    "fix='publish every node's key for epoch %d in the directory'",
                    missing.epoch,
                    missing.node_id.hex()[:16],
                    missing.epoch,
                )
            return False
        self._send(packet, address)
        self._stats.counts["loops_sent"] += 1
        return True

    def _tick(self, loop: asyncio.AbstractEventLoop) -> None:
        try:
            self.send_one()
        except Exception:  # an unbuildable loop must not stop the worker
            log.exception("event=loop_build_failed")
        self._handle = loop.call_later(self._intervals.sample(), self._tick, loop)
