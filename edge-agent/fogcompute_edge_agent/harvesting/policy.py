"""The harvest policy: may this machine run harvest work right now? A pure function.

Second step of the agent's flow: ``judge`` takes one round of readings and the device's
``spec.policy`` (BOINC-like defaults: on AC; battery at least 90 % if battery use is allowed;
at most 40 degC; user idle at least 180 s; foreign CPU at most 25 %) and says yes or no, with a
CamelCase reason and a message listing every failed check. Hysteresis is ``gating``'s job.

Unknown readings: a sensor that is ``absent`` does not block (a server has no battery and no
local user, so it counts as on mains and idle; a box without temperature sensors is not judged
on heat); an unreadable, malformed or pending reading blocks, because the agent cannot tell.
"""

from __future__ import annotations

from dataclasses import dataclass

from fogcompute_edge_agent.readings import DeviceReadings, Unknown
from fogcompute_edge_agent.specs import HarvestPolicy

__all__ = ["ELIGIBLE", "Verdict", "judge"]

ELIGIBLE = "Eligible"


@dataclass(frozen=True)
class Verdict:
    """The policy's answer for one round."""

    eligible: bool
    reason: str
    message: str


@dataclass(frozen=True)
class _Failure:
    reason: str
    message: str


def judge(readings: DeviceReadings, *, policy: HarvestPolicy, enabled: bool = True) -> Verdict:
    """Check every rule; the first failure names the reason, the message lists all."""
    if not enabled:
        return Verdict(False, "HarvestDisabled", "spec.harvestEnabled is false")
    failures = [
        f
        for f in (
            _power(readings, policy),
            _battery(readings, policy),
            _temperature(readings, policy),
            _idle(readings, policy),
            _foreign(readings, policy),
        )
        if f is not None
    ]
    if not failures:
        return Verdict(True, ELIGIBLE, "every harvest rule of spec.policy is met")
    return Verdict(False, failures[0].reason, "; ".join(f.message for f in failures))


def _unknown(value: object, name: str) -> _Failure | None:
    if isinstance(value, Unknown) and value.kind != "absent":
        return _Failure(f"{name}Unknown", f"{name.lower()} unknown: {value.why}")
    return None


def _power(r: DeviceReadings, p: HarvestPolicy) -> _Failure | None:
    source = r.power_source
    if isinstance(source, Unknown):
        if source.kind == "absent" and not r.has_battery:
            return None  # no battery and no mains sensor: the machine runs on mains
        return _Failure("PowerUnknown", f"power source unknown: {source.why}")
    if source == "Battery" and not p.allow_battery:
        return _Failure("OnBattery", "on battery and spec.policy.allowBattery is false")
    return None


def _battery(r: DeviceReadings, p: HarvestPolicy) -> _Failure | None:
    if r.power_source != "Battery":
        return None
    level = r.battery_percent
    if isinstance(level, Unknown):
        return _Failure("BatteryUnknown", f"battery level unknown: {level.why}")
    if level < p.min_battery_percent:
        return _Failure("BatteryLow", f"battery {level} % < {p.min_battery_percent} %")
    return None


def _temperature(r: DeviceReadings, p: HarvestPolicy) -> _Failure | None:
    value = r.temperature_celsius
    if isinstance(value, Unknown):
        return _unknown(value, "Temperature")
    if value > p.max_temperature_celsius:
        return _Failure("TooHot", f"{value} degC > {p.max_temperature_celsius} degC")
    return None


def _idle(r: DeviceReadings, p: HarvestPolicy) -> _Failure | None:
    value = r.user_idle_seconds
    if isinstance(value, Unknown):
        return _unknown(value, "Idle")
    if value < p.min_idle_seconds:
        return _Failure("UserActive", f"user idle {value} s < {p.min_idle_seconds} s")
    return None


def _foreign(r: DeviceReadings, p: HarvestPolicy) -> _Failure | None:
    value = r.foreign_cpu_percent
    if isinstance(value, Unknown):
        if value.kind == "absent":
            return _Failure("ForeignLoadUnknown", f"foreign CPU unknown: {value.why}")
        return _unknown(value, "ForeignLoad")
    if value > p.max_foreign_cpu_percent:
        return _Failure("ForeignLoad", f"foreign CPU {value} % > {p.max_foreign_cpu_percent} %")
    return None
