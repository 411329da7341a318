"""Katzenpost's Sphinx X25519 vectors: every header transition reproduced byte for byte."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fogcompute_mixnode.sphinx import HEADER_SIZE
from fogcompute_mixnode.sphinx.commands import CMD_DELAY, CMD_RECIPIENT, CMD_SURB_REPLY
from fogcompute_mixnode.sphinx.headers import next_header, unwrap_header

VECTORS_FILE = Path(__file__).parent.parent / "vectors" / "katzenpost-sphinx-x25519-vectors.json"
VECTORS: list[dict[str, Any]] = json.loads(VECTORS_FILE.read_text())

TRANSITIONS = [
    pytest.param(v, hop, id=f"vector{index}-hop{hop}")
    for index, v in enumerate(VECTORS)
    for hop in range(len(v["Nodes"]))
]


def _commands(vector: dict[str, Any], hop: int) -> dict[int, bytes]:
    return {raw[0]: raw[1:] for raw in (bytes.fromhex(c) for c in vector["Path"][hop]["Commands"])}


def test_the_vectors_file_has_ten_packets_and_thirty_hops() -> None:
    assert len(VECTORS) == 10
    assert len(TRANSITIONS) == 30


@pytest.mark.parametrize(("vector", "hop"), TRANSITIONS)
def test_every_hop_reproduces_katzenpost(vector: dict[str, Any], hop: int) -> None:
    packet = bytes.fromhex(vector["Packets"][hop])
    private_key = bytes.fromhex(vector["Nodes"][hop]["PrivateKey"])
    header = packet[:HEADER_SIZE]

    step = unwrap_header(private_key, header)

    expected = _commands(vector, hop)
    commands = step.commands
    is_last = hop == len(vector["Nodes"]) - 1
    if is_last:
        assert commands.next_hop is None
        assert commands.recipient == expected[CMD_RECIPIENT]
        assert commands.surb_id == expected.get(CMD_SURB_REPLY)
    else:
        following = bytes.fromhex(vector["Packets"][hop + 1])[:HEADER_SIZE]
        assert commands.next_hop == bytes.fromhex(vector["Path"][hop + 1]["ID"])
        assert commands.delay_us == int.from_bytes(expected[CMD_DELAY], "big")
        assert next_header(header, step) == following
