"""The epoch clock: the live set at, before and after a boundary and during the grace period."""

from __future__ import annotations

import pytest
from fogcompute_mixnode.directory.epochs import EpochClock

CLOCK = EpochClock(epoch_seconds=100.0, genesis=1_000.0, grace_s=10.0)

LIVE_CASES = {
    "before genesis: only epoch 0 is published": (950.0, {0}),
    "just before genesis: 0 is next": (999.0, {0}),
    "at genesis: 0 and 1, no previous": (1_000.0, {0, 1}),
    "mid epoch 3": (1_350.0, {3, 4}),
    "just before the 3/4 boundary": (1_399.999, {3, 4}),
    "at the 3/4 boundary: 3 is in grace": (1_400.0, {3, 4, 5}),
    "during the grace": (1_409.999, {3, 4, 5}),
    "at the end of the grace: 3 is gone": (1_410.0, {4, 5}),
    "after the grace": (1_450.0, {4, 5}),
}


@pytest.mark.parametrize(("now", "live"), LIVE_CASES.values(), ids=LIVE_CASES.keys())
def test_live_epochs(now: float, live: set[int]) -> None:
    assert CLOCK.live(now) == live


NEXT_CASES = {
    "mid epoch: the next boundary": (1_350.0, 1_400.0),
    "at a boundary: the end of its grace": (1_400.0, 1_410.0),
    "in the grace: the end of it": (1_405.0, 1_410.0),
    "at the end of the grace: the next boundary": (1_410.0, 1_500.0),
}


@pytest.mark.parametrize(("now", "change"), NEXT_CASES.values(), ids=NEXT_CASES.keys())
def test_next_change_is_where_the_live_set_changes(now: float, change: float) -> None:
    assert CLOCK.next_change(now) == change
    assert CLOCK.live(change) != CLOCK.live(now)
    assert CLOCK.live(change - 0.001) == CLOCK.live(now)


def test_without_grace_the_only_change_is_the_boundary() -> None:
    clock = EpochClock(epoch_seconds=100.0, genesis=0.0, grace_s=0.0)
    assert clock.live(300.0) == {3, 4}
    assert clock.next_change(300.0) == 400.0


@pytest.mark.parametrize(
    ("seconds", "grace", "flag"),
    [(0.0, 0.0, "--epoch-seconds"), (-5.0, 0.0, "--epoch-seconds"), (60.0, 60.0, "--epoch-grace")],
)
def test_bad_settings_name_the_flag(seconds: float, grace: float, flag: str) -> None:
    with pytest.raises(ValueError, match=flag):
        EpochClock(epoch_seconds=seconds, grace_s=grace)
