"""The container's exit code in a FogJob's status: read from the pod, kept per attempt and as
``status.lastExitCode``, never invented when the pod reports none."""

from __future__ import annotations

from typing import Any

import pytest
from fogcompute_api.fogjobs import FogJob
from fogcompute_api.kinds import resource_kind
from fogcompute_operator.fogjobs import Decision, Offer, TrackingSettings, decide, parse_pod
from fogcompute_operator.fogjobs.views import exit_code_of
from fogjob_builders import at, make_fogjob, placement, pod_body

SETTINGS = TrackingSettings(backoff_base_seconds=10, backoff_max_seconds=25)


def terminated(*codes: Any, reason: str = "Error") -> dict[str, Any]:
    """A pod status whose containers ended with ``codes`` (one container per code)."""
    return {
        "containerStatuses": [
            {"name": f"c{i}", "state": {"terminated": {"exitCode": code, "reason": reason}}}
            for i, code in enumerate(codes)
        ]
    }


def ended_pod(attempt: int, phase: str, *codes: Any, node: str = "fog-0") -> dict[str, Any]:
    body = pod_body("a", attempt=attempt, replica=0, phase=phase, node=node)
    body["status"].update(
        terminated(*codes, reason="Completed" if phase == "Succeeded" else "Error")
    )
    return body


def step(
    job: FogJob, *, now: float, pods: list[dict[str, Any]], offer: Any = None
) -> tuple[FogJob, Decision]:
    views = [v for v in (parse_pod(p) for p in pods) if v is not None]
    decision = decide(
        job=job,
        pods=views,
        feedback=offer,
        now=at(now),
        settings=SETTINGS,
        max_pending_seconds=None,
    )
    return job.model_copy(update={"status": decision.status}), decision


def placed(job: FogJob, node: str = "fog-0") -> FogJob:
    job, _ = step(job, now=0, pods=[])
    job, _ = step(job, now=1, pods=[], offer=Offer(placement(node)))
    return job


@pytest.mark.parametrize(
    ("status", "code"),
    [
        ({}, None),
        ({"containerStatuses": [{"name": "c", "state": {"running": {}}}]}, None),
        (terminated(0), 0),
        (terminated(1), 1),
        (terminated(0, 137), 137),  # the first non-zero one names the failure
        (terminated(2, 3), 2),
        (terminated("1"), None),  # not an integer: left out
        (terminated(True), None),
        (terminated(2**40), None),  # outside int32: left out, never a crash
    ],
    ids=[
        "no-statuses",
        "running",
        "clean",
        "one",
        "first-non-zero",
        "first-of-two",
        "string",
        "bool",
        "huge",
    ],
)
def test_exit_code_of_reads_state_terminated(status: dict[str, Any], code: int | None) -> None:
    assert exit_code_of(status) == code


def test_a_failed_attempt_records_the_exit_code_and_the_job_fails_with_it() -> None:
    job = placed(make_fogjob("a").spec(backoffLimit=1).build())
    pods = [ended_pod(1, "Failed", 1)]
    job, _ = step(job, now=2, pods=pods)
    assert job.status is not None
    assert (job.status.phase, job.status.failures) == ("Queued", 1)
    first = job.status.attempts[0]
    assert (first.outcome, first.exit_code) == ("Failed", 1)
    assert "exited with code 1" in first.message  # the message still says it, for people
    assert job.status.last_exit_code == 1
    job, _ = step(job, now=12, pods=pods, offer=Offer(placement("fog-1")))
    assert job.status is not None
    assert job.status.attempts[-1].exit_code is None  # running: no exit yet
    pods.append(ended_pod(2, "Failed", 1, node="fog-1"))
    job, _ = step(job, now=13, pods=pods)
    assert job.status is not None
    assert (job.status.phase, job.status.failures) == ("Failed", 2)
    assert [a.exit_code for a in job.status.attempts] == [1, 1]
    assert job.status.last_exit_code == 1
    dumped = job.status.model_dump(by_alias=True, exclude_none=True)
    assert dumped["lastExitCode"] == 1
    assert [a["exitCode"] for a in dumped["attempts"]] == [1, 1]
    _, again = step(job, now=14, pods=pods)
    assert not again.changed  # idempotent


def test_a_retry_that_succeeds_leaves_last_exit_code_zero() -> None:
    job = placed(make_fogjob("a").spec(backoffLimit=1).build())
    pods = [ended_pod(1, "Failed", 3)]
    job, _ = step(job, now=2, pods=pods)
    job, _ = step(job, now=12, pods=pods, offer=Offer(placement("fog-1")))
    pods.append(ended_pod(2, "Succeeded", 0, node="fog-1"))
    job, _ = step(job, now=20, pods=pods)
    assert job.status is not None
    assert job.status.phase == "Succeeded"
    assert [(a.outcome, a.exit_code) for a in job.status.attempts] == [
        ("Failed", 3),
        ("Succeeded", 0),
    ]
    assert job.status.last_exit_code == 0


def test_an_eviction_that_killed_the_container_records_its_code() -> None:
    job = placed(make_fogjob("a").spec(evictionLimit=2).build())
    pod = ended_pod(1, "Failed", 137)
    pod["status"]["reason"] = "Evicted"
    job, _ = step(job, now=2, pods=[pod])
    assert job.status is not None
    assert (job.status.phase, job.status.evictions) == ("Queued", 1)
    assert (job.status.attempts[0].outcome, job.status.attempts[0].exit_code) == ("Evicted", 137)


@pytest.mark.parametrize("phase", ["Failed", "Succeeded"])
def test_a_pod_without_container_statuses_records_no_exit_code(phase: str) -> None:
    job = placed(make_fogjob("a").build())
    job, _ = step(job, now=2, pods=[pod_body("a", attempt=1, replica=0, phase=phase)])
    assert job.status is not None
    assert job.status.attempts[0].outcome == phase
    assert job.status.attempts[0].exit_code is None
    assert job.status.last_exit_code is None
    assert "lastExitCode" not in job.status.model_dump(by_alias=True, exclude_none=True)


def test_the_exit_code_is_a_wide_printer_column_and_an_integer_in_the_schema() -> None:
    kind = resource_kind("FogJob")
    columns = {c.name: c for c in kind.printer_columns}
    column = columns["Exit Code"]
    assert (column.json_path, column.type, column.priority) == (
        ".status.lastExitCode",
        "integer",
        1,
    )
    schema = kind.status_model.model_json_schema(by_alias=True)
    assert "lastExitCode" in schema["properties"]
