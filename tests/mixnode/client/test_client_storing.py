"""The mailbox store: deduplicated JSONL, single-use SURBs, private files."""

from __future__ import annotations

import stat
from pathlib import Path

from fogcompute_mixnode.client import Envelope, MailboxStore, read_messages


def test_messages_are_stored_once_even_across_restarts(tmp_path: Path) -> None:
    store = MailboxStore(tmp_path)
    first = Envelope(kind="message", body=b"one")
    assert store.add(first)
    assert not store.add(first)
    assert store.add(Envelope(kind="message", body=b"two"))
    reopened = MailboxStore(tmp_path)
    assert not reopened.add(first)
    records = read_messages(tmp_path / "messages.jsonl")
    assert [r["text"] for r in records] == ["one", "two"]
    assert (store.duplicates, reopened.duplicates) == (1, 1)


def test_a_surb_is_kept_private_and_used_once(tmp_path: Path) -> None:
    store = MailboxStore(tmp_path)
    envelope = Envelope(kind="message", body=b"answer me", surb=b"S" * 10)
    store.add(envelope)
    path = tmp_path / "surbs" / f"{envelope.message_id.hex()}.surb"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert store.take_surb(envelope.message_id.hex()) == b"S" * 10
    assert store.take_surb(envelope.message_id.hex()) is None
