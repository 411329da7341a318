"""Fixture host roots: directory trees shaped like a machine's /proc, /sys and /dev.

The test bed gives each edge agent one of these instead of the real host (``agents``), and the
agent's unit tests build their cases with it (laptop on battery, server without battery, no
thermal zones, garbage in files). A test changes the machine by calling a method: unplug AC,
heat up, user returns, a harvest pod's cgroup uses CPU. ``tick`` advances /proc/stat's counters
as a running machine would, at the configured foreign load. Every write is atomic (temporary
file, then rename), so a probing agent never reads half a file.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["FixtureHost"]

_HZ = 100


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


@dataclass
class FixtureHost:
    """One simulated machine under ``root``."""

    root: Path
    cpus: int = 4
    memory_kib: int = 8 * 1024 * 1024
    foreign_load_percent: float = 5.0
    _busy: int = 10_000
    _idle: int = 90_000
    _last_tick: float = field(default_factory=time.monotonic)

    # ---------------------------------------------------------------- whole machines
    def server(self) -> FixtureHost:
        """No battery, no mains sensor, one thermal zone at 35 degC, no input devices."""
        self._base()
        self.set_temperature(35.0)
        return self

    def laptop(
        self, *, on_ac: bool = True, battery: int = 100, idle_seconds: int = 600
    ) -> FixtureHost:
        """A mains adapter, one battery, a thermal zone and an hwmon sensor, a keyboard."""
        self._base()
        supply = self.root / "sys/class/power_supply"
        _write(supply / "AC/type", "Mains\n")
        _write(supply / "BAT0/type", "Battery\n")
        _write(supply / "BAT0/scope", "System\n")
        self.set_ac(on_ac)
        self.set_battery(battery)
        self.set_temperature(32.0)
        _write(self.root / "sys/class/hwmon/hwmon0/name", "coretemp\n")
        _write(self.root / "sys/class/hwmon/hwmon0/temp1_input", "31000\n")
        self.user_idle(idle_seconds)
        return self

    def _base(self) -> None:
        self.tick(0)
        _write(self.root / "proc/loadavg", "0.25 0.20 0.15 1/234 5678\n")
        available = self.memory_kib // 2
        _write(
            self.root / "proc/meminfo",
            f"MemTotal:       {self.memory_kib} kB\nMemFree:        {available // 2} kB\n"
            f"MemAvailable:   {available} kB\n",
        )
        (self.root / "sys/class/power_supply").mkdir(parents=True, exist_ok=True)
        (self.root / "sys/class/thermal").mkdir(parents=True, exist_ok=True)
        (self.root / "sys/class/drm").mkdir(parents=True, exist_ok=True)
        (self.root / "dev").mkdir(parents=True, exist_ok=True)

    # ---------------------------------------------------------------- changes
    def set_ac(self, online: bool) -> None:
        _write(self.root / "sys/class/power_supply/AC/online", "1\n" if online else "0\n")
        status = "Full" if online else "Discharging"
        _write(self.root / "sys/class/power_supply/BAT0/status", f"{status}\n")

    def set_battery(self, percent: int) -> None:
        _write(self.root / "sys/class/power_supply/BAT0/capacity", f"{percent}\n")

    def set_temperature(self, celsius: float) -> None:
        _write(self.root / "sys/class/thermal/thermal_zone0/type", "x86_pkg_temp\n")
        _write(self.root / "sys/class/thermal/thermal_zone0/temp", f"{int(celsius * 1000)}\n")

    def user_idle(self, seconds: float) -> None:
        """The keyboard was last used ``seconds`` ago."""
        device = self.root / "dev/input/event0"
        device.parent.mkdir(parents=True, exist_ok=True)
        device.touch()
        then = time.time() - seconds
        os.utime(device, (then, then))

    def user_returns(self) -> None:
        self.user_idle(0)

    def add_gpu(self, index: int = 0) -> None:
        _write(self.root / f"sys/class/drm/card{index}/device/class", "0x030000\n")

    def set_pod_cpu(self, uid: str, seconds: float, *, qos: str = "besteffort") -> None:
        """Pod ``uid``'s cgroup (kubelet's systemd layout) has used ``seconds`` of CPU."""
        under = uid.replace("-", "_")
        slice_dir = (
            f"sys/fs/cgroup/kubepods.slice/kubepods-{qos}.slice/kubepods-{qos}-pod{under}.slice"
        )
        usec = int(seconds * 1_000_000)
        _write(
            self.root / slice_dir / "cpu.stat",
            f"usage_usec {usec}\nuser_usec {usec}\nsystem_usec 0\n",
        )

    def remove_pod(self, uid: str, *, qos: str = "besteffort") -> None:
        """The pod ended: the kubelet removed its cgroup."""
        under = uid.replace("-", "_")
        slice_dir = (
            f"sys/fs/cgroup/kubepods.slice/kubepods-{qos}.slice/kubepods-{qos}-pod{under}.slice"
        )
        (self.root / slice_dir / "cpu.stat").unlink(missing_ok=True)
        (self.root / slice_dir).rmdir()

    def write(self, rel: str, text: str) -> None:
        """Put arbitrary content (garbage, for instance) into a file."""
        _write(self.root / rel, text)

    def tick(self, seconds: float | None = None) -> None:
        """Advance /proc/stat by ``seconds`` (default: the time since the last tick)."""
        now = time.monotonic()
        elapsed = now - self._last_tick if seconds is None else seconds
        self._last_tick = now
        jiffies = int(elapsed * _HZ * self.cpus)
        busy = int(jiffies * self.foreign_load_percent / 100)
        self._busy += busy
        self._idle += jiffies - busy
        lines = [f"cpu  {self._busy} 0 0 {self._idle} 0 0 0 0 0 0"]
        per_busy, per_idle = self._busy // self.cpus, self._idle // self.cpus
        lines += [f"cpu{i} {per_busy} 0 0 {per_idle} 0 0 0 0 0 0" for i in range(self.cpus)]
        lines += ["intr 0", "ctxt 0", "btime 1700000000", "processes 1"]
        _write(self.root / "proc/stat", "\n".join(lines) + "\n")
