"""The SLA tiers' weights as a governed parameter: the Proposal whitelist and its value format,
the treasury's checks (errors naming the parameter and the fix), a passed Proposal that cannot
apply turning Failed, the tiers in force handed to the scheduler with an Event, and the
scheduler reading them at every round."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from fractions import Fraction
from typing import Any

import pytest
from fogcompute_api.proposals import PARAMETER_FORMATS, Proposal
from fogcompute_operator.controlling import EventNote, Informer, InformerSpec
from fogcompute_operator.kube import EDGEDEVICES, NODES, PROPOSALS, Body, ObjectKey
from fogcompute_operator.ledger.histories import ActionHistory
from fogcompute_operator.proposals import Facts, settle
from fogcompute_operator.scheduling import (
    DEFAULT_TIERS,
    JobRequest,
    NodeSnapshot,
    Tier,
    schedule_round,
)
from fogcompute_operator.scheduling.batching import (
    WORKLOAD_PODS,
    ClusterView,
    RoundConfig,
    Scheduler,
    Wanted,
)
from fogcompute_operator.scheduling.metering import SchedulingMetrics
from fogcompute_operator.treasury import (
    APPLIED_REASON,
    Governed,
    GovernedTiers,
    apply_changes,
    in_force,
    tiers_in_force,
)
from prometheus_client import CollectorRegistry
from pydantic import ValidationError

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
BRONZE_ZERO = [(f"scheduler.tierWeights.bronze.{o}", "0") for o in ("latency", "energy", "cost")]
BRONZE_ZERO += [(f"scheduler.tierWeights.bronze.{o}", "0") for o in ("makespan", "unreliability")]
GOLD_COST = "scheduler.tierWeights.gold.cost"


def proposal_body(
    name: str, changes: list[tuple[str, str]], *, phase: str | None = None, when: str = ""
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "metadata": {"name": name, "uid": f"uid-{name}", "generation": 1},
        "spec": {
            "title": "t",
            "proposer": "bob",
            "deposit": "500",
            "changes": [{"parameter": p, "value": v} for p, v in changes],
        },
    }
    if phase is not None:
        body["status"] = {"phase": phase, "executedTime": when}
    return body


# -- the API whitelist ---------------------------------------------------------------------------


def test_every_tier_weight_of_every_default_tier_is_whitelisted_with_the_weight_format() -> None:
    weights = {p for p, f in PARAMETER_FORMATS.items() if f == "weight"}
    expected = {
        f"scheduler.tierWeights.{tier}.{objective}"
        for tier in ("platinum", "gold", "bronze")
        for objective in ("latency", "energy", "cost", "makespan", "unreliability")
    }
    assert weights == expected


@pytest.mark.parametrize("value", ["0", "3", "0.5", "999.999", "12.25"])
def test_a_weight_value_in_format_is_accepted(value: str) -> None:
    Proposal.model_validate(proposal_body("p", [("scheduler.tierWeights.gold.cost", value)]))


@pytest.mark.parametrize("value", ["-1", "1000", "1e3", "0.0001", "01", "abc"])
def test_a_weight_value_out_of_format_is_refused_naming_the_field(value: str) -> None:
    with pytest.raises(ValidationError, match="weight format"):
        Proposal.model_validate(proposal_body("p", [("scheduler.tierWeights.gold.cost", value)]))


def test_an_unlisted_tier_or_objective_is_not_a_parameter() -> None:
    with pytest.raises(ValidationError, match="parameter"):
        Proposal.model_validate(proposal_body("p", [("scheduler.tierWeights.silver.cost", "1")]))


# -- the treasury's checks -----------------------------------------------------------------------


def test_a_weight_change_is_applied_and_counts_as_applied() -> None:
    params = apply_changes(Governed(), [("scheduler.tierWeights.gold.cost", "3.5")])
    assert params.tier_weights == {"gold.cost": Fraction(7, 2)}
    gold = tiers_in_force(params.tier_weights)["gold"]
    assert gold.weights is not None
    assert (gold.weights.cost, gold.weights.latency) == (3.5, 2.0)  # the others are kept
    assert gold.weights.max_makespan_ratio == 1.25  # and so is the tier's makespan bound
    assert tiers_in_force(params.tier_weights)["bronze"] == DEFAULT_TIERS["bronze"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        pytest.param(
            BRONZE_ZERO,
            r"scheduler\.tierWeights\.bronze\.\*: every weight of tier bronze would be 0.*"
            r"keep at least one above 0 \(e\.g\. scheduler\.tierWeights\.bronze\.latency=1\)",
            id="a tier left with every weight 0",
        ),
        pytest.param(
            [("scheduler.tierWeights.gold.cost", "5000")],
            r"scheduler\.tierWeights\.gold\.cost=5000: must be between 0 and 1000.*scale",
            id="too large",
        ),
        pytest.param(
            [("scheduler.tierWeights.gold.cost", "x")],
            r"scheduler\.tierWeights\.gold\.cost='x': not a number",
            id="not a number",
        ),
        pytest.param(
            [("scheduler.tierWeights.silver.cost", "1")],
            r"scheduler\.tierWeights\.silver\.cost: not a tier weight.*bronze, gold, platinum",
            id="unknown tier",
        ),
        pytest.param(
            [("governance.quorum", "half")],
            r"governance\.quorum='half': not a number",
            id="another parameter, not a number",
        ),
    ],
)
def test_a_change_that_cannot_apply_names_the_parameter_and_the_fix(
    changes: list[tuple[str, str]], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        apply_changes(Governed(), changes)


def test_zero_weights_are_fine_while_one_stays_above_zero() -> None:
    params = apply_changes(Governed(), BRONZE_ZERO[:4])
    bronze = tiers_in_force(params.tier_weights)["bronze"]
    assert bronze.weights is not None
    assert bronze.weights.unreliability == 0.5


def test_an_executed_proposal_that_cannot_apply_changes_nothing_in_force() -> None:
    proposals = [
        proposal_body(
            "a", [("scheduler.tierWeights.bronze.cost", "8")], phase="Executed", when="a"
        ),
        proposal_body("b", BRONZE_ZERO, phase="Executed", when="b"),  # all or nothing
    ]
    assert in_force(Governed(), proposals).tier_weights == {"bronze.cost": Fraction(8)}


# -- a passed Proposal that cannot apply ---------------------------------------------------------


def passed(changes: list[tuple[str, str]], *, phase: str = "Voting") -> tuple[Proposal, Facts]:
    body = proposal_body("p", changes)
    body["status"] = {
        "phase": phase,
        "votingStartTime": "2026-01-01T11:00:00Z",
        "votingEndTime": "2026-01-01T11:01:00Z",
    }
    h = ActionHistory(last_epoch=0, entries=1, moved=500)
    facts = Facts(
        now=NOW,
        params=Governed(min_deposit=100),
        history={"deposit": h, "refund_passed": h},
        bonded={"s1": 100},
    )
    return Proposal.model_validate(body), facts


def test_a_passed_proposal_whose_weights_cannot_apply_fails_with_the_reason() -> None:
    proposal, facts = passed(BRONZE_ZERO)
    settled = settle(proposal, {"status": {"phase": "Voting"}}, facts, state="Ready", message="")
    assert settled.status["phase"] == "Failed"
    assert "executedTime" not in settled.status
    applied = next(c for c in settled.status["conditions"] if c["type"] == "Applied")
    assert (applied["status"], applied["reason"]) == ("False", "InvalidParameters")
    assert "every weight of tier bronze would be 0" in applied["message"]
    assert "submit a new Proposal" in applied["message"]
    warnings = [e for e in settled.events if e.type == "Warning"]
    assert [e.reason for e in warnings] == ["InvalidParameters"]
    assert not [e for e in settled.events if e.reason == "ParametersApplied"]


def test_while_voting_changes_that_could_not_apply_are_flagged_early() -> None:
    proposal, facts = passed(BRONZE_ZERO)
    voting = Facts(
        now=facts.now,
        params=facts.params,
        history={"deposit": facts.history["deposit"]},
        bonded=facts.bonded,
    )
    early = settle(proposal, {"status": {"phase": "Voting"}}, voting, state="Ready", message="")
    assert early.status["phase"] == "Voting"
    applied = next(c for c in early.status["conditions"] if c["type"] == "Applied")
    assert (applied["status"], applied["reason"]) == ("False", "WouldNotApply")
    assert "every weight of tier bronze would be 0" in applied["message"]
    fine, facts = passed([("scheduler.tierWeights.gold.cost", "3")])
    voting = Facts(
        now=facts.now, params=facts.params, history={"deposit": facts.history["deposit"]}
    )
    quiet = settle(fine, {"status": {"phase": "Voting"}}, voting, state="Ready", message="")
    assert not [c for c in quiet.status["conditions"] if c["type"] == "Applied"]


def test_a_passed_proposal_with_valid_weights_executes_and_stays_executed() -> None:
    proposal, facts = passed([("scheduler.tierWeights.gold.cost", "3")])
    settled = settle(proposal, {"status": {"phase": "Voting"}}, facts, state="Ready", message="")
    assert settled.status["phase"] == "Executed"
    (note,) = [e for e in settled.events if e.reason == "ParametersApplied"]
    assert "scheduler.tierWeights.gold.cost=3" in note.message
    assert "not applied" not in note.message
    # decided once: parameters changed later by others never turn it Failed
    later = Facts(
        now=facts.now,
        params=Governed(min_deposit=100, tier_weights={"gold.latency": Fraction(0)}),
        history=facts.history,
        bonded=facts.bonded,
    )
    again = settle(proposal, {"status": settled.status}, later, state="Ready", message="")
    assert again.status["phase"] == "Executed"


# -- the tiers in force, handed to the scheduler -------------------------------------------------


def source(*bodies: dict[str, Any]) -> tuple[GovernedTiers, Informer, list[tuple[str, EventNote]]]:
    informer = Informer(InformerSpec(PROPOSALS))
    informer.prime(bodies)
    told: list[tuple[str, EventNote]] = []

    def announce(body: Body, note: EventNote) -> None:
        told.append((str(body["metadata"]["name"]), note))

    return GovernedTiers(proposals=informer, announce=announce), informer, told


def test_the_source_gives_the_defaults_until_a_proposal_executes_then_announces_once() -> None:
    tiers, informer, told = source(proposal_body("v", [("scheduler.tierWeights.gold.cost", "9")]))
    assert tiers() == DEFAULT_TIERS
    assert told == []
    executed = proposal_body(
        "v", [("scheduler.tierWeights.gold.cost", "9")], phase="Executed", when="2026-01-01"
    )
    informer.observe("MODIFIED", executed)
    gold = tiers()["gold"]
    assert gold.weights is not None
    assert gold.weights.cost == 9.0
    ((about, note),) = told
    assert (about, note.reason) == ("v", APPLIED_REASON)
    assert "gold latency=2 energy=1 cost=9 makespan=2 unreliability=2" in note.message
    tiers()
    assert len(told) == 1  # the same weights in the next round: no second Event


def test_the_event_goes_to_the_proposal_executed_last() -> None:
    tiers, _, told = source(
        proposal_body("old", [(GOLD_COST, "9")], phase="Executed", when="1"),
        proposal_body("new", [(GOLD_COST, "5")], phase="Executed", when="2"),
        proposal_body("other", [("staking.minimumStake", "5")], phase="Executed", when="3"),
    )
    gold = tiers()["gold"]
    assert gold.weights is not None
    assert gold.weights.cost == 5.0
    assert [about for about, _ in told] == ["new"]


# -- the scheduler reads its tier source every round ---------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "chosen"),
    [
        pytest.param({}, "near", id="default gold weights: latency 2, cost 1"),
        pytest.param({"gold.latency": Fraction(0), "gold.cost": Fraction(5)}, "cheap", id="cost"),
        pytest.param({"gold.latency": Fraction(5), "gold.cost": Fraction(0)}, "near", id="latency"),
    ],
)
def test_governed_weights_change_where_a_round_places_a_job(
    overrides: dict[str, Fraction], chosen: str
) -> None:
    nodes = (
        NodeSnapshot(
            name="near",
            cpu_millis=4000,
            memory_bytes=1 << 33,
            latency_ms=2.0,
            price_per_cpu_second=1e-3,
        ),
        NodeSnapshot(
            name="cheap",
            cpu_millis=4000,
            memory_bytes=1 << 33,
            latency_ms=80.0,
            price_per_cpu_second=1e-5,
        ),
    )
    job = JobRequest(name="ns/a", uid="a", tier="gold", cpu_millis=500, memory_bytes=1 << 28)
    result = schedule_round(
        jobs=(job,), nodes=nodes, tiers=tiers_in_force(overrides), budget_seconds=0.2, seed=1
    )
    assert [p.nodes for p in result.placements] == [(chosen,)]


class RecordingExecutor(ThreadPoolExecutor):
    """Runs the round for real and keeps the tiers each round was given."""

    def __init__(self) -> None:
        super().__init__(1)
        self.tiers: list[Mapping[str, Tier]] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.tiers.append(fn.keywords["tiers"])  # type: ignore[attr-defined]
        return super().submit(fn, *args, **kwargs)


def node(name: str) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "uid": name, "labels": {}},
        "status": {
            "allocatable": {"cpu": "4", "memory": "8Gi", "pods": "110"},
            "conditions": [{"type": "Ready", "status": "True"}],
        },
    }


async def test_each_round_uses_the_tiers_in_force_at_its_start() -> None:
    nodes = Informer(InformerSpec(NODES))
    nodes.prime([node("n1"), node("n2")])
    view = ClusterView(
        nodes=nodes, devices=Informer(InformerSpec(EDGEDEVICES)), pods=Informer(WORKLOAD_PODS)
    )
    governed = [DEFAULT_TIERS, tiers_in_force({"gold.cost": Fraction(7)})]
    registry = CollectorRegistry()
    with RecordingExecutor() as executor:
        scheduler = Scheduler(
            view=view,
            config=RoundConfig(
                round_seconds=30.0,
                budget_seconds=0.05,
                seed=0,
                tiers=DEFAULT_TIERS,
                heartbeat_timeout_seconds=60.0,
            ),
            executor=executor,
            metrics=SchedulingMetrics.create(registry),
            notify=lambda key: None,
            tiers=lambda: governed[0],
        )
        for round_ in range(2):
            name = f"j{round_}"
            request = JobRequest(
                name=f"ns/{name}", uid=name, tier="gold", cpu_millis=100, memory_bytes=1
            )
            scheduler.want(Wanted(key=ObjectKey(f"ns/{name}"), request=request, deadline=None))
            assert await asyncio.wait_for(scheduler.round_once(), timeout=30) == 1
            weight = registry.get_sample_value(
                "fogcompute_scheduling_tier_weight", {"tier": "gold", "objective": "cost"}
            )
            assert weight == (1.0 if round_ == 0 else 7.0)
            governed.pop(0)  # a Proposal executed between the two rounds
    assert [dict(t)["gold"].weights for t in executor.tiers] == [
        DEFAULT_TIERS["gold"].weights,
        tiers_in_force({"gold.cost": Fraction(7)})["gold"].weights,
    ]


async def test_a_failing_source_leaves_the_configured_tiers() -> None:
    def broken() -> Mapping[str, Tier]:
        raise RuntimeError("informer gone")

    nodes = Informer(InformerSpec(NODES))
    nodes.prime([node("n1")])
    view = ClusterView(
        nodes=nodes, devices=Informer(InformerSpec(EDGEDEVICES)), pods=Informer(WORKLOAD_PODS)
    )
    with RecordingExecutor() as executor:
        scheduler = Scheduler(
            view=view,
            config=RoundConfig(
                round_seconds=30.0,
                budget_seconds=0.05,
                seed=0,
                tiers=DEFAULT_TIERS,
                heartbeat_timeout_seconds=60.0,
            ),
            executor=executor,
            metrics=SchedulingMetrics.create(CollectorRegistry()),
            notify=lambda key: None,
            tiers=broken,
        )
        request = JobRequest(name="ns/j", uid="j", tier="gold", cpu_millis=100, memory_bytes=1)
        scheduler.want(Wanted(key=ObjectKey("ns/j"), request=request, deadline=None))
        assert await asyncio.wait_for(scheduler.round_once(), timeout=30) == 1
    assert executor.tiers == [DEFAULT_TIERS]
