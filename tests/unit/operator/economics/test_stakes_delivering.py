"""Compute delivered by an EdgeDevice, from its measured counter: the delta since the last
reading, a reset, the estimate as a ceiling, the fallback without a counter or baseline, and the
readings the Stake's rewards carry into the ledger."""

from __future__ import annotations

from datetime import UTC, datetime
from fractions import Fraction
from typing import Any

import pytest
from fogcompute_api.stakes import Stake
from fogcompute_operator.ledger import MeterReading, Reward
from fogcompute_operator.ledger.histories import ActionHistory
from fogcompute_operator.stakes.deciding import Facts, plan, settle
from fogcompute_operator.stakes.delivering import COMPUTE_MEASURED, counter_of, deliver, marker
from fogcompute_operator.treasury import Governed

F = Fraction
M = 10**6


def device(counter: Any = None) -> dict[str, Any]:
    status = {} if counter is None else {"harvestCpuSeconds": counter}
    return {"metadata": {"name": "edge-1"}, "spec": {"nodeName": "edge-1"}, "status": status}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(12.5, F(25, 2), id="a float"),
        pytest.param(7, F(7), id="an integer"),
        pytest.param(None, None, id="absent"),
        pytest.param(-1.0, None, id="negative"),
        pytest.param(float("nan"), None, id="NaN"),
        pytest.param(float("inf"), None, id="infinite"),
        pytest.param("12", None, id="a string"),
        pytest.param(True, None, id="a boolean"),
    ],
)
def test_the_counter_is_read_only_when_it_is_a_number_at_least_zero(
    raw: Any, expected: Fraction | None
) -> None:
    assert counter_of(device(raw)) == expected


def test_no_device_means_no_counter() -> None:
    assert counter_of(None) is None


@pytest.mark.parametrize(
    ("counter", "last", "estimates", "credited", "basis", "reason"),
    [
        pytest.param(F(30), 20 * M, {5: F(40)}, {5: F(10)}, "measured", "Measured", id="delta"),
        pytest.param(F(100), 20 * M, {5: F(40)}, {5: F(40)}, "capped", "Capped", id="capped"),
        pytest.param(F(7), 20 * M, {5: F(40)}, {5: F(7)}, "reset", "CounterReset", id="reset"),
        pytest.param(F(90), 120 * M, {5: F(40)}, {5: F(40)}, "reset", "Capped", id="reset+cap"),
        pytest.param(F(20), 20 * M, {5: F(40)}, {5: F(0)}, "measured", "Measured", id="idle"),
        pytest.param(
            F(50),
            20 * M,
            {5: F(10), 6: F(30)},
            {5: F(15, 2), 6: F(45, 2)},
            "measured",
            "Measured",
            id="catch-up: shared by the estimates",
        ),
        pytest.param(F(30), 20 * M, {5: F(0)}, {5: F(0)}, "capped", "Capped", id="no pod ran"),
    ],
)
def test_delivered_is_the_counters_delta_capped_by_the_estimate(
    counter: Fraction,
    last: int,
    estimates: dict[int, Fraction],
    credited: dict[int, Fraction],
    basis: str,
    reason: str,
) -> None:
    found = deliver(
        device="edge-1",
        epochs=sorted(estimates),
        estimates=estimates,
        counter=counter,
        last_micros=last,
    )
    assert dict(found.cpu) == credited
    assert {e: r.basis for e, r in found.readings.items()} == dict.fromkeys(estimates, basis)
    assert {r.counter_micros for r in found.readings.values()} == {int(counter * M)}
    assert {e: r.credited_micros for e, r in found.readings.items()} == {
        e: int(c * M) for e, c in credited.items()
    }
    assert (found.verdict.status, found.verdict.reason) == ("True", reason)
    assert "status.harvestCpuSeconds of EdgeDevice edge-1" in found.verdict.message


def test_a_reset_says_from_what_to_what() -> None:
    found = deliver(
        device="edge-1", epochs=[5], estimates={5: F(40)}, counter=F(7), last_micros=20 * M
    )
    assert "the counter was reset: 20 -> 7" in found.verdict.message


def test_without_a_counter_the_estimate_is_used_and_the_condition_says_why() -> None:
    found = deliver(
        device="edge-1", epochs=[5, 6], estimates={5: F(4), 6: F(6)}, counter=None, last_micros=3
    )
    assert dict(found.cpu) == {5: F(4), 6: F(6)}
    assert {r.basis for r in found.readings.values()} == {"estimated"}
    assert {r.counter_micros for r in found.readings.values()} == {None}
    verdict = found.verdict
    assert (verdict.status, verdict.reason) == ("False", "NoCounter")
    assert "EdgeDevice edge-1 reports no status.harvestCpuSeconds" in verdict.message
    assert "estimate" in verdict.message


def test_a_first_reading_without_a_baseline_uses_the_estimate_and_records_the_counter() -> None:
    found = deliver(
        device="edge-1", epochs=[5], estimates={5: F(4)}, counter=F(1000), last_micros=None
    )
    assert dict(found.cpu) == {5: F(4)}  # not the 1000 s the counter held before the stake
    assert found.readings[5] == MeterReading(
        counter_micros=1000 * M, credited_micros=4 * M, basis="estimated"
    )
    assert (found.verdict.status, found.verdict.reason) == ("False", "NoBaseline")


def test_the_bond_records_the_counter_as_the_baseline() -> None:
    assert marker(F(3, 2)) == MeterReading(
        counter_micros=1_500_000, credited_micros=0, basis="baseline"
    )
    assert marker(None) is None


def test_a_reading_that_cannot_be_true_is_refused() -> None:
    with pytest.raises(ValueError, match="only an estimated reading may lack the counter"):
        MeterReading(counter_micros=None, credited_micros=0, basis="measured")
    with pytest.raises(ValueError, match="cannot be negative"):
        MeterReading(counter_micros=1, credited_micros=-1, basis="measured")


# -- the readings go with the rewards, and the condition into status ----------------------------

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)


def stake() -> Stake:
    return Stake.model_validate(
        {
            "metadata": {"name": "s", "namespace": "ns", "uid": "suid", "generation": 1},
            "spec": {
                "account": "dave",
                "target": {"kind": "EdgeDevice", "name": "edge-1"},
                "amount": "2000000",
            },
        }
    )


def test_each_reward_carries_its_reading_and_says_it_in_the_memo() -> None:
    reading = MeterReading(counter_micros=30 * M, credited_micros=10 * M, basis="measured")
    history = {
        "bond": ActionHistory(last_epoch=2_000_000, entries=1, moved=2_000_000),
        "reward": ActionHistory(last_epoch=4, entries=1, moved=0),
    }
    facts = Facts(
        now=NOW,
        epoch=6,
        epoch_seconds=2.0,
        params=Governed(mixing_pool=0, compute_pool=0),
        history=history,
        rewards={5: 100},
        readings={5: reading},
    )
    rewards = [a for a in plan(stake(), facts) if isinstance(a, Reward)]
    assert [(r.epoch, r.amount, r.reading) for r in rewards] == [(5, 100, reading)]
    assert rewards[0].memo == "epoch reward: 10 cpu-s measured"


def test_the_bond_marker_carries_the_baseline() -> None:
    baseline = marker(F(12))
    facts = Facts(now=NOW, epoch=6, epoch_seconds=2.0, params=Governed(), readings={6: baseline})  # type: ignore[dict-item]
    (marker_reward,) = [a for a in plan(stake(), facts) if isinstance(a, Reward)]
    assert (marker_reward.epoch, marker_reward.amount) == (6, 0)
    assert marker_reward.reading == baseline


def test_the_metering_verdict_becomes_the_compute_measured_condition() -> None:
    found = deliver(device="edge-1", epochs=[5], estimates={5: F(4)}, counter=None, last_micros=0)
    facts = Facts(now=NOW, epoch=6, epoch_seconds=2.0, params=Governed(), metering=found.verdict)
    settled = settle(stake(), {}, facts, state="Ready", message="", violations=())
    (condition,) = [c for c in settled.status["conditions"] if c["type"] == COMPUTE_MEASURED]
    assert (condition["status"], condition["reason"]) == ("False", "NoCounter")
    (event,) = [e for e in settled.events if e.reason == "NoCounter"]
    assert event.type == "Warning"
    assert "status.harvestCpuSeconds" in event.message
