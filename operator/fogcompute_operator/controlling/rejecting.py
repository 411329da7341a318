"""Rejecting an object the models refuse: one condition naming the fields, and an Event.

Used by every controller when ``Model.model_validate`` fails on a body the API server stored
(a CRD older than the models, or a rule CEL cannot express). The verdict is pure: the status
with the condition set through ``set_condition`` (the object's other conditions are kept),
whether that differs from what is stored, and the Event to post after the write. The message
names each offending field (at most five), so ``kubectl describe`` says what to fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fogcompute_api.conditions import Condition, ConditionStatus, set_condition
from pydantic import ValidationError

from fogcompute_operator.controlling.eventing import EventNote
from fogcompute_operator.controlling.statuses import merge_patch

REASON = "InvalidSpec"
_FIELDS_NAMED = 5


@dataclass(frozen=True)
class Rejection:
    """The status of a refused object, whether the stored one lacks it, and its Event."""

    changed: bool
    message: str
    status: dict[str, Any]
    event: EventNote


def _conditions(status: Mapping[str, Any]) -> list[Condition]:
    held = []
    for raw in status.get("conditions") or ():
        try:
            held.append(Condition.model_validate(raw))
        except ValidationError:
            continue  # a condition the models refuse is not ours to keep
    return held


def reject_invalid(
    body: Mapping[str, Any],
    exc: ValidationError,
    *,
    condition_type: str,
    condition_status: ConditionStatus,
    extra: Mapping[str, Any],
    now: datetime,
) -> Rejection:
    """The refused object's status: ``condition_type`` set to ``condition_status`` with reason
    InvalidSpec, ``extra`` fields (a phase) on top, ``observedGeneration`` the stored one."""
    kind = str(body.get("kind") or "object")
    problems = [
        f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
        for error in exc.errors()[:_FIELDS_NAMED]
    ]
    message = (f"invalid {kind}; fix and re-apply: " + "; ".join(problems))[:1024]
    current: Mapping[str, Any] = body.get("status") or {}
    generation = int((body.get("metadata") or {}).get("generation") or 0)
    conditions, _ = set_condition(
        _conditions(current),
        type=condition_type,
        status=condition_status,
        reason=REASON,
        message=message,
        now=now,
        generation=generation,
    )
    status = {
        **current,
        **extra,
        "observedGeneration": generation,
        "conditions": [c.model_dump(mode="json", by_alias=True) for c in conditions],
    }
    return Rejection(
        changed=bool(merge_patch(current, status)),
        message=message,
        status=status,
        event=EventNote(type="Warning", reason=REASON, message=message),
    )
