"""The datagram an exit mixnode sends to a mailbox: what the last hop hands over.

Sits between the daemon (which encodes a ``Deliver`` or ``SurbReplyDelivered`` result) and
the client's mailbox/receiver (which decodes it). The frame carries no secrets the exit did not
already see: message bodies are sealed end to end by the client, reply payloads are still
Lioness-encrypted under the SURB's keys.

    kind (1) | recipient (32) | [surb id (16), SURB replies only] | message or payload
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from fogcompute_mixnode.sphinx.geometry import RECIPIENT_SIZE, SURB_ID_SIZE

KIND_MESSAGE: Final = 1
KIND_SURB_REPLY: Final = 2
DROP_RECIPIENT: Final = bytes(RECIPIENT_SIZE)
"""Cover traffic addressed here is discarded by the exit hop (Loopix drop cover)."""


@dataclass(frozen=True)
class DeliveryFrame:
    """A delivered message (``surb_id`` empty) or SURB reply payload for ``recipient``."""

    recipient: bytes
    body: bytes
    surb_id: bytes = b""

    @property
    def is_reply(self) -> bool:
        return bool(self.surb_id)


def encode_message(recipient: bytes, message: bytes) -> bytes:
    return bytes([KIND_MESSAGE]) + recipient + message


def encode_reply(recipient: bytes, surb_id: bytes, payload: bytes) -> bytes:
    return bytes([KIND_SURB_REPLY]) + recipient + surb_id + payload


def decode_frame(data: bytes) -> DeliveryFrame | None:
    """The frame in ``data``, or None when it is not a well-formed delivery frame."""
    if len(data) < 1 + RECIPIENT_SIZE:
        return None
    kind, recipient = data[0], data[1 : 1 + RECIPIENT_SIZE]
    rest = data[1 + RECIPIENT_SIZE :]
    if kind == KIND_MESSAGE:
        return DeliveryFrame(recipient=recipient, body=rest)
    if kind == KIND_SURB_REPLY and len(rest) >= SURB_ID_SIZE:
        return DeliveryFrame(
            recipient=recipient, body=rest[SURB_ID_SIZE:], surb_id=rest[:SURB_ID_SIZE]
        )
    return None
