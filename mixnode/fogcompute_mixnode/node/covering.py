"""Loop cover traffic sent by the node itself: Poisson-timed loops through the mixnet.

Sits beside packet handling in each worker. Each loop is a packet through one random node per
layer and back to this node, whose handler recognises it by the node's id as recipient and a
secret per-process token; sent and returned loops are counted so reliability can be measured
later. Timing comes from an ``ExponentialSampler`` over ``secrets`` (unpredictable).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Callable

from fogcompute_mixnode.directory import Address, Directory, choose_route, to_path
from fogcompute_mixnode.keyfiles import NodeKeys
from fogcompute_mixnode.node.counting import WorkerStats
from fogcompute_mixnode.sampling import ExponentialSampler, interval_sampler
from fogcompute_mixnode.sphinx import MAX_HOPS, PathHop, build_forward_packet

log = logging.getLogger(__name__)


class LoopCover:
    """Sends one loop per Poisson event while running."""

    def __init__(
        self,
        *,
        rate_per_s: float,
        keys: NodeKeys,
        directory: Directory,
        token: bytes,
        hop_delays: ExponentialSampler,
        max_delay_us: int,
        send: Callable[[bytes, Address], None],
        stats: WorkerStats,
    ) -> None:
        self._intervals = interval_sampler(rate_per_s=rate_per_s)
        self._keys = keys
        self._directory = directory
        self._token = token
        self._hop_delays = hop_delays
        self._max_delay_us = max_delay_us
        self._send = send
        self._stats = stats
        self._handle: asyncio.TimerHandle | None = None

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._handle = loop.call_later(self._intervals.sample(), self._tick, loop)

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def build_loop(self) -> tuple[bytes, Address]:
        """One loop packet and the address of its first hop."""
        epoch = self._directory.epoch
        route = choose_route(self._directory)[: MAX_HOPS - 1]
        path = to_path(route, epoch=epoch, delays=self._hop_delays, max_delay_us=self._max_delay_us)
        own_key = self._keys.public_keys()[epoch]
        path.append(
            PathHop(node_id=self._keys.node_id, public_key=own_key, epoch=epoch, delay_us=0)
        )
        message = self._token + secrets.token_bytes(16)
        packet = build_forward_packet(path=path, recipient=self._keys.node_id, message=message)
        return packet, route[0].address

    def _tick(self, loop: asyncio.AbstractEventLoop) -> None:
        try:
            packet, address = self.build_loop()
        except Exception:  # a directory without our epoch must not stop the worker
            log.exception("event=loop_build_failed")
        else:
            self._send(packet, address)
            self._stats.counts["loops_sent"] += 1
        self._handle = loop.call_later(self._intervals.sample(), self._tick, loop)
