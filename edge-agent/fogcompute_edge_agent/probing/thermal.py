"""Thermal probe: the hottest sensor among thermal zones and hwmon inputs, in degrees Celsius.

Part of one probing round. Both interfaces give millidegrees. A value outside -50..150 degC is a
malformed reading (counted, ignored), not a temperature. No sensor at all is ``absent``.
"""

from __future__ import annotations

from fogcompute_edge_agent.probing.hostfs import HostRoot
from fogcompute_edge_agent.readings import Reading, Unknown

__all__ = ["read_temperature"]

_MIN, _MAX = -50.0, 150.0


def _sensor_files(host: HostRoot) -> list[str]:
    files = [
        f"sys/class/thermal/{zone}/temp"
        for zone in host.entries("sys/class/thermal")
        if zone.startswith("thermal_zone")
    ]
    for mon in host.entries("sys/class/hwmon"):
        files.extend(
            f"sys/class/hwmon/{mon}/{name}"
            for name in host.entries(f"sys/class/hwmon/{mon}")
            if name.startswith("temp") and name.endswith("_input")
        )
    return files


def read_temperature(host: HostRoot) -> Reading[float]:
    files = _sensor_files(host)
    if not files:
        return Unknown("absent", "no thermal zones or hwmon temperature sensors")
    values: list[float] = []
    for rel in files:
        text = host.read(rel, probe="thermal")
        if text is None:
            continue
        try:
            celsius = int(text.strip()) / 1000.0
        except ValueError:
            host.malformed(rel, probe="thermal", why=f"not an integer: {text.strip()[:32]!r}")
            continue
        if not _MIN <= celsius <= _MAX:
            host.malformed(rel, probe="thermal", why=f"{celsius} degC is out of range")
            continue
        values.append(celsius)
    if not values:
        return Unknown("malformed", f"none of {len(files)} temperature sensors gave a valid value")
    return round(max(values), 1)
