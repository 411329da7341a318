"""The parts of a Kubernetes object that are not ours: metadata and owner references.

Each kind's top-level model (``FogJob``, ``MixNode`` ...) carries an ``ObjectMeta`` so that the
operator can parse what the API server returns. Only the fields the platform reads are modelled;
the rest of metadata (managedFields ...) is ignored on input. The CRDs never embed this schema:
the API server owns metadata.
"""

from typing import Annotated

from pydantic import ConfigDict, Field

from fogcompute_api.primitives import ApiModel, Timestamp

__all__ = ["ObjectMeta", "OwnerReference"]


class OwnerReference(ApiModel):
    """An owner of the object (garbage collection)."""

    model_config = ConfigDict(extra="ignore")

    api_version: Annotated[str, Field(max_length=253)]
    kind: Annotated[str, Field(max_length=63)]
    name: Annotated[str, Field(max_length=253)]
    uid: Annotated[str, Field(max_length=64)]
    controller: bool | None = None
    block_owner_deletion: bool | None = None


class ObjectMeta(ApiModel):
    """The metadata fields the platform reads; unknown metadata fields are ignored."""

    model_config = ConfigDict(extra="ignore")

    name: Annotated[str, Field(max_length=253)] = ""
    generate_name: Annotated[str, Field(max_length=253)] | None = None
    namespace: Annotated[str, Field(max_length=63)] | None = None
    uid: Annotated[str, Field(max_length=64)] | None = None
    resource_version: Annotated[str, Field(max_length=64)] | None = None
    generation: int | None = None
    creation_timestamp: Timestamp | None = None
    deletion_timestamp: Timestamp | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    finalizers: tuple[str, ...] = ()
    owner_references: tuple[OwnerReference, ...] = ()
