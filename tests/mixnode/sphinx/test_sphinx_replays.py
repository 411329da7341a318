"""ReplayFilter: no false negatives, a measured false-positive rate under 0.1 %, per-epoch drop."""

from __future__ import annotations

import random

import pytest
from fogcompute_mixnode.sphinx import ReplayFilter

CAPACITY = 20_000
PROBES = 200_000


def test_false_positive_rate_at_capacity_is_under_a_tenth_of_a_percent() -> None:
    rng = random.Random(20240531)
    replay = ReplayFilter(expected_per_epoch=CAPACITY, fp_rate=0.001, seed=b"fixed salt")
    stored = [rng.randbytes(32) for _ in range(CAPACITY)]
    wrongly_seen_on_insert = sum(replay.check_and_add(7, tag) for tag in stored)
    assert all(replay.contains(7, tag) for tag in stored)  # no false negatives
    false_positives = sum(replay.contains(7, rng.randbytes(32)) for _ in range(PROBES))
    rate = false_positives / PROBES
    assert rate < 0.001, f"measured false-positive rate {rate:.5f}"
    assert wrongly_seen_on_insert < CAPACITY * 0.001


def test_epochs_are_independent_and_dropped_with_their_key() -> None:
    replay = ReplayFilter(expected_per_epoch=1000)
    tag = b"x" * 32
    assert replay.check_and_add(1, tag) is False
    assert replay.check_and_add(1, tag) is True
    assert replay.contains(1, tag) is True
    assert replay.contains(2, tag) is False
    assert replay.check_and_add(2, tag) is False
    assert replay.epochs() == (1, 2)
    replay.drop_epoch(1)
    assert replay.epochs() == (2,)
    assert replay.check_and_add(1, tag) is False


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"expected_per_epoch": 0}, "expected_per_epoch must be >= 1"),
        ({"expected_per_epoch": 10, "fp_rate": 0.0}, "fp_rate must be in"),
        ({"expected_per_epoch": 10, "fp_rate": 1e-9}, "hashes"),
    ],
)
def test_bad_sizes_are_refused_with_the_field_named(kwargs: dict[str, float], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        ReplayFilter(**kwargs)  # type: ignore[arg-type]
