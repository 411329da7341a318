"""Downtime slashing and jail, and unbonding maturity (the governed parameters' checks are
tested with the treasury: ``tests/unit/operator/economics``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest
from fogcompute_operator.economics import (
    SlashingParams,
    UnbondRequest,
    check_unbond,
    decide,
    edge_device_down,
    matured,
    mixnode_down,
)

NOW = datetime(2026, 1, 1, tzinfo=UTC)
PARAMS = SlashingParams(
    reliability_threshold=Fraction(8, 10),
    unknown_window=timedelta(minutes=5),
    downtime_fraction=Fraction(1, 20),
    jail_epochs=3,
)


@pytest.mark.parametrize(
    ("reliability", "down"),
    [(Fraction(79, 100), True), (Fraction(8, 10), False), (Fraction(1), False)],
)
def test_mixnode_down_below_threshold(reliability: Fraction, down: bool) -> None:
    assert mixnode_down(reliability=reliability, params=PARAMS) is down


@pytest.mark.parametrize(
    ("unknown_for", "down"),
    [(None, False), (timedelta(minutes=5), False), (timedelta(minutes=5, seconds=1), True)],
)
def test_edge_device_down_after_the_window(unknown_for: timedelta | None, down: bool) -> None:
    since = None if unknown_for is None else NOW - unknown_for
    assert edge_device_down(unknown_since=since, now=NOW, params=PARAMS) is down


def test_down_stake_is_slashed_once_per_jail_term() -> None:
    first = decide(down=True, epoch=10, jailed_until_epoch=None, reason="r", params=PARAMS)
    assert first is not None
    assert (first.fraction, first.jailed_until_epoch) == (Fraction(1, 20), 13)
    assert decide(down=True, epoch=12, jailed_until_epoch=13, reason="r", params=PARAMS) is None
    assert decide(down=True, epoch=13, jailed_until_epoch=13, reason="r", params=PARAMS)
    assert decide(down=False, epoch=20, jailed_until_epoch=None, reason="r", params=PARAMS) is None


def test_unbonding_matures_after_the_period() -> None:
    requests = [
        UnbondRequest(requested_epoch=5, amount=10),
        UnbondRequest(requested_epoch=1, amount=7),
    ]
    ready, waiting = matured(requests, now_epoch=8, period_epochs=4)
    assert ready == 7
    assert waiting == (UnbondRequest(requested_epoch=5, amount=10),)
    assert matured(requests, now_epoch=9, period_epochs=4) == (17, ())


@pytest.mark.parametrize(
    ("amount", "bonded", "message"),
    [
        (0, 100, "ask for a positive amount"),
        (101, 100, "only 100 is bonded"),
        (95, 100, "below the minimum stake 10; unbond 100 (everything) or at most 90"),
        (100, 100, None),
        (90, 100, None),
    ],
)
def test_unbond_request_checked_against_bonded_and_minimum(
    amount: int, bonded: int, message: str | None
) -> None:
    problem = check_unbond(amount=amount, bonded=bonded, min_stake=10)
    if message is None:
        assert problem is None
    else:
        assert problem is not None
        assert message in problem
