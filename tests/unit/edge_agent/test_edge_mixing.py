"""The agent's mixnode hosting parts: keys on the node, status building, metrics, measurement."""

from __future__ import annotations

import stat
from datetime import UTC, datetime
from pathlib import Path

from fogcompute_edge_agent.mixing import build_status, counters_from_metrics, ensure_keys
from fogcompute_edge_agent.mixing.measuring import MAGIC, Measurer, Target, target_of
from fogcompute_mixnode.delivering import encode_message
from fogcompute_mixnode.keyfiles import read_node_keys

METRICS = """\
# HELP fog_mixnode_packets_received_total Datagrams received
fog_mixnode_packets_received_total 12.0
fog_mixnode_packets_forwarded_total 7.0
fog_mixnode_packets_delivered_total 1.0
fog_mixnode_loops_sent_total 3.0
fog_mixnode_packets_dropped_total{reason="malformed"} 2.0
fog_mixnode_packets_dropped_total{reason="bad_mac"} 1.0
fog_mixnode_packets_dropped_total{reason="low_order_point"} 1.0
fog_mixnode_packets_dropped_total{reason="queue_full"} 4.0
fog_mixnode_workers_ready 2.0
"""


def test_keys_are_made_0600_extended_and_pruned_and_keep_the_node_id(tmp_path: Path) -> None:
    path = tmp_path / "mixnode" / "node.key"
    first = ensure_keys(path, epochs=(10, 11))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert set(first.public_keys()) == {10, 11}
    mtime = path.stat().st_mtime_ns
    assert ensure_keys(path, epochs=(10, 11)) == first  # nothing to add: not rewritten
    assert path.stat().st_mtime_ns == mtime
    later = ensure_keys(path, epochs=(12, 13))
    assert later.node_id == first.node_id
    assert set(later.public_keys()) == {11, 12, 13}  # 10 is past its grace
    assert later.public_keys()[11] == first.public_keys()[11]
    assert read_node_keys(path) == later
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_counters_from_the_daemon_metrics() -> None:
    counters = counters_from_metrics(METRICS)
    assert (counters["received"], counters["forwarded"], counters["coverSent"]) == (12, 7, 3)
    assert counters["dropped"] == {
        "badMac": 1,
        "replay": 0,
        "unknownEpoch": 0,
        "queueFull": 4,
        "expired": 0,
        "malformed": 3,  # malformed + a reason the API has no field for
    }
    assert counters_from_metrics("garbage\nfog_mixnode_packets_received_total x")["received"] == 0


def test_status_names_the_current_and_next_keys_only(tmp_path: Path) -> None:
    keys = ensure_keys(tmp_path / "k", epochs=(5, 6, 7, 8))
    status = build_status(
        keys=keys,
        epoch=6,
        address="127.0.0.1:9001",
        workers=2,
        counters=None,
        health="Serving",
        now=datetime(2030, 1, 1, tzinfo=UTC),
    )
    assert [k["epoch"] for k in status["keys"]] == [5, 6, 7, 8]
    assert status["identityKey"] == keys.node_id.hex()
    assert "counters" not in status
    assert status["lastHeartbeat"] == "2030-01-01T00:00:00Z"
    assert "private" not in repr(status).lower()


def test_measurer_counts_ok_late_and_foreign_frames() -> None:
    now = [100.0]
    measurer = Measurer(host="127.0.0.1", deadline=2.0, clock=lambda: now[0])
    measurer._pending[b"A" * 16] = ("x", 100.0)
    measurer._pending[b"B" * 16] = ("x", 100.0)
    measurer._pending[b"C" * 16] = ("y", 100.0)
    measurer.counts = {"x": [0, 0], "y": [0, 0]}
    measurer.received(encode_message(measurer.recipient_id, MAGIC + b"A" * 16))
    measurer.received(encode_message(bytes(32), MAGIC + b"B" * 16))  # not ours
    measurer.received(b"garbage")
    now[0] = 103.0
    measurer.received(encode_message(measurer.recipient_id, MAGIC + b"B" * 16))  # late
    measurer.expire()
    assert measurer.measurements() == [
        {"mixNode": "x", "ok": 1, "lost": 1},
        {"mixNode": "y", "ok": 0, "lost": 1},
    ]
    assert measurer.ignored == 2


def test_target_of_needs_address_identity_and_the_epoch_key() -> None:
    body = {
        "metadata": {"name": "m"},
        "status": {
            "address": "127.0.0.1:9001",
            "identityKey": "ab" * 32,
            "keys": [{"epoch": 4, "publicKey": "cd" * 32}],
        },
    }
    found = target_of(body, epoch=4)
    assert found == Target(
        name="m", node_id=bytes.fromhex("ab" * 32), host="127.0.0.1", port=9001,
        public_key=bytes.fromhex("cd" * 32),
    )  # fmt: skip
    assert target_of(body, epoch=5) is None
    assert target_of({"metadata": {"name": "m"}}, epoch=4) is None
