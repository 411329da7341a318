"""The MixNode kind: layer, stake and conditions for the mixnodes the edge agents host.

Above the mixnet state and the runtime, independent of every other kind package. The agent on
a node writes what its mixnode publishes; this package's controller checks the Node (exists,
is an edge node), assigns or keeps the layer (balanced by stake x reliability when
``spec.layer`` is unset), mirrors the stake and jail of the Stakes behind it, and keeps the
conditions Ready / KeysPublished / Jailed with an Event on each transition. Modules: deciding
(pure), reconciling (get, decide, write status once), starting (the controller on the runtime).
"""

from fogcompute_operator.mixnodes.deciding import (
    JAILED,
    KEYS_PUBLISHED,
    READY,
    Decision,
    Facts,
    balance_layer,
    decide,
    effective_layer,
)
from fogcompute_operator.mixnodes.reconciling import CONTROLLER, MixNodeReconciler, stakes_behind
from fogcompute_operator.mixnodes.starting import MixNodes, build_mixnodes, start_mixnodes

__all__ = [
    "CONTROLLER",
    "JAILED",
    "KEYS_PUBLISHED",
    "READY",
    "Decision",
    "Facts",
    "MixNodeReconciler",
    "MixNodes",
    "balance_layer",
    "build_mixnodes",
    "decide",
    "effective_layer",
    "stakes_behind",
    "start_mixnodes",
]
