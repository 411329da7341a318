"""End to end on loopback: real fog-mixnode processes, a real mailbox, real fogctl send.

Five nodes in three layers (one with two workers), loop cover from every node and from the
client, delays of about a millisecond per hop. 1,000 messages are delivered exactly once; a
SURB reply comes back; garbage never takes a node down; a killed node loses packets, which
are counted, and the rest of the network keeps serving.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fogcompute_mixnode.client import read_messages
from fogcompute_mixnode.sphinx import PACKET_SIZE
from mixnet_harness import (
    Mixnet,
    build_mixnet,
    events,
    send_command,
    start_mailbox,
    start_nodes,
    stop_all,
    wait_for,
)

LAYERS = [0, 0, 1, 1, 2]
WORKERS = [2, 1, 1, 1, 1]


@pytest.fixture
def mixnet(tmp_path: Path) -> Iterator[Mixnet]:
    net = build_mixnet(tmp_path, layers=LAYERS)
    try:
        start_nodes(net, loop_rate=20.0, workers=WORKERS)
        yield net
    finally:
        codes = stop_all(net)
    # Clean shutdown: every process not killed by the test exits 0 on SIGTERM.
    killed = {node.name for node in net.nodes if node.killed}
    assert {name: code for name, code in codes.items() if name not in killed and code != 0} == {}


def stored(store: Path) -> list[dict[str, object]]:
    return read_messages(store / "messages.jsonl")


def test_thousand_messages_delivered_exactly_once_with_cover_traffic(mixnet: Mixnet) -> None:
    store = start_mailbox(mixnet)
    texts = [f"message {i}" for i in range(1000)]
    (mixnet.root / "messages.txt").write_text("\n".join(texts) + "\n")
    result = subprocess.run(
        send_command(
            mixnet,
            f"--file={mixnet.root / 'messages.txt'}",
            "--rate=400",
            "--loop-rate=20",
            "--drop-rate=20",
            "--linger=0.5",
        ),
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    out = events(result.stdout.decode())
    sent_ids = {e["message_id"] for e in out if e["event"] == "sent"}
    assert len(sent_ids) == 1000
    wait_for(
        lambda: len(stored(store)) >= 1000 or None,
        timeout=30,
        what=f"1000 messages in {store}/messages.jsonl",
    )
    records = stored(store)
    assert len(records) == 1000
    assert {r["message_id"] for r in records} == sent_ids
    assert sorted(str(r["text"]) for r in records) == sorted(texts)
    summary = next(e for e in out if e["event"] == "summary")
    assert summary["loops_sent"], summary
    assert summary["drops"], summary
    assert summary["loops_returned"], f"no client loop came back: {summary}"
    totals = [node.metrics() for node in mixnet.nodes]
    for node, metrics in zip(mixnet.nodes, totals, strict=True):
        assert metrics["fog_mixnode_loops_sent_total"] > 0, node.name
        assert metrics["fog_mixnode_loops_returned_total"] > 0, node.name
        dropped = {k: v for k, v in metrics.items() if k.startswith("fog_mixnode_packets_dropped")}
        assert sum(dropped.values()) == 0, f"{node.name} dropped packets: {dropped}"
    exits = sum(m["fog_mixnode_packets_delivered_total"] for m in totals)
    assert exits >= 1000
    assert sum(m["fog_mixnode_cover_dropped_total"] for m in totals) > 0


def test_surb_reply_comes_back_to_the_sender(mixnet: Mixnet) -> None:
    store = start_mailbox(mixnet, auto_reply="pong")
    result = subprocess.run(
        send_command(mixnet, "--text=ping", "--with-surb", "--await-reply=20"),
        capture_output=True,
        timeout=60,
        check=False,
    )
    out = events(result.stdout.decode())
    assert result.returncode == 0, (out, result.stderr.decode()[-2000:])
    sent = next(e for e in out if e["event"] == "sent")
    reply = next(e for e in out if e["event"] == "reply")
    assert reply["text"] == "pong"
    assert reply["reply_to"] == sent["message_id"]
    records = stored(store)
    assert [(r["text"], r["has_surb"]) for r in records] == [("ping", True)]


def test_garbage_is_dropped_and_counted_and_the_node_keeps_serving(mixnet: Mixnet) -> None:
    store = start_mailbox(mixnet)
    target = mixnet.nodes[0]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for size in range(1, 4000, 40):  # wrong lengths
            sock.sendto(os.urandom(size), ("127.0.0.1", target.port))
        for _ in range(100):  # right length, random content
            sock.sendto(os.urandom(PACKET_SIZE), ("127.0.0.1", target.port))
        low_order = bytes(2) + bytes(32) + os.urandom(PACKET_SIZE - 34)
        for _ in range(10):  # an all-zero (low-order) group element
            sock.sendto(low_order, ("127.0.0.1", target.port))
    wrong_lengths = len(range(1, 4000, 40)) - (1 if PACKET_SIZE in range(1, 4000, 40) else 0)

    def counted() -> dict[str, float] | None:
        metrics = target.metrics()
        drops = {
            k: v for k, v in metrics.items() if k.startswith("fog_mixnode_packets_dropped") and v
        }
        return drops if sum(drops.values()) >= wrong_lengths + 110 else None

    drops = wait_for(counted, timeout=10, what=f"{target.name} to count 210 drops")
    assert drops['fog_mixnode_packets_dropped_total{reason="malformed"}'] >= wrong_lengths
    assert sum(drops.values()) == len(range(1, 4000, 40)) + 110
    assert target.process.poll() is None
    result = subprocess.run(
        send_command(mixnet, "--text=still here"), capture_output=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    wait_for(lambda: stored(store), timeout=20, what="the message after the garbage")
    assert target.get("/readyz")[0] == 200


def test_a_killed_node_loses_packets_and_nothing_else_fails(mixnet: Mixnet) -> None:
    store = start_mailbox(mixnet)
    (mixnet.root / "messages.txt").write_text("\n".join(f"m{i}" for i in range(600)) + "\n")
    sender = subprocess.Popen(
        send_command(mixnet, f"--file={mixnet.root / 'messages.txt'}", "--rate=300"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    victim = mixnet.nodes[2]  # one of the two layer-1 nodes
    wait_for(lambda: len(stored(store)) >= 100, timeout=30, what="100 deliveries before the kill")
    victim.kill()
    stdout, stderr = sender.communicate(timeout=60)
    assert sender.returncode == 0, stderr.decode()[-2000:]
    sent_ids = {e["message_id"] for e in events(stdout.decode()) if e["event"] == "sent"}
    assert len(sent_ids) == 600

    def settled() -> int | None:
        before = len(stored(store))
        time.sleep(0.5)
        return before if len(stored(store)) == before else None

    delivered = wait_for(settled, timeout=20, what="deliveries to stop arriving")
    records = stored(store)
    assert {r["message_id"] for r in records} <= sent_ids
    assert len({r["message_id"] for r in records}) == len(records) == delivered
    lost = len(sent_ids) - delivered
    assert 0 < lost < len(sent_ids), f"sent {len(sent_ids)}, delivered {delivered}"
    print(f"killed {victim.name}: sent={len(sent_ids)} delivered={delivered} lost={lost}")
    survivors = [n for n in mixnet.nodes if n is not victim]
    for node in survivors:
        assert node.process.poll() is None, f"{node.name} died: {node.log.read_text()[-2000:]}"
        assert node.get("/readyz")[0] == 200, node.name
    loops = [n.metrics() for n in survivors]
    sent_loops = sum(m["fog_mixnode_loops_sent_total"] for m in loops)
    returned = sum(m["fog_mixnode_loops_returned_total"] for m in loops)
    assert returned < sent_loops, "loops through the dead node must go missing"
