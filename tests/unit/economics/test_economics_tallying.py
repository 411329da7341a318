"""Cosmos tally: quorum 0.334, veto 0.334 of all votes, threshold 0.5 of non-abstain votes."""

from __future__ import annotations

from fractions import Fraction

import pytest
from fogcompute_operator.economics import (
    Tally,
    TallyParams,
    Verdict,
    VoteOption,
    count_votes,
    tally,
)

BONDED = 1_000


@pytest.mark.parametrize(
    ("name", "votes", "verdict", "burn"),
    [
        ("clear yes", Tally(yes=400, no=100), Verdict.PASSED, False),
        ("clear no", Tally(yes=100, no=400), Verdict.REJECTED, False),
        ("turnout 333 of 1000 misses quorum", Tally(yes=333), Verdict.NO_QUORUM, False),
        ("turnout 334 of 1000 meets quorum", Tally(yes=334), Verdict.PASSED, False),
        ("exactly half yes is not more than half", Tally(yes=250, no=250), Verdict.REJECTED, False),
        (
            "abstain does not count toward threshold",
            Tally(yes=101, no=100, abstain=300),
            Verdict.PASSED,
            False,
        ),
        ("abstain counts toward quorum", Tally(yes=10, abstain=330), Verdict.PASSED, False),
        ("everyone abstains", Tally(abstain=600), Verdict.REJECTED, False),
        (
            "veto over a third burns the deposit",
            Tally(yes=600, no_with_veto=335),
            Verdict.VETOED,
            True,
        ),
        ("veto exactly 0.334 is not over", Tally(yes=666, no_with_veto=334), Verdict.PASSED, False),
        (
            "veto share counts abstain in the denominator",
            Tally(yes=100, abstain=500, no_with_veto=300),
            Verdict.REJECTED,
            False,
        ),
        ("no votes at all", Tally(), Verdict.NO_QUORUM, False),
    ],
)
def test_tally(name: str, votes: Tally, verdict: Verdict, burn: bool) -> None:
    result = tally(votes=votes, bonded_total=BONDED)
    assert (result.verdict, result.burn_deposit) == (verdict, burn), name


def test_nothing_bonded_is_no_quorum_and_burning_without_quorum_is_a_choice() -> None:
    assert tally(votes=Tally(yes=5), bonded_total=0).verdict is Verdict.NO_QUORUM
    strict = TallyParams(burn_deposit_without_quorum=True)
    assert tally(votes=Tally(yes=1), bonded_total=BONDED, params=strict).burn_deposit


def test_votes_weigh_by_bonded_stake_and_an_empty_stake_counts_nothing() -> None:
    votes = {
        "s1": VoteOption.YES,
        "s2": VoteOption.NO_WITH_VETO,
        "s3": VoteOption.ABSTAIN,
        "s4": VoteOption.YES,
    }
    counted = count_votes(votes=votes, bonded={"s1": 70, "s2": 20, "s3": 10})
    assert counted == Tally(yes=70, no=0, abstain=10, no_with_veto=20)
    assert tally(votes=counted, bonded_total=100).turnout == Fraction(1)


@pytest.mark.parametrize("field", ["quorum", "threshold", "veto"])
def test_params_out_of_range_name_the_field(field: str) -> None:
    with pytest.raises(ValueError, match=f"{field}=3/2"):
        TallyParams(**{field: Fraction(3, 2)})
