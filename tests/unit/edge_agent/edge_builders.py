"""Small builders of readings for the edge agent's unit tests."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from fogcompute_edge_agent.readings import DeviceReadings, Unknown

ABSENT = Unknown("absent", "not there")
PENDING = Unknown("pending", "second sample needed")
BROKEN = Unknown("malformed", "garbage")


def readings(**changes: Any) -> DeviceReadings:
    """An idle laptop on AC, cool, full battery: eligible under the default policy."""
    base = DeviceReadings(
        taken_at=1_000.0,
        cpu_count=4,
        load1=0.1,
        memory_bytes=8 << 30,
        memory_available_bytes=4 << 30,
        power_source="AC",
        battery_percent=100,
        has_battery=True,
        temperature_celsius=35.0,
        user_idle_seconds=600,
        foreign_cpu_percent=5.0,
        gpus=0,
    )
    return replace(base, **changes)
