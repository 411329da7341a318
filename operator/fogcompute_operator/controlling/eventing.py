"""Kubernetes Events about any object, as core/v1 manifests (what ``kubectl describe`` shows).

Built by the controllers after a status write succeeded, so a retried reconcile does not post
twice what it never wrote, and handed to the background ``posting.EventPoster``. An Event about
a cluster-scoped object (an EdgeDevice) goes to the ``default`` namespace, where ``kubectl
describe`` looks for it. ``eventTime`` carries the decision's time to the microsecond (the
legacy timestamps have whole seconds), so Events a reconcile asked for in one second still
read in order although two posters send them concurrently. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal, TypedDict

from fogcompute_operator.kube import ObjectReference, Resource, reference_to

COMPONENT: Final = "fog-compute-operator"
CLUSTER_EVENTS_NAMESPACE: Final = "default"
_MESSAGE_MAX = 1024
EventType = Literal["Normal", "Warning"]


@dataclass(frozen=True)
class EventNote:
    """An Event a decision asks for, posted once its status write has succeeded."""

    type: EventType
    reason: str
    message: str


class EventMetadata(TypedDict):
    generateName: str
    namespace: str


class EventSource(TypedDict):
    component: str


class EventBody(TypedDict):
    apiVersion: str
    kind: str
    metadata: EventMetadata
    involvedObject: ObjectReference
    type: str
    reason: str
    message: str
    source: EventSource
    action: str
    eventTime: str
    reportingComponent: str
    reportingInstance: str
    firstTimestamp: str
    lastTimestamp: str
    count: int


def build_event(
    resource: Resource,
    about: Mapping[str, Any],
    *,
    note: EventNote,
    now: datetime,
    instance: str,
) -> EventBody:
    """The Event manifest of ``note`` about ``about`` (the body of an object of ``resource``)."""
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    involved = reference_to(resource, about)
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {
            "generateName": f"{involved['name'][:200]}.",
            "namespace": involved["namespace"] or CLUSTER_EVENTS_NAMESPACE,
        },
        "involvedObject": involved,
        "type": note.type,
        "reason": note.reason,
        "message": note.message[:_MESSAGE_MAX],
        "source": {"component": COMPONENT},
        "action": note.reason,
        "eventTime": now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "reportingComponent": COMPONENT,
        "reportingInstance": instance[:128],
        "firstTimestamp": stamp,
        "lastTimestamp": stamp,
        "count": 1,
    }
