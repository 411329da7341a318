"""The signed per-epoch directory the operator publishes, as the client's routing table.

Sits at the edge of the directory package, over ``fogcompute_mixnode.routing`` (which parses
and checks signatures): reads a signed directory file (JSON, or YAML by suffix) and turns its
records into the ``Directory`` the daemon and the client already route with, so a client off
the cluster can use the published directory instead of a hand-written static file.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from pathlib import Path
from typing import Any

import yaml

from fogcompute_mixnode.directory.entries import Directory, NodeEntry
from fogcompute_mixnode.routing import EpochDirectory, OpenedDirectory, open_signed_directory
from fogcompute_mixnode.sphinx import NodeId

__all__ = ["directory_from_epoch", "load_signed_directory", "read_document", "split_address"]


def split_address(address: str) -> tuple[str, int]:
    """``host:port`` or ``[v6]:port`` as (host, port)."""
    host, _, port = address.rpartition(":")
    return host.removeprefix("[").removesuffix("]"), int(port)


def directory_from_epoch(directory: EpochDirectory) -> Directory:
    """The routing table of a published directory: id, address, layer, keys per node."""
    return Directory(
        nodes=tuple(
            NodeEntry(
                node_id=NodeId(n.node_id),
                host=split_address(n.address)[0],
                port=split_address(n.address)[1],
                layer=n.layer,
                public_keys=dict(n.public_keys),
            )
            for n in directory.nodes
        )
    )


def read_document(path: Path) -> Any:
    """A JSON (or, by suffix, YAML) document from ``path``."""
    text = path.read_text(encoding="utf-8")
    if path.suffix not in {".yaml", ".yml"}:
        return json.loads(text)  # JSONDecodeError is a ValueError naming line and column
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ValueError(f"{path}: not valid YAML ({error})") from error


def load_signed_directory(path: Path, *, trusted_keys: Collection[bytes] = ()) -> OpenedDirectory:
    """Read and open a signed directory file (see ``routing.signing`` for its form)."""
    return open_signed_directory(read_document(path), trusted_keys=trusted_keys)
