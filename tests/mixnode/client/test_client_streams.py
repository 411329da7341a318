"""The payload stream never loses a queued message, and never leaves a sender waiting forever.

A message whose packet cannot be built for the current epoch (the directory read at start has
no key for it) stays queued, and the client wakes its sender with the reason; an empty queue
counts as drained even when the cover packet cannot be built either.
"""

from __future__ import annotations

import asyncio
from typing import Any

import nacl.public
import pytest
from fogcompute_mixnode.client.streams import LoopixClient, Outgoing, StreamRates
from fogcompute_mixnode.directory import MissingEpochKeyError, RecipientEntry

ADDRESS = ("127.0.0.1", 9)


class Factory:
    """Builds packets until ``broken``, then refuses as a stale directory would."""

    def __init__(self) -> None:
        self.broken = False

    def _packet(self) -> tuple[bytes, tuple[str, int]]:
        if self.broken:
            raise MissingEpochKeyError(node_id=b"\x01" * 8, epoch=7)
        return b"packet", ADDRESS

    def forward(self, *, recipient: bytes, message: bytes) -> tuple[bytes, tuple[str, int]]:
        return self._packet()

    def drop_cover(self) -> tuple[bytes, tuple[str, int]]:
        return self._packet()


def recipient() -> RecipientEntry:
    key = nacl.public.PrivateKey.generate().public_key.encode()
    return RecipientEntry(recipient_id=b"\x02" * 32, host="127.0.0.1", port=9, public_key=key)


def client(factory: Factory, sent: list[Any]) -> LoopixClient:
    return LoopixClient(
        factory=factory,  # type: ignore[arg-type]
        send=lambda packet, to: sent.append((packet, to)),
        rates=StreamRates(payload=200.0),
    )


async def test_an_unbuildable_message_stays_queued_and_wakes_the_sender() -> None:
    factory, sent = Factory(), []
    factory.broken = True
    streams = client(factory, sent)
    streams.enqueue(Outgoing(recipient=recipient(), body=b"hello"))
    streams.start()
    await asyncio.wait_for(streams.drained.wait(), 5)
    await streams.stop()
    assert isinstance(streams.failure, MissingEpochKeyError)
    assert streams.pending == 1
    assert sent == []


async def test_a_message_is_sent_once_and_cover_failures_do_not_block_draining() -> None:
    factory, sent = Factory(), []
    streams = client(factory, sent)
    streams.enqueue(Outgoing(recipient=recipient(), body=b"hello"))
    streams.start()
    await asyncio.wait_for(streams.drained.wait(), 5)
    factory.broken = True  # the epoch turned: cover can no longer be built
    streams.drained.clear()
    await asyncio.wait_for(streams.drained.wait(), 5)
    await streams.stop()
    assert streams.pending == 0
    assert streams.counts.real == 1
    assert streams.failure is None


@pytest.fixture(autouse=True)
def _quiet_stream_errors(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("CRITICAL", logger="fogcompute_mixnode.client.streams")
