"""Status conditions and their pure setters, shared by every kind's status.

Controllers decide a condition, call ``set_condition`` with the clock's ``now`` and the object's
generation, and write status only when it reports a change. Nothing here reads a clock or talks to
the API server: the same inputs always give the same outputs.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from fogcompute_api.primitives import ApiModel, Message, Reason, Timestamp

__all__ = [
    "Condition",
    "ConditionStatus",
    "Conditions",
    "find_condition",
    "is_condition_true",
    "remove_condition",
    "set_condition",
]

ConditionStatus = Literal["True", "False", "Unknown"]

CONDITION_TYPE_PATTERN = (
    r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
    r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$"
)


class Condition(ApiModel):
    """One aspect of an object's state, as in metav1.Condition."""

    type: Annotated[str, Field(max_length=316, pattern=CONDITION_TYPE_PATTERN)] = Field(
        description="Type in CamelCase (Ready, Scheduled, Complete ...)."
    )
    status: ConditionStatus = Field(description="True, False or Unknown.")
    reason: Reason = Field(description="CamelCase reason for the last transition.")
    message: Message = Field(default="", description="Human-readable detail.")
    last_transition_time: Timestamp = Field(
        description="When status last changed (reason or message changes keep it)."
    )
    observed_generation: int = Field(
        default=0, ge=0, description="The .metadata.generation this condition was set from."
    )


Conditions = Annotated[
    tuple[Condition, ...],
    Field(
        max_length=16,
        json_schema_extra={"x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"]},
        description="Standard conditions, one per type.",
    ),
]


def find_condition(conditions: Sequence[Condition], type_: str) -> Condition | None:
    """The condition of that type, or None."""
    return next((c for c in conditions if c.type == type_), None)


def is_condition_true(conditions: Sequence[Condition], type_: str) -> bool:
    """Whether the condition of that type exists and is True."""
    found = find_condition(conditions, type_)
    return found is not None and found.status == "True"


def set_condition(
    conditions: Sequence[Condition],
    *,
    type: str,  # noqa: A002 - the Kubernetes field name, keyword-only so it shadows nothing in use
    status: ConditionStatus,
    reason: str,
    message: str,
    now: datetime,
    generation: int,
) -> tuple[tuple[Condition, ...], bool]:
    """Return the conditions with ``type`` set, and whether anything changed.

    ``lastTransitionTime`` moves to ``now`` only when the status changes; a new reason, message or
    generation with the same status keeps the old transition time. The input is never modified.
    """
    current = find_condition(conditions, type)
    if current is None:
        added = Condition(
            type=type,
            status=status,
            reason=reason,
            message=message,
            last_transition_time=now,
            observed_generation=generation,
        )
        return (*conditions, added), True
    transition = now if current.status != status else current.last_transition_time
    updated = Condition(
        type=type,
        status=status,
        reason=reason,
        message=message,
        last_transition_time=transition,
        observed_generation=generation,
    )
    if updated == current:
        return tuple(conditions), False
    return tuple(updated if c.type == type else c for c in conditions), True


def remove_condition(
    conditions: Sequence[Condition], type_: str
) -> tuple[tuple[Condition, ...], bool]:
    """Return the conditions without ``type``, and whether it was there."""
    kept = tuple(c for c in conditions if c.type != type_)
    return kept, len(kept) != len(conditions)
