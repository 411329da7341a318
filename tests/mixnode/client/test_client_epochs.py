"""The client builds for the epoch clock's current epoch (not the directory file's), with the
daemon's flags and defaults; the rotated node accepts what it builds."""

from __future__ import annotations

import argparse
from dataclasses import dataclass

import pytest
from fogcompute_mixnode.client.cli import _parser as client_parser
from fogcompute_mixnode.client.packets import PacketFactory
from fogcompute_mixnode.directory import (
    Directory,
    EpochClock,
    NodeEntry,
    epoch_clock_from,
    parse_directory,
    render_directory,
)
from fogcompute_mixnode.keyfiles import NodeKeys, generate_node_keys
from fogcompute_mixnode.node.cli import _parser as node_parser
from fogcompute_mixnode.sphinx import Deliver, ReplayFilter, SphinxDrop, SphinxNode

EPOCHS = EpochClock(epoch_seconds=100.0, genesis=1_000.0, grace_s=0.0)
RECIPIENT = b"R" * 32


@dataclass
class FakeClock:
    now: float

    def __call__(self) -> float:
        return self.now


def one_node(keys: NodeKeys) -> Directory:
    entry = NodeEntry(
        node_id=keys.node_id, host="127.0.0.1", port=9001, layer=0, public_keys=keys.public_keys()
    )
    return Directory(nodes=(entry,))


def node_holding(keys: NodeKeys, epoch: int) -> SphinxNode:
    key = next(k for k in keys.epoch_keys if k.epoch == epoch)
    return SphinxNode(keys=(key,), replay=ReplayFilter(expected_per_epoch=100), max_delay_us=10**6)


def test_packets_follow_the_clock_across_a_boundary() -> None:
    keys = generate_node_keys([3, 4])
    clock = FakeClock(1_350.0)  # epoch 3
    factory = PacketFactory(
        directory=one_node(keys), epochs=EPOCHS, hop_delay_mean_us=10.0, max_delay_us=1_000,
        clock=clock,
    )  # fmt: skip
    assert factory.current_epoch() == 3
    packet, address = factory.forward(recipient=RECIPIENT, message=b"hi")
    assert address == ("127.0.0.1", 9001)
    result = node_holding(keys, 3).process(packet)
    assert isinstance(result, Deliver)
    assert result.message == b"hi"
    with pytest.raises(SphinxDrop) as drop:
        node_holding(keys, 4).process(packet)
    assert drop.value.reason == "unknown_epoch"

    clock.now = 1_400.0  # epoch 4 begins
    assert factory.current_epoch() == 4
    packet, _ = factory.forward(recipient=RECIPIENT, message=b"later")
    result = node_holding(keys, 4).process(packet)
    assert isinstance(result, Deliver)
    assert result.message == b"later"


def test_surbs_are_built_for_the_clocks_epoch() -> None:
    keys = generate_node_keys([5, 6])
    factory = PacketFactory(
        directory=one_node(keys), epochs=EPOCHS, hop_delay_mean_us=10.0, max_delay_us=1_000,
        clock=FakeClock(1_650.0),
    )  # fmt: skip
    surb, _ = factory.surb(recipient=RECIPIENT)
    built = factory.reply(surb=surb, message=b"answer")
    assert built is not None
    node_holding(keys, 6).process(built[0])  # accepted: no SphinxDrop
    with pytest.raises(SphinxDrop):
        node_holding(keys, 5).process(built[0])


def test_a_directory_file_with_a_legacy_epoch_still_loads_and_does_not_choose_it() -> None:
    keys = generate_node_keys([2])
    document = render_directory(one_node(keys))
    assert "epoch" not in document
    directory = parse_directory({"epoch": 7, **document})
    factory = PacketFactory(
        directory=directory, epochs=EPOCHS, hop_delay_mean_us=10.0, max_delay_us=1_000,
        clock=FakeClock(1_250.0),
    )  # fmt: skip
    assert factory.current_epoch() == 2
    packet, _ = factory.forward(recipient=RECIPIENT, message=b"x")
    assert isinstance(node_holding(keys, 2).process(packet), Deliver)


@pytest.mark.parametrize("command", ["send", "mailbox", "reply"])
def test_client_epoch_flags_match_the_daemons(command: str) -> None:
    required = {
        "send": ["--to", "00"],
        "mailbox": ["--key-file", "k", "--store", "s"],
        "reply": ["--key-file", "k", "--store", "s", "--message-id", "00", "--text", "t"],
    }[command]
    client = client_parser().parse_args([command, "--directory", "d.json", *required])
    node = node_parser().parse_args(
        ["run", "--key-file", "k", "--directory", "d", "--port", "1", "--metrics-port", "2"]
    )
    assert (client.epoch_seconds, client.epoch_genesis) == (3600.0, 0.0)
    assert (client.epoch_seconds, client.epoch_genesis) == (node.epoch_seconds, node.epoch_genesis)
    chosen = client_parser().parse_args(
        [command, "--directory", "d.json", *required, "--epoch-seconds=60", "--epoch-genesis=5"]
    )
    clock = epoch_clock_from(chosen)
    assert (clock.epoch_seconds, clock.genesis) == (60.0, 5.0)
    assert clock.current(5.0 + 60 * 7 + 1) == 7


def test_a_bad_client_epoch_flag_is_named() -> None:
    args = argparse.Namespace(epoch_seconds=0.0, epoch_genesis=0.0)
    with pytest.raises(ValueError, match="--epoch-seconds"):
        epoch_clock_from(args)
