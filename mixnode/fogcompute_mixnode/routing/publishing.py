"""Building an epoch's directory from MixNode resources: which nodes are in, and why not.

Sits in the routing core under the operator's directory publisher: it lists the MixNodes (from
its informer cache), calls ``build_epoch_directory`` each epoch, signs the result
(``signing.sign_directory``) and writes it to the ConfigMap ``signing`` names. Pure: the
MixNodes come in, the directory and the skipped nodes (name -> reason, for Events and logs)
go out.

A MixNode is in when its ``Ready`` condition is True, it is not ``Jailed``, ``spec.enabled``
is true, and its status has an address, an identity key (its Sphinx node id), a public key for
the epoch and a measured reliability. Its stake is ``status.stake``; before any stake is
bonded (``status.stake`` unset) it counts as ``default_stake``, so paths are then weighted by
reliability alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from fogcompute_api.mixnodes import MixNode

from fogcompute_mixnode.routing.directories import EpochDirectory, MixNodeRecord
from fogcompute_mixnode.routing.drawing import reliability_to_ppm

__all__ = ["BuiltDirectory", "build_epoch_directory", "record_of"]


@dataclass(frozen=True)
class BuiltDirectory:
    """The directory and, per MixNode left out, the reason."""

    directory: EpochDirectory
    skipped: dict[str, str] = field(default_factory=dict)


def _condition(mixnode: MixNode, kind: str) -> bool:
    status = mixnode.status
    conditions = status.conditions if status is not None else ()
    return any(c.type == kind and c.status == "True" for c in conditions)


def record_of(mixnode: MixNode, *, epoch: int, default_stake: int = 1) -> MixNodeRecord | str:
    """The directory record of ``mixnode`` for ``epoch``, or why it is left out."""
    status = mixnode.status
    if status is None or not _condition(mixnode, "Ready"):
        return "not Ready"
    if _condition(mixnode, "Jailed"):
        return "Jailed"
    if not mixnode.spec.enabled:
        return "spec.enabled is false"
    if status.address is None or status.identity_key is None:
        return "status.address or status.identityKey is not published yet"
    keys = {k.epoch: bytes.fromhex(k.public_key) for k in status.keys if k.epoch >= epoch}
    if epoch not in keys:
        return f"no public key for epoch {epoch} in status.keys"
    if status.reliability is None:
        return "no measured reliability yet (status.reliability)"
    layer = mixnode.spec.layer if mixnode.spec.layer is not None else status.layer
    if layer is None:
        return "no layer yet (spec.layer unset and status.layer not assigned)"
    # TokenAmount allows at most 30 digits, far below the directory's MAX_STAKE.
    stake = default_stake if status.stake is None else int(status.stake)
    return MixNodeRecord(
        name=mixnode.metadata.name,
        node_id=bytes.fromhex(status.identity_key),
        layer=layer,
        address=status.address,
        public_keys=keys,
        reliability_ppm=reliability_to_ppm(status.reliability),
        stake=stake,
    )


def build_epoch_directory(
    mixnodes: Iterable[MixNode], *, epoch: int, vrf_public_key: bytes, default_stake: int = 1
) -> BuiltDirectory:
    """The directory of ``epoch``: every eligible MixNode, and the reasons for the others."""
    records, skipped = [], {}
    for mixnode in mixnodes:
        record = record_of(mixnode, epoch=epoch, default_stake=default_stake)
        if isinstance(record, str):
            skipped[mixnode.metadata.name] = record
        else:
            records.append(record)
    directory = EpochDirectory(epoch=epoch, vrf_public_key=vrf_public_key, nodes=tuple(records))
    return BuiltDirectory(directory=directory, skipped=skipped)
