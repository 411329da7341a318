"""CPU probes: core count and load from /proc/stat and /proc/loadavg, and foreign CPU use.

Foreign CPU use is the share of all cores busy with work that is not the agent's harvest pods,
over the interval between two /proc/stat samples: busy jiffies minus the harvest pods' cgroup
CPU time (``cgroups``), divided by all jiffies. The first sample has no interval: ``pending``.
An interval shorter than half a second of all cores' jiffies is too coarse to judge (and a fixture
host may not have ticked at all): the sampler keeps its baseline and repeats the last value.
Pure parsing plus one small stateful sampler; no policy here.
"""

from __future__ import annotations

from dataclasses import dataclass

from fogcompute_edge_agent.probing.hostfs import HostRoot
from fogcompute_edge_agent.readings import Reading, Unknown

__all__ = ["CpuSampler", "CpuTimes", "parse_loadavg", "parse_proc_stat", "read_load"]

USER_HZ = 100
"""Jiffies per second in /proc/stat: fixed at 100 on every Linux architecture's ABI."""
MIN_WINDOW_SECONDS = 0.5


@dataclass(frozen=True)
class CpuTimes:
    """Totals of the aggregate ``cpu`` line, in jiffies, and the number of ``cpuN`` lines."""

    total: int
    busy: int
    count: int


def parse_proc_stat(text: str) -> CpuTimes:
    """Parse /proc/stat; raise ValueError naming what is wrong."""
    total = busy = count = 0
    found = False
    for line in text.splitlines():
        if line.startswith("cpu "):
            fields = [int(f) for f in line.split()[1:9]]
            if len(fields) < 4:
                raise ValueError("the cpu line has fewer than 4 counters")
            # user nice system idle iowait irq softirq steal; guest time is inside user already.
            total = sum(fields)
            idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
            busy = total - idle
            found = True
        elif line.startswith("cpu") and line[3:4].isdigit():
            count += 1
    if not found:
        raise ValueError("no aggregate 'cpu' line")
    if count == 0:
        raise ValueError("no 'cpuN' lines")
    return CpuTimes(total=total, busy=busy, count=count)


def parse_loadavg(text: str) -> float:
    """The 1-minute load average from /proc/loadavg."""
    value = float(text.split()[0])
    if value < 0:
        raise ValueError(f"negative load {value}")
    return value


def read_load(host: HostRoot) -> Reading[float]:
    text = host.read("proc/loadavg", probe="cpu")
    if text is None:
        return Unknown("absent", "/proc/loadavg is missing")
    try:
        return parse_loadavg(text)
    except (ValueError, IndexError) as exc:
        host.malformed("proc/loadavg", probe="cpu", why=str(exc))
        return Unknown("malformed", f"/proc/loadavg: {exc}")


@dataclass
class CpuSampler:
    """Keeps the previous /proc/stat and harvest-cgroup samples to compute foreign CPU use."""

    _last: CpuTimes | None = None
    _last_harvest_usec: int | None = None
    _last_value: Reading[float] | None = None

    def sample(self, host: HostRoot, *, harvest_usec: int) -> tuple[Reading[int], Reading[float]]:
        """(core count, foreign CPU percent) from one new sample."""
        text = host.read("proc/stat", probe="cpu")
        if text is None:
            missing = Unknown("absent", "/proc/stat is missing")
            return missing, missing
        try:
            now = parse_proc_stat(text)
        except ValueError as exc:
            host.malformed("proc/stat", probe="cpu", why=str(exc))
            bad = Unknown("malformed", f"/proc/stat: {exc}")
            return bad, bad
        last, last_harvest = self._last, self._last_harvest_usec
        if last is None or last_harvest is None:
            self._last, self._last_harvest_usec = now, harvest_usec
            return now.count, Unknown("pending", "needs a second /proc/stat sample")
        if now.total - last.total < MIN_WINDOW_SECONDS * USER_HZ * now.count:
            previous = self._last_value
            pending = Unknown("pending", "/proc/stat has not advanced half a second yet")
            return now.count, previous if previous is not None else pending
        self._last, self._last_harvest_usec = now, harvest_usec
        self._last_value = foreign_percent(
            last, now, harvest_delta_usec=max(0, harvest_usec - last_harvest)
        )
        return now.count, self._last_value


def foreign_percent(last: CpuTimes, now: CpuTimes, *, harvest_delta_usec: int) -> Reading[float]:
    """Busy share of all cores between two samples, minus the harvest pods' share."""
    total = now.total - last.total
    if total <= 0:
        return Unknown("pending", "/proc/stat did not advance between two samples")
    busy = now.busy - last.busy
    harvest = harvest_delta_usec * USER_HZ / 1_000_000
    percent = 100.0 * (busy - harvest) / total
    return round(min(100.0, max(0.0, percent)), 1)
