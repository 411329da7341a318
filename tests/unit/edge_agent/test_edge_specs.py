"""The agent's spec reader mirrors fogcompute_api's EdgeDeviceSpec: fields, defaults, bounds."""

from __future__ import annotations

import dataclasses
from typing import Any

import pydantic
import pytest
from annotated_types import Ge, Le
from fogcompute_api import edgedevices as model
from fogcompute_edge_agent import specs

PAIRS = [
    (specs.HarvestPolicy, model.HarvestPolicy),
    (specs.ReportingSettings, model.ReportingSettings),
    (specs.BleSettings, model.BleSettings),
]


def bounds(info: Any) -> tuple[int | None, int | None]:
    ge = next((m.ge for m in info.metadata if isinstance(m, Ge)), None)
    le = next((m.le for m in info.metadata if isinstance(m, Le)), None)
    return ge, le


@pytest.mark.parametrize(("mirror", "source"), PAIRS, ids=lambda c: c.__name__)
def test_fields_defaults_and_bounds_match_the_model(mirror: Any, source: Any) -> None:
    ours = {f.name: f for f in dataclasses.fields(mirror)}
    assert set(ours) == set(source.model_fields)
    for name, info in source.model_fields.items():
        assert ours[name].default == info.default, name
        assert specs.camel(name) == info.alias, name
        if not isinstance(info.default, bool):
            assert (ours[name].metadata["ge"], ours[name].metadata["le"]) == bounds(info), name


def test_top_level_fields_match_the_model() -> None:
    ours = {f.name for f in dataclasses.fields(specs.DeviceSpec)}
    assert ours == set(model.EdgeDeviceSpec.model_fields)


def test_a_defaulted_spec_reads_like_the_model_reads_it() -> None:
    raw = model.EdgeDeviceSpec(node_name="edge-0").model_dump(mode="json")
    read = specs.read_spec(raw)
    assert read == specs.DeviceSpec(node_name="edge-0")
    assert specs.read_spec({"nodeName": "edge-0"}) == read


def test_values_are_read_and_unknown_fields_ignored() -> None:
    raw = {
        "nodeName": "edge-0",
        "harvestEnabled": False,
        "policy": {"maxTemperatureCelsius": 70, "allowBattery": True, "newerField": 1},
        "reporting": {"reportIntervalSeconds": 5, "staleAfterSeconds": 20},
        "ble": {"enabled": True, "showAddresses": True},
    }
    read = specs.read_spec(raw)
    assert read.harvest_enabled is False
    assert (read.policy.max_temperature_celsius, read.policy.allow_battery) == (70, True)
    assert read.reporting.report_interval_seconds == 5
    assert (read.ble.enabled, read.ble.show_addresses) == (True, True)


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"policy": {"maxTemperatureCelsius": "hot"}}, "spec.policy.maxTemperatureCelsius"),
        ({"policy": {"minBatteryPercent": 101}}, "spec.policy.minBatteryPercent"),
        ({"policy": {"requireAcPower": False}}, "spec.policy.allowBattery"),
        ({"policy": {"resumeDelaySeconds": True}}, "spec.policy.resumeDelaySeconds"),
        ({"reporting": {"reportIntervalSeconds": 50}}, "spec.reporting.staleAfterSeconds"),
        ({"ble": {"showAddresses": "yes"}}, "spec.ble.showAddresses"),
        ({"ble": []}, "spec.ble"),
        ({"harvestEnabled": 1}, "spec.harvestEnabled"),
        ({"nodeName": ""}, "spec.nodeName"),
    ],
    ids=[
        "type",
        "bound",
        "no-power",
        "bool-for-int",
        "stale",
        "ble-bool",
        "section",
        "enabled",
        "node",
    ],
)
def test_what_the_model_refuses_is_refused_naming_the_field(
    raw: dict[str, Any], field: str
) -> None:
    full = {"nodeName": "edge-0", **raw}
    with pytest.raises(specs.SpecError, match=field.replace(".", r"\.")):
        specs.read_spec(full)
    with pytest.raises(pydantic.ValidationError):
        model.EdgeDeviceSpec.model_validate(full, strict=True)
