"""The EdgeDevice kind: conditions from the agent's reports, and evictions when it stops.

Above the scheduler and the runtime, independent of every other kind package. An EdgeDevice's
agent writes its readings; this package's controller keeps Ready (heartbeats), Harvestable
(mirrored) and NodeFound, posts an Event on every transition, and evicts the harvest pods of a
device that is no longer both Ready and Harvestable. Modules: deciding (pure), reconciling
(get, decide, act, write status once), starting (the controller on the runtime), settings.
"""

from fogcompute_operator.edgedevices.deciding import (
    HARVESTABLE,
    NODE_FOUND,
    READY,
    Decision,
    decide,
)
from fogcompute_operator.edgedevices.reconciling import (
    CONTROLLER,
    EdgeDeviceReconciler,
    is_live_harvest_pod,
)
from fogcompute_operator.edgedevices.settings import EdgeDeviceSettings
from fogcompute_operator.edgedevices.starting import (
    EdgeDevices,
    build_edgedevices,
    start_edgedevices,
)

__all__ = [
    "CONTROLLER",
    "HARVESTABLE",
    "NODE_FOUND",
    "READY",
    "Decision",
    "EdgeDeviceReconciler",
    "EdgeDeviceSettings",
    "EdgeDevices",
    "build_edgedevices",
    "decide",
    "is_live_harvest_pod",
    "start_edgedevices",
]
