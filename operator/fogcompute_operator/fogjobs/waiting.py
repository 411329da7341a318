"""A job with no running attempt: queue it, hold it through its backoff, or start its attempt.

Used by ``deciding`` when the job is neither finished nor running. The scheduler's latest answer
(``Feedback``) is either a placement to start now, the reason the last round left the job out,
or nothing yet. Maximum pending time (the tier's, or ``spec.maxPendingSeconds``) counts from
``status.queuedTime``, which is reset each time the job re-enters the queue. Pure.
"""

from __future__ import annotations

from datetime import timedelta

from fogcompute_operator.fogjobs.attempts import fail, start_attempt
from fogcompute_operator.fogjobs.drafts import Draft, Feedback, Offer, Unplaced


def wait(draft: Draft, feedback: Feedback, *, max_pending_seconds: float | None) -> None:
    """One step of a waiting job; sets ``wants_placement`` when a round should consider it."""
    status = draft.status
    if status.phase is None:
        draft.update(phase="Queued", queued_time=draft.now)
        message = f"waiting for the next scheduling round (tier {draft.job.spec.tier})"
        draft.condition("Queued", "True", "Queued", message)
        draft.event("Normal", "Queued", message)
    if status.next_retry_time is not None and draft.now < status.next_retry_time:
        draft.wake_at(status.next_retry_time)
        return
    if _pending_too_long(draft, max_pending_seconds):
        return
    draft.wants_placement = True
    if isinstance(feedback, Offer):
        last = draft.last_attempt
        number = (last.number if last is not None else 0) + 1
        start_attempt(draft, number=number, placement=feedback.placement)
        draft.consumed_offer = True
        draft.wants_placement = False
    elif isinstance(feedback, Unplaced):
        _unplaced(draft, feedback)
    elif status.next_retry_time is not None:
        draft.update(next_retry_time=None)
        draft.condition("Queued", "True", "Queued", "backoff over; waiting for a scheduling round")


def _pending_too_long(draft: Draft, limit: float | None) -> bool:
    queued = draft.status.queued_time
    if limit is None or queued is None:
        return False
    expires = queued + timedelta(seconds=limit)
    if draft.now < expires:
        draft.wake_at(expires)
        return False
    message = f"not placed within {limit:g}s of being queued (maximum pending time)"
    if draft.status.pending_reason:
        message += f"; last reason: {draft.status.pending_reason}"
    fail(draft, "PendingTimeout", message)
    return True


def _unplaced(draft: Draft, feedback: Unplaced) -> None:
    changed = feedback.message != draft.status.pending_reason
    draft.update(
        phase="Pending",
        pending_reason=feedback.message[:1024],
        exclusions=tuple(feedback.exclusions)[:64],
    )
    draft.condition("Queued", "True", feedback.reason, feedback.message)
    if changed:
        draft.event("Warning", "FailedScheduling", feedback.message)
