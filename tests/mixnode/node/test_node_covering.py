"""Loop cover across key rotation (fake clock): loops are built for the clock's current epoch
with the directory's keys, the rotated node accepts them, and a directory without a key for
the current epoch makes the loop skip (counted, logged once per epoch) instead of fail."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import pytest
from fogcompute_mixnode.directory import Address, Directory, EpochClock, NodeEntry
from fogcompute_mixnode.keyfiles import NodeKeys, generate_node_keys, write_node_keys
from fogcompute_mixnode.node import WorkerStats
from fogcompute_mixnode.node.covering import LoopCover
from fogcompute_mixnode.node.rotating import KeyRotator
from fogcompute_mixnode.sampling import ExponentialSampler
from fogcompute_mixnode.sphinx import Deliver, Forward, ReplayFilter, SphinxDrop, SphinxNode
from node_fakes import FakeClock, FakeLoop

EPOCHS = EpochClock(epoch_seconds=100.0, genesis=1_000.0, grace_s=10.0)
TOKEN = b"T" * 16


@dataclass
class Rig:
    keys: NodeKeys
    clock: FakeClock
    loop: FakeLoop
    processor: SphinxNode
    stats: WorkerStats
    cover: LoopCover
    sent: list[tuple[bytes, Address]]

    def advance_to(self, now: float) -> None:
        """Move the clock, firing the rotation timer at every change on the way."""
        while EPOCHS.next_change(self.clock.now) <= now:
            self.clock.now = EPOCHS.next_change(self.clock.now)
            self.loop.fire()
        self.clock.now = now


def make_rig(tmp_path: Path, *, epochs: list[int], published: list[int], now: float) -> Rig:
    """One node alone in layer 0, so a loop goes to it and back to it (two hops)."""
    keys = generate_node_keys(epochs)
    write_node_keys(keys, tmp_path / "node.key")
    public = keys.public_keys()
    entry = NodeEntry(
        node_id=keys.node_id,
        host="127.0.0.1",
        port=9001,
        layer=0,
        public_keys={e: public[e] for e in published},
    )
    clock, loop, stats = FakeClock(now), FakeLoop(), WorkerStats()
    processor = SphinxNode(keys=(), replay=ReplayFilter(expected_per_epoch=100), max_delay_us=10**6)
    rotator = KeyRotator(
        processor=processor,
        keys=keys,
        key_file=tmp_path / "node.key",
        epochs=EPOCHS,
        clock=clock,
        stats=stats,
    )
    rotator.start(cast(asyncio.AbstractEventLoop, loop))
    sent: list[tuple[bytes, Address]] = []
    cover = LoopCover(
        rate_per_s=1.0,
        node_id=keys.node_id,
        directory=Directory(nodes=(entry,)),
        epochs=EPOCHS,
        token=TOKEN,
        hop_delays=ExponentialSampler(mean=10.0),
        max_delay_us=1_000,
        send=lambda packet, address: sent.append((packet, address)),
        stats=stats,
        clock=clock,
    )
    return Rig(keys, clock, loop, processor, stats, cover, sent)


def run_loop(rig: Rig, packet: bytes) -> Deliver:
    """Both hops of a loop through the node; the final result."""
    first = rig.processor.process(packet)
    assert isinstance(first, Forward)
    assert first.next_hop == rig.keys.node_id
    final = rig.processor.process(first.packet)
    assert isinstance(final, Deliver)
    return final


def test_loops_follow_rotation_and_the_rotated_node_accepts_them(tmp_path: Path) -> None:
    rig = make_rig(tmp_path, epochs=[0, 1, 2], published=[0, 1, 2], now=1_050.0)  # epoch 0
    assert rig.cover.send_one()
    before, _ = rig.sent[-1]
    rig.advance_to(1_150.0)  # epoch 1, past the grace period: epoch 0's key is gone
    assert rig.processor.epochs == (1, 2)
    with pytest.raises(SphinxDrop) as drop:
        rig.processor.process(before)
    assert drop.value.reason == "unknown_epoch"

    assert rig.cover.send_one()
    after, address = rig.sent[-1]
    assert address == ("127.0.0.1", 9001)
    delivered = run_loop(rig, after)
    assert delivered.recipient == rig.keys.node_id
    assert delivered.message.startswith(TOKEN)
    assert rig.stats.counts["loops_sent"] == 2
    assert rig.stats.counts["loops_skipped"] == 0


def test_a_directory_without_the_current_epoch_key_skips_and_logs_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    rig = make_rig(tmp_path, epochs=[0, 1], published=[0], now=1_150.0)  # epoch 1
    with caplog.at_level(logging.WARNING, logger="fogcompute_mixnode.node.covering"):
        assert not rig.cover.send_one()
        assert not rig.cover.send_one()
    assert rig.sent == []
    assert rig.stats.counts["loops_skipped"] == 2
    assert rig.stats.counts["loops_sent"] == 0
    skipped = [r for r in caplog.records if "event=loop_skipped" in r.getMessage()]
    assert len(skipped) == 1
    assert "epoch=1" in skipped[0].getMessage()


def test_the_worker_tick_counts_a_skip_and_keeps_its_timer(tmp_path: Path) -> None:
    rig = make_rig(tmp_path, epochs=[0, 1], published=[0], now=1_150.0)
    cover_loop = FakeLoop()
    rig.cover.start(cast(asyncio.AbstractEventLoop, cover_loop))
    cover_loop.fire()
    assert rig.stats.counts["loops_skipped"] == 1
    assert len(cover_loop.armed) == 2  # re-armed after the skipped tick
