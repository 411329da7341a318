"""Key rotation in a worker: live keys added, dead epochs dropped with their Bloom filters,
appended keys picked up at the next boundary, a bad key file on reload kept out (fake clock)."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import pytest
from fogcompute_mixnode.directory.epochs import EpochClock
from fogcompute_mixnode.keyfiles import NodeKeys, generate_node_keys, write_node_keys
from fogcompute_mixnode.node import WorkerStats
from fogcompute_mixnode.node.counting import NodeTotals, TotalsCollector
from fogcompute_mixnode.node.rotating import KeyRotator
from fogcompute_mixnode.sphinx import (
    Deliver,
    PathHop,
    ReplayFilter,
    SphinxDrop,
    SphinxNode,
    build_forward_packet,
)
from node_fakes import FakeClock, FakeLoop
from prometheus_client import CollectorRegistry, generate_latest

EPOCHS = EpochClock(epoch_seconds=100.0, genesis=0.0, grace_s=10.0)
RECIPIENT = b"R" * 32


@dataclass
class Node:
    keys: NodeKeys
    key_file: Path
    clock: FakeClock
    processor: SphinxNode
    replay: ReplayFilter
    stats: WorkerStats
    rotator: KeyRotator
    loop: FakeLoop

    def packet(self, epoch: int) -> bytes:
        key = self.keys.public_keys()[epoch]
        hop = PathHop(node_id=self.keys.node_id, public_key=key, epoch=epoch, delay_us=0)
        return build_forward_packet(path=[hop], recipient=RECIPIENT, message=b"hello")

    def reason(self, packet: bytes) -> str:
        with pytest.raises(SphinxDrop) as drop:
            self.processor.process(packet)
        return drop.value.reason

    def advance_to(self, now: float) -> None:
        """Move the clock and fire the timer, as the event loop would at each change."""
        while EPOCHS.next_change(self.clock.now) <= now:
            self.clock.now = EPOCHS.next_change(self.clock.now)
            self.loop.fire()
        self.clock.now = now


def make_node(tmp_path: Path, *, epochs: list[int], now: float) -> Node:
    keys = generate_node_keys(epochs)
    key_file = tmp_path / "node.key"
    write_node_keys(keys, key_file)
    clock = FakeClock(now)
    replay = ReplayFilter(expected_per_epoch=1000)
    processor = SphinxNode(keys=(), replay=replay, max_delay_us=10**6)
    stats = WorkerStats()
    rotator = KeyRotator(
        processor=processor,
        keys=keys,
        key_file=key_file,
        epochs=EPOCHS,
        clock=clock,
        stats=stats,
    )
    loop = FakeLoop()
    rotator.start(cast(asyncio.AbstractEventLoop, loop))
    return Node(keys, key_file, clock, processor, replay, stats, rotator, loop)


def rewrite(node: Node, keys: NodeKeys | None, *, text: str = "") -> None:
    """Replace the key file and move its mtime forward (a same-second write keeps it)."""
    if keys is None:
        node.key_file.write_text(text, encoding="utf-8")
    else:
        write_node_keys(keys, node.key_file)
    mtime_ns = node.key_file.stat().st_mtime_ns + 10**9
    os.utime(node.key_file, ns=(mtime_ns, mtime_ns))


def test_start_holds_only_live_keys_and_arms_one_timer(tmp_path: Path) -> None:
    node = make_node(tmp_path, epochs=[1, 2, 3, 4, 5], now=250.0)
    assert node.processor.epochs == (2, 3)
    assert node.stats.key_epoch == 2
    assert node.stats.live_keys == 2
    assert [delay for delay, *_ in node.loop.armed] == [50.0]


def test_rotation_drops_the_old_key_and_its_bloom_filter(tmp_path: Path) -> None:
    node = make_node(tmp_path, epochs=[2, 3, 4], now=250.0)
    old = node.packet(2)
    assert isinstance(node.processor.process(old), Deliver)
    assert node.reason(old) == "replay"
    assert 2 in node.replay.epochs()

    node.advance_to(305.0)  # epoch 3 began; epoch 2 is in its grace period
    assert node.processor.epochs == (2, 3, 4)
    assert node.reason(old) == "replay"

    node.advance_to(310.0)  # the grace ended
    assert node.processor.epochs == (3, 4)
    assert 2 not in node.replay.epochs()
    assert node.reason(node.packet(2)) == "unknown_epoch"
    # The replay can no longer be recognised as one: its key went with the filter.
    assert node.reason(old) == "unknown_epoch"
    assert isinstance(node.processor.process(node.packet(4)), Deliver)
    assert node.stats.key_epoch == 3
    assert node.stats.live_keys == 2


def test_each_tick_arms_the_next_change_and_stop_cancels_it(tmp_path: Path) -> None:
    node = make_node(tmp_path, epochs=[0, 1, 2], now=50.0)
    node.advance_to(300.0)
    assert [delay for delay, *_ in node.loop.armed] == [50.0, 10.0, 90.0, 10.0, 90.0, 10.0]
    node.rotator.stop()
    assert node.loop.armed[-1][3].cancelled


def test_keys_appended_to_the_file_are_picked_up_at_the_next_boundary(tmp_path: Path) -> None:
    node = make_node(tmp_path, epochs=[0, 1], now=50.0)
    node.advance_to(150.0)
    assert node.processor.epochs == (1,)
    appended = NodeKeys(
        node_id=node.keys.node_id,
        epoch_keys=(*node.keys.epoch_keys, *generate_node_keys([2, 3]).epoch_keys),
    )
    rewrite(node, appended)
    assert node.processor.epochs == (1,)  # nothing happens between boundaries
    node.advance_to(200.0)
    assert node.processor.epochs == (1, 2, 3)
    assert node.stats.key_reloads == {"ok": 1, "error": 0}
    node.keys = appended
    assert isinstance(node.processor.process(node.packet(3)), Deliver)


def test_an_unchanged_file_is_not_reread(tmp_path: Path) -> None:
    node = make_node(tmp_path, epochs=[0, 1, 2], now=50.0)
    node.advance_to(500.0)
    assert node.stats.key_reloads == {"ok": 0, "error": 0}


@pytest.mark.parametrize(
    "damage",
    ["not json", "corrupt", "bad_mode", "other_node", "missing"],
)
def test_a_bad_file_on_reload_keeps_the_keys_and_counts_an_error(
    tmp_path: Path, damage: str
) -> None:
    node = make_node(tmp_path, epochs=[0, 1, 2], now=50.0)
    if damage == "not json":
        rewrite(node, None, text="{not json")
    elif damage == "corrupt":
        rewrite(node, None, text='{"node_id": "00", "epoch_keys": [{"epoch": 2}]}')
    elif damage == "bad_mode":
        rewrite(node, node.keys)
        node.key_file.chmod(0o644)
    elif damage == "other_node":
        rewrite(node, generate_node_keys([0, 1, 2]))
    else:
        node.key_file.unlink()
    node.advance_to(100.0)  # epoch 1: 0 in grace, 1 and 2 live
    assert node.processor.epochs == (0, 1, 2)
    assert node.stats.key_reloads == {"ok": 0, "error": 1}
    assert isinstance(node.processor.process(node.packet(2)), Deliver)


def test_a_fixed_file_is_reloaded_even_when_only_its_mode_changed(tmp_path: Path) -> None:
    node = make_node(tmp_path, epochs=[0, 1, 2], now=50.0)
    rewrite(node, node.keys)
    node.key_file.chmod(0o644)
    node.advance_to(100.0)
    node.key_file.chmod(0o600)  # chmod leaves the mtime as it was
    node.advance_to(110.0)
    assert node.stats.key_reloads == {"ok": 1, "error": 1}


def test_the_parent_shows_the_epoch_live_keys_and_reloads(tmp_path: Path) -> None:
    node = make_node(tmp_path, epochs=[2, 3], now=250.0)
    rewrite(node, None, text="garbage")
    node.advance_to(300.0)
    lagging = WorkerStats(key_epoch=2, live_keys=1)
    totals = NodeTotals(alive={0, 1}, ready={0, 1})
    totals.update(0, node.stats.snapshot())
    totals.update(1, lagging.snapshot())
    registry = CollectorRegistry()
    registry.register(TotalsCollector(totals))
    text = generate_latest(registry).decode()
    assert 'fog_mixnode_key_epoch{state="current"} 3.0' in text
    assert "fog_mixnode_live_keys 1.0" in text
    assert 'fog_mixnode_key_reloads_total{result="error"} 1.0' in text
    assert 'fog_mixnode_key_reloads_total{result="ok"} 0.0' in text
