"""The pure lifecycle: each branch of ``decide`` with a fake clock, and its idempotence."""

from __future__ import annotations

from typing import Any

import pytest
from fogcompute_api.fogjobs import FogJob
from fogcompute_operator.fogjobs import (
    Decision,
    Feedback,
    Offer,
    TrackingSettings,
    Unplaced,
    decide,
    judge,
    parse_pod,
)
from fogjob_builders import at, make_fogjob, placement, pod_body

SETTINGS = TrackingSettings(backoff_base_seconds=10, backoff_max_seconds=25)


def step(
    job: FogJob,
    *,
    now: float,
    pods: list[dict[str, Any]] = (),  # type: ignore[assignment]
    feedback: Feedback = None,
    max_pending: float | None = None,
) -> tuple[FogJob, Decision]:
    views = [v for v in (parse_pod(p) for p in pods) if v is not None]
    decision = decide(
        job=job,
        pods=views,
        feedback=feedback,
        now=at(now),
        settings=SETTINGS,
        max_pending_seconds=max_pending,
    )
    return job.model_copy(update={"status": decision.status}), decision


def cond(job: FogJob, type_: str) -> tuple[str, str] | None:
    assert job.status is not None
    found = next((c for c in job.status.conditions if c.type == type_), None)
    return None if found is None else (found.status, found.reason)


def placed(job: FogJob, *nodes: str, now: float = 1) -> FogJob:
    job, _ = step(job, now=0)
    job, _ = step(job, now=now, feedback=Offer(placement(*nodes)))
    return job


def test_new_job_is_queued_with_condition_event_and_a_wish_to_be_placed() -> None:
    job, decision = step(make_fogjob("a").build(), now=0)
    assert job.status is not None
    assert job.status.phase == "Queued"
    assert job.status.observed_generation == 1
    assert job.status.queued_time == at(0)
    assert cond(job, "Queued") == ("True", "Queued")
    assert [e.reason for e in decision.events] == ["Queued"]
    assert decision.wants_placement
    assert decision.changed
    assert decision.create == ()


def test_deciding_again_on_the_same_facts_changes_nothing() -> None:
    job, _ = step(make_fogjob("a").build(), now=0)
    _, again = step(job, now=5)
    assert not again.changed
    assert again.events == ()
    assert again.wants_placement


def test_an_offer_starts_attempt_one_with_one_pod_per_replica() -> None:
    job, _ = step(make_fogjob("a").replicas(3).build(), now=0)
    job, decision = step(job, now=1, feedback=Offer(placement("fog-0", "fog-1", "edge-0")))
    assert [(p.attempt, p.replica, p.node) for p in decision.create] == [
        (1, 0, "fog-0"),
        (1, 1, "fog-1"),
        (1, 2, "edge-0"),
    ]
    assert decision.consumed_offer
    assert not decision.wants_placement
    assert job.status is not None
    assert job.status.phase == "Scheduled"
    assert job.status.nodes_text == "fog-0,fog-1,edge-0"
    assert job.status.ready_text == "0/3"
    assert job.status.attempts[0].outcome == "Running"
    assert cond(job, "Scheduled") == ("True", "Placed")
    assert cond(job, "Queued") == ("False", "Admitted")
    assert [e.reason for e in decision.events] == ["Scheduled"]


def test_running_pods_make_the_job_ready_then_succeeded() -> None:
    job = placed(make_fogjob("a").replicas(2, min_available=2).build(), "fog-0", "fog-1")
    one = [pod_body("a", attempt=1, replica=0), pod_body("a", attempt=1, replica=1, ready=False)]
    job, decision = step(job, now=2, pods=one)
    assert job.status is not None
    assert job.status.phase == "Running"
    assert job.status.start_time == at(2)
    assert job.status.ready_text == "1/2"
    assert cond(job, "Ready") == ("False", "PodsStarting")
    both = [pod_body("a", attempt=1, replica=r) for r in (0, 1)]
    job, decision = step(job, now=3, pods=both)
    assert cond(job, "Ready") == ("True", "MinAvailable")
    assert [e.reason for e in decision.events] == ["Ready"]
    done = [pod_body("a", attempt=1, replica=r, phase="Succeeded") for r in (0, 1)]
    job, decision = step(job, now=9, pods=done)
    assert job.status is not None
    assert job.status.phase == "Succeeded"
    assert job.status.completion_time == at(9)
    assert cond(job, "Complete") == ("True", "Completed")
    assert job.status.attempts[-1].outcome == "Succeeded"
    assert decision.requeue_after is None


def test_failures_back_off_exponentially_then_fail_past_backoff_limit() -> None:
    job = placed(make_fogjob("a").spec(backoffLimit=2).build(), "fog-0")
    failed = [pod_body("a", attempt=1, replica=0, phase="Failed")]
    job, decision = step(job, now=2, pods=failed)
    assert job.status is not None
    assert (job.status.phase, job.status.failures) == ("Queued", 1)
    assert job.status.next_retry_time == at(12)
    assert decision.requeue_after == pytest.approx(10)
    assert not decision.wants_placement
    assert cond(job, "Queued") == ("True", "BackoffWaiting")
    assert job.status.attempts[0].reason == "PodFailed"  # no container status to name it
    _, early = step(job, now=11, pods=failed)
    assert not early.wants_placement
    job, due = step(job, now=12, pods=failed, feedback=Offer(placement("fog-1")))
    assert [(p.attempt, p.node) for p in due.create] == [(2, "fog-1")]
    failed.append(pod_body("a", attempt=2, replica=0, node="fog-1", phase="Failed"))
    job, decision = step(job, now=13, pods=failed)
    assert decision.requeue_after == pytest.approx(20)  # doubled
    job, _ = step(job, now=33, pods=failed, feedback=Offer(placement("fog-2")))
    failed.append(pod_body("a", attempt=3, replica=0, node="fog-2", phase="Failed"))
    job, decision = step(job, now=34, pods=failed)
    assert job.status is not None
    assert (job.status.phase, job.status.failures) == ("Failed", 3)
    assert cond(job, "Failed") == ("True", "BackoffLimitExceeded")
    assert [e.reason for e in decision.events] == ["BackoffLimitExceeded"]
    assert SETTINGS.backoff(3) == 25  # capped


@pytest.mark.parametrize(
    ("backoff_limit", "phase"), [(0, "Failed"), (1, "Queued")], ids=["limit-0", "raised-to-1"]
)
def test_backoff_limit_is_read_afresh_from_the_spec(backoff_limit: int, phase: str) -> None:
    job = placed(make_fogjob("a").spec(backoffLimit=0).build(), "fog-0")
    job = job.model_copy(
        update={"spec": job.spec.model_copy(update={"backoff_limit": backoff_limit})}
    )
    job, _ = step(job, now=2, pods=[pod_body("a", attempt=1, replica=0, phase="Failed")])
    assert job.status is not None
    assert job.status.phase == phase


@pytest.mark.parametrize(
    "pod",
    [
        pod_body("a", attempt=1, replica=0, phase="Failed", reason="Evicted"),
        pod_body(
            "a",
            attempt=1,
            replica=0,
            conditions=(
                {"type": "DisruptionTarget", "status": "True", "reason": "EvictionByEvictionAPI"},
            ),
        ),
        pod_body("a", attempt=1, replica=0, deleting=True),
        None,  # the pod is gone
    ],
    ids=["reason-evicted", "disruption-target", "being-deleted", "deleted"],
)
def test_evictions_are_placed_again_without_counting_as_failures(pod: Any) -> None:
    job = placed(make_fogjob("a").spec(backoffLimit=0, evictionLimit=1).build(), "fog-0")
    pods = [] if pod is None else [pod]
    job, decision = step(job, now=2, pods=pods)
    assert job.status is not None
    assert (job.status.phase, job.status.evictions, job.status.failures) == ("Queued", 1, 0)
    assert decision.wants_placement
    assert job.status.attempts[0].outcome == "Evicted"
    assert cond(job, "Queued") == ("True", "Evicted")
    job, _ = step(job, now=3, pods=pods, feedback=Offer(placement("fog-1")))
    job, _ = step(
        job,
        now=4,
        pods=[*pods, pod_body("a", attempt=2, replica=0, phase="Failed", reason="Evicted")],
    )
    assert job.status is not None
    assert job.status.phase == "Failed"
    assert cond(job, "Failed") == ("True", "EvictionLimitExceeded")


def test_the_deadline_fails_the_job_and_deletes_its_pods() -> None:
    job = make_fogjob("a").spec(deadline="2030-01-01T00:01:00Z").replicas(2).build()
    job = placed(job, "fog-0", "fog-1")
    pods = [pod_body("a", attempt=1, replica=r) for r in (0, 1)]
    job, decision = step(job, now=30, pods=pods)
    assert decision.requeue_after == pytest.approx(30)
    job, decision = step(job, now=60, pods=pods)
    assert job.status is not None
    assert job.status.phase == "Failed"
    assert cond(job, "Failed") == ("True", "DeadlineExceeded")
    assert job.status.attempts[-1].outcome == "DeadlineExceeded"
    assert sorted(decision.delete) == ["a-1-0", "a-1-1"]
    _, again = step(job, now=61, pods=pods)
    assert sorted(again.delete) == ["a-1-0", "a-1-1"]  # still there: delete again, idempotent
    assert not again.changed


def test_unplaced_feedback_makes_the_job_pending_with_one_event_per_reason() -> None:
    job, _ = step(make_fogjob("a").build(), now=0)
    why = Unplaced("Unschedulable", "0/2 nodes can run a pod of ns/a: 2 Insufficient cpu (n1, n2).")
    job, decision = step(job, now=1, feedback=why)
    assert job.status is not None
    assert job.status.phase == "Pending"
    assert job.status.pending_reason == why.message
    assert cond(job, "Queued") == ("True", "Unschedulable")
    assert [e.reason for e in decision.events] == ["FailedScheduling"]
    assert decision.wants_placement
    _, again = step(job, now=2, feedback=why)
    assert again.events == ()
    assert not again.changed


def test_pending_longer_than_the_maximum_fails_the_job() -> None:
    job, _ = step(make_fogjob("a").build(), now=0, max_pending=30)
    _, waiting = step(job, now=10, max_pending=30)
    assert waiting.requeue_after == pytest.approx(20)
    job, decision = step(job, now=30, max_pending=30)
    assert cond(job, "Failed") == ("True", "PendingTimeout")
    assert not decision.wants_placement


def test_pods_a_lost_status_write_left_behind_are_adopted_not_placed_again() -> None:
    job, _ = step(make_fogjob("a").replicas(2).build(), now=0)
    where = placement("fog-0", "fog-1")
    # Crash after the first create: status knows nothing of attempt 1.
    job, decision = step(job, now=5, pods=[pod_body("a", attempt=1, replica=0, placed=where)])
    assert [(p.attempt, p.replica, p.node) for p in decision.create] == [(1, 1, "fog-1")]
    assert not decision.wants_placement
    assert job.status is not None
    assert [a.number for a in job.status.attempts] == [1]
    assert job.status.placement is not None
    assert job.status.placement.front_size == 7


def test_judge_tolerates_losing_replicas_beyond_min_available() -> None:
    pods = [
        parse_pod(pod_body("a", attempt=1, replica=0)),
        parse_pod(pod_body("a", attempt=1, replica=1, phase="Failed")),
        parse_pod(pod_body("a", attempt=1, replica=2, phase="Failed", reason="Evicted")),
    ]
    views = [p for p in pods if p is not None]
    assert judge(views, attempt=1, replicas=3, min_available=1).kind == "Running"
    assert judge(views, attempt=1, replicas=3, min_available=2).kind == "Evicted"
    assert judge(views, attempt=1, replicas=3, min_available=3).kind == "Failed"
