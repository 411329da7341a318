"""Building blocks of the resource models: the base model, bounded field types, CEL rule helpers.

Every kind module (fogjobs, edgedevices, ...) builds its spec and status from these, and
``schemas`` turns what they declare into the CRDs' OpenAPI. Types here carry their Kubernetes
bounds (maxLength, pattern) so that a model cannot declare an unbounded string by accident.
No I/O, no Kubernetes client.
"""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema
from pydantic.alias_generators import to_camel

from fogcompute_api.meta import TOKEN_MAX_LENGTH, TOKEN_PATTERN

__all__ = [
    "DNS_LABEL_PATTERN",
    "DNS_SUBDOMAIN_PATTERN",
    "QUANTITY_PATTERN",
    "AccountName",
    "ApiModel",
    "CelReason",
    "HexKey",
    "HexOutput",
    "HexProof",
    "LabelKey",
    "LabelValue",
    "Message",
    "ObjectName",
    "Quantity",
    "Reason",
    "Timestamp",
    "TokenAmount",
    "cel",
    "token_at_least",
    "validations",
]


class ApiModel(BaseModel):
    """Base of every resource model: immutable, camelCase on the wire, unknown fields refused."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
    )


DNS_SUBDOMAIN_PATTERN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
DNS_LABEL_PATTERN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
QUANTITY_PATTERN = r"^([0-9]+(\.[0-9]+)?|\.[0-9]+)([KMGTPE]i|[mkMGTPE])?$"
"""A non-negative Kubernetes quantity without exponent notation (``500m``, ``2``, ``1.5Gi``)."""

ObjectName = Annotated[str, Field(min_length=1, max_length=253, pattern=DNS_SUBDOMAIN_PATTERN)]
"""A Kubernetes object name (DNS subdomain): a Node, an EdgeDevice, a MixNode, a Proposal."""

AccountName = Annotated[str, Field(min_length=1, max_length=253, pattern=r"^[A-Za-z0-9:@._-]+$")]
"""A ledger account: its holder's Kubernetes user name (``alice``, ``system:serviceaccount:..``)."""

LabelKey = Annotated[
    str,
    Field(
        min_length=1,
        max_length=317,
        pattern=r"^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$",
    ),
]
LabelValue = Annotated[
    str, Field(max_length=63, pattern=r"^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$")
]

Quantity = Annotated[str, Field(min_length=1, max_length=64, pattern=QUANTITY_PATTERN)]
TokenAmount = Annotated[str, Field(max_length=TOKEN_MAX_LENGTH, pattern=TOKEN_PATTERN)]
"""Tokens in base units, as a decimal string (never a float): ``"1000000"``."""

Reason = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Z][A-Za-z0-9]*$")]
"""A machine-readable CamelCase reason (``DeadlineExceeded``)."""
Message = Annotated[str, Field(max_length=32768)]
"""A human-readable message; as long as a Condition's message may be."""

Timestamp = Annotated[
    datetime, WithJsonSchema({"type": "string", "format": "date-time", "maxLength": 64})
]
"""An RFC 3339 time; CEL sees it as a timestamp."""


def _hex(length: int) -> Any:
    return Field(min_length=length, max_length=length, pattern=f"^[0-9a-f]{{{length}}}$")


HexKey = Annotated[str, _hex(64)]
"""A 32-byte public key (X25519, Ed25519) as 64 lowercase hex characters."""
HexOutput = Annotated[str, _hex(128)]
"""A 64-byte value (an ECVRF output) as 128 lowercase hex characters."""
HexProof = Annotated[str, _hex(160)]
"""An 80-byte ECVRF proof (RFC 9381, edwards25519) as 160 lowercase hex characters."""


CelReason = Literal[
    "FieldValueInvalid", "FieldValueForbidden", "FieldValueRequired", "FieldValueDuplicate"
]


def cel(
    rule: str,
    message: str,
    *,
    field_path: str | None = None,
    reason: CelReason | None = None,
    message_expression: str | None = None,
) -> dict[str, str]:
    """One ``x-kubernetes-validations`` entry; ``message`` must name the field and the fix."""
    entry = {"rule": rule, "message": message}
    if message_expression is not None:
        entry["messageExpression"] = message_expression
    if field_path is not None:
        entry["fieldPath"] = field_path
    if reason is not None:
        entry["reason"] = reason
    return entry


def validations(*rules: dict[str, str]) -> dict[str, Any]:
    """The ``json_schema_extra`` carrying CEL rules, for a model's config or a field."""
    return {"x-kubernetes-validations": list(rules)}


def token_at_least(left: str, right: str) -> str:
    """CEL: token string ``left`` >= ``right`` (no leading zeros, so compare sizes first)."""
    return f"(size({left}) > size({right}) || (size({left}) == size({right}) && {left} >= {right}))"
