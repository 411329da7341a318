"""The controller's pure edges (conversions, snapshots, pod views) and its keyed work queue."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fogcompute_operator import scheduling
from fogcompute_operator.controlling import WorkQueue
from fogcompute_operator.fogjobs import api_placement, job_request, parse_pod, unplaced
from fogcompute_operator.scheduling.snapshots import Usage, node_snapshots
from fogjob_builders import at, make_fogjob, pod_body


@pytest.mark.parametrize(("total", "beyond"), [(1, 0), (3, 2), (16, 15)])
def test_api_replicas_count_every_pod_the_library_counts_beyond_the_primary(
    total: int, beyond: int
) -> None:
    job = make_fogjob("a").replicas(total).build()
    request = job_request(job, now=at(0))
    assert request.replicas == beyond
    assert request.pod_count == total


def test_job_request_reads_quantities_deadline_and_estimate() -> None:
    job = (
        make_fogjob("a")
        .spec(
            resources={"cpu": "1500m", "memory": "1Gi", "gpu": 2},
            deadline="2030-01-01T00:02:00Z",
            estimatedSeconds=30,
            nodeSelector={"zone": "a"},
        )
        .build()
    )
    request = job_request(job, now=at(20))
    assert (request.cpu_millis, request.memory_bytes, request.gpu) == (1500, 1 << 30, 2)
    assert request.seconds_to_deadline == pytest.approx(100)
    assert request.estimated_seconds == 30
    assert request.name == "ns/a"
    assert request.uid == "uid-a"
    assert dict(request.node_selector) == {"zone": "a"}


def _record(**objectives: float) -> scheduling.PlacementRecord:
    return scheduling.PlacementRecord(
        objectives=objectives,
        batch_objectives=objectives,
        front_size=5,
        hypervolume=0.5,
        optimiser_seconds=0.2,
        seed=2**60 + 3,
        algorithm="NSGA-III",
        generations=10,
        stopped_by="time",
        chosen_by="asf",
        alternatives=(scheduling.Alternative(nodes=("n2", "n1"), objectives=objectives),),
    )


def test_api_placement_names_roles_harvested_nodes_and_objectives() -> None:
    record = _record(latency=5.0, energy=7.0, cost=0.5, makespan=60.0, unreliability=0.1)
    library = scheduling.Placement(
        job="ns/a", uid="u", tier="gold", nodes=("n1", "n2"), record=record
    )
    result = api_placement(library, harvested={"n2"}, scheduling_round=4, now=at(1))
    assert [(a.replica, a.node, a.role, a.harvested) for a in result.assignments] == [
        (0, "n1", "Primary", False),
        (1, "n2", "Replica", True),
    ]
    assert result.algorithm == "NSGA3"
    assert result.objectives.reliability == pytest.approx(0.9)
    assert result.objectives.makespan_seconds == 60.0
    assert result.seed <= 2**53 - 1
    assert result.scheduling_round == 4
    assert result.alternatives[0].nodes == ("n2", "n1")


def test_unplaced_gives_camel_case_reasons_per_node() -> None:
    pending = scheduling.PendingJob(
        job="ns/a",
        uid="u",
        tier="gold",
        reason="Unschedulable",
        message="0/1 nodes ...",
        exclusions=(scheduling.Exclusion("fog-0", scheduling.ExclusionKind.INSUFFICIENT_CPU),),
    )
    answer = unplaced(pending)
    assert answer.reason == "Unschedulable"
    assert [(e.node, e.reason, e.message) for e in answer.exclusions] == [
        ("fog-0", "InsufficientCpu", "Insufficient cpu")
    ]


def _node(name: str, *, cpu: str = "8", labels: dict[str, str] | None = None, **spec: Any) -> Any:
    return {
        "metadata": {"name": name, "labels": labels or {}},
        "spec": spec,
        "status": {"allocatable": {"cpu": cpu, "memory": "32Gi"}},
    }


def test_snapshots_subtract_bound_pods_and_reservations_and_read_edge_devices() -> None:
    nodes = [
        _node("fog-0"),
        _node("fog-1", unschedulable=True),
        _node("edge-0", cpu="4", labels={"fogcompute.io/edge": "true"}),
        _node("edge-1", cpu="4", labels={"fogcompute.io/edge": "true"}),
    ]
    pod = {
        "spec": {
            "nodeName": "fog-0",
            "containers": [{"resources": {"requests": {"cpu": "1", "memory": "1Gi"}}}],
        }
    }
    device = {
        "spec": {"nodeName": "edge-1"},
        "status": {
            "harvestable": True,
            "latencyMs": 3,
            "reliability": 0.8,
            "pricePerCpuSecond": "2",
        },
    }
    snaps = {
        s.name: s
        for s in node_snapshots(
            nodes=nodes, devices=[device], pods=[pod], reserved={"fog-0": Usage(500, 0, 0)}
        )
    }
    assert snaps["fog-0"].cpu_millis == 8000 - 1000 - 500
    assert snaps["fog-0"].memory_bytes == 31 << 30
    assert snaps["fog-0"].edge is None
    assert [str(t) for t in snaps["fog-1"].taints] == [
        "node.kubernetes.io/unschedulable:NoSchedule"
    ]
    assert snaps["edge-0"].edge == scheduling.EdgeReadings(False, "NoReport")
    edge = snaps["edge-1"]
    assert edge.edge is not None
    assert edge.edge.harvestable
    assert (edge.latency_ms, edge.reliability, edge.price_per_cpu_second) == (3.0, 0.8, 2.0)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (pod_body("a", attempt=1, replica=0), ("Running", True, False)),
        (pod_body("a", attempt=1, replica=0, ready=False), ("Running", False, False)),
        (pod_body("a", attempt=1, replica=0, phase="Failed"), ("Failed", False, False)),
        (
            pod_body("a", attempt=1, replica=0, phase="Failed", reason="Evicted"),
            ("Failed", False, True),
        ),
        (pod_body("a", attempt=1, replica=0, phase="Succeeded"), ("Succeeded", False, False)),
    ],
    ids=["ready", "not-ready", "failed", "evicted", "succeeded"],
)
def test_pod_views(body: dict[str, Any], expected: tuple[str, bool, bool]) -> None:
    view = parse_pod(body)
    assert view is not None
    assert (view.phase, view.ready, view.evicted) == expected


def test_a_pod_without_our_labels_has_no_view() -> None:
    assert parse_pod({"metadata": {"name": "x", "labels": {}}}) is None


async def test_work_queue_dedups_and_never_hands_one_key_to_two_workers() -> None:
    depths: list[int] = []
    queue = WorkQueue(on_depth=depths.append)
    queue.add("ns/a")
    queue.add("ns/a")
    queue.add("ns/b")
    assert len(queue) == 2
    first = await queue.get()
    assert first == "ns/a"
    queue.add("ns/a")  # while a worker holds it: not handed out again yet
    assert await queue.get() == "ns/b"
    assert len(queue) == 0
    queue.done("ns/a")  # now it comes back, once
    assert await queue.get() == "ns/a"
    assert depths[-1] == 0
    await queue.close()


async def test_work_queue_add_after_keeps_the_earliest_timer() -> None:
    queue = WorkQueue()
    queue.add_after("ns/a", 0.05)
    queue.add_after("ns/a", 10)
    assert await asyncio.wait_for(queue.get(), timeout=5) == "ns/a"
    await queue.close()
    with pytest.raises(asyncio.CancelledError):
        await queue.get()


async def test_work_queue_hands_out_urgent_keys_first_and_moves_waiting_keys_up() -> None:
    queue = WorkQueue()
    for key in ("ns/a", "ns/b", "ns/c"):
        queue.add(key)
    queue.add("ns/c", urgent=True)  # waiting in the ordinary lane: moves up, not duplicated
    queue.add("ns/d", urgent=True)
    assert len(queue) == 4
    assert [await queue.get() for _ in range(4)] == ["ns/c", "ns/d", "ns/a", "ns/b"]
    queue.add("ns/a", urgent=True)  # held by a worker: comes back urgent on ``done``
    queue.add("ns/e")
    queue.done("ns/a")
    assert await queue.get() == "ns/a"
    assert await queue.get() == "ns/e"
    await queue.close()
