"""Restart the demo's workloads when they die, with a kubelet's backoff, keeping the cluster up.

``make up`` (``cli.up``) starts the control plane, then the workloads that run on it (the
operator, and whatever else registers here). The control plane's own processes are not
supervised: if etcd or the API server dies, ``up`` stops with the log to read. A workload that
exits is a crash a user would see as ``CrashLoopBackOff``: it is started again after a delay that
doubles from 10 s to at most 300 s, reset once it has stayed up for 600 s, and each restart is
said on stdout with the exit code and the log. Pure policy (``Backoff``) plus one ``tick`` that
the caller runs in its wait loop; the clock is injected.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from fogcompute_testbed.processes import ManagedProcess

__all__ = ["Backoff", "Supervisor"]


@dataclass(frozen=True)
class Backoff:
    """kubelet's CrashLoopBackOff: ``initial`` doubled per crash up to ``cap``; reset after
    ``reset_after`` seconds of uptime."""

    initial: float = 10.0
    cap: float = 300.0
    reset_after: float = 600.0

    def delay(self, *, crashes: int) -> float:
        """Seconds to wait before restart number ``crashes`` (1 for the first crash)."""
        return min(self.cap, self.initial * float(2 ** max(0, crashes - 1)))


@dataclass
class _Workload:
    name: str
    start: Callable[[], ManagedProcess]
    proc: ManagedProcess
    started_at: float
    crashes: int = 0
    restart_at: float | None = None


@dataclass
class Supervisor:
    """Workloads started by ``start`` callables, restarted by ``tick`` when they exit."""

    backoff: Backoff = field(default_factory=Backoff)
    clock: Callable[[], float] = time.monotonic
    say: Callable[[str], None] = lambda line: print(line, flush=True)
    _workloads: list[_Workload] = field(default_factory=list)

    def add(self, name: str, start: Callable[[], ManagedProcess]) -> ManagedProcess:
        """Start a workload now and supervise it from then on."""
        proc = start()
        self._workloads.append(_Workload(name, start, proc, started_at=self.clock()))
        return proc

    def processes(self) -> list[ManagedProcess]:
        return [w.proc for w in self._workloads]

    def restarts(self, name: str) -> int:
        return sum(w.crashes for w in self._workloads if w.name == name)

    def tick(self) -> None:
        """Notice exits and schedule restarts; start those whose delay has passed."""
        now = self.clock()
        for work in self._workloads:
            if work.restart_at is None and not work.proc.alive():
                if now - work.started_at >= self.backoff.reset_after:
                    work.crashes = 0
                work.crashes += 1
                delay = self.backoff.delay(crashes=work.crashes)
                work.restart_at = now + delay
                self.say(
                    f"fog-compute: {work.name} exited with code {work.proc.popen.returncode} "
                    f"(log: {work.proc.log}); restarting in {delay:.0f} s "
                    f"(restart {work.crashes}, back-off {self.backoff.initial:.0f}-"
                    f"{self.backoff.cap:.0f} s); the cluster stays up"
                )
            elif work.restart_at is not None and now >= work.restart_at:
                work.proc = work.start()
                work.started_at, work.restart_at = now, None
                self.say(f"fog-compute: {work.name} restarted (pid {work.proc.popen.pid})")

    def stop(self) -> None:
        for work in reversed(self._workloads):
            work.proc.stop()
