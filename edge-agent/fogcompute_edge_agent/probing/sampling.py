"""One probing round: every probe run once against the host root, giving a ``DeviceReadings``.

Top of the probing package, called by the agent's loop about once a second. It owns the only
state the probes need (the previous CPU sample, the harvest CPU counter) and takes the harvest
pods' UIDs from the caller so foreign CPU use can exclude them and their CPU time is counted.
Any unexpected exception of one probe becomes one counted error and an unknown reading, never a
crash of the round.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from fogcompute_edge_agent.probing.cgroups import harvest_cpu_usec
from fogcompute_edge_agent.probing.cpu import CpuSampler, read_load
from fogcompute_edge_agent.probing.gpus import read_gpus
from fogcompute_edge_agent.probing.harvestcpu import HarvestCpuCounter
from fogcompute_edge_agent.probing.hostfs import HostRoot
from fogcompute_edge_agent.probing.idleness import read_idle_from_devices
from fogcompute_edge_agent.probing.memory import read_memory
from fogcompute_edge_agent.probing.power import PowerState, read_power
from fogcompute_edge_agent.probing.thermal import read_temperature
from fogcompute_edge_agent.readings import DeviceReadings, Reading, Unknown

__all__ = ["IdleSource", "Prober"]

T = TypeVar("T")
IdleSource = Callable[[], Reading[int] | None]
"""An optional better source of idle time (logind); None means "not available, use devices"."""


@dataclass
class Prober:
    """Runs every probe on ``host``; keep one per host root."""

    host: HostRoot
    clock: Callable[[], float] = time.time
    idle_source: IdleSource | None = None
    harvest_cpu: HarvestCpuCounter = field(default_factory=HarvestCpuCounter)
    _cpu: CpuSampler = field(default_factory=CpuSampler)

    def round(self, *, harvest_pod_uids: Iterable[str] = ()) -> DeviceReadings:
        now = self.clock()
        usage = self._guard("cgroup", lambda: harvest_cpu_usec(self.host, harvest_pod_uids))
        if not isinstance(usage, Unknown):
            self.harvest_cpu.observe(usage.per_pod, now=now)
        harvest_usec = self.harvest_cpu.growth_usec
        cpu = self._guard("cpu", lambda: self._cpu.sample(self.host, harvest_usec=harvest_usec))
        count, foreign = cpu if not isinstance(cpu, Unknown) else (cpu, cpu)
        memory = self._guard("memory", lambda: read_memory(self.host))
        total, available = memory if not isinstance(memory, Unknown) else (memory, memory)
        power = self._guard("power", lambda: read_power(self.host))
        if isinstance(power, Unknown):
            power = PowerState(source=power, battery_percent=power, has_battery=False)
        return DeviceReadings(
            taken_at=now,
            cpu_count=count,
            load1=self._flat("cpu", lambda: read_load(self.host)),
            memory_bytes=total,
            memory_available_bytes=available,
            power_source=power.source,
            battery_percent=power.battery_percent,
            has_battery=power.has_battery,
            temperature_celsius=self._flat("thermal", lambda: read_temperature(self.host)),
            user_idle_seconds=self._flat("idle", lambda: self._idle(now)),
            foreign_cpu_percent=foreign,
            gpus=self._flat("gpu", lambda: read_gpus(self.host)),
            harvest_cpu_seconds=self.harvest_cpu.seconds,
        )

    def _idle(self, now: float) -> Reading[int]:
        if self.idle_source is not None:
            better = self.idle_source()
            if better is not None:
                return better
        return read_idle_from_devices(self.host, now=now)

    def _guard(self, probe: str, run: Callable[[], T]) -> T | Unknown:
        try:
            return run()
        except Exception as exc:  # a probe bug must not stop the agent: count it, report unknown
            self.host.errors.record(probe=probe, kind="crashed", path=probe, why=repr(exc))
            return Unknown("unreadable", f"the {probe} probe failed: {type(exc).__name__}")

    def _flat(self, probe: str, run: Callable[[], Reading[T]]) -> Reading[T]:
        result = self._guard(probe, run)
        return result
