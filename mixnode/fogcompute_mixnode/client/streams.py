"""Loopix sending streams: payload (real message or dummy), loop cover and drop cover.

Sits between ``fogctl send`` and the packet factory. Each stream is a Poisson process whose
inter-send times come from ``secrets`` (an observer cannot predict them); the payload stream
sends the next queued message when there is one and a drop-cover dummy otherwise, so the
sending pattern does not reveal when the user speaks. Deadlines accumulate, so a slow packet
build does not lower the long-run rate.
"""

from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from fogcompute_mixnode.client.envelopes import Envelope, seal
from fogcompute_mixnode.client.packets import PacketFactory
from fogcompute_mixnode.directory import Address, MissingEpochKeyError, RecipientEntry
from fogcompute_mixnode.keyfiles import MailboxKeys
from fogcompute_mixnode.sampling import UniformSource, interval_sampler
from fogcompute_mixnode.sphinx import SURB_SIZE, SurbKeys, serialize_surb

log = logging.getLogger(__name__)
MAX_LAG_S = 0.5


@dataclass(frozen=True)
class StreamRates:
    """Packets per second of each stream; 0 turns loop or drop cover off."""

    payload: float
    loop: float = 0.0
    drop: float = 0.0


@dataclass
class StreamCounts:
    real: int = 0
    dummies: int = 0
    loops: int = 0
    drops: int = 0
    sent_ids: list[bytes] = field(default_factory=list)


@dataclass(frozen=True)
class Outgoing:
    """A queued message: to whom, what, and whether to carry a SURB for the answer."""

    recipient: RecipientEntry
    body: bytes
    with_surb: bool = False


class LoopixClient:
    """Runs the three streams until ``stop`` is called."""

    def __init__(
        self,
        *,
        factory: PacketFactory,
        send: Callable[[bytes, Address], None],
        rates: StreamRates,
        identity: MailboxKeys | None = None,
        pending_surbs: dict[bytes, SurbKeys] | None = None,
        source: UniformSource | None = None,
    ) -> None:
        self._factory = factory
        self._send = send
        self._rates = rates
        self._identity = identity
        self._pending_surbs = pending_surbs if pending_surbs is not None else {}
        self._source = source
        self._queue: collections.deque[Outgoing] = collections.deque()
        self.counts = StreamCounts()
        self.drained = asyncio.Event()
        self.failure: MissingEpochKeyError | None = None
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def pending(self) -> int:
        """Messages queued and not yet sent."""
        return len(self._queue)

    def enqueue(self, item: Outgoing) -> None:
        self._queue.append(item)
        self.drained.clear()

    def start(self) -> None:
        streams = [(self._rates.payload, self._payload_tick)]
        if self._rates.loop > 0 and self._identity is not None:
            streams.append((self._rates.loop, self._loop_tick))
        if self._rates.drop > 0:
            streams.append((self._rates.drop, self._drop_tick))
        self._tasks = [asyncio.create_task(self._run(rate, tick)) for rate, tick in streams]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _run(self, rate: float, tick: Callable[[], None]) -> None:
        loop = asyncio.get_running_loop()
        intervals = interval_sampler(rate_per_s=rate, source=self._source)
        deadline = loop.time()
        while True:
            deadline += intervals.sample()
            delay = deadline - loop.time()
            if delay < -MAX_LAG_S:
                # Building packets cannot keep up with the rate: skip the missed slots
                # rather than send them as one burst later.
                deadline = loop.time()
            # Always yield, so one stream never starves the others or the receiver.
            await asyncio.sleep(max(delay, 0.0))
            try:
                tick()
            except Exception:  # one unbuildable packet must not end the stream
                log.exception("event=stream_tick_failed")

    def _payload_tick(self) -> None:
        if not self._queue:
            # Drained before the cover is built: a cover packet that cannot be built (no key
            # for this epoch) must not keep a sender waiting for a queue that is empty.
            self.drained.set()
            self._send(*self._factory.drop_cover())
            self.counts.dummies += 1
            return
        item = self._queue[0]
        envelope = self._envelope(item)
        sealed = seal(envelope.encode(), public_key=item.recipient.public_key)
        try:
            packet = self._factory.forward(recipient=item.recipient.recipient_id, message=sealed)
        except MissingEpochKeyError as error:
            # The message stays queued (never lost); a sender waiting for the queue is woken
            # with the reason, since no later tick of this epoch can build it either.
            self.failure = error
            self.drained.set()
            raise
        self._queue.popleft()
        self._send(*packet)
        self.counts.real += 1
        self.counts.sent_ids.append(envelope.message_id)
        if not self._queue:
            self.drained.set()

    def _envelope(self, item: Outgoing) -> Envelope:
        if not item.with_surb or self._identity is None:
            return Envelope(kind="message", body=item.body)
        surb, keys = self._factory.surb(recipient=self._identity.recipient_id)
        self._pending_surbs[keys.surb_id] = keys
        serialized = serialize_surb(surb)
        assert len(serialized) == SURB_SIZE
        return Envelope(kind="message", body=item.body, surb=serialized)

    def _loop_tick(self) -> None:
        assert self._identity is not None
        envelope = Envelope(kind="loop", body=b"")
        sealed = seal(envelope.encode(), public_key=self._identity.public_key)
        packet, address = self._factory.forward(
            recipient=self._identity.recipient_id, message=sealed
        )
        self._send(packet, address)
        self.counts.loops += 1

    def _drop_tick(self) -> None:
        self._send(*self._factory.drop_cover())
        self.counts.drops += 1
