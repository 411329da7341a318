"""The EdgeDevice conditions as pure decisions: each case with a fake clock, and idempotence."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fogcompute_api.edgedevices import EdgeDevice
from fogcompute_operator.edgedevices import decide
from fogcompute_operator.edgedevices.deciding import Decision

T0 = datetime(2030, 1, 1, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def stamp(seconds: float) -> str:
    return at(seconds).strftime("%Y-%m-%dT%H:%M:%SZ")


def device(
    *, reported: float | None = 0, harvestable: bool | None = True, **spec: Any
) -> dict[str, Any]:
    status: dict[str, Any] = {}
    if reported is not None:
        status["lastReportTime"] = stamp(reported)
    if harvestable is not None:
        status["harvestable"] = harvestable
        status["harvestReason"] = "Idle" if harvestable else "OnBattery"
        status["harvestMessage"] = "on AC, idle 300s" if harvestable else "running on battery"
    return {
        "apiVersion": "fogcompute.io/v1alpha1",
        "kind": "EdgeDevice",
        "metadata": {"name": "edge-0", "generation": 1},
        "spec": {"nodeName": "edge-0", **spec},
        "status": status,
    }


def step(body: dict[str, Any], *, now: float, node: bool = True, timeout: float = 45) -> Decision:
    return decide(
        device=EdgeDevice.model_validate(body),
        body=body,
        node_exists=node,
        now=at(now),
        timeout_seconds=timeout,
    )


def conditions(decision: Decision) -> dict[str, tuple[str, str]]:
    return {c["type"]: (c["status"], c["reason"]) for c in decision.status["conditions"]}


@dataclass(frozen=True)
class Case:
    name: str
    body: dict[str, Any]
    now: float
    node: bool
    expected: dict[str, tuple[str, str]]
    evict: bool
    requeue: float | None


CASES = [
    Case(
        "reporting and harvestable",
        device(),
        10,
        True,
        {
            "Ready": ("True", "AgentReporting"),
            "Harvestable": ("True", "Idle"),
            "NodeFound": ("True", "NodeExists"),
        },
        False,
        35,
    ),
    Case(
        "silent past the bound",
        device(),
        45,
        True,
        {"Ready": ("Unknown", "AgentSilent"), "Harvestable": ("Unknown", "AgentSilent")},
        True,
        None,
    ),
    Case(
        "never reported",
        device(reported=None, harvestable=None),
        0,
        True,
        {"Ready": ("Unknown", "NoReport"), "Harvestable": ("Unknown", "NoReport")},
        True,
        None,
    ),
    Case(
        "not harvestable, reason mirrored",
        device(harvestable=False),
        1,
        True,
        {"Ready": ("True", "AgentReporting"), "Harvestable": ("False", "OnBattery")},
        False,  # a reporting agent evicts its own pods first (grace)
        5,
    ),
    Case(
        "harvest disabled by the admin",
        device(harvestEnabled=False),
        1,
        True,
        {"Harvestable": ("False", "HarvestDisabled")},
        False,  # a reporting agent evicts its own pods first (grace)
        5,
    ),
    Case(
        "the device asks for a shorter bound",
        device(reporting={"reportIntervalSeconds": 1, "staleAfterSeconds": 5}),
        6,
        True,
        {"Ready": ("Unknown", "AgentSilent")},
        True,
        None,
    ),
    Case(
        "its Node does not exist",
        device(),
        1,
        False,
        {"NodeFound": ("False", "NodeNotFound")},
        False,
        44,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_conditions(case: Case) -> None:
    decision = step(case.body, now=case.now, node=case.node)
    got = conditions(decision)
    for type_, expected in case.expected.items():
        assert got[type_] == expected, type_
    assert decision.evict is case.evict
    assert decision.requeue_after == (None if case.requeue is None else pytest.approx(case.requeue))
    assert decision.changed
    assert decision.status["observedGeneration"] == 1


def test_the_operator_caps_a_devices_silence_bound() -> None:
    body = device(reporting={"reportIntervalSeconds": 10, "staleAfterSeconds": 600})
    assert conditions(step(body, now=20, timeout=15))["Ready"] == ("Unknown", "AgentSilent")


def test_a_second_look_changes_nothing_and_posts_nothing() -> None:
    first = step(device(), now=10)
    body = {**device(), "status": first.status}
    second = step(body, now=20)
    assert not second.changed
    assert second.events == ()


def test_every_transition_is_an_event_and_keeps_the_agents_fields() -> None:
    first = step(device(), now=10)
    assert sorted(e.reason for e in first.events) == ["AgentReporting", "Idle", "NodeExists"]
    silent = step({**device(), "status": first.status}, now=50)
    assert sorted(e.reason for e in silent.events) == ["AgentSilent", "AgentSilent"]
    assert {e.type for e in silent.events} == {"Warning"}
    assert silent.status["harvestable"] is True  # the agent's readings are not the operator's
    assert silent.status["lastReportTime"] == stamp(0)
    ready = next(c for c in silent.status["conditions"] if c["type"] == "Ready")
    assert ready["lastTransitionTime"].startswith("2030-01-01T00:00:50")


def test_a_reporting_agent_gets_a_grace_to_evict_then_the_operator_does() -> None:
    """The agent evicts its own harvest pods; the operator evicts what is left once the grace
    has passed since Harvestable turned False, and at once when the agent is silent."""
    first = step(device(harvestable=False), now=1)
    assert (first.evict, first.requeue_after) == (False, pytest.approx(5))
    later = step({**device(harvestable=False), "status": first.status}, now=4)
    assert (later.evict, later.requeue_after) == (False, pytest.approx(2))
    after = step({**device(harvestable=False), "status": first.status}, now=6)
    assert after.evict
    assert after.requeue_after == pytest.approx(39)  # only the silence bound is left
    silent = step(device(harvestable=False, reported=0), now=50)
    assert silent.evict
