"""Setting a kind's owned conditions from verdicts, with one Event per transition. Pure.

Each kind's "decide" step judges its conditions (a ``Verdict`` per condition type) and calls
``apply_verdicts``: every condition goes through ``set_condition`` (conditions it does not
own are kept), and every change of a condition's status or reason asks for an Event (Normal
when the condition is True, Warning otherwise), so ``kubectl describe`` tells the story.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from fogcompute_api.conditions import Condition, ConditionStatus, find_condition, set_condition

from fogcompute_operator.controlling.eventing import EventNote


@dataclass(frozen=True)
class Verdict:
    """One condition as decided: status, reason (CamelCase) and a message for people."""

    status: ConditionStatus
    reason: str
    message: str


def apply_verdicts(
    conditions: Sequence[Condition],
    verdicts: Mapping[str, Verdict],
    *,
    now: datetime,
    generation: int,
) -> tuple[tuple[Condition, ...], tuple[EventNote, ...]]:
    """The conditions with every verdict set, and the Events their transitions ask for."""
    held, events = tuple(conditions), []
    for type_, verdict in verdicts.items():
        old = find_condition(held, type_)
        held, _ = set_condition(
            held,
            type=type_,
            status=verdict.status,
            reason=verdict.reason,
            message=verdict.message,
            now=now,
            generation=generation,
        )
        if old is None or (old.status, old.reason) != (verdict.status, verdict.reason):
            text = f"{type_} is {verdict.status}: {verdict.message}".rstrip(": ")
            events.append(
                EventNote(
                    type="Normal" if verdict.status == "True" else "Warning",
                    reason=verdict.reason,
                    message=text,
                )
            )
    return held, tuple(events)
