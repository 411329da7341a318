"""The store-and-forward queue: bounds, drops by reason, order, and survival of a SIGKILL."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

from fogcompute_edge_agent.ble import MessageQueue, SpoolDirectory


def test_fifo_and_remove(tmp_path: Path) -> None:
    q = MessageQueue(tmp_path / "q.db")
    for i in range(3):
        assert q.put(source="AA", body=bytes([i]), now=float(i))
    batch = q.peek()
    assert [m.body for m in batch] == [b"\x00", b"\x01", b"\x02"]
    q.remove([batch[0].id])
    assert len(q) == 2


def test_bounds_drop_oldest_and_count_by_reason(tmp_path: Path) -> None:
    drops: list[tuple[str, int]] = []
    q = MessageQueue(
        tmp_path / "q.db",
        max_messages=3,
        max_bytes=100,
        max_message_bytes=40,
        max_age=60.0,
        on_drop=lambda reason, n: drops.append((reason, n)),
    )
    assert not q.put(source="AA", body=b"x" * 41, now=0.0)
    for i in range(5):
        q.put(source="AA", body=bytes([i]) * 10, now=float(i))
    assert [m.body[0] for m in q.peek()] == [2, 3, 4]
    q.put(source="AA", body=b"y" * 40, now=5.0)
    q.put(source="AA", body=b"z" * 40, now=6.0)  # 10+40+40+... over 100 bytes
    assert sum(len(m.body) for m in q.peek()) <= 100
    assert q.expire(now=200.0) == len(q.peek()) or len(q) == 0
    counts = q.drops()
    assert counts["too_large"] == 1
    assert counts["full"] >= 2
    assert counts["expired"] >= 1
    assert {r for r, _ in drops} == {"too_large", "full", "expired"}
    q.close()
    assert MessageQueue(tmp_path / "q.db").drops() == counts  # counts survive a restart


WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from fogcompute_edge_agent.ble import MessageQueue
    q = MessageQueue(Path(sys.argv[1]))
    i = 0
    while True:
        q.put(source="AA", body=i.to_bytes(4, "big") * 64, now=time.time())
        print(i, flush=True)  # acknowledged only after put returned
        i += 1
    """
)


def test_every_acknowledged_message_survives_sigkill(tmp_path: Path) -> None:
    path = tmp_path / "q.db"
    with subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path)], stdout=subprocess.PIPE, text=True
    ) as child:
        assert child.stdout is not None
        acked = [int(child.stdout.readline()) for _ in range(200)]
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    db = sqlite3.connect(path)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        db.close()
    queue = MessageQueue(path)
    stored = {int.from_bytes(m.body[:4], "big") for m in queue.peek(limit=100_000)}
    queue.close()
    assert set(acked) <= stored


def test_spool_directory_is_atomic_and_ordered(tmp_path: Path) -> None:
    q = MessageQueue(tmp_path / "q.db")
    spool = SpoolDirectory(tmp_path / "spool")
    for i in range(3):
        q.put(source="AA", body=f"m{i}".encode(), now=100.0 + i)
    for message in q.peek():
        assert spool.deliver(message)
    files = sorted(p.name for p in (tmp_path / "spool").iterdir())
    assert len(files) == 3
    assert not [f for f in files if f.startswith(".")]
    assert [(tmp_path / "spool" / f).read_bytes() for f in files] == [b"m0", b"m1", b"m2"]
