"""The FogJob lifecycle against the real control plane, with the operator as a real process.

Each test applies FogJobs in its own namespace and asserts on what the API server holds:
status, conditions, Events and pods (kwok runs them on the fake nodes; the annotation
``fogcompute.io/kwok-outcome`` on the FogJob, copied onto its pods, decides how they end).
Evictions are simulated the way the kubelet reports them: the pod's status is set to
``Failed`` with reason ``Evicted`` through the status subresource.
"""

from __future__ import annotations

import itertools
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from operator_cluster import Cluster, condition, fogjob

ROUND_SECONDS = 0.5


def phase(job: dict[str, Any]) -> str | None:
    return (job.get("status") or {}).get("phase")


def pods_by_attempt(cluster: Cluster, name: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for pod in cluster.pods(name):
        attempt = pod["metadata"]["labels"]["fogcompute.io/attempt"]
        found.setdefault(attempt, []).append(pod["metadata"]["name"])
    return found


def running_pods(cluster: Cluster, name: str, count: int) -> list[dict[str, Any]]:
    def probe() -> tuple[list[dict[str, Any]] | None, Any]:
        pods = [p for p in cluster.pods(name) if p["status"].get("phase") == "Running"]
        return (pods if len(pods) >= count else None), [p["metadata"]["name"] for p in pods]

    return cluster.wait_for(f"{count} Running pod(s) of {name}", probe)


def evict(cluster: Cluster, pod: str) -> None:
    patch = {"status": {"phase": "Failed", "reason": "Evicted", "message": "not harvestable"}}
    cluster.kubectl(
        "patch",
        "pod",
        pod,
        "-n",
        cluster.namespace,
        "--subresource=status",
        "--type=merge",
        "-p",
        json.dumps(patch),
    )


def test_success_queued_placed_running_ready_succeeded(cluster: Cluster) -> None:
    cluster.apply(fogjob("ok", replicas=2, minAvailable=2, outcome="Succeeded", delay="4s"))

    # Queued (condition + Event), then placed: pods on the nodes the placement names.
    job = cluster.wait_job("ok", "Queued condition", lambda j: condition(j, "Queued") is not None)
    queued = condition(job, "Queued")
    assert queued is not None
    assert queued["observedGeneration"] == job["metadata"]["generation"]
    job = cluster.wait_job(
        "ok", "Ready=True", lambda j: (condition(j, "Ready") or {}).get("status") == "True"
    )
    status = job["status"]
    assert status["readyReplicas"] == 2
    assert status["readyText"] == "2/2"
    assert status["phase"] == "Running"
    assignments = status["placement"]["assignments"]
    assert [a["replica"] for a in assignments] == [0, 1]
    assert status["placement"]["frontSize"] >= 1
    assert status["placement"]["algorithm"]
    pods = cluster.pods("ok")
    assert [p["metadata"]["name"] for p in pods] == ["ok-1-0", "ok-1-1"]
    for pod, assignment in zip(pods, assignments, strict=True):
        assert pod["spec"]["nodeName"] == assignment["node"]
        (owner,) = pod["metadata"]["ownerReferences"]
        assert owner["kind"] == "FogJob"
        assert owner["uid"] == job["metadata"]["uid"]
        assert owner["controller"] is True
        assert owner["blockOwnerDeletion"] is True
        assert pod["metadata"]["labels"]["fogcompute.io/tier"] == "bronze"
        assert pod["spec"]["restartPolicy"] == "Never"
        resources = pod["spec"]["containers"][0]["resources"]
        assert resources["requests"] == {"cpu": "500m", "memory": "64Mi"}
        assert resources["limits"] == resources["requests"]
    assert status["nodesText"] == ",".join(a["node"] for a in assignments)

    # All pods succeed: Succeeded, completion time, Complete condition; Events tell the story.
    job = cluster.wait_job("ok", "phase Succeeded", lambda j: phase(j) == "Succeeded")
    status = job["status"]
    assert status["completionTime"]
    assert status["startTime"]
    complete = condition(job, "Complete")
    assert complete is not None
    assert complete["status"] == "True"
    assert [a["outcome"] for a in status["attempts"]] == ["Succeeded"]
    assert [a.get("exitCode") for a in status["attempts"]] == [0]
    assert status["failures"] == 0
    reasons = cluster.event_reasons("ok")
    for reason in ("Queued", "Scheduled", "Ready", "Completed"):
        assert reason in reasons, reasons
    assert reasons.index("Queued") < reasons.index("Scheduled") < reasons.index("Completed")


def test_failed_pods_are_retried_with_backoff_up_to_backoff_limit(cluster: Cluster) -> None:
    cluster.apply(fogjob("bad", backoffLimit=2, outcome="Failed"))
    job = cluster.wait_job("bad", "phase Failed", lambda j: phase(j) == "Failed", timeout=90)
    status = job["status"]
    failed = condition(job, "Failed")
    assert failed is not None, failed
    assert failed["reason"] == "BackoffLimitExceeded", failed
    assert "backoffLimit is 2" in failed["message"]
    assert status["failures"] == 3
    assert [a["outcome"] for a in status["attempts"]] == ["Failed"] * 3
    assert [a["number"] for a in status["attempts"]] == [1, 2, 3]
    # kwok's failing stage ends the container with exit code 1: kept as structured status.
    assert [a["exitCode"] for a in status["attempts"]] == [1, 1, 1]
    assert status["lastExitCode"] == 1
    # The backoff doubled: each retry started no earlier than base * 2**(n-1) after the failure.
    attempts = status["attempts"]
    for n, (ended, started) in enumerate(itertools.pairwise(attempts), start=1):
        gap = _time(started["startTime"]) - _time(ended["endTime"])
        assert gap >= timedelta(seconds=0.5 * 2 ** (n - 1) - 0.01), (n, ended, started)
    assert pods_by_attempt(cluster, "bad") == {"1": ["bad-1-0"], "2": ["bad-2-0"], "3": ["bad-3-0"]}
    assert cluster.event_reasons("bad").count("AttemptFailed") == 2


def test_evicted_pods_are_placed_again_without_counting_failures(cluster: Cluster) -> None:
    cluster.apply(fogjob("ev", backoffLimit=0, evictionLimit=1))
    (pod,) = running_pods(cluster, "ev", 1)
    evict(cluster, pod["metadata"]["name"])

    def second_attempt(j: dict[str, Any]) -> bool:
        attempts = (j.get("status") or {}).get("attempts") or []
        return len(attempts) == 2 and attempts[1]["outcome"] == "Running"

    job = cluster.wait_job("ev", "a second attempt after the eviction", second_attempt)
    status = job["status"]
    assert status["evictions"] == 1
    assert status["failures"] == 0
    assert status["attempts"][0]["outcome"] == "Evicted"
    assert status["attempts"][0]["reason"] == "Evicted"
    (pod,) = [p for p in running_pods(cluster, "ev", 1) if p["metadata"]["name"] == "ev-2-0"]
    assert "Evicted" in cluster.event_reasons("ev")

    # A second eviction passes evictionLimit=1: the job fails, not before.
    evict(cluster, pod["metadata"]["name"])
    job = cluster.wait_job("ev", "phase Failed", lambda j: phase(j) == "Failed")
    failed = condition(job, "Failed")
    assert failed is not None, failed
    assert failed["reason"] == "EvictionLimitExceeded", failed
    assert job["status"]["failures"] == 0
    assert job["status"]["evictions"] == 2


def test_deadline_fails_the_job_and_removes_its_pods(cluster: Cluster) -> None:
    deadline = datetime.now(UTC) + timedelta(seconds=8)
    cluster.apply(fogjob("late", replicas=2, estimatedSeconds=1, deadline=_stamp(deadline)))
    running_pods(cluster, "late", 2)
    job = cluster.wait_job("late", "phase Failed", lambda j: phase(j) == "Failed")
    failed = condition(job, "Failed")
    assert failed is not None, failed
    assert failed["reason"] == "DeadlineExceeded", failed
    assert job["status"]["attempts"][-1]["outcome"] == "DeadlineExceeded"
    cluster.wait_for("the pods of late to be removed", lambda: _none_left(cluster, "late"))


def test_deleting_the_job_garbage_collects_its_pods(cluster: Cluster) -> None:
    cluster.apply(fogjob("gone", replicas=3, minAvailable=1))
    running_pods(cluster, "gone", 3)
    cluster.kubectl("delete", "fogjob", "gone", "-n", cluster.namespace, "--wait=false")
    cluster.wait_for(
        "kube-controller-manager to delete the pods", lambda: _none_left(cluster, "gone")
    )


def test_a_job_too_big_for_every_node_stays_pending_with_the_reason(cluster: Cluster) -> None:
    cluster.apply(fogjob("huge", resources={"cpu": "64", "memory": "64Mi"}))

    def pending(j: dict[str, Any]) -> bool:
        return phase(j) == "Pending" and bool(j["status"].get("pendingReason"))

    job = cluster.wait_job("huge", "phase Pending with a reason", pending)
    reason = job["status"]["pendingReason"]
    assert "Insufficient cpu" in reason, reason
    assert "fog-0" in reason, reason
    excluded = {e["node"]: e["reason"] for e in job["status"]["exclusions"]}
    assert excluded["fog-0"] == "InsufficientCpu", excluded
    queued = condition(job, "Queued")
    assert queued is not None
    assert queued["status"] == "True"
    assert queued["reason"] == "Unschedulable", queued
    assert "FailedScheduling" in cluster.event_reasons("huge")
    time.sleep(4 * ROUND_SECONDS)  # several more rounds: still nothing created
    assert phase(cluster.job("huge")) == "Pending"
    assert cluster.pods("huge") == []


def test_spec_changes_after_placement(cluster: Cluster) -> None:
    deadline = datetime.now(UTC) + timedelta(seconds=5)
    cluster.apply(fogjob("edit", estimatedSeconds=1, deadline=_stamp(deadline)))
    running_pods(cluster, "edit", 1)
    # Immutable fields are refused by the API server (CEL), with the field named.
    refused = cluster.kubectl(
        "patch",
        "fogjob",
        "edit",
        "-n",
        cluster.namespace,
        "--type=merge",
        "-p",
        '{"spec": {"replicas": 2}}',
        check=False,
    )
    assert refused.returncode != 0
    assert "spec.replicas is immutable" in refused.stderr
    # The deadline may move later, and the controller honours the new one.
    later = _stamp(datetime.now(UTC) + timedelta(hours=1))
    cluster.kubectl(
        "patch",
        "fogjob",
        "edit",
        "-n",
        cluster.namespace,
        "--type=merge",
        "-p",
        json.dumps({"spec": {"deadline": later, "backoffLimit": 5}}),
    )
    time.sleep(max((deadline - datetime.now(UTC)).total_seconds(), 0) + 4 * ROUND_SECONDS)
    job = cluster.job("edit")
    assert phase(job) == "Running", job.get("status")
    assert job["status"]["observedGeneration"] == job["metadata"]["generation"] == 2


def test_operator_killed_mid_round_loses_nothing_and_duplicates_no_pod(cluster: Cluster) -> None:
    names = [f"k{i}" for i in range(6)]
    for name in names:
        cluster.apply(fogjob(name, replicas=2, minAvailable=2))

    def any_pod() -> tuple[bool | None, Any]:
        result = cluster.kubectl("get", "pods", "-n", cluster.namespace, "-o", "name")
        found = result.stdout.split()
        return (True if found else None), found

    cluster.wait_for("the first pod of the batch", any_pod)
    cluster.operator.kill()  # SIGKILL while the round's admissions are under way
    cluster.operator.start()
    for name in names:
        cluster.wait_job(
            name, "Ready=True", lambda j: (condition(j, "Ready") or {}).get("status") == "True"
        )
    for name in names:
        job = cluster.job(name)
        assert [a["number"] for a in job["status"]["attempts"]] == [1], job["status"]
        assert pods_by_attempt(cluster, name) == {"1": [f"{name}-1-0", f"{name}-1-1"]}
    result = cluster.kubectl("get", "pods", "-n", cluster.namespace, "-o", "name")
    assert len(result.stdout.split()) == 2 * len(names)


def _none_left(cluster: Cluster, name: str) -> tuple[bool | None, Any]:
    pods = cluster.pods(name)
    return (True if not pods else None), [p["metadata"]["name"] for p in pods]


def _stamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
