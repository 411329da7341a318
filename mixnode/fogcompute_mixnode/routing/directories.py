"""The per-epoch routing directory: the Ready mixnodes, and its one canonical byte encoding.

Sits in the routing core under ``signing`` (which signs the canonical bytes) and ``drawing``
(which draws paths from the records). The operator builds an ``EpochDirectory`` from the
Ready MixNodes of an epoch; clients and ``fogctl circuit verify`` parse it back. Values and
encoding only: no I/O, no clock, no floats (reliability is an integer in parts per million,
stake an integer of base units), so every implementation derives the same bytes and digest.

Canonical encoding: JSON with sorted keys, no whitespace, ASCII only, nodes sorted by name,
integers as JSON numbers except ``stake`` (a decimal string: it may exceed 2**53):

    {"epoch":7,"nodes":[{"address":"10.0.0.5:9001","layer":0,"name":"mix-a",
      "nodeId":"<64 hex>","publicKeys":{"7":"<64 hex>","8":"<64 hex>"},
      "reliabilityPpm":998000,"stake":"1000000"}],"version":1,"vrfPublicKey":"<64 hex>"}
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "DIRECTORY_VERSION",
    "MAX_LAYERS",
    "MAX_STAKE",
    "PPM",
    "DirectoryFormatError",
    "EpochDirectory",
    "MixNodeRecord",
    "canonical_bytes",
    "directory_digest",
    "parse_epoch_directory",
    "render_epoch_directory",
]

DIRECTORY_VERSION = 1
MAX_LAYERS = 5
PPM = 1_000_000
MAX_STAKE = 10**40  # keeps stake x reliability far below the draw's 2**512 range
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
_ADDRESS = re.compile(r"^[^\s:]{1,253}:[0-9]{1,5}$|^\[[0-9a-fA-F:.]{2,45}\]:[0-9]{1,5}$")


class DirectoryFormatError(ValueError):
    """A directory document that does not parse; the message names the field and the fix."""


@dataclass(frozen=True)
class MixNodeRecord:
    """One Ready mixnode as path selection sees it.

    ``public_keys`` maps a key epoch to the node's X25519 public key (current and next);
    ``node_id`` is the 32-byte id Sphinx routing commands name.
    """

    name: str
    node_id: bytes
    layer: int
    address: str
    public_keys: Mapping[int, bytes]
    reliability_ppm: int
    stake: int

    @property
    def weight(self) -> int:
        """Stake times measured reliability: the node's share of its layer's draws."""
        return self.stake * self.reliability_ppm


@dataclass(frozen=True)
class EpochDirectory:
    """The Ready mixnodes of one epoch and the operator's VRF key, nodes sorted by name."""

    epoch: int
    vrf_public_key: bytes
    nodes: tuple[MixNodeRecord, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "nodes", tuple(sorted(self.nodes, key=lambda n: n.name)))
        names = [n.name for n in self.nodes]
        if len(set(names)) != len(names):
            raise DirectoryFormatError("directory.nodes: two nodes share a name; names are unique")

    def node(self, name: str) -> MixNodeRecord | None:
        return next((n for n in self.nodes if n.name == name), None)


def render_epoch_directory(directory: EpochDirectory) -> dict[str, Any]:
    """The JSON document for ``directory`` (camelCase, hex, stake as a decimal string)."""
    return {
        "version": DIRECTORY_VERSION,
        "epoch": directory.epoch,
        "vrfPublicKey": directory.vrf_public_key.hex(),
        "nodes": [
            {
                "name": n.name,
                "nodeId": n.node_id.hex(),
                "layer": n.layer,
                "address": n.address,
                "publicKeys": {str(e): k.hex() for e, k in sorted(n.public_keys.items())},
                "reliabilityPpm": n.reliability_ppm,
                "stake": str(n.stake),
            }
            for n in directory.nodes
        ],
    }


def canonical_bytes(directory: EpochDirectory) -> bytes:
    """The one byte string signed and digested for ``directory``."""
    return json.dumps(
        render_epoch_directory(directory), sort_keys=True, separators=(",", ":"), ensure_ascii=True
    ).encode("ascii")


def directory_digest(directory: EpochDirectory) -> bytes:
    """SHA-256 of the canonical bytes: what a circuit's VRF input binds."""
    return hashlib.sha256(canonical_bytes(directory)).digest()


def _int(value: Any, *, where: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise DirectoryFormatError(f"{where}: expected an integer {low}..{high}, got {value!r}")
    return value


def _hex(value: Any, *, where: str, size: int) -> bytes:
    if not isinstance(value, str) or not re.fullmatch(r"[0-9a-f]*", value):
        raise DirectoryFormatError(f"{where}: expected {size * 2} lowercase hex characters")
    if len(value) != size * 2:
        raise DirectoryFormatError(f"{where}: expected {size * 2} hex characters, got {value!r}")
    return bytes.fromhex(value)


def _stake(value: Any, *, where: str) -> int:
    if not isinstance(value, str) or not re.fullmatch(r"0|[1-9][0-9]{0,40}", value):
        raise DirectoryFormatError(f"{where}: expected base units as a decimal string like '1000'")
    return _int(int(value), where=where, low=0, high=MAX_STAKE)


def _node(raw: Any, *, where: str) -> MixNodeRecord:
    if not isinstance(raw, Mapping):
        raise DirectoryFormatError(f"{where}: expected an object")
    name, address = raw.get("name"), raw.get("address")
    if not isinstance(name, str) or not _NAME.match(name):
        raise DirectoryFormatError(f"{where}.name: expected a MixNode name, got {name!r}")
    if not isinstance(address, str) or not _ADDRESS.match(address):
        raise DirectoryFormatError(f"{where}.address: expected host:port, got {address!r}")
    keys_raw = raw.get("publicKeys")
    if not isinstance(keys_raw, Mapping) or not keys_raw:
        raise DirectoryFormatError(f"{where}.publicKeys: expected {{epoch: hex key}}")
    keys = {}
    for epoch, key in keys_raw.items():
        if not isinstance(epoch, str) or not re.fullmatch(r"0|[1-9][0-9]{0,15}", epoch):
            raise DirectoryFormatError(f"{where}.publicKeys: epoch {epoch!r} is not a number")
        keys[int(epoch)] = _hex(key, where=f"{where}.publicKeys.{epoch}", size=32)
    return MixNodeRecord(
        name=name,
        node_id=_hex(raw.get("nodeId"), where=f"{where}.nodeId", size=32),
        layer=_int(raw.get("layer"), where=f"{where}.layer", low=0, high=MAX_LAYERS - 1),
        address=address,
        public_keys=keys,
        reliability_ppm=_int(
            raw.get("reliabilityPpm"), where=f"{where}.reliabilityPpm", low=0, high=PPM
        ),
        stake=_stake(raw.get("stake"), where=f"{where}.stake"),
    )


def parse_epoch_directory(document: Any) -> EpochDirectory:
    """An ``EpochDirectory`` from its JSON document; ``DirectoryFormatError`` names bad fields."""
    if not isinstance(document, Mapping):
        raise DirectoryFormatError("directory: expected an object with epoch, nodes, vrfPublicKey")
    version = document.get("version")
    if version != DIRECTORY_VERSION:
        raise DirectoryFormatError(
            f"directory.version: expected {DIRECTORY_VERSION}, got {version!r}; "
            "upgrade fogctl to read newer directories"
        )
    nodes_raw = document.get("nodes")
    if not isinstance(nodes_raw, list):
        raise DirectoryFormatError("directory.nodes: expected a list")
    return EpochDirectory(
        epoch=_int(document.get("epoch"), where="directory.epoch", low=0, high=2**53 - 1),
        vrf_public_key=_hex(document.get("vrfPublicKey"), where="directory.vrfPublicKey", size=32),
        nodes=tuple(_node(raw, where=f"directory.nodes[{i}]") for i, raw in enumerate(nodes_raw)),
    )
