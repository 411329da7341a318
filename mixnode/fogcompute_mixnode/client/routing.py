"""``fogctl send --circuit <ns>/<name>``: the routing table of one Circuit's path.

Sits in the client under ``running``: reads the Circuit and the operator's signed directory
ConfigMap from the cluster (``circuits.ClusterReader``), and returns a ``Directory`` holding
only the circuit's hops, one per layer, so every packet the client builds (messages and cover)
takes the circuit's path. Node ids and keys come from the newest published directory of an
epoch no later than the current one that names the hop (keys follow the epoch; the path is
the circuit's), else from the circuit's own epoch. Recipients come from the static
``--directory`` file. Only the circuit's path is trusted from the cluster: its draw can be
checked with ``fogctl circuit verify``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from fogcompute_mixnode.client.circuits import ClusterReader, parse_circuit, parse_ref
from fogcompute_mixnode.directory.entries import Directory, NodeEntry
from fogcompute_mixnode.directory.signed import split_address
from fogcompute_mixnode.routing import (
    DIRECTORY_CONFIGMAP,
    DIRECTORY_NAMESPACE,
    MixNodeRecord,
    open_signed_directory,
)
from fogcompute_mixnode.sphinx import NodeId

__all__ = ["circuit_directory"]


def _records(data: Mapping[str, str], *, epoch: int) -> dict[str, MixNodeRecord]:
    """Each MixNode's newest record among the published directories of epochs <= ``epoch``."""
    held: dict[str, MixNodeRecord] = {}
    published = []
    for key, text in data.items():
        middle = key.removeprefix("epoch-").removesuffix(".json")
        if middle.isdigit() and int(middle) <= epoch:
            published.append((int(middle), text))
    for _, text in sorted(published):
        for record in open_signed_directory(json.loads(text)).directory.nodes:
            held[record.name] = record
    return held


def circuit_directory(
    reader: ClusterReader, *, ref: str, recipients: Directory, epoch: int
) -> Directory:
    """The circuit's hops as a routing table, with ``recipients``' mailboxes."""
    namespace, name = parse_ref(ref)
    circuit = parse_circuit(reader.circuit(namespace=namespace, name=name))
    path = circuit.status.path if circuit.status is not None else ()
    if not path:
        raise ValueError(f"circuit {ref} has no drawn path yet; wait for status.path")
    data = reader.config_map_data(namespace=DIRECTORY_NAMESPACE, name=DIRECTORY_CONFIGMAP)
    records = _records(data, epoch=epoch)
    nodes = []
    for hop in sorted(path, key=lambda h: h.layer):
        record = records.get(hop.mix_node)
        if record is None:
            raise ValueError(
                f"circuit {ref}: hop {hop.mix_node} is in no published directory up to epoch "
                f"{epoch}; the circuit is stale, wait for its redraw"
            )
        if epoch not in record.public_keys:
            raise ValueError(
                f"circuit {ref}: hop {hop.mix_node} has no published key for the current epoch "
                f"{epoch} (the directory names {sorted(record.public_keys)}); check "
                "--epoch-seconds/--epoch-genesis against the operator's, or retry after the "
                "next epoch's directory is published"
            )
        host, port = split_address(hop.address)
        nodes.append(
            NodeEntry(
                node_id=NodeId(record.node_id),
                host=host,
                port=port,
                layer=hop.layer,
                public_keys=dict(record.public_keys),
            )
        )
    return Directory(nodes=tuple(nodes), recipients=recipients.recipients)
