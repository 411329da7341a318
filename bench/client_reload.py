"""The client's directory reload at an epoch boundary, for ``make bench-mixnet``.

Called by ``bench_circuit.run`` (``measure``) and ``bench_circuit.report`` (``report``). Not a
test: it prints, never asserts. Times ``DirectoryReloader.reload_once`` as ``fogctl send``
runs it right after each boundary (``reloading``), for both sources, over ``NODES`` nodes:

- ``FileSource``: the static directory file (JSON) read and parsed again;
- ``CircuitSource``: the Circuit's path and the keys of every signed directory the operator
  keeps (``KEPT`` epochs, each opened and its Ed25519 signature checked), from an in-memory
  reader, so the API server's round trip (two GETs) is not in the figure.

Each is the median of ``ROUNDS`` reloads; a reload happens ``margin_s`` after the boundary,
so packets use the new table that long plus the reload time after it.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import statistics
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fogcompute_mixnode.client.packets import PacketFactory
from fogcompute_mixnode.client.reloading import CircuitSource, DirectoryReloader, FileSource
from fogcompute_mixnode.directory import (
    Directory,
    EpochClock,
    NodeEntry,
    RecipientEntry,
    save_directory,
)
from fogcompute_mixnode.routing import (
    EpochDirectory,
    MixNodeRecord,
    keypair_from_secret,
    sign_directory,
)
from fogcompute_mixnode.sphinx import NodeId

NODES = 1000
KEPT = 3
ROUNDS = 20
EPOCH = 50


def _key(i: int, epoch: int) -> bytes:
    return hashlib.sha256(b"k%d/%d" % (i, epoch)).digest()


def _records(epoch: int) -> tuple[MixNodeRecord, ...]:
    return tuple(
        MixNodeRecord(
            name=f"mix-{i:04d}", node_id=hashlib.sha256(b"%d" % i).digest(), layer=i % 3,
            address=f"127.0.0.1:{10000 + i}",
            public_keys={e: _key(i, e) for e in (epoch, epoch + 1)},
            reliability_ppm=900_000, stake=1000 + i,
        )
        for i in range(NODES)
    )  # fmt: skip


class _Reader:
    """The cluster as the client reads it, in memory: one drawn Circuit, the kept directories."""

    def __init__(self) -> None:
        vrf = keypair_from_secret(hashlib.sha256(b"bench vrf").digest()).public_key
        self.data = {
            f"epoch-{e}.json": json.dumps(
                sign_directory(
                    EpochDirectory(epoch=e, vrf_public_key=vrf, nodes=_records(e)),
                    signing_key=bytes(32),
                )
            )
            for e in range(EPOCH - KEPT + 1, EPOCH + 1)
        }
        self.body = {
            "apiVersion": "fogcompute.io/v1alpha1",
            "kind": "Circuit",
            "metadata": {"name": "c", "namespace": "b", "uid": "u"},
            "spec": {"hops": 3},
            "status": {
                "epoch": EPOCH,
                "path": [
                    {
                        "layer": layer,
                        "mixNode": f"mix-{layer:04d}",
                        "address": f"127.0.0.1:{10000 + layer}",
                        "publicKey": _key(layer, EPOCH).hex(),
                    }
                    for layer in range(3)
                ],
            },
        }

    def circuit(self, *, namespace: str, name: str) -> Mapping[str, Any]:
        del namespace, name
        return self.body

    def config_map_data(self, *, namespace: str, name: str) -> Mapping[str, str]:
        del namespace, name
        return self.data


def _median_ms(reloader: DirectoryReloader) -> float:
    took = []
    for _ in range(ROUNDS):
        reloader.loaded_epoch = EPOCH - 1
        start = time.perf_counter()
        assert asyncio.run(reloader.reload_once())
        took.append((time.perf_counter() - start) * 1e3)
    return statistics.median(took)


def measure(root: Path) -> dict[str, Any]:
    clock = EpochClock(epoch_seconds=60.0, grace_s=0.0)
    now = clock.start_of(EPOCH) + 1.0
    records = _records(EPOCH)
    mailbox = RecipientEntry(recipient_id=bytes(32), host="127.0.0.1", port=9, public_key=bytes(32))
    directory = Directory(
        nodes=tuple(
            NodeEntry(
                node_id=NodeId(r.node_id), host="127.0.0.1", port=10000 + i, layer=r.layer,
                public_keys=dict(r.public_keys),
            )
            for i, r in enumerate(records)
        ),
        recipients=(mailbox,),
    )  # fmt: skip
    path, mailboxes = root / "client-directory.json", root / "client-recipients.json"
    save_directory(directory, path)
    save_directory(Directory(nodes=(), recipients=(mailbox,)), mailboxes)
    factory = PacketFactory(
        directory=directory, epochs=clock, hop_delay_mean_us=1000, max_delay_us=10_000
    )

    def reloader(source: FileSource | CircuitSource) -> DirectoryReloader:
        return DirectoryReloader(
            source=source, routed=factory, epochs=clock, loaded_epoch=EPOCH - 1, clock=lambda: now
        )

    file_ms = _median_ms(reloader(FileSource(path)))
    circuit = CircuitSource(reader=_Reader(), ref="b/c", recipients=mailboxes)
    circuit_ms = _median_ms(reloader(circuit))
    return {
        "client_reload_file_ms": file_ms,
        "client_reload_circuit_ms": circuit_ms,
        "client_reload_margin_ms": reloader(FileSource(path)).margin_s * 1e3,
        "client_reload_nodes": NODES,
        "client_reload_kept_directories": KEPT,
    }


def report(figures: dict[str, Any]) -> list[str]:
    f = figures
    return [
        f"client directory reload at each boundary ({f['client_reload_nodes']} nodes; "
        f"starts {f['client_reload_margin_ms']:.0f} ms after it): --directory file "
        f"{f['client_reload_file_ms']:.1f} ms; --circuit "
        f"{f['client_reload_circuit_ms']:.1f} ms ({f['client_reload_kept_directories']} signed "
        "directories opened, in memory: the API server's two GETs not included)"
    ]
