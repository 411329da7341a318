"""Resource kinds and object ids as the seam names them: one ``Resource`` per kind, NewType keys.

The lowest layer of the operator: every call through the seam (``seam.KubeApi``), every informer
and every work queue names objects by ``Resource`` and ``ObjectKey`` (``namespace/name``, or
``name`` for a cluster-scoped kind), never by kind-specific methods. Pure; knows no client.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, NewType, TypedDict

from fogcompute_api.meta import (
    GROUP,
    KIND_CIRCUIT,
    KIND_EDGEDEVICE,
    KIND_FOGJOB,
    KIND_MIXNODE,
    KIND_PROPOSAL,
    KIND_STAKE,
    PLURAL_CIRCUITS,
    PLURAL_EDGEDEVICES,
    PLURAL_FOGJOBS,
    PLURAL_MIXNODES,
    PLURAL_PROPOSALS,
    PLURAL_STAKES,
    VERSION,
)

ObjectKey = NewType("ObjectKey", str)
"""``namespace/name`` of a namespaced object, ``name`` of a cluster-scoped one."""
Uid = NewType("Uid", str)
"""``metadata.uid``: tells a re-created object from the one that had its name before."""
Body = dict[str, Any]
"""An object as the API server sends it (JSON). Informers hold these and never change them."""


class OwnerReference(TypedDict, total=False):
    apiVersion: str
    kind: str
    name: str
    uid: str
    controller: bool
    blockOwnerDeletion: bool


class ObjectReference(TypedDict):
    """The ``involvedObject`` of an Event."""

    apiVersion: str
    kind: str
    name: str
    namespace: str | None
    uid: str | None


@dataclass(frozen=True)
class Resource:
    """One kind of the API: where its objects live and how they are named."""

    group: str  # "" for the core group
    version: str
    plural: str
    kind: str
    namespaced: bool

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    def path(self, *, namespace: str | None = None, name: str | None = None) -> str:
        """The REST path of the collection (or of one object when ``name`` is given)."""
        root = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        where = f"/namespaces/{namespace}" if self.namespaced and namespace else ""
        tail = f"/{name}" if name is not None else ""
        return f"{root}{where}/{self.plural}{tail}"

    def __str__(self) -> str:
        return self.plural if not self.group else f"{self.plural}.{self.group}"


PODS: Final = Resource("", "v1", "pods", "Pod", namespaced=True)
NODES: Final = Resource("", "v1", "nodes", "Node", namespaced=False)
NAMESPACES: Final = Resource("", "v1", "namespaces", "Namespace", namespaced=False)
EVENTS: Final = Resource("", "v1", "events", "Event", namespaced=True)
CONFIGMAPS: Final = Resource("", "v1", "configmaps", "ConfigMap", namespaced=True)
SECRETS: Final = Resource("", "v1", "secrets", "Secret", namespaced=True)
FOGJOBS: Final = Resource(GROUP, VERSION, PLURAL_FOGJOBS, KIND_FOGJOB, namespaced=True)
EDGEDEVICES: Final = Resource(GROUP, VERSION, PLURAL_EDGEDEVICES, KIND_EDGEDEVICE, namespaced=False)
MIXNODES: Final = Resource(GROUP, VERSION, PLURAL_MIXNODES, KIND_MIXNODE, namespaced=False)
CIRCUITS: Final = Resource(GROUP, VERSION, PLURAL_CIRCUITS, KIND_CIRCUIT, namespaced=True)
STAKES: Final = Resource(GROUP, VERSION, PLURAL_STAKES, KIND_STAKE, namespaced=True)
PROPOSALS: Final = Resource(GROUP, VERSION, PLURAL_PROPOSALS, KIND_PROPOSAL, namespaced=False)


def object_key(namespace: str | None, name: str) -> ObjectKey:
    return ObjectKey(f"{namespace}/{name}" if namespace else name)


def split_key(key: ObjectKey) -> tuple[str | None, str]:
    """``(namespace, name)``; namespace None for a cluster-scoped key."""
    namespace, slash, name = key.rpartition("/")
    return (namespace if slash else None), name


def key_of(body: Mapping[str, Any]) -> ObjectKey:
    metadata = body.get("metadata") or {}
    return object_key(metadata.get("namespace"), metadata.get("name") or "")


def uid_of(body: Mapping[str, Any]) -> Uid:
    return Uid(str((body.get("metadata") or {}).get("uid") or ""))


def controller_owner(body: Mapping[str, Any], *, kind: str) -> ObjectKey | None:
    """The key of the ``kind`` object controlling ``body`` (same namespace), if any."""
    metadata = body.get("metadata") or {}
    for ref in metadata.get("ownerReferences") or ():
        if ref.get("kind") == kind and ref.get("controller"):
            return object_key(metadata.get("namespace"), ref.get("name") or "")
    return None


def reference_to(resource: Resource, body: Mapping[str, Any]) -> ObjectReference:
    """A reference to ``body``, an object of ``resource`` (list items may lack their kind)."""
    metadata = body.get("metadata") or {}
    return {
        "apiVersion": resource.api_version,
        "kind": resource.kind,
        "name": str(metadata.get("name") or ""),
        "namespace": metadata.get("namespace"),
        "uid": metadata.get("uid"),
    }
