"""The mixnet directory's values: where each mixnode and each mailbox (recipient) lives.

Sits under the daemon and the client: the daemon looks up next hops and mailboxes here, the
client chooses paths from it. Values only: reading files is ``loading``, choosing paths is
``pathing``. Later the same table will be filled from MixNode resources.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from fogcompute_mixnode.sphinx import NodeId

Address = tuple[str, int]
ID_SIZE = 32


@dataclass(frozen=True)
class NodeEntry:
    """One mixnode: its id, UDP address, layer and X25519 public key per key epoch."""

    node_id: NodeId
    host: str
    port: int
    layer: int
    public_keys: Mapping[int, bytes]

    @property
    def address(self) -> Address:
        return (self.host, self.port)


@dataclass(frozen=True)
class RecipientEntry:
    """A mailbox: the recipient id the exit hop sees, its UDP address, its box public key.

    ``public_key`` is a Curve25519 (NaCl box) key: senders seal messages to it end to end, so
    the exit mixnode never reads what it delivers.
    """

    recipient_id: bytes
    host: str
    port: int
    public_key: bytes

    @property
    def address(self) -> Address:
        return (self.host, self.port)


@dataclass(frozen=True)
class Directory:
    """The whole table, with lookups by id; each node lists its public key per key epoch.

    Which epoch a packet is built for comes from the epoch clock (``epochs``), never from here.
    """

    nodes: tuple[NodeEntry, ...]
    recipients: tuple[RecipientEntry, ...] = ()
    _by_node: dict[bytes, NodeEntry] = field(init=False, repr=False, compare=False)
    _by_recipient: dict[bytes, RecipientEntry] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_node", {n.node_id: n for n in self.nodes})
        object.__setattr__(self, "_by_recipient", {r.recipient_id: r for r in self.recipients})
        if len(self._by_node) != len(self.nodes):
            raise ValueError("directory.nodes: two entries share an id; give each node its own")
        if len(self._by_recipient) != len(self.recipients):
            raise ValueError("directory.recipients: two entries share an id")

    def node(self, node_id: bytes) -> NodeEntry | None:
        return self._by_node.get(node_id)

    def node_address(self, node_id: bytes) -> Address | None:
        entry = self._by_node.get(node_id)
        return None if entry is None else (entry.host, entry.port)

    def recipient(self, recipient_id: bytes) -> RecipientEntry | None:
        return self._by_recipient.get(recipient_id)

    def recipient_address(self, recipient_id: bytes) -> Address | None:
        entry = self._by_recipient.get(recipient_id)
        return None if entry is None else (entry.host, entry.port)

    def layers(self) -> list[list[NodeEntry]]:
        """Nodes grouped by layer, layers in ascending order, empty layers left out."""
        grouped: dict[int, list[NodeEntry]] = {}
        for entry in self.nodes:
            grouped.setdefault(entry.layer, []).append(entry)
        return [grouped[layer] for layer in sorted(grouped)]
