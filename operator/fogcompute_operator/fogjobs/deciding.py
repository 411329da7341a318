"""The FogJob lifecycle as one pure function: (job, its pods, scheduler feedback, now) -> Decision.

The "decide" step of the controller's reconcile (get, decide, act, write status once). Every
piece of state it needs comes from its arguments, i.e. from the API server (status and pods)
plus the scheduler's latest answer for this job, so a restarted operator decides the same way.
The controller then acts (deletes, idempotent creates), writes ``status`` once if it changed,
posts ``events``, tells the scheduler whether the job waits for a place, and requeues the job
after ``requeue_after`` seconds (backoff end, deadline, maximum pending time).

Phases: Queued (waiting for a round, or for its backoff to end) -> Pending (a round could not
place it; ``pendingReason`` says why) -> Scheduled (pods created) -> Running -> Succeeded or
Failed. Spec fields that may change after creation (``backoffLimit``, ``evictionLimit``,
``deadline``) are read afresh on every decision; everything else is immutable (CEL).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from fogcompute_api.fogjobs import Attempt, FogJob, FogJobStatus

from fogcompute_operator.controlling import EventNote
from fogcompute_operator.fogjobs.attempts import fail, placement_of_pods, start_attempt
from fogcompute_operator.fogjobs.drafts import Draft, Feedback, Offer, Unplaced
from fogcompute_operator.fogjobs.pods import PodPlan
from fogcompute_operator.fogjobs.verdicts import Verdict, judge
from fogcompute_operator.fogjobs.views import PodView
from fogcompute_operator.fogjobs.waiting import wait


@dataclass(frozen=True)
class TrackingSettings:
    """Retry timing: the n-th failure waits ``base * 2**(n-1)`` seconds, at most ``max``."""

    backoff_base_seconds: float = 10.0
    backoff_max_seconds: float = 360.0

    def backoff(self, failures: int) -> float:
        delay = self.backoff_base_seconds * 2.0 ** max(failures - 1, 0)
        return float(min(delay, self.backoff_max_seconds))


@dataclass(frozen=True)
class Decision:
    """What the controller must do for one job after one look at it."""

    status: FogJobStatus
    changed: bool
    create: tuple[PodPlan, ...]
    delete: tuple[str, ...]
    wants_placement: bool
    consumed_offer: bool
    requeue_after: float | None
    events: tuple[EventNote, ...]


def decide(
    *,
    job: FogJob,
    pods: Sequence[PodView],
    feedback: Feedback,
    now: datetime,
    settings: TrackingSettings,
    max_pending_seconds: float | None,
) -> Decision:
    """Decide the next step of ``job`` (its pods already filtered to those it owns)."""
    before = job.status or FogJobStatus()
    draft = Draft(job=job, pods=tuple(pods), now=now, status=before)
    draft.update(observed_generation=draft.generation, replicas=job.spec.replicas)
    if before.phase in ("Succeeded", "Failed"):
        if before.phase == "Failed":
            draft.delete_live_pods()
    else:
        _adopt(draft, feedback)
        if not _deadline(draft):
            last = draft.last_attempt
            if last is not None and last.outcome == "Running":
                _track(draft, last, settings)
            else:
                wait(draft, feedback, max_pending_seconds=max_pending_seconds)
    return _freeze(draft, before=job.status)


def _freeze(draft: Draft, *, before: FogJobStatus | None) -> Decision:
    soonest = min(draft.wakeups, default=None)
    requeue = None if soonest is None else max((soonest - draft.now).total_seconds(), 0.0)
    return Decision(
        status=draft.status,
        changed=draft.status != before,
        create=tuple(draft.creates),
        delete=tuple(draft.deletes),
        wants_placement=draft.wants_placement,
        consumed_offer=draft.consumed_offer,
        requeue_after=requeue,
        events=tuple(draft.events),
    )


def _adopt(draft: Draft, feedback: Feedback) -> None:
    """Pods of an attempt that status does not know: a create whose status write was lost."""
    newest = max((p.attempt for p in draft.pods), default=0)
    last = draft.last_attempt
    if newest <= (last.number if last is not None else 0):
        return
    placement = placement_of_pods(draft.pods, attempt=newest)
    if placement is None:
        return
    if last is not None and last.outcome == "Running":
        draft.replace_last_attempt(outcome="Evicted", reason="Superseded", end_time=draft.now)
    start_attempt(draft, number=newest, placement=placement)
    draft.consumed_offer = isinstance(feedback, Offer)


def _deadline(draft: Draft) -> bool:
    deadline = draft.job.spec.deadline
    if deadline is None:
        return False
    if draft.now < deadline:
        draft.wake_at(deadline)
        return False
    last = draft.last_attempt
    if last is not None and last.outcome == "Running":
        draft.replace_last_attempt(outcome="DeadlineExceeded", end_time=draft.now)
    fail(draft, "DeadlineExceeded", f"spec.deadline {deadline.isoformat()} passed")
    return True


def _track(draft: Draft, attempt: Attempt, settings: TrackingSettings) -> None:
    spec = draft.job.spec
    verdict = judge(
        draft.pods,
        attempt=attempt.number,
        replicas=spec.replicas,
        min_available=spec.min_available,
    )
    if verdict.kind == "Running":
        _running(draft, verdict)
    elif verdict.kind == "Succeeded":
        _succeeded(draft, verdict)
    else:
        _ended(draft, verdict, settings)


def _running(draft: Draft, verdict: Verdict) -> None:
    spec = draft.job.spec
    phase = "Running" if verdict.running or verdict.succeeded else "Scheduled"
    draft.update(
        phase=phase,
        ready_replicas=verdict.ready,
        ready_text=f"{verdict.ready}/{spec.replicas}",
        start_time=draft.status.start_time or (draft.now if phase == "Running" else None),
    )
    counts = f"{verdict.ready}/{spec.replicas} replicas ready (minAvailable {spec.min_available})"
    if verdict.ready >= spec.min_available:
        if draft.condition("Ready", "True", "MinAvailable", counts):
            draft.event("Normal", "Ready", counts)
    else:
        draft.condition("Ready", "False", "PodsStarting", counts)


def _succeeded(draft: Draft, verdict: Verdict) -> None:
    spec = draft.job.spec
    message = f"{verdict.succeeded}/{spec.replicas} replicas succeeded"
    draft.replace_last_attempt(outcome="Succeeded", reason="Completed", end_time=draft.now)
    _record_exit_code(draft, verdict)
    draft.update(
        phase="Succeeded",
        completion_time=draft.now,
        ready_replicas=0,
        ready_text=f"0/{spec.replicas}",
    )
    draft.condition("Ready", "False", "Completed", message)
    draft.condition("Complete", "True", "Completed", message)
    draft.event("Normal", "Completed", message)
    draft.delete_live_pods()


def _ended(draft: Draft, verdict: Verdict, settings: TrackingSettings) -> None:
    last = draft.last_attempt
    assert last is not None
    draft.replace_last_attempt(
        outcome=verdict.kind, reason=verdict.reason, message=verdict.message, end_time=draft.now
    )
    _record_exit_code(draft, verdict)
    draft.delete_live_pods(attempt=last.number)
    replicas = draft.job.spec.replicas
    draft.update(ready_replicas=0, ready_text=f"0/{replicas}")
    draft.condition("Ready", "False", verdict.kind, verdict.message)
    draft.condition("Scheduled", "False", verdict.kind, f"attempt {last.number}: {verdict.message}")
    if verdict.kind == "Failed":
        _failed_attempt(draft, last.number, verdict, settings)
    else:
        _evicted_attempt(draft, last.number, verdict)


def _record_exit_code(draft: Draft, verdict: Verdict) -> None:
    """The ending attempt's container exit code, on the attempt and as ``lastExitCode``."""
    if verdict.exit_code is not None:
        draft.replace_last_attempt(exit_code=verdict.exit_code)
        draft.update(last_exit_code=verdict.exit_code)


def _failed_attempt(
    draft: Draft, number: int, verdict: Verdict, settings: TrackingSettings
) -> None:
    failures = draft.status.failures + 1
    limit = draft.job.spec.backoff_limit
    draft.update(failures=failures)
    if failures > limit:
        message = f"attempt {number} failed ({verdict.message}); {failures} failure(s), "
        fail(draft, "BackoffLimitExceeded", message + f"spec.backoffLimit is {limit}")
        return
    delay = settings.backoff(failures)
    retry_at = draft.now + timedelta(seconds=delay)
    message = f"attempt {number} failed ({verdict.message}); retry {failures} of {limit} "
    message += f"in {delay:g}s"
    draft.update(phase="Queued", next_retry_time=retry_at, queued_time=retry_at)
    draft.condition("Queued", "True", "BackoffWaiting", message)
    draft.event("Warning", "AttemptFailed", message)
    draft.wake_at(retry_at)


def _evicted_attempt(draft: Draft, number: int, verdict: Verdict) -> None:
    evictions = draft.status.evictions + 1
    limit = draft.job.spec.eviction_limit
    draft.update(evictions=evictions)
    if evictions > limit:
        message = f"attempt {number} evicted ({verdict.message}); {evictions} eviction(s), "
        fail(draft, "EvictionLimitExceeded", message + f"spec.evictionLimit is {limit}")
        return
    message = f"attempt {number} evicted ({verdict.message}); placing it again "
    message += f"(eviction {evictions} of {limit}, not counted against backoffLimit)"
    draft.update(phase="Queued", queued_time=draft.now, next_retry_time=None)
    draft.condition("Queued", "True", "Evicted", message)
    draft.event("Warning", "Evicted", message)
    draft.wants_placement = True


__all__ = ["Decision", "Offer", "TrackingSettings", "Unplaced", "decide"]
