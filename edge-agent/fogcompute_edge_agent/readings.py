"""What the probes measured: one frozen value per reading, or ``Unknown`` with why.

Bottom of the agent's flow: ``probing`` fills a ``DeviceReadings``, ``harvesting`` judges it,
``reporting`` turns it into the EdgeDevice status. Nothing here reads files or talks to a
cluster. A reading the agent could not take is an ``Unknown`` that says why; it is never
replaced by an invented value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias, TypeVar

__all__ = [
    "DeviceReadings",
    "PowerSourceReading",
    "Reading",
    "Unknown",
    "UnknownKind",
    "known",
]

T = TypeVar("T")

UnknownKind = Literal["absent", "unreadable", "malformed", "pending"]
"""Why a reading is missing: the hardware is not there (``absent``: a server has no battery, a
headless box no input devices), the file could not be read, its content made no sense, or the
reading needs a second sample first (``pending``)."""


@dataclass(frozen=True)
class Unknown:
    """A reading the agent could not take, and why."""

    kind: UnknownKind
    why: str


Reading: TypeAlias = T | Unknown
PowerSourceReading: TypeAlias = Literal["AC", "Battery"] | Unknown


def known(reading: Reading[T]) -> T | None:
    """The value of ``reading``, or None when it is unknown."""
    return None if isinstance(reading, Unknown) else reading


@dataclass(frozen=True)
class DeviceReadings:
    """One round of probes on one machine."""

    taken_at: float
    """Wall-clock time (seconds since the epoch) the round started."""
    cpu_count: Reading[int]
    load1: Reading[float]
    memory_bytes: Reading[int]
    memory_available_bytes: Reading[int]
    power_source: PowerSourceReading
    battery_percent: Reading[int]
    has_battery: bool
    temperature_celsius: Reading[float]
    user_idle_seconds: Reading[int]
    foreign_cpu_percent: Reading[float]
    gpus: Reading[int]
    harvest_cpu_seconds: float | None = None
    """The harvest CPU counter's total (``probing.harvestcpu``); None where nothing counts it."""

    def unknowns(self) -> dict[str, Unknown]:
        """Every unknown reading by name, for the status message and the logs."""
        fields = {
            "cpu": self.cpu_count,
            "load": self.load1,
            "memory": self.memory_bytes,
            "power": self.power_source,
            "battery": self.battery_percent,
            "temperature": self.temperature_celsius,
            "idle": self.user_idle_seconds,
            "foreignCpu": self.foreign_cpu_percent,
            "gpu": self.gpus,
        }
        return {name: value for name, value in fields.items() if isinstance(value, Unknown)}
