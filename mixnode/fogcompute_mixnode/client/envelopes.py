"""The end-to-end message inside a Sphinx payload: kind, id, optional SURB, body; sealed.

Sits between the client's streams/mailbox and the packet builders. Forward messages are sealed
to the recipient's NaCl box key (``seal``), so the exit mixnode delivers bytes it cannot read;
SURB replies are already encrypted under the SURB's keys and are not sealed again.

    version (1) | kind (1) | message id (16) | reply-to length (1) | reply-to
    | SURB length (2, big-endian) | SURB | body
"""

from __future__ import annotations

import secrets
import struct
from dataclasses import dataclass, field
from typing import Final, Literal

from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox

from fogcompute_mixnode.sphinx import MAX_MESSAGE_SIZE

VERSION: Final = 1
MESSAGE_ID_SIZE: Final = 16
SEAL_OVERHEAD: Final = 48  # ephemeral public key (32) + Poly1305 tag (16)
Kind = Literal["message", "loop", "reply"]
_KIND_CODES: Final[dict[Kind, int]] = {"message": 1, "loop": 2, "reply": 3}
_CODE_KINDS: Final = {code: kind for kind, code in _KIND_CODES.items()}
_HEAD = struct.Struct(">BB16sB")


@dataclass(frozen=True)
class Envelope:
    """One end-to-end message; ``surb`` is a serialized SURB the recipient may answer with."""

    kind: Kind
    body: bytes
    message_id: bytes = field(default_factory=lambda: secrets.token_bytes(MESSAGE_ID_SIZE))
    reply_to: bytes = b""
    surb: bytes = b""

    def encode(self) -> bytes:
        head = _HEAD.pack(VERSION, _KIND_CODES[self.kind], self.message_id, len(self.reply_to))
        surb = struct.pack(">H", len(self.surb)) + self.surb
        return head + self.reply_to + surb + self.body


def max_body_size(*, surb_size: int, sealed: bool = True) -> int:
    """The largest body that fits one packet with a SURB of ``surb_size`` bytes."""
    overhead = _HEAD.size + 2 + surb_size + (SEAL_OVERHEAD if sealed else 0)
    return MAX_MESSAGE_SIZE - overhead


def decode(data: bytes) -> Envelope | None:
    """The envelope in ``data``, or None if it is not one (wrong version, kind or lengths)."""
    if len(data) < _HEAD.size + 2:
        return None
    version, code, message_id, reply_len = _HEAD.unpack_from(data)
    kind = _CODE_KINDS.get(code)
    if version != VERSION or kind is None:
        return None
    offset = _HEAD.size
    reply_to = data[offset : offset + reply_len]
    offset += reply_len
    if len(data) < offset + 2:
        return None
    (surb_len,) = struct.unpack_from(">H", data, offset)
    offset += 2
    surb = data[offset : offset + surb_len]
    if len(surb) != surb_len:
        return None
    body = data[offset + surb_len :]
    return Envelope(kind=kind, body=body, message_id=message_id, reply_to=reply_to, surb=surb)


def seal(plaintext: bytes, *, public_key: bytes) -> bytes:
    return SealedBox(PublicKey(public_key)).encrypt(plaintext)


def unseal(sealed: bytes, *, private_key: bytes) -> bytes | None:
    """The plaintext, or None if ``sealed`` was not sealed to this key (or was altered)."""
    try:
        return SealedBox(PrivateKey(private_key)).decrypt(sealed)
    except (CryptoError, ValueError, TypeError):
        return None
