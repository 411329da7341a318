"""The operator's mixnet state shared by the MixNode and Circuit controllers.

Below the kind packages ``mixnodes`` and ``circuits``, above the runtime. Modules: epochs (the
key epoch clock shared with the nodes), settings, keeping (the directory signing key and the
VRF key in one Secret, created if absent), launching (what waits for those keys), book (the
published directories in memory), publishing (the per-epoch signed directory ConfigMap),
measuring (the reliability monitor).
Pure routing (draw, prove, sign) comes from ``fogcompute_mixnode.routing``, the one mixnet
package the operator may import.
"""

from fogcompute_operator.mixnet.book import DirectoryBook
from fogcompute_operator.mixnet.epochs import EpochClock
from fogcompute_operator.mixnet.keeping import MixnetKeys, keys_from_secret, load_or_create_keys
from fogcompute_operator.mixnet.launching import KeyedLauncher
from fogcompute_operator.mixnet.measuring import ReliabilityMonitor
from fogcompute_operator.mixnet.publishing import DirectoryPublisher, data_patch
from fogcompute_operator.mixnet.settings import MixnetSettings

__all__ = [
    "DirectoryBook",
    "DirectoryPublisher",
    "EpochClock",
    "KeyedLauncher",
    "MixnetKeys",
    "MixnetSettings",
    "ReliabilityMonitor",
    "data_patch",
    "keys_from_secret",
    "load_or_create_keys",
]
