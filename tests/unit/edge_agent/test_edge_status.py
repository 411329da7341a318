"""The status the agent applies is what the EdgeDevice model accepts, unknowns left out."""

from __future__ import annotations

from edge_builders import ABSENT, readings
from fogcompute_api.edgedevices import EdgeDeviceStatus
from fogcompute_edge_agent.harvesting import GateDecision
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
    assert (
        "unknown readings: power (not there), battery (not there), temperature"
        in status["harvestMessage"]
    )


def test_long_messages_are_bounded() -> None:
    decision = GateDecision(False, "TooHot", "x" * 5000, since=0.0, changed=False)
    status = build_status(readings=readings(), decision=decision, now=0.0, version="v")
    assert len(status["harvestMessage"]) == 1024
    EdgeDeviceStatus.model_validate(status)
