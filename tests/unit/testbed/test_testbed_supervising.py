"""The demo's supervisor: a crashed workload is restarted with a kubelet's back-off."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from fogcompute_testbed.processes import ManagedProcess, start_process
from fogcompute_testbed.supervising import Backoff, Supervisor


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("crashes", "delay"), [(1, 10.0), (2, 20.0), (3, 40.0), (5, 160.0), (6, 300.0), (30, 300.0)]
)
def test_backoff_doubles_to_the_cap(crashes: int, delay: float) -> None:
    assert Backoff().delay(crashes=crashes) == delay


def _launcher(
    tmp_path: Path, code: str
) -> tuple[list[ManagedProcess], Callable[[], ManagedProcess]]:
    started: list[ManagedProcess] = []

    def start() -> ManagedProcess:
        proc = start_process("worker", [sys.executable, "-c", code], state_dir=tmp_path)
        started.append(proc)
        return proc

    return started, start


def test_a_crashed_workload_is_restarted_after_the_backoff(tmp_path: Path) -> None:
    clock, said = FakeClock(), []
    supervisor = Supervisor(clock=clock, say=said.append)
    started, start = _launcher(tmp_path, "raise SystemExit(3)")
    supervisor.add("worker", start)
    started[0].popen.wait(10)

    supervisor.tick()
    assert len(started) == 1, "restarted before its back-off"
    assert "worker exited with code 3" in said[0]
    assert "restarting in 10 s" in said[0]
    assert "the cluster stays up" in said[0]

    clock.now += 9.9
    supervisor.tick()
    assert len(started) == 1

    clock.now += 0.2
    supervisor.tick()
    assert len(started) == 2
    assert said[-1].startswith("fog-compute: worker restarted (pid ")
    started[1].popen.wait(10)
    supervisor.tick()
    assert "restarting in 20 s" in said[-1], "the second crash doubles the delay"
    assert supervisor.restarts("worker") == 2
    supervisor.stop()


def test_a_workload_up_long_enough_starts_its_backoff_again(tmp_path: Path) -> None:
    clock, said = FakeClock(), []
    supervisor = Supervisor(clock=clock, say=said.append)
    started, start = _launcher(tmp_path, "raise SystemExit(1)")
    supervisor.add("worker", start)
    started[0].popen.wait(10)
    supervisor.tick()
    clock.now += 10
    supervisor.tick()  # restart 1
    clock.now += 601  # the restarted process "ran" for longer than reset_after
    started[1].popen.wait(10)
    supervisor.tick()
    assert "restarting in 10 s (restart 1," in said[-1]
    supervisor.stop()


def test_a_running_workload_is_left_alone_and_stopped_at_the_end(tmp_path: Path) -> None:
    supervisor = Supervisor(clock=FakeClock(), say=lambda _: None)
    started, start = _launcher(tmp_path, "import time; time.sleep(60)")
    supervisor.add("worker", start)
    supervisor.tick()
    assert len(started) == 1
    assert started[0].alive()
    supervisor.stop()
    assert not started[0].alive()
