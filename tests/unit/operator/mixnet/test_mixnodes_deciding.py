"""MixNode layer, stake and conditions as pure decisions: named cases with a fake clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fogcompute_api.mixnodes import MixNode
from fogcompute_operator.mixnodes import Decision, Facts, balance_layer, decide

T0 = datetime(2030, 1, 1, tzinfo=UTC)
EPOCH = 7
KEY = "ab" * 32


def stamp(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def mixnode(*, spec: dict[str, Any] | None = None, **status: Any) -> dict[str, Any]:
    reported: dict[str, Any] = {
        "address": "127.0.0.1:9001",
        "identityKey": KEY,
        "keys": [{"epoch": e, "publicKey": KEY} for e in (EPOCH, EPOCH + 1)],
        "health": "Serving",
        "lastHeartbeat": stamp(0),
    }
    reported.update(status)
    return {
        "apiVersion": "fogcompute.io/v1alpha1",
        "kind": "MixNode",
        "metadata": {"name": "mix-a", "generation": 1},
        "spec": {"nodeName": "edge-0", **(spec or {})},
        "status": {k: v for k, v in reported.items() if v is not None},
    }


def facts(**changes: Any) -> Facts:
    base: dict[str, Any] = {
        "node_exists": True,
        "node_is_edge": True,
        "stake": None,
        "jailed_until": None,
        "layer_choice": 2,
        "epoch": EPOCH,
        "seconds_to_next_epoch": 30.0,
    }
    return Facts(**{**base, **changes})


def step(body: dict[str, Any], *, now: float = 1.0, **changes: Any) -> Decision:
    return decide(
        mixnode=MixNode.model_validate(body),
        body=body,
        facts=facts(**changes),
        now=T0 + timedelta(seconds=now),
        heartbeat_timeout_seconds=10,
    )


def conditions(decision: Decision) -> dict[str, tuple[str, str]]:
    return {c["type"]: (c["status"], c["reason"]) for c in decision.status["conditions"]}


@dataclass(frozen=True)
class Case:
    name: str
    body: dict[str, Any]
    ready: tuple[str, str]
    keys: tuple[str, str] = ("True", "KeysCurrent")
    now: float = 1.0
    facts: dict[str, Any] = field(default_factory=dict)


CASES = [
    Case("serving", mixnode(), ("True", "Serving")),
    Case("disabled", mixnode(spec={"enabled": False}), ("False", "Disabled")),
    Case("node gone", mixnode(), ("False", "NodeNotFound"), facts={"node_exists": False}),
    Case("not edge", mixnode(), ("False", "NotAnEdgeNode"), facts={"node_is_edge": False}),
    Case("never reported", mixnode(lastHeartbeat=None), ("Unknown", "NoReport")),
    Case("silent agent", mixnode(), ("Unknown", "AgentSilent"), now=11),
    Case("mixnode down", mixnode(health="Down"), ("False", "MixnodeDown")),
    Case(
        "no next key",
        mixnode(keys=[{"epoch": EPOCH, "publicKey": KEY}]),
        ("False", "KeysNotPublished"),
        keys=("False", "NoNextKey"),
    ),
    Case(
        "old keys only",
        mixnode(keys=[{"epoch": EPOCH - 1, "publicKey": KEY}]),
        ("False", "KeysNotPublished"),
        keys=("False", "NoCurrentKey"),
    ),
    Case(
        "no identity",
        mixnode(identityKey=None),
        ("False", "KeysNotPublished"),
        keys=("False", "NoIdentity"),
    ),
    Case(
        "jailed",
        mixnode(),
        ("False", "Jailed"),
        facts={"jailed_until": T0 + timedelta(seconds=100)},
    ),
    Case(
        "jail over",
        mixnode(),
        ("True", "Serving"),
        facts={"jailed_until": T0 - timedelta(seconds=1)},
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_conditions(case: Case) -> None:
    decision = step(case.body, now=case.now, **case.facts)
    found = conditions(decision)
    assert found["Ready"] == case.ready
    assert found["KeysPublished"] == case.keys
    jailed = case.ready[1] == "Jailed"
    assert found["Jailed"][0] == ("True" if jailed else "False")


def test_a_second_look_changes_nothing_and_posts_no_event() -> None:
    body = mixnode()
    first = step(body)
    assert first.changed
    again = {**body, "status": first.status}
    second = step(again, now=2.0)
    assert not second.changed
    assert second.events == ()


def test_every_transition_is_an_event_and_a_layer_is_assigned_once() -> None:
    body = mixnode()
    first = step(body)
    assert first.status["layer"] == 2
    assert {e.reason for e in first.events} >= {"Serving", "KeysCurrent", "LayerAssigned"}
    later = step({**body, "status": {**first.status, "health": "Down"}}, layer_choice=0)
    assert later.status["layer"] == 2  # kept, not rebalanced
    assert [e.reason for e in later.events] == ["MixnodeDown"]
    assert later.events[0].type == "Warning"


def test_spec_layer_wins_over_the_balancer() -> None:
    decision = step(mixnode(spec={"layer": 1}), layer_choice=0)
    assert decision.status["layer"] == 1
    assert "LayerAssigned" not in {e.reason for e in decision.events}


def test_stake_is_mirrored_and_requeue_is_the_nearest_time_change() -> None:
    decision = step(mixnode(), stake=5000, seconds_to_next_epoch=30.0)
    assert decision.status["stake"] == "5000"
    assert decision.requeue_after == pytest.approx(9.0)  # heartbeat stale at 10 s, now 1 s


@pytest.mark.parametrize(
    ("peers", "expected"),
    [
        ([], 0),
        ([(0, 1.0)], 1),
        ([(0, 1.0), (1, 1.0)], 2),
        ([(0, 1.0), (1, 1.0), (2, 1.0)], 0),
        ([(0, 0.5), (1, 5.0), (2, 5.0)], 0),  # weight, not count
        ([(0, 2.0), (1, 1.0), (1, 1.0), (2, 3.0)], 0),  # equal weight: fewer nodes first
        ([(4, 9.0)], 0),  # a layer beyond the balanced ones does not count
    ],
)
def test_balance_layer(peers: list[tuple[int, float]], expected: int) -> None:
    assert balance_layer(peers, layers=3) == expected
