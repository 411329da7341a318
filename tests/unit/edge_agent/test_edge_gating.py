"""Hysteresis with a fake clock: 300 s of continuous eligibility to resume, an immediate stop."""

from __future__ import annotations

from fogcompute_edge_agent.harvesting import HarvestGate, Verdict

YES = Verdict(True, "Eligible", "ok")
NO = Verdict(False, "OnBattery", "on battery")
DELAY = 300.0


def run(gate: HarvestGate, steps: list[tuple[float, Verdict]]) -> list[tuple[float, bool, bool]]:
    out = []
    for now, verdict in steps:
        d = gate.update(verdict, now=now, resume_delay=DELAY)
        out.append((now, d.harvestable, d.changed))
    return out


def test_a_new_gate_waits_the_resume_delay() -> None:
    gate = HarvestGate()
    trace = run(gate, [(0, YES), (299, YES), (300, YES), (301, YES)])
    assert trace == [(0, False, False), (299, False, False), (300, True, True), (301, True, False)]


def test_waiting_says_how_long() -> None:
    d = HarvestGate().update(YES, now=0, resume_delay=DELAY)
    assert d.reason == "ResumeDelay"
    assert "0 s of the 300 s" in d.message


def test_stop_is_immediate_and_resume_needs_continuous_eligibility() -> None:
    gate = HarvestGate()
    run(gate, [(0, YES), (300, YES)])
    trace = run(
        gate, [(301, NO), (302, YES), (500, YES), (501, NO), (502, YES), (801, YES), (802, YES)]
    )
    assert trace == [
        (301, False, True),  # stops on the first ineligible round
        (302, False, False),
        (500, False, False),
        (501, False, False),  # restarts the wait
        (502, False, False),
        (801, False, False),  # 299 s since 502
        (802, True, True),
    ]


def test_since_marks_the_last_change() -> None:
    gate = HarvestGate()
    run(gate, [(0, YES), (300, YES)])
    assert gate.update(YES, now=400, resume_delay=DELAY).since == 300
    assert gate.update(NO, now=450, resume_delay=DELAY).since == 450


def test_zero_delay_resumes_at_once() -> None:
    gate = HarvestGate()
    assert gate.update(YES, now=5, resume_delay=0).harvestable
    assert not gate.update(NO, now=6, resume_delay=0).harvestable
    assert gate.update(YES, now=7, resume_delay=0).changed


def test_ineligible_reason_passes_through() -> None:
    d = HarvestGate().update(NO, now=0, resume_delay=DELAY)
    assert (d.harvestable, d.reason, d.message) == (False, "OnBattery", "on battery")
