"""The EdgeDevice spec as the agent reads it: frozen values from the API server's JSON.

Read by ``agent`` from every status apply's response and used by ``harvesting`` (policy),
the reporter's interval and ``ble`` (scans, ``showAddresses``). The source of truth stays
``fogcompute_api.edgedevices.EdgeDeviceSpec``: the API server has already validated and
defaulted the spec against the CRD generated from it. This mirror exists for memory: loading
pydantic and the models costs about 14 MiB, a third of the agent's 40 MiB budget. It checks
types and the model's bounds and cross-field rules again (an agent newer or older than the CRD
may see anything): a bad field is a ``SpecError`` naming it, and the agent keeps its previous
spec. Fields it does not know are ignored (a newer CRD). A unit test compares every default,
bound and field name here with the model's, so the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, TypeVar

__all__ = [
    "BleSettings",
    "DeviceSpec",
    "HarvestPolicy",
    "ReportingSettings",
    "SpecError",
    "read_spec",
]

T = TypeVar("T")


class SpecError(ValueError):
    """A spec field the agent cannot use; the message names it and says what it must be."""


def _bounded(default: int, ge: int, le: int) -> Any:
    return field(default=default, metadata={"ge": ge, "le": le})


@dataclass(frozen=True)
class HarvestPolicy:
    """``spec.policy``: when the device may run harvest work (BOINC-like defaults)."""

    require_ac_power: bool = True
    allow_battery: bool = False
    min_battery_percent: int = _bounded(90, 0, 100)
    max_temperature_celsius: int = _bounded(40, 0, 120)
    min_idle_seconds: int = _bounded(180, 0, 86400)
    max_foreign_cpu_percent: int = _bounded(25, 0, 100)
    resume_delay_seconds: int = _bounded(300, 0, 86400)

    def __post_init__(self) -> None:
        if not (self.require_ac_power or self.allow_battery):
            raise SpecError("spec.policy.allowBattery must be true when requireAcPower is false")


@dataclass(frozen=True)
class ReportingSettings:
    """``spec.reporting``: how often the agent reports."""

    report_interval_seconds: int = _bounded(10, 1, 300)
    stale_after_seconds: int = _bounded(45, 2, 3600)

    def __post_init__(self) -> None:
        if self.stale_after_seconds <= self.report_interval_seconds:
            raise SpecError(
                "spec.reporting.staleAfterSeconds must be greater than reportIntervalSeconds"
            )


@dataclass(frozen=True)
class BleSettings:
    """``spec.ble``: the BLE bridge's scans, expiry and whether real addresses are shown."""

    enabled: bool = False
    show_addresses: bool = False
    scan_interval_seconds: int = _bounded(30, 5, 3600)
    expire_after_missed_scans: int = _bounded(3, 1, 100)


@dataclass(frozen=True)
class DeviceSpec:
    """``spec`` of the agent's own EdgeDevice."""

    node_name: str
    harvest_enabled: bool = True
    policy: HarvestPolicy = HarvestPolicy()
    reporting: ReportingSettings = ReportingSettings()
    ble: BleSettings = BleSettings()


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def read_spec(raw: Mapping[str, Any]) -> DeviceSpec:
    """The spec from the API server's JSON; ``SpecError`` naming the first bad field."""
    node = raw.get("nodeName")
    if not isinstance(node, str) or not node:
        raise SpecError("spec.nodeName must be a non-empty string")
    enabled = raw.get("harvestEnabled", True)
    if not isinstance(enabled, bool):
        raise SpecError(f"spec.harvestEnabled must be true or false, got {enabled!r}")
    return DeviceSpec(
        node_name=node,
        harvest_enabled=enabled,
        policy=_section(HarvestPolicy, raw, "policy"),
        reporting=_section(ReportingSettings, raw, "reporting"),
        ble=_section(BleSettings, raw, "ble"),
    )


def _section(kind: type[T], raw: Mapping[str, Any], name: str) -> T:
    section = raw.get(name, {})
    if not isinstance(section, Mapping):
        raise SpecError(f"spec.{name} must be an object, got {type(section).__name__}")
    values: dict[str, Any] = {}
    for f in fields(kind):  # type: ignore[arg-type]
        wire = camel(f.name)
        if wire not in section:
            continue
        value = section[wire]
        where = f"spec.{name}.{wire}"
        if isinstance(f.default, bool):
            if not isinstance(value, bool):
                raise SpecError(f"{where} must be true or false, got {value!r}")
        elif not isinstance(value, int) or isinstance(value, bool):
            raise SpecError(f"{where} must be an integer, got {value!r}")
        elif not f.metadata["ge"] <= value <= f.metadata["le"]:
            raise SpecError(
                f"{where} must be between {f.metadata['ge']} and {f.metadata['le']}, got {value}"
            )
        values[f.name] = value
    return kind(**values)
