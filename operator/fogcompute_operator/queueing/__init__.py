"""The FogJob controller and its scheduler: batch, snapshot, decide, admit. No kopf here.

``handlers.fogjobs`` builds one ``FogJobController`` at startup and feeds it watch events.
Modules: controlling (work queue + reconcile), caching (the informer cache of jobs and pods),
batching (scheduling rounds), snapshots (Nodes/EdgeDevices/pods -> NodeSnapshots), converting
(API values <-> scheduling values), eventing (Event manifests), posting (Events sent in the
background), workqueue, settings.
"""

from fogcompute_operator.queueing.batching import RoundConfig, Scheduler
from fogcompute_operator.queueing.caching import ObjectCache, owner_key
from fogcompute_operator.queueing.controlling import CONTROLLER, FogJobController, warm_up
from fogcompute_operator.queueing.converting import api_placement, job_key, job_request, unplaced
from fogcompute_operator.queueing.eventing import build_event
from fogcompute_operator.queueing.posting import EventPoster
from fogcompute_operator.queueing.settings import FogJobSettings
from fogcompute_operator.queueing.snapshots import Usage, node_snapshots, pod_usage
from fogcompute_operator.queueing.workqueue import WorkQueue

__all__ = [
    "CONTROLLER",
    "EventPoster",
    "FogJobController",
    "FogJobSettings",
    "ObjectCache",
    "RoundConfig",
    "Scheduler",
    "Usage",
    "WorkQueue",
    "api_placement",
    "build_event",
    "job_key",
    "job_request",
    "node_snapshots",
    "owner_key",
    "pod_usage",
    "unplaced",
    "warm_up",
]
