"""The status being decided: a private working copy with pure condition and event helpers.

Used only by ``deciding`` while it walks a job's lifecycle for one reconcile; the draft is
frozen into a ``Decision`` at the end. It reads the clock value it was given, never a clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from fogcompute_api.conditions import ConditionStatus, find_condition, set_condition
from fogcompute_api.fogjobs import Attempt, FogJob, FogJobStatus, Placement

from fogcompute_operator.controlling import EventNote, EventType
from fogcompute_operator.fogjobs.pods import PodPlan
from fogcompute_operator.fogjobs.views import PodView

MAX_ATTEMPTS_KEPT = 32
_MESSAGE_MAX = 1024


@dataclass(frozen=True)
class Offer:
    """The scheduler placed the job: the placement of its next attempt."""

    placement: Placement


@dataclass(frozen=True)
class Unplaced:
    """The last scheduling round could not place the job, and why (for status)."""

    reason: str
    message: str
    exclusions: tuple[Any, ...] = ()  # fogcompute_api.fogjobs.Exclusion values


Feedback = Offer | Unplaced | None


@dataclass
class Draft:
    """Mutable only inside one ``decide`` call."""

    job: FogJob
    pods: tuple[PodView, ...]
    now: datetime
    status: FogJobStatus
    creates: list[PodPlan] = field(default_factory=list)
    deletes: list[str] = field(default_factory=list)
    events: list[EventNote] = field(default_factory=list)
    wakeups: list[datetime] = field(default_factory=list)
    wants_placement: bool = False
    consumed_offer: bool = False

    @property
    def generation(self) -> int:
        return self.job.metadata.generation or 0

    @property
    def last_attempt(self) -> Attempt | None:
        return self.status.attempts[-1] if self.status.attempts else None

    def update(self, **changes: Any) -> None:
        self.status = self.status.model_copy(update=changes)

    def condition(self, type_: str, status: ConditionStatus, reason: str, message: str) -> bool:
        """Set one condition; True when it changed."""
        conditions, changed = set_condition(
            self.status.conditions,
            type=type_,
            status=status,
            reason=reason,
            message=message,
            now=self.now,
            generation=self.generation,
        )
        if changed:
            self.update(conditions=conditions)
        return changed

    def condition_is(self, type_: str, status: ConditionStatus) -> bool:
        found = find_condition(self.status.conditions, type_)
        return found is not None and found.status == status

    def event(self, type_: EventType, reason: str, message: str) -> None:
        self.events.append(EventNote(type=type_, reason=reason, message=message))

    def wake_at(self, when: datetime) -> None:
        self.wakeups.append(when)

    def replace_last_attempt(self, **changes: Any) -> None:
        last = self.last_attempt
        if last is None:
            return
        if "message" in changes:
            changes["message"] = str(changes["message"])[:_MESSAGE_MAX]
        self.update(attempts=(*self.status.attempts[:-1], last.model_copy(update=changes)))

    def add_attempt(self, attempt: Attempt) -> None:
        self.update(attempts=(*self.status.attempts, attempt)[-MAX_ATTEMPTS_KEPT:])

    def delete_live_pods(self, *, attempt: int | None = None) -> None:
        """Delete the pods (of ``attempt``, or all) that still run and are not being deleted."""
        for pod in self.pods:
            if attempt is not None and pod.attempt != attempt:
                continue
            if not pod.terminal and not pod.deleting and pod.name not in self.deletes:
                self.deletes.append(pod.name)
