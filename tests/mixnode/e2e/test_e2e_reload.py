"""End to end: a ``fogctl send`` process reloads its directory file at every epoch boundary.

Real ``fog-mixnode`` processes and a real mailbox on 2 s epochs; the nodes hold keys for eight
epochs. The client's directory file is kept by a publisher thread the way the operator keeps
its directory: shortly before each boundary it is rewritten (by rename) with the keys of the
epochs around it only, so a client that kept the table it read at start would have no key
two boundaries later and fail to build its cover. The client, its clock set by
``FOG_MIXNET_EPOCH_SECONDS``/``FOG_MIXNET_EPOCH_GENESIS`` alone, runs across four boundaries:
it reports a reload for each, never fails a tick, and its messages arrive exactly once.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fogcompute_mixnode.client import read_messages
from fogcompute_mixnode.directory import Directory, EpochClock, NodeEntry, save_directory
from mixnet_harness import (
    BIN,
    Mixnet,
    build_mixnet,
    events,
    start_mailbox,
    start_nodes,
    stop_all,
    wait_for,
)

EPOCH_S = 2.0
LINGER_S = 4 * EPOCH_S


@pytest.fixture
def mixnet(tmp_path: Path) -> Iterator[Mixnet]:
    clock = EpochClock(epoch_seconds=EPOCH_S, genesis=float(int(time.time())), grace_s=0.5)
    net = build_mixnet(tmp_path, layers=[0, 1, 2], clock=clock, key_epochs=8)
    try:
        start_nodes(net, loop_rate=5.0, workers=[1, 1, 1], extra=["--epoch-grace-seconds=0.5"])
        yield net
    finally:
        stop_all(net)


def keyed(net: Mixnet, epochs: range) -> Directory:
    """The mixnet's directory with each node's keys for ``epochs`` only."""
    nodes = tuple(
        NodeEntry(
            node_id=n.node_id,
            host=n.host,
            port=n.port,
            layer=n.layer,
            public_keys={e: k for e, k in n.public_keys.items() if e in epochs},
        )
        for n in net.directory.nodes
    )
    return Directory(nodes=nodes, recipients=net.directory.recipients)


class Publisher:
    """Rewrites ``path`` 0.5 s before each boundary k with the keys of epochs k-1 .. k+1."""

    def __init__(self, net: Mixnet, path: Path) -> None:
        self.net, self.path = net, path
        self.stop = threading.Event()
        self.written: list[int] = []
        self.write(net.clock.current(time.time()))
        self.thread = threading.Thread(target=self.run, daemon=True)

    def write(self, upcoming: int) -> None:
        temporary = self.path.with_name(f".{self.path.name}.tmp")
        save_directory(keyed(self.net, range(upcoming - 1, upcoming + 2)), temporary)
        os.replace(temporary, self.path)
        self.written.append(upcoming)

    def run(self) -> None:
        clock = self.net.clock
        while not self.stop.is_set():
            upcoming = clock.current(time.time()) + 1
            if self.stop.wait(max(0.0, clock.start_of(upcoming) - 0.5 - time.time())):
                return
            self.write(upcoming)
            self.stop.wait(0.6)  # past the boundary


def test_the_client_reloads_its_directory_file_at_every_boundary(
    mixnet: Mixnet, tmp_path: Path
) -> None:
    store = start_mailbox(mixnet)
    published = tmp_path / "published.json"
    publisher = Publisher(mixnet, published)
    publisher.thread.start()
    texts = [f"across epochs {i}" for i in range(6)]
    command = [str(BIN / "fogctl"), "send", f"--directory={published}"]
    command += [f"--to={mixnet.mailbox_keys.recipient_id.hex()}", "--hop-delay-mean-us=1000"]
    command += [f"--text={t}" for t in texts]
    command += ["--rate=3", f"--linger={LINGER_S}"]
    env = {
        **os.environ,
        "FOG_MIXNET_EPOCH_SECONDS": str(EPOCH_S),
        "FOG_MIXNET_EPOCH_GENESIS": str(mixnet.clock.genesis),
    }
    try:
        result = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=120, check=False
        )
    finally:
        publisher.stop.set()
        publisher.thread.join(timeout=5)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    assert "stream_tick_failed" not in result.stderr, result.stderr[-3000:]
    out = events(result.stdout)
    reloaded = {e["epoch"] for e in out if e["event"] == "directory_reloaded"}
    assert len(reloaded) >= 3, out  # a boundary at least every EPOCH_S of the linger
    summary = next(e for e in out if e["event"] == "summary")
    assert summary["sent"] == len(texts), summary
    assert summary["dummies"], summary
    sent_ids = {e["message_id"] for e in out if e["event"] == "sent"}

    def arrived() -> list[dict[str, object]] | None:
        records = read_messages(store / "messages.jsonl")
        return records if len(records) >= len(texts) else None

    records = wait_for(arrived, timeout=20, what=f"{len(texts)} messages in {store}")
    time.sleep(1)  # a duplicate would land within the delays' cap
    records = read_messages(store / "messages.jsonl")
    assert sorted(str(r["text"]) for r in records) == sorted(texts)
    assert {r["message_id"] for r in records} == sent_ids
