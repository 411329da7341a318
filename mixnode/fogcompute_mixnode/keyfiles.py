"""Private key files on disk (mixnode epoch keys, mailbox box keys): written and read 0600.

Sits at the edge of the daemon and the client: keys are read once at start and never logged
(their reprs hide them). A file readable by group or others is refused with the fix named.
"""

from __future__ import annotations

import json
import os
import secrets
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nacl.public import PrivateKey

from fogcompute_mixnode.sphinx import EpochKey, NodeId, generate_epoch_key

ID_SIZE = 32


@dataclass(frozen=True)
class NodeKeys:
    """A mixnode's identity and its private key per epoch."""

    node_id: NodeId
    epoch_keys: tuple[EpochKey, ...] = field(repr=False)

    def public_keys(self) -> dict[int, bytes]:
        return {key.epoch: key.public_key for key in self.epoch_keys}


@dataclass(frozen=True)
class MailboxKeys:
    """A mailbox's recipient id and its NaCl box private key."""

    recipient_id: bytes
    private_key: bytes = field(repr=False)

    @property
    def public_key(self) -> bytes:
        return bytes(PrivateKey(self.private_key).public_key)


def _write_private(path: Path, document: dict[str, Any]) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        os.fchmod(handle.fileno(), 0o600)
        json.dump(document, handle)


def _read_private(path: Path) -> dict[str, Any]:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise PermissionError(
            f"{path}: key file mode is {stat.S_IMODE(mode):o}; other users may read it. "
            f"Run: chmod 600 {path}"
        )
    document = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(document, dict):
        raise ValueError(f"{path}: expected a JSON object")
    return document


def _hex_field(document: dict[str, Any], name: str, *, path: Path, size: int) -> bytes:
    try:
        raw = bytes.fromhex(str(document.get(name, "")))
    except ValueError:
        raw = b""
    if len(raw) != size:
        raise ValueError(f"{path}: field {name!r} must be {size * 2} hex characters")
    return raw


def generate_node_keys(epochs: Sequence[int]) -> NodeKeys:
    """A fresh random node id and one X25519 key per epoch."""
    return NodeKeys(
        node_id=NodeId(secrets.token_bytes(ID_SIZE)),
        epoch_keys=tuple(generate_epoch_key(e) for e in epochs),
    )


def write_node_keys(keys: NodeKeys, path: Path) -> None:
    _write_private(
        path,
        {
            "node_id": keys.node_id.hex(),
            "epoch_keys": [
                {"epoch": k.epoch, "private_key": k.private_key.hex()} for k in keys.epoch_keys
            ],
        },
    )


def read_node_keys(path: Path) -> NodeKeys:
    document = _read_private(path)
    node_id = NodeId(_hex_field(document, "node_id", path=path, size=ID_SIZE))
    epoch_keys = tuple(
        EpochKey(
            epoch=int(raw["epoch"]), private_key=_hex_field(raw, "private_key", path=path, size=32)
        )
        for raw in document.get("epoch_keys") or []
    )
    if not epoch_keys:
        raise ValueError(f"{path}: no 'epoch_keys'; generate them with `fog-mixnode keygen`")
    return NodeKeys(node_id=node_id, epoch_keys=epoch_keys)


def generate_mailbox_keys() -> MailboxKeys:
    return MailboxKeys(
        recipient_id=secrets.token_bytes(ID_SIZE), private_key=bytes(PrivateKey.generate())
    )


def write_mailbox_keys(keys: MailboxKeys, path: Path) -> None:
    _write_private(
        path, {"recipient_id": keys.recipient_id.hex(), "private_key": keys.private_key.hex()}
    )


def read_mailbox_keys(path: Path) -> MailboxKeys:
    document = _read_private(path)
    return MailboxKeys(
        recipient_id=_hex_field(document, "recipient_id", path=path, size=ID_SIZE),
        private_key=_hex_field(document, "private_key", path=path, size=32),
    )
