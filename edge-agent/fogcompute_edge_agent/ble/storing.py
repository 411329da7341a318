"""The store-and-forward queue of peripheral messages: SQLite in WAL mode, crash-safe, bounded.

Between the bridge (``put`` before a message is acked to its peripheral) and the forwarder
(``peek`` then ``remove`` after delivery). Every ``put`` is one committed transaction with
``synchronous=FULL``: once it returns the message survives a crash or power loss, which is when
the bridge may ack. Bounded by count, bytes and age; every drop is counted by reason
(``too_large``, ``full``, ``expired``) in a table of its own, so the counts survive restarts too.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["MessageQueue", "Queued"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  received REAL NOT NULL,
  source TEXT NOT NULL,
  body BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS drops (reason TEXT PRIMARY KEY, count INTEGER NOT NULL);
"""

DropListener = Callable[[str, int], None]


@dataclass(frozen=True)
class Queued:
    id: int
    received: float
    source: str
    body: bytes


class MessageQueue:
    def __init__(
        self,
        path: Path,
        *,
        max_messages: int = 10_000,
        max_bytes: int = 16 << 20,
        max_message_bytes: int = 64 << 10,
        max_age: float = 7 * 86400.0,
        on_drop: DropListener | None = None,
    ) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        self.max_messages, self.max_bytes = max_messages, max_bytes
        self.max_message_bytes, self.max_age = max_message_bytes, max_age
        self._on_drop = on_drop

    def close(self) -> None:
        self._db.close()

    def put(self, *, source: str, body: bytes, now: float) -> bool:
        """Store one message durably; False (and a counted drop) if it is too large."""
        if len(body) > self.max_message_bytes:
            self._count_drop("too_large", 1)
            return False
        with self._transaction():
            self._db.execute(
                "INSERT INTO messages (received, source, body) VALUES (?, ?, ?)",
                (now, source, body),
            )
            self._enforce_bounds()
        return True

    def expire(self, *, now: float) -> int:
        with self._transaction():
            cur = self._db.execute("DELETE FROM messages WHERE received < ?", (now - self.max_age,))
            if cur.rowcount:
                self._add_drops("expired", cur.rowcount)
        return cur.rowcount

    def peek(self, limit: int = 32) -> list[Queued]:
        rows = self._db.execute(
            "SELECT id, received, source, body FROM messages ORDER BY id LIMIT ?", (limit,)
        ).fetchall()
        return [Queued(id=r[0], received=r[1], source=r[2], body=bytes(r[3])) for r in rows]

    def remove(self, ids: list[int]) -> None:
        with self._transaction():
            self._db.executemany("DELETE FROM messages WHERE id = ?", [(i,) for i in ids])

    def __len__(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM messages").fetchone()[0])

    def drops(self) -> dict[str, int]:
        return {r[0]: int(r[1]) for r in self._db.execute("SELECT reason, count FROM drops")}

    # ---------------------------------------------------------------- internals
    def _transaction(self) -> _Tx:
        return _Tx(self._db)

    def _enforce_bounds(self) -> None:
        count, size = self._db.execute(
            "SELECT COUNT(*), COALESCE(SUM(LENGTH(body)), 0) FROM messages"
        ).fetchone()
        dropped = 0
        while count > self.max_messages or size > self.max_bytes:
            oldest = self._db.execute(
                "SELECT id, LENGTH(body) FROM messages ORDER BY id LIMIT 1"
            ).fetchone()
            self._db.execute("DELETE FROM messages WHERE id = ?", (oldest[0],))
            count, size, dropped = count - 1, size - oldest[1], dropped + 1
        if dropped:
            self._add_drops("full", dropped)

    def _add_drops(self, reason: str, n: int) -> None:
        self._db.execute(
            "INSERT INTO drops (reason, count) VALUES (?, ?) "
            "ON CONFLICT(reason) DO UPDATE SET count = count + excluded.count",
            (reason, n),
        )
        if self._on_drop is not None:
            self._on_drop(reason, n)

    def _count_drop(self, reason: str, n: int) -> None:
        with self._transaction():
            self._add_drops(reason, n)


class _Tx:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on an exception."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: object, value: object, tb: object) -> None:
        self._db.execute("COMMIT" if kind is None else "ROLLBACK")
