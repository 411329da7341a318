"""``fogctl send --circuit``: a Circuit's path as the client's routing table, through a fake
cluster reader holding a real signed directory."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fogcompute_mixnode.client.routing import circuit_directory
from fogcompute_mixnode.directory import Directory, RecipientEntry
from fogcompute_mixnode.keyfiles import generate_node_keys
from fogcompute_mixnode.routing import (
    EpochDirectory,
    MixNodeRecord,
    keypair_from_secret,
    sign_directory,
)

EPOCH = 40
NODES = [generate_node_keys([EPOCH, EPOCH + 1]) for _ in range(4)]
MAILBOX = Directory(
    nodes=(),
    recipients=(
        RecipientEntry(recipient_id=b"r" * 32, host="127.0.0.1", port=9, public_key=b"p" * 32),
    ),
)


def signed(epoch: int, names: range) -> str:
    records = tuple(
        MixNodeRecord(
            name=f"m{i}", node_id=NODES[i].node_id, layer=i % 3,
            address=f"127.0.0.1:{9100 + i}", public_keys=NODES[i].public_keys(),
            reliability_ppm=990_000, stake=1,
        )
        for i in names
    )  # fmt: skip
    directory = EpochDirectory(
        epoch=epoch, vrf_public_key=keypair_from_secret(bytes(32)).public_key, nodes=records
    )
    return json.dumps(sign_directory(directory, signing_key=bytes(32)))


class Reader:
    def __init__(self, path: list[int], data: dict[str, str]) -> None:
        self.body: dict[str, Any] = {
            "apiVersion": "fogcompute.io/v1alpha1",
            "kind": "Circuit",
            "metadata": {"name": "c", "namespace": "n", "uid": "u"},
            "spec": {"hops": 3},
            "status": {
                "epoch": EPOCH,
                "path": [
                    {
                        "layer": layer,
                        "mixNode": f"m{i}",
                        "address": f"127.0.0.1:{9100 + i}",
                        "publicKey": NODES[i].public_keys()[EPOCH].hex(),
                    }
                    for layer, i in enumerate(path)
                ],
            },
        }
        self.data = data

    def circuit(self, *, namespace: str, name: str) -> dict[str, Any]:
        assert (namespace, name) == ("n", "c")
        return self.body

    def config_map_data(self, *, namespace: str, name: str) -> dict[str, str]:
        return self.data


def test_the_routing_table_is_the_circuit_path_with_the_mailboxes() -> None:
    reader = Reader([0, 1, 2], {f"epoch-{EPOCH}.json": signed(EPOCH, range(4))})
    table = circuit_directory(reader, ref="n/c", recipients=MAILBOX, epoch=EPOCH + 1)
    assert [n.node_id for n in table.nodes] == [NODES[i].node_id for i in (0, 1, 2)]
    assert [n.layer for n in table.nodes] == [0, 1, 2]
    assert table.recipients == MAILBOX.recipients


def test_a_hop_without_a_current_key_or_record_is_a_clear_error() -> None:
    reader = Reader([0, 1, 2], {f"epoch-{EPOCH}.json": signed(EPOCH, range(4))})
    with pytest.raises(ValueError, match="no published key for the current epoch 42"):
        circuit_directory(reader, ref="n/c", recipients=MAILBOX, epoch=EPOCH + 2)
    missing = Reader([0, 1, 2], {f"epoch-{EPOCH}.json": signed(EPOCH, range(2))})
    with pytest.raises(ValueError, match="hop m2 is in no published directory"):
        circuit_directory(missing, ref="n/c", recipients=MAILBOX, epoch=EPOCH)
    undrawn = Reader([], {})
    with pytest.raises(ValueError, match="no drawn path yet"):
        circuit_directory(undrawn, ref="n/c", recipients=MAILBOX, epoch=EPOCH)
