"""Reading and writing the directory file (JSON, or YAML by suffix).

Sits at the edge of the directory package: turns a file into ``Directory`` values, naming the
field and the fix in every error. Ids and keys are hex strings in the file. A top-level
``"epoch"`` (written by older versions) is accepted and ignored: the current epoch comes from
the epoch clock (``--epoch-seconds``/``--epoch-genesis``).

    {"nodes": [{"id": "<64 hex>", "host": "127.0.0.1", "port": 9001, "layer": 0,
                "public_keys": {"0": "<64 hex>"}}],
     "recipients": [{"id": "<64 hex>", "host": "127.0.0.1", "port": 9101,
                     "public_key": "<64 hex>"}]}
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from fogcompute_mixnode.directory.entries import ID_SIZE, Directory, NodeEntry, RecipientEntry
from fogcompute_mixnode.sphinx import NodeId


def _hex(value: Any, *, where: str, size: int) -> bytes:
    try:
        raw = bytes.fromhex(str(value))
    except ValueError:
        raw = b""
    if len(raw) != size:
        raise ValueError(f"{where}: expected {size * 2} hex characters, got {value!r}")
    return raw


def _port(value: Any, *, where: str) -> int:
    if not isinstance(value, int) or not 0 < value < 65536:
        raise ValueError(f"{where}: expected a UDP port 1..65535, got {value!r}")
    return value


def parse_directory(document: dict[str, Any]) -> Directory:
    """A ``Directory`` from a parsed JSON/YAML document."""
    nodes = []
    for i, raw in enumerate(document.get("nodes") or []):
        where = f"nodes[{i}]"
        keys = {
            int(epoch): _hex(key, where=f"{where}.public_keys.{epoch}", size=32)
            for epoch, key in (raw.get("public_keys") or {}).items()
        }
        nodes.append(
            NodeEntry(
                node_id=NodeId(_hex(raw.get("id"), where=f"{where}.id", size=ID_SIZE)),
                host=str(raw.get("host", "127.0.0.1")),
                port=_port(raw.get("port"), where=f"{where}.port"),
                layer=int(raw.get("layer", 0)),
                public_keys=keys,
            )
        )
    recipients = []
    for i, raw in enumerate(document.get("recipients") or []):
        where = f"recipients[{i}]"
        recipients.append(
            RecipientEntry(
                recipient_id=_hex(raw.get("id"), where=f"{where}.id", size=ID_SIZE),
                host=str(raw.get("host", "127.0.0.1")),
                port=_port(raw.get("port"), where=f"{where}.port"),
                public_key=_hex(raw.get("public_key"), where=f"{where}.public_key", size=32),
            )
        )
    return Directory(nodes=tuple(nodes), recipients=tuple(recipients))


def render_directory(directory: Directory) -> dict[str, Any]:
    """The JSON-ready document for ``directory`` (the inverse of ``parse_directory``)."""
    return {
        "nodes": [
            {
                "id": n.node_id.hex(),
                "host": n.host,
                "port": n.port,
                "layer": n.layer,
                "public_keys": {str(e): k.hex() for e, k in sorted(n.public_keys.items())},
            }
            for n in directory.nodes
        ],
        "recipients": [
            {
                "id": r.recipient_id.hex(),
                "host": r.host,
                "port": r.port,
                "public_key": r.public_key.hex(),
            }
            for r in directory.recipients
        ],
    }


def load_directory(path: Path) -> Directory:
    """Read a directory file; YAML when the suffix is .yaml/.yml, JSON otherwise."""
    text = path.read_text(encoding="utf-8")
    document = yaml.safe_load(text) if path.suffix in {".yaml", ".yml"} else json.loads(text)
    if not isinstance(document, dict):
        raise ValueError(f"{path}: expected a mapping with 'nodes' and 'recipients'")
    return parse_directory(document)


def save_directory(directory: Directory, path: Path) -> None:
    """Write ``directory`` as JSON."""
    path.write_text(json.dumps(render_directory(directory), indent=2) + "\n", encoding="utf-8")
