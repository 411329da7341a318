"""The mailbox's storage: one JSON line per delivered message, deduplicated by message id.

Sits under ``inboxes``. ``messages.jsonl`` is append-only; on start the ids already stored are
read back, so a message delivered twice (a retransmission, a restarted mailbox) is stored
once and counted as a duplicate. SURBs that came with messages are kept (0600) under
``surbs/`` so a later ``fogctl reply`` can answer; each is deleted when used (single use).
"""

from __future__ import annotations

import base64
import json
import os
import time
from pathlib import Path

from fogcompute_mixnode.client.envelopes import Envelope


class MailboxStore:
    """Append-only JSONL of messages plus single-use SURB files."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.surb_dir = root / "surbs"
        self.surb_dir.mkdir(parents=True, exist_ok=True)
        self.messages_path = root / "messages.jsonl"
        self.stats_path = root / "stats.json"
        self._seen = {record["message_id"] for record in read_messages(self.messages_path)}
        self.stored = len(self._seen)
        self.duplicates = 0

    def add(self, envelope: Envelope) -> bool:
        """Store ``envelope``; False (and counted) when its id was stored before."""
        message_id = envelope.message_id.hex()
        if message_id in self._seen:
            self.duplicates += 1
            self._write_stats()
            return False
        self._seen.add(message_id)
        record = {
            "message_id": message_id,
            "received_at": time.time(),
            "text": envelope.body.decode("utf-8", errors="replace"),
            "body_b64": base64.b64encode(envelope.body).decode("ascii"),
            "has_surb": bool(envelope.surb),
        }
        with self.messages_path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record) + "\n")
        if envelope.surb:
            path = self.surb_dir / f"{message_id}.surb"
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(envelope.surb)
        self.stored += 1
        self._write_stats()
        return True

    def take_surb(self, message_id: str) -> bytes | None:
        """The SURB that came with ``message_id``, removed so it is used once; None if none."""
        path = self.surb_dir / f"{message_id}.surb"
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        path.unlink()
        return data

    def _write_stats(self) -> None:
        stats = {"stored": self.stored, "duplicates": self.duplicates}
        tmp = self.stats_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(stats), encoding="utf-8")
        tmp.replace(self.stats_path)


def read_messages(path: Path) -> list[dict[str, object]]:
    """Every record in a ``messages.jsonl`` (empty if the file does not exist yet)."""
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]
