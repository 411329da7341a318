"""The hosted mixnode's private keys: generated on the node, kept in one 0600 file there.

Called by the host loop every round. The file (under the agent's state directory, on the
node's own storage) holds the node id and one X25519 key per epoch; ``ensure_keys`` adds a key
for every epoch it is asked for that the file lacks, drops those older than the previous
epoch (their grace is over), and writes the file again only when that changed: to a temporary
file created 0600, then renamed over the old one, so the daemon (which re-reads the file at
epoch boundaries) never sees half a file. Private keys are never logged or sent anywhere; only
``NodeKeys.public_keys()`` leaves this module.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from fogcompute_mixnode.keyfiles import (
    NodeKeys,
    generate_node_keys,
    read_node_keys,
    write_node_keys,
)
from fogcompute_mixnode.sphinx import generate_epoch_key


def ensure_keys(path: Path, *, epochs: Iterable[int]) -> NodeKeys:
    """The node's keys with one for each of ``epochs`` (and none older than their minimum-1)."""
    wanted = sorted(set(epochs))
    if not path.exists():
        keys = generate_node_keys(wanted)
        _write(keys, path)
        return keys
    held = read_node_keys(path)
    oldest = min(wanted) - 1
    kept = [k for k in held.epoch_keys if k.epoch >= oldest]
    have = {k.epoch for k in kept}
    added = [generate_epoch_key(e) for e in wanted if e not in have]
    if not added and len(kept) == len(held.epoch_keys):
        return held
    keys = NodeKeys(
        node_id=held.node_id, epoch_keys=tuple(sorted([*kept, *added], key=lambda k: k.epoch))
    )
    _write(keys, path)
    return keys


def _write(keys: NodeKeys, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.unlink(missing_ok=True)
    write_node_keys(keys, temporary)  # created 0600
    os.replace(temporary, path)
