"""Unit tests of the pure condition setters in fogcompute_api.conditions (fake clock)."""

from datetime import UTC, datetime, timedelta

import pytest
from fogcompute_api.conditions import (
    Condition,
    find_condition,
    is_condition_true,
    remove_condition,
    set_condition,
)
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

T0 = datetime(2030, 1, 1, tzinfo=UTC)
T1 = T0 + timedelta(seconds=30)


def ready(status: str = "True", *, reason: str = "PodsReady", generation: int = 1) -> Condition:
    return Condition.model_validate(
        {
            "type": "Ready",
            "status": status,
            "reason": reason,
            "message": "",
            "lastTransitionTime": T0,
            "observedGeneration": generation,
        }
    )


def test_adding_a_condition_reports_a_change_and_stamps_now() -> None:
    conditions, changed = set_condition(
        (), type="Queued", status="True", reason="Queued", message="m", now=T0, generation=2
    )
    assert changed
    assert conditions == (
        Condition(
            type="Queued",
            status="True",
            reason="Queued",
            message="m",
            last_transition_time=T0,
            observed_generation=2,
        ),
    )


def test_same_values_report_no_change_and_keep_the_object() -> None:
    before = (ready(),)
    after, changed = set_condition(
        before, type="Ready", status="True", reason="PodsReady", message="", now=T1, generation=1
    )
    assert not changed
    assert after == before
    assert after[0].last_transition_time == T0


@pytest.mark.parametrize(
    ("name", "status", "reason", "generation", "expected_time"),
    [
        ("status flips: transition time moves", "False", "PodsReady", 1, T1),
        ("reason changes only: transition time kept", "True", "Recovered", 1, T0),
        ("generation changes only: transition time kept", "True", "PodsReady", 7, T0),
    ],
)
def test_updates_report_change_and_move_time_only_on_status_change(
    name: str, status: str, reason: str, generation: int, expected_time: datetime
) -> None:
    after, changed = set_condition(
        (ready(),),
        type="Ready",
        status=status,  # type: ignore[arg-type]
        reason=reason,
        message="",
        now=T1,
        generation=generation,
    )
    assert changed, name
    (only,) = after
    assert (only.status, only.reason, only.observed_generation) == (status, reason, generation)
    assert only.last_transition_time == expected_time, name


def test_setter_is_pure_and_keeps_order_of_other_conditions() -> None:
    queued = ready().model_copy(update={"type": "Queued"})
    before = [queued, ready()]
    snapshot = list(before)
    after, changed = set_condition(
        before, type="Ready", status="False", reason="PodFailed", message="x", now=T1, generation=1
    )
    assert changed
    assert before == snapshot
    assert [c.type for c in after] == ["Queued", "Ready"]
    assert after[0] is queued


def test_find_is_true_and_remove() -> None:
    conditions = (ready(), ready("False").model_copy(update={"type": "Complete"}))
    assert find_condition(conditions, "Complete") is conditions[1]
    assert find_condition(conditions, "Failed") is None
    assert is_condition_true(conditions, "Ready")
    assert not is_condition_true(conditions, "Complete")
    assert not is_condition_true(conditions, "Failed")
    kept, removed = remove_condition(conditions, "Ready")
    assert removed
    assert [c.type for c in kept] == ["Complete"]
    assert remove_condition(kept, "Ready") == (kept, False)


@pytest.mark.parametrize(
    ("name", "field", "value"),
    [
        ("status outside True/False/Unknown", "status", "Maybe"),
        ("reason not CamelCase", "reason", "pods ready"),
        ("reason starting lowercase", "reason", "podsReady"),
        ("negative observedGeneration", "observedGeneration", -1),
        ("type with spaces", "type", "Is Ready"),
    ],
)
def test_condition_refuses_bad_values(name: str, field: str, value: object) -> None:
    data = ready().model_dump(mode="json")
    data[field] = value
    with pytest.raises(ValidationError):
        Condition.model_validate(data)


@given(
    status=st.sampled_from(["True", "False", "Unknown"]),
    reason=st.from_regex(r"\A[A-Z][a-z]{0,8}\Z"),
    generation=st.integers(min_value=0, max_value=10**6),
)
def test_setting_twice_changes_once(status: str, reason: str, generation: int) -> None:
    first, changed_first = set_condition(
        (ready(),),
        type="Ready",
        status=status,  # type: ignore[arg-type]
        reason=reason,
        message="",
        now=T1,
        generation=generation,
    )
    second, changed_second = set_condition(
        first,
        type="Ready",
        status=status,  # type: ignore[arg-type]
        reason=reason,
        message="",
        now=T1 + timedelta(hours=1),
        generation=generation,
    )
    assert changed_first == (first != (ready(),))
    assert not changed_second
    assert second == first
