"""The controller runtime every kind shares: informers, work queues, workers, status, Events.

Sits between the kind packages (``fogjobs``, ``edgedevices``, ...) and the seams (``kube``,
``observing``); knows no kind and no kopf. Startup builds one ``Runtime``; each kind package
gives it a ``Reconciler`` (get from informers, decide purely, act idempotently, write status
once) and says which watched changes queue which keys. Modules: background (task slots, and
loops that report a failure and go on), backoff (per-key exponential backoff), caching
(informers with an owner index), queueing (the keyed work queue), working (controllers:
workers with per-key backoff and reconcile metrics), guarding (writes under resourceVersion,
and the cache on a conflict), statuses (the guarded status merge patch), finalizing (a
controller's finalizer, added and removed under resourceVersion), eventing and posting
(Events, in the background), rejecting (objects the models refuse), environment (settings),
verdicts (owned conditions and their Events), runtime.
"""

from fogcompute_operator.controlling.background import Tasks, retry_until_done, run_periodically
from fogcompute_operator.controlling.backoff import KeyedBackoff
from fogcompute_operator.controlling.caching import DELETED, Informer, Informers, InformerSpec
from fogcompute_operator.controlling.environment import env_number
from fogcompute_operator.controlling.eventing import (
    EventBody,
    EventNote,
    EventType,
    build_event,
)
from fogcompute_operator.controlling.finalizing import (
    Finalizers,
    FinalizerStep,
    finalizer_step,
    finalizers_of,
    is_deleting,
)
from fogcompute_operator.controlling.guarding import GuardedWrite, resource_version, write_guarded
from fogcompute_operator.controlling.posting import EventPoster
from fogcompute_operator.controlling.queueing import WorkQueue
from fogcompute_operator.controlling.rejecting import Rejection, reject_invalid
from fogcompute_operator.controlling.runtime import (
    Clock,
    Component,
    Mapper,
    Runtime,
    utc_now,
)
from fogcompute_operator.controlling.statuses import StatusWriter, merge_patch
from fogcompute_operator.controlling.verdicts import Verdict, apply_verdicts
from fogcompute_operator.controlling.working import Controller, Reconciler, Result

__all__ = [
    "DELETED",
    "Clock",
    "Component",
    "Controller",
    "EventBody",
    "EventNote",
    "EventPoster",
    "EventType",
    "FinalizerStep",
    "Finalizers",
    "GuardedWrite",
    "Informer",
    "InformerSpec",
    "Informers",
    "KeyedBackoff",
    "Mapper",
    "Reconciler",
    "Rejection",
    "Result",
    "Runtime",
    "StatusWriter",
    "Tasks",
    "Verdict",
    "WorkQueue",
    "apply_verdicts",
    "build_event",
    "env_number",
    "finalizer_step",
    "finalizers_of",
    "is_deleting",
    "merge_patch",
    "reject_invalid",
    "resource_version",
    "retry_until_done",
    "run_periodically",
    "utc_now",
    "write_guarded",
]
