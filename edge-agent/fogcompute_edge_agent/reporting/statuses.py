"""The EdgeDevice status the agent applies: a pure builder from readings and the gate's decision.

Last pure step before ``reporter`` sends it. Unknown readings are left out of their fields (the
model's "unknown") and listed in ``unknownReadings``, one entry per reading with the reason and
why, so that a person or a program reading the EdgeDevice sees what the agent could not measure.
An entry disappears when the reading comes back (server-side apply drops what is no longer sent).
Field names and bounds follow ``fogcompute_api.edgedevices.EdgeDeviceStatus``; a unit test
validates the output against it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Final

from fogcompute_edge_agent.harvesting import GateDecision
from fogcompute_edge_agent.readings import DeviceReadings, Unknown, known

__all__ = ["build_status", "rfc3339", "unknown_readings"]

MESSAGE_MAX: Final = 1024
UNKNOWN_MESSAGE_MAX: Final = 256
UNKNOWN_READINGS_MAX: Final = 16


def rfc3339(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _drop_none(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def build_status(
    *,
    readings: DeviceReadings,
    decision: GateDecision,
    now: float,
    version: str,
    peripherals: Sequence[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The status fields the agent owns; ``peripherals`` only when the BLE bridge runs."""
    memory = known(readings.memory_bytes)
    cpu = known(readings.cpu_count)
    source = readings.power_source
    status: dict[str, Any] = {
        "capacity": _drop_none(
            {
                "cpu": str(cpu) if cpu is not None else None,
                "memory": str(memory) if memory is not None else None,
                "gpu": known(readings.gpus),
            }
        ),
        "power": _drop_none(
            {
                "source": "Unknown" if isinstance(source, Unknown) else source,
                "batteryPercent": known(readings.battery_percent),
            }
        ),
        "thermal": _drop_none({"temperatureCelsius": known(readings.temperature_celsius)}),
        "idle": _drop_none(
            {
                "userIdleSeconds": known(readings.user_idle_seconds),
                "foreignCpuPercent": known(readings.foreign_cpu_percent),
            }
        ),
        "harvestable": decision.harvestable,
        "harvestReason": decision.reason,
        "harvestMessage": _bounded(decision.message, MESSAGE_MAX),
        "harvestCpuSeconds": readings.harvest_cpu_seconds,
        "unknownReadings": unknown_readings(readings) or None,
        "lastReportTime": rfc3339(now),
        "agentVersion": version[:64],
    }
    if decision.harvestable:
        status["harvestableSince"] = rfc3339(decision.since)
    if peripherals is not None:
        status["blePeripherals"] = list(peripherals)
    return {k: v for k, v in status.items() if v != {} and v is not None}


def unknown_readings(readings: DeviceReadings) -> list[dict[str, str]]:
    """``status.unknownReadings``: each reading the agent could not take, with why (bounded)."""
    return [
        {
            "reading": name,
            "reason": unknown.kind.capitalize(),
            "message": _bounded(unknown.why, UNKNOWN_MESSAGE_MAX),
        }
        for name, unknown in list(readings.unknowns().items())[:UNKNOWN_READINGS_MAX]
    ]


def _bounded(message: str, limit: int) -> str:
    return message if len(message) <= limit else message[: limit - 3] + "..."
