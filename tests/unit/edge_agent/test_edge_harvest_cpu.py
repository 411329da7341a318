"""status.harvestCpuSeconds: a monotonic counter over harvest pod cgroups (churn, restarts)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fogcompute_edge_agent.probing import HostRoot, ProbeErrors, Prober
from fogcompute_edge_agent.probing.harvestcpu import (
    FORGET_AFTER_SECONDS,
    MAX_PODS,
    STATE_FILE,
    HarvestCpuCounter,
)
from fogcompute_testbed.hostroots import FixtureHost

A = "0b3c8a8e-1111-2222-3333-444455556666"
B = "9f9f9f9f-aaaa-bbbb-cccc-ddddeeeeffff"


def prober(host: FixtureHost, counter: HarvestCpuCounter) -> Prober:
    return Prober(
        host=HostRoot(root=host.root, errors=ProbeErrors()), harvest_cpu=counter, clock=lambda: 1e9
    )


def test_pods_coming_and_going_never_lower_the_counter(tmp_path: Path) -> None:
    host = FixtureHost(tmp_path).server()
    p = prober(host, HarvestCpuCounter())
    host.set_pod_cpu(A, 1.0)
    seen = [p.round(harvest_pod_uids=[A]).harvest_cpu_seconds]  # a new pod: all of its 1 s
    host.set_pod_cpu(A, 3.0)
    seen.append(p.round(harvest_pod_uids=[A]).harvest_cpu_seconds)
    host.set_pod_cpu(B, 0.5, qos="burstable")  # a second pod starts
    seen.append(p.round(harvest_pod_uids=[A, B]).harvest_cpu_seconds)
    host.remove_pod(A)  # the first one ends: its cgroup is gone, its 3 s stay counted
    host.set_pod_cpu(B, 2.0, qos="burstable")
    seen.append(p.round(harvest_pod_uids=[A, B]).harvest_cpu_seconds)
    seen.append(p.round(harvest_pod_uids=[B]).harvest_cpu_seconds)
    assert seen == [1.0, 3.0, 3.5, 5.0, 5.0]


def test_a_recreated_cgroup_counts_its_new_usage(tmp_path: Path) -> None:
    counter = HarvestCpuCounter()
    counter.observe({A: 4_000_000}, now=0.0)
    counter.observe({A: 1_000_000}, now=1.0)  # usage went down: a new cgroup, started at zero
    counter.observe({A: 1_500_000}, now=2.0)
    assert counter.seconds == 5.5
    assert counter.growth_usec == 500_000  # only growth between sightings is "in the window"


def test_restart_resumes_from_the_checkpoint_without_double_counting(tmp_path: Path) -> None:
    host = FixtureHost(tmp_path / "host").server()
    state = tmp_path / "state" / STATE_FILE
    first = HarvestCpuCounter.load(state)
    p = prober(host, first)
    host.set_pod_cpu(A, 2.0)
    p.round(harvest_pod_uids=[A])
    host.set_pod_cpu(A, 2.5)
    reported = p.round(harvest_pod_uids=[A]).harvest_cpu_seconds
    assert first.checkpoint()  # what the agent does before each report
    assert reported == 2.5
    host.set_pod_cpu(A, 3.0)  # the agent is down; the pod keeps working
    second = HarvestCpuCounter.load(state)
    assert second.seconds == 2.5
    again = prober(host, second).round(harvest_pod_uids=[A]).harvest_cpu_seconds
    assert again == 3.0  # the growth since the checkpoint, not the pod's 3 s again
    assert second.checkpoint()
    assert json.loads(state.read_text())["totalUsec"] == 3_000_000


def test_checkpoint_writes_only_on_change_and_survives_a_read_only_dir(tmp_path: Path) -> None:
    state = tmp_path / "state" / STATE_FILE
    counter = HarvestCpuCounter.load(state)
    assert counter.checkpoint()
    assert json.loads(state.read_text())["totalUsec"] == 0
    counter.observe({A: 10}, now=0.0)
    assert counter.checkpoint()
    assert json.loads(state.read_text())["totalUsec"] == 10
    state.unlink()
    assert counter.checkpoint()
    assert not state.exists()  # unchanged since the last save
    blocked = HarvestCpuCounter(path=tmp_path / "file-not-dir" / STATE_FILE)
    (tmp_path / "file-not-dir").write_text("")
    blocked.observe({A: 10}, now=0.0)
    assert blocked.checkpoint() is False  # logged; the counter keeps counting in memory
    assert blocked.seconds == 0.00001


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        '{"format": 2, "totalUsec": 1, "pods": {}}',
        '{"format": 1, "totalUsec": -1, "pods": {}}',
        '{"format": 1, "totalUsec": 5, "pods": {"u": "x"}}',
        '{"format": 1, "totalUsec": 5, "pods": []}',
    ],
    ids=["garbage", "other-format", "negative", "bad-pod", "pods-not-object"],
)
def test_an_unreadable_state_is_a_reset_not_a_crash(tmp_path: Path, content: str) -> None:
    state = tmp_path / STATE_FILE
    state.write_text(content)
    counter = HarvestCpuCounter.load(state)
    assert counter.seconds == 0.0
    counter.observe({A: 1_000_000}, now=0.0)
    assert counter.checkpoint()
    assert HarvestCpuCounter.load(state).seconds == 1.0


def test_old_pods_are_forgotten_and_the_table_is_bounded() -> None:
    counter = HarvestCpuCounter()
    counter.observe({f"pod-{i}": 1 for i in range(MAX_PODS + 10)}, now=0.0)
    assert len(counter._pods) == MAX_PODS
    counter.observe({A: 1}, now=FORGET_AFTER_SECONDS + 1)
    assert set(counter._pods) == {A}
    assert counter.total_usec == MAX_PODS + 11


def test_a_new_pods_earlier_usage_is_not_subtracted_from_foreign_cpu(tmp_path: Path) -> None:
    host = FixtureHost(tmp_path, cpus=4, foreign_load_percent=50).server()
    p = prober(host, HarvestCpuCounter())
    p.round(harvest_pod_uids=[])
    host.tick(1.0)  # 400 jiffies, 200 busy
    host.set_pod_cpu(A, 100.0)  # first seen with 100 s used before this window
    r = p.round(harvest_pod_uids=[A])
    assert r.foreign_cpu_percent == pytest.approx(50.0, abs=0.5)
    assert r.harvest_cpu_seconds == 100.0
