"""The client reloads its routing table at every epoch boundary (``reloading``), fake clock.

A fake sleep advances a fake clock, so ``DirectoryReloader.run`` crosses boundaries at once: it
loads once per epoch right after each boundary, keeps the old table through a failed load and
retries until one succeeds, and a ``FileSource`` picks up a rewritten directory file. The
packets built from the reloaded table use the new epoch's keys.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from fogcompute_mixnode.client.packets import PacketFactory
from fogcompute_mixnode.client.reloading import DirectoryReloader, FileSource
from fogcompute_mixnode.directory import (
    Directory,
    EpochClock,
    MissingEpochKeyError,
    NodeEntry,
    save_directory,
)
from fogcompute_mixnode.keyfiles import generate_node_keys
from fogcompute_mixnode.sphinx import NodeId

EPOCHS = EpochClock(epoch_seconds=10.0, genesis=0.0, grace_s=0.0)
KEYS = [generate_node_keys(list(range(100, 106))) for _ in range(3)]


def table(epochs: range) -> Directory:
    """Three nodes, one per layer, with keys for ``epochs`` only."""
    return Directory(
        nodes=tuple(
            NodeEntry(
                node_id=NodeId(k.node_id),
                host="127.0.0.1",
                port=9100 + i,
                layer=i,
                public_keys={e: k.public_keys()[e] for e in epochs},
            )
            for i, k in enumerate(KEYS)
        )
    )


class FakeTime:
    def __init__(self, now: float) -> None:
        self.now = now
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, stop: asyncio.Event, seconds: float) -> None:
        del stop
        self.slept.append(seconds)
        self.now += seconds


class Source:
    """Tables by epoch; fails ``failing`` times on its first load; stops after ``loads``."""

    def __init__(self, stop: asyncio.Event, *, loads: int, failing: int = 0) -> None:
        self.stop = stop
        self.loads = loads
        self.failing = failing
        self.epochs: list[int] = []

    def load(self, *, epoch: int) -> Directory:
        self.epochs.append(epoch)
        if self.failing:
            self.failing -= 1
            raise OSError("the API server is away")
        if len(self.epochs) >= self.loads:
            self.stop.set()
        return table(range(epoch, epoch + 2))


class Routed:
    def __init__(self, directory: Directory) -> None:
        self.directory = directory


def reloader(source: Source, routed: Routed, time: FakeTime) -> DirectoryReloader:
    return DirectoryReloader(
        source=source,
        routed=routed,
        epochs=EPOCHS,
        loaded_epoch=EPOCHS.current(time.now),
        clock=time.clock,
        sleep=time.sleep,
    )


def test_loads_once_per_epoch_right_after_each_boundary() -> None:
    async def scenario() -> tuple[Source, Routed, FakeTime, DirectoryReloader]:
        stop = asyncio.Event()
        time = FakeTime(1003.0)  # epoch 100, 7 s before its end
        source, routed = Source(stop, loads=3), Routed(table(range(100, 102)))
        running = reloader(source, routed, time)
        await running.run(stop)
        return source, routed, time, running

    source, routed, time, running = asyncio.run(scenario())
    assert source.epochs == [101, 102, 103]
    assert running.reloads == 3
    assert time.slept == pytest.approx([7.05, 10.0, 10.0])
    assert set(routed.directory.nodes[0].public_keys) == {103, 104}


def test_a_failed_load_keeps_the_table_and_is_retried_until_it_succeeds() -> None:
    seen: list[int] = []

    async def scenario() -> tuple[Source, Routed, FakeTime, DirectoryReloader]:
        stop = asyncio.Event()
        time = FakeTime(1009.0)
        source, routed = Source(stop, loads=3, failing=2), Routed(table(range(100, 102)))
        running = reloader(source, routed, time)
        running.on_reload = lambda epoch, _: seen.append(epoch)
        await running.run(stop)
        return source, routed, time, running

    source, routed, time, running = asyncio.run(scenario())
    assert source.epochs == [101, 101, 101]  # two failures, retried 1 s apart, then loaded
    assert time.slept == pytest.approx([1.05, 1.0, 1.0])
    assert seen == [101]
    assert running.loaded_epoch == 101
    assert running.failures == 0
    assert set(routed.directory.nodes[0].public_keys) == {101, 102}


def test_a_rewritten_file_is_read_at_the_boundary_and_packets_use_its_keys(
    tmp_path: Path,
) -> None:
    path = tmp_path / "directory.json"
    save_directory(table(range(100, 102)), path)
    now = [1005.0]
    factory = PacketFactory(
        directory=FileSource(path).load(epoch=100),
        epochs=EPOCHS,
        hop_delay_mean_us=100,
        max_delay_us=1_000,
        clock=lambda: now[0],
    )
    running = DirectoryReloader(
        source=FileSource(path),
        routed=factory,
        epochs=EPOCHS,
        loaded_epoch=100,
        clock=lambda: now[0],
    )
    now[0] = 1021.0  # epoch 102: the table read at start has no key for it
    with pytest.raises(MissingEpochKeyError):
        factory.forward(recipient=b"r" * 32, message=b"hello")
    save_directory(table(range(102, 104)), path)  # the file's owner publishes new keys
    assert asyncio.run(running.reload_once())
    packet, address = factory.forward(recipient=b"r" * 32, message=b"hello")
    assert address == ("127.0.0.1", 9100)
    assert packet
    assert running.loaded_epoch == 102


def test_a_file_that_does_not_load_keeps_the_old_table(tmp_path: Path) -> None:
    path = tmp_path / "directory.json"
    save_directory(table(range(100, 102)), path)
    before = FileSource(path).load(epoch=100)
    routed = Routed(before)
    running = DirectoryReloader(
        source=FileSource(path), routed=routed, epochs=EPOCHS, loaded_epoch=100, clock=lambda: 1011
    )
    path.write_text("{not json")
    assert not asyncio.run(running.reload_once())
    assert routed.directory is before
    assert running.failures == 1
    assert running.next_wait(1011.0) == 1.0
