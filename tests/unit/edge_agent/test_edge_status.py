"""The status the agent applies is what the EdgeDevice model accepts, unknowns left out."""

from __future__ import annotations

from edge_builders import ABSENT, BROKEN, PENDING, readings
from fogcompute_api.edgedevices import EdgeDeviceStatus
from fogcompute_edge_agent.harvesting import GateDecision
from fogcompute_edge_agent.readings import Unknown
from fogcompute_edge_agent.reporting import build_status

OPEN = GateDecision(True, "Eligible", "ok", since=1_000.0, changed=False)
CLOSED = GateDecision(False, "TooHot", "41 degC > 40 degC", since=1_000.0, changed=True)


def test_status_validates_against_the_model() -> None:
    status = build_status(readings=readings(gpus=2), decision=OPEN, now=1_010.0, version="v")
    model = EdgeDeviceStatus.model_validate(status)
    assert model.harvestable is True
    assert model.capacity is not None
    assert (model.capacity.cpu, model.capacity.memory, model.capacity.gpu) == ("4", str(8 << 30), 2)
    assert model.power is not None
    assert model.power.source == "AC"
    assert status["lastReportTime"] == "1970-01-01T00:16:50Z"
    assert status["harvestableSince"] == "1970-01-01T00:16:40Z"


def test_unknowns_are_left_out_and_explained() -> None:
    r = readings(temperature_celsius=ABSENT, power_source=ABSENT, battery_percent=ABSENT)
    status = build_status(readings=r, decision=CLOSED, now=1_010.0, version="v")
    EdgeDeviceStatus.model_validate(status)
    assert "thermal" not in status
    assert status["power"] == {"source": "Unknown"}
    assert "harvestableSince" not in status
    assert status["unknownReadings"] == [
        {"reading": "power", "reason": "Absent", "message": "not there"},
        {"reading": "battery", "reason": "Absent", "message": "not there"},
        {"reading": "temperature", "reason": "Absent", "message": "not there"},
    ]
    assert status["harvestMessage"] == CLOSED.message  # the decision only, not the unknowns


def test_unknown_readings_name_the_reason_and_are_bounded() -> None:
    r = readings(temperature_celsius=BROKEN, foreign_cpu_percent=PENDING, gpus=ABSENT)
    long = readings(memory_bytes=Unknown("unreadable", "x" * 1000))
    status = build_status(readings=r, decision=OPEN, now=1_010.0, version="v")
    model = EdgeDeviceStatus.model_validate(status)
    assert [(u.reading, u.reason) for u in model.unknown_readings] == [
        ("temperature", "Malformed"),
        ("foreignCpu", "Pending"),
        ("gpu", "Absent"),
    ]
    bounded = build_status(readings=long, decision=OPEN, now=1_010.0, version="v")
    (entry,) = EdgeDeviceStatus.model_validate(bounded).unknown_readings
    assert (entry.reason, len(entry.message)) == ("Unreadable", 256)
    every = build_status(readings=readings(), decision=OPEN, now=1_010.0, version="v")
    assert "unknownReadings" not in every  # readings that came back leave the list (SSA drops it)


def test_harvest_cpu_seconds_is_reported_when_counted() -> None:
    counted = build_status(
        readings=readings(harvest_cpu_seconds=12.5), decision=OPEN, now=1_010.0, version="v"
    )
    assert EdgeDeviceStatus.model_validate(counted).harvest_cpu_seconds == 12.5
    uncounted = build_status(readings=readings(), decision=OPEN, now=1_010.0, version="v")
    assert "harvestCpuSeconds" not in uncounted


def test_long_messages_are_bounded() -> None:
    decision = GateDecision(False, "TooHot", "x" * 5000, since=0.0, changed=False)
    status = build_status(readings=readings(), decision=decision, now=0.0, version="v")
    assert len(status["harvestMessage"]) == 1024
    EdgeDeviceStatus.model_validate(status)
