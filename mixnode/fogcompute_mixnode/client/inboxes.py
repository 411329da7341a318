"""What arrives at a client's address: delivered messages, SURB replies and its own loops.

Sits between the UDP endpoint (``fogctl mailbox`` and ``fogctl send`` both listen on their
recipient address from the directory) and the store. Every frame is checked and decrypted
here; anything that does not open is counted as rejected, never raised. A message carrying a
SURB can be answered at once (``auto_reply``) or later from the stored SURB.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import cast

from fogcompute_mixnode.client.envelopes import Envelope, decode, unseal
from fogcompute_mixnode.client.packets import PacketFactory
from fogcompute_mixnode.client.storing import MailboxStore
from fogcompute_mixnode.delivering import decode_frame
from fogcompute_mixnode.directory import Address
from fogcompute_mixnode.keyfiles import MailboxKeys
from fogcompute_mixnode.sphinx import SphinxDrop, SurbKeys, open_reply, parse_surb

log = logging.getLogger(__name__)
Send = Callable[[bytes, Address], None]


@dataclass
class InboxCounts:
    received: int = 0
    messages: int = 0
    duplicates: int = 0
    replies: int = 0
    replies_sent: int = 0
    loops_returned: int = 0
    rejected: int = 0


@dataclass
class Inbox:
    """Opens frames addressed to ``keys.recipient_id``."""

    keys: MailboxKeys
    factory: PacketFactory
    send: Send
    store: MailboxStore | None = None
    auto_reply: bytes | None = None
    pending_surbs: dict[bytes, SurbKeys] = field(default_factory=dict)
    replies: list[Envelope] = field(default_factory=list)
    counts: InboxCounts = field(default_factory=InboxCounts)
    reply_arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def handle(self, data: bytes) -> None:
        self.counts.received += 1
        frame = decode_frame(data)
        if frame is None or frame.recipient != self.keys.recipient_id:
            self.counts.rejected += 1
            return
        if frame.is_reply:
            self._open_reply(frame.surb_id, frame.body)
            return
        plaintext = unseal(frame.body, private_key=self.keys.private_key)
        envelope = None if plaintext is None else decode(plaintext)
        if envelope is None:
            self.counts.rejected += 1
        elif envelope.kind == "loop":
            self.counts.loops_returned += 1
        elif envelope.kind == "message":
            self._store(envelope)
        else:
            self.counts.rejected += 1

    def answer(self, *, surb: bytes, reply_to: bytes, body: bytes) -> bool:
        """Send ``body`` back through a serialized SURB; False if it cannot be used."""
        try:
            parsed = parse_surb(surb)
        except ValueError:
            return False
        envelope = Envelope(kind="reply", body=body, reply_to=reply_to)
        built = self.factory.reply(surb=parsed, message=envelope.encode())
        if built is None:
            return False
        self.send(*built)
        self.counts.replies_sent += 1
        return True

    def _store(self, envelope: Envelope) -> None:
        fresh = self.store.add(envelope) if self.store is not None else True
        if not fresh:
            self.counts.duplicates += 1
            return
        self.counts.messages += 1
        if envelope.surb and self.auto_reply is not None and self.store is not None:
            surb = self.store.take_surb(envelope.message_id.hex())
            if surb is not None:
                self.answer(surb=surb, reply_to=envelope.message_id, body=self.auto_reply)

    def _open_reply(self, surb_id: bytes, payload: bytes) -> None:
        keys = self.pending_surbs.pop(surb_id, None)
        if keys is None:
            self.counts.rejected += 1
            return
        try:
            envelope = decode(open_reply(keys=keys, payload=payload))
        except SphinxDrop:
            envelope = None
        if envelope is None or envelope.kind != "reply":
            self.counts.rejected += 1
            return
        self.counts.replies += 1
        self.replies.append(envelope)
        self.reply_arrived.set()


class InboxProtocol(asyncio.DatagramProtocol):
    """Feeds every datagram to the inbox; exposes the transport for sending."""

    def __init__(self, handle: Callable[[bytes], None]) -> None:
        self._handle = handle
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # The selector loop's datagram transport is not registered as a DatagramTransport.
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | object, int]) -> None:
        try:
            self._handle(data)
        except Exception:  # a bad datagram must never stop the mailbox
            log.exception("event=frame_failed")

    def send(self, data: bytes, address: Address) -> None:
        if self.transport is not None:
            self.transport.sendto(data, address)
