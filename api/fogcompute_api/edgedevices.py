"""EdgeDevice: one edge machine, its harvest policy (spec) and its live readings (status).

An admin writes the spec (policy overrides, BOINC-like defaults); the edge agent on the node
writes the status every report interval; the operator marks a silent device Unknown and the
scheduler reads the readings to filter and score nodes. A reading the agent cannot take is left
out (unknown), never invented. The device is named after its Kubernetes Node.
"""

from typing import Annotated, Literal, Self

from pydantic import ConfigDict, Field, model_validator

from fogcompute_api.conditions import Conditions
from fogcompute_api.meta import API_VERSION, KIND_EDGEDEVICE
from fogcompute_api.objects import ObjectMeta
from fogcompute_api.primitives import (
    ApiModel,
    ObjectName,
    Quantity,
    Reason,
    Timestamp,
    TokenAmount,
    cel,
    validations,
)

__all__ = [
    "BlePeripheral",
    "BleSettings",
    "Capacity",
    "EdgeDevice",
    "EdgeDeviceSpec",
    "EdgeDeviceStatus",
    "HarvestPolicy",
    "IdleReading",
    "PowerReading",
    "PowerSource",
    "ReportingSettings",
    "ThermalReading",
    "UnknownReading",
    "UnknownReadingReason",
]

PowerSource = Literal["AC", "Battery", "Unknown"]
UnknownReadingReason = Literal["Absent", "Unreadable", "Malformed", "Pending"]
"""Why the agent could not take a reading: the hardware is not there, its file could not be
read, the content made no sense, or the reading needs a second sample first."""
UNKNOWN_READINGS_MAX = 16


class HarvestPolicy(ApiModel):
    """When the device may run harvest work (defaults follow BOINC's)."""

    model_config = ConfigDict(
        json_schema_extra=validations(
            cel(
                "self.requireAcPower || self.allowBattery",
                "spec.policy.allowBattery must be true when spec.policy.requireAcPower is false, "
                "or the device could never be harvested; set one of them to true",
                field_path=".allowBattery",
            )
        )
    )

    require_ac_power: bool = Field(default=True, description="Harvest only on AC power.")
    allow_battery: bool = Field(default=False, description="Allow harvesting on battery.")
    min_battery_percent: int = Field(default=90, ge=0, le=100)
    max_temperature_celsius: int = Field(default=40, ge=0, le=120)
    min_idle_seconds: int = Field(default=180, ge=0, le=86400)
    max_foreign_cpu_percent: int = Field(default=25, ge=0, le=100)
    resume_delay_seconds: int = Field(
        default=300, ge=0, le=86400, description="Wait after conditions are met again."
    )

    @model_validator(mode="after")
    def _some_power_allowed(self) -> Self:
        if not (self.require_ac_power or self.allow_battery):
            raise ValueError("spec.policy.allowBattery must be true when requireAcPower is false")
        return self


class ReportingSettings(ApiModel):
    """How often the agent reports and when the operator calls it silent."""

    model_config = ConfigDict(
        json_schema_extra=validations(
            cel(
                "self.staleAfterSeconds > self.reportIntervalSeconds",
                "spec.reporting.staleAfterSeconds must be greater than reportIntervalSeconds; "
                "raise staleAfterSeconds (3 to 5 intervals is usual)",
                field_path=".staleAfterSeconds",
            )
        )
    )

    report_interval_seconds: int = Field(default=10, ge=1, le=300)
    stale_after_seconds: int = Field(default=45, ge=2, le=3600)

    @model_validator(mode="after")
    def _stale_after_interval(self) -> Self:
        if self.stale_after_seconds <= self.report_interval_seconds:
            raise ValueError(
                "spec.reporting.staleAfterSeconds must be greater than reportIntervalSeconds"
            )
        return self


class BleSettings(ApiModel):
    """The BLE bridge: passive scans and peripheral expiry."""

    enabled: bool = False
    show_addresses: bool = Field(
        default=False,
        description="List peripherals' real addresses; by default each is a keyed hash "
        "(HMAC-SHA256 under a per-node key, written like a MAC), stable on one node.",
    )
    scan_interval_seconds: int = Field(default=30, ge=5, le=3600)
    expire_after_missed_scans: int = Field(default=3, ge=1, le=100)


class EdgeDeviceSpec(ApiModel):
    """Admin policy for one edge machine."""

    node_name: ObjectName = Field(
        description="The Kubernetes Node this device is (equal to metadata.name).",
        json_schema_extra=validations(
            cel(
                "self == oldSelf",
                "spec.nodeName is immutable; delete the EdgeDevice and create one for the "
                "other node",
                reason="FieldValueForbidden",
            )
        ),
    )
    harvest_enabled: bool = Field(default=True, description="Set false to never harvest.")
    policy: HarvestPolicy = HarvestPolicy()
    reporting: ReportingSettings = ReportingSettings()
    ble: BleSettings = BleSettings()


class Capacity(ApiModel):
    """What the machine has."""

    cpu: Quantity | None = None
    memory: Quantity | None = None
    gpu: int = Field(default=0, ge=0, le=64)


class PowerReading(ApiModel):
    """Power source and battery level."""

    source: PowerSource = "Unknown"
    battery_percent: int | None = Field(default=None, ge=0, le=100)


class ThermalReading(ApiModel):
    """The hottest sensor the agent could read."""

    temperature_celsius: float | None = Field(default=None, ge=-50, le=150)


class IdleReading(ApiModel):
    """How idle the machine's user is and how busy it is with other work."""

    user_idle_seconds: int | None = Field(default=None, ge=0, le=10**9)
    foreign_cpu_percent: float | None = Field(default=None, ge=0, le=100)


class BlePeripheral(ApiModel):
    """A nearby BLE peripheral seen by passive scans."""

    address: Annotated[str, Field(max_length=17, pattern=r"^([0-9A-F]{2}:){5}[0-9A-F]{2}$")]
    name: Annotated[str, Field(max_length=248)] | None = None
    rssi: int | None = Field(default=None, ge=-127, le=20)
    speaks_platform: bool = Field(default=False, description="Offers the platform's GATT service.")
    last_seen: Timestamp
    missed_scans: int = Field(default=0, ge=0, le=100)


class UnknownReading(ApiModel):
    """One reading the agent could not take, and why (never replaced by an invented value)."""

    reading: Annotated[
        str,
        Field(
            min_length=1,
            max_length=32,
            pattern=r"^[a-z][A-Za-z0-9]*$",
            description="Which reading: cpu, load, memory, power, battery, temperature, ...",
        ),
    ]
    reason: UnknownReadingReason
    message: Annotated[str, Field(max_length=256)] = ""


class EdgeDeviceStatus(ApiModel):
    """The agent's latest readings and the harvest decision taken from them."""

    capacity: Capacity | None = None
    power: PowerReading | None = None
    thermal: ThermalReading | None = None
    idle: IdleReading | None = None
    harvestable: bool | None = None
    harvest_reason: Reason | None = Field(
        default=None, description="Why the device is or is not harvestable (OnBattery, TooHot ...)."
    )
    harvest_message: Annotated[str, Field(max_length=1024)] | None = None
    harvestable_since: Timestamp | None = None
    harvest_cpu_seconds: float | None = Field(
        default=None,
        ge=0,
        description="CPU seconds used by this node's harvest pods since the agent's state began: "
        "a monotonic counter with Prometheus-counter semantics (the sum of each pod's cgroup "
        "cpu.stat usage_usec growth, tracked per pod so pods coming and going never lower it, "
        "kept across agent restarts in its state directory). A decrease means a reset (a new "
        "state directory): count from the new value.",
    )
    unknown_readings: tuple[UnknownReading, ...] = Field(
        default=(),
        max_length=UNKNOWN_READINGS_MAX,
        description="Readings the agent could not take this round, each with why.",
        json_schema_extra={
            "x-kubernetes-list-type": "map",
            "x-kubernetes-list-map-keys": ["reading"],
        },
    )
    latency_ms: float | None = Field(
        default=None, ge=0, description="Estimated latency to the core."
    )
    energy_joules_per_cpu_second: float | None = Field(default=None, ge=0)
    price_per_cpu_second: TokenAmount | None = None
    reliability: float | None = Field(default=None, ge=0, le=1)
    ble_peripherals: tuple[BlePeripheral, ...] = Field(
        default=(),
        max_length=64,
        json_schema_extra={
            "x-kubernetes-list-type": "map",
            "x-kubernetes-list-map-keys": ["address"],
        },
    )
    last_report_time: Timestamp | None = None
    agent_version: Annotated[str, Field(max_length=64)] | None = None
    conditions: Conditions = ()
    observed_generation: int | None = Field(default=None, ge=0)


class EdgeDevice(ApiModel):
    """An EdgeDevice as the API server returns it."""

    api_version: Literal["fogcompute.io/v1alpha1"] = API_VERSION
    kind: Literal["EdgeDevice"] = KIND_EDGEDEVICE
    metadata: ObjectMeta = ObjectMeta()
    spec: EdgeDeviceSpec
    status: EdgeDeviceStatus | None = None
