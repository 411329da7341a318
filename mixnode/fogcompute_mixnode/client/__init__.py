"""The mixnet client (``fogctl``): Loopix streams, packets and SURBs, the mailbox.

Flow: ``cli`` -> ``running`` -> ``streams`` (send) / ``inboxes`` (receive) -> ``packets`` ->
sphinx; ``envelopes`` seal end-to-end messages, ``storing`` keeps the mailbox on disk.
"""

from fogcompute_mixnode.client.envelopes import Envelope, decode, seal, unseal
from fogcompute_mixnode.client.inboxes import Inbox, InboxCounts
from fogcompute_mixnode.client.packets import PacketFactory
from fogcompute_mixnode.client.storing import MailboxStore, read_messages
from fogcompute_mixnode.client.streams import LoopixClient, Outgoing, StreamRates

__all__ = [
    "Envelope",
    "Inbox",
    "InboxCounts",
    "LoopixClient",
    "MailboxStore",
    "Outgoing",
    "PacketFactory",
    "StreamRates",
    "decode",
    "read_messages",
    "seal",
    "unseal",
]
