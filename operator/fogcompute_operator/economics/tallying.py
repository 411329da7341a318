"""Governance tally, as Cosmos SDK's x/gov does it: quorum, veto, then threshold.

Pure and exact (``Fraction``, integer voting power). The Proposal controller gathers the votes
cast through Stakes, weighs each by the stake's bonded amount at the end of the voting period
(``count_votes``), and asks ``tally`` for the verdict. The rule, in order:

1. turnout = all votes (abstain and veto included) / all bonded stake; below ``quorum`` (0.334)
   the proposal fails for lack of quorum;
2. no-with-veto / all votes above ``veto`` (0.334): vetoed, and the deposit is burned;
3. yes / (all votes - abstain) above ``threshold`` (0.5): passed; otherwise rejected (also when
   every vote abstains).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

__all__ = ["Tally", "TallyParams", "TallyResult", "Verdict", "VoteOption", "count_votes", "tally"]


class VoteOption(enum.Enum):
    YES = "yes"
    NO = "no"
    ABSTAIN = "abstain"
    NO_WITH_VETO = "noWithVeto"


class Verdict(enum.Enum):
    PASSED = "Passed"
    REJECTED = "Rejected"
    VETOED = "Vetoed"
    NO_QUORUM = "NoQuorum"


@dataclass(frozen=True, kw_only=True)
class TallyParams:
    quorum: Fraction = Fraction(334, 1000)
    threshold: Fraction = Fraction(1, 2)
    veto: Fraction = Fraction(334, 1000)
    burn_deposit_without_quorum: bool = False

    def __post_init__(self) -> None:
        for name in ("quorum", "threshold", "veto"):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                raise ValueError(f"{name}={value}: must be between 0 and 1")


@dataclass(frozen=True, kw_only=True)
class Tally:
    """Voting power per option, in base units of bonded stake."""

    yes: int = 0
    no: int = 0
    abstain: int = 0
    no_with_veto: int = 0

    def __post_init__(self) -> None:
        for name in ("yes", "no", "abstain", "no_with_veto"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name}={getattr(self, name)}: voting power cannot be negative")

    @property
    def total(self) -> int:
        return self.yes + self.no + self.abstain + self.no_with_veto


@dataclass(frozen=True, kw_only=True)
class TallyResult:
    verdict: Verdict
    burn_deposit: bool
    turnout: Fraction
    tally: Tally


def count_votes(*, votes: Mapping[str, VoteOption], bonded: Mapping[str, int]) -> Tally:
    """Weigh each stake's vote by its bonded amount; a stake with nothing bonded does not count."""
    power = dict.fromkeys(VoteOption, 0)
    for stake, option in votes.items():
        power[option] += max(bonded.get(stake, 0), 0)
    return Tally(
        yes=power[VoteOption.YES],
        no=power[VoteOption.NO],
        abstain=power[VoteOption.ABSTAIN],
        no_with_veto=power[VoteOption.NO_WITH_VETO],
    )


def tally(*, votes: Tally, bonded_total: int, params: TallyParams | None = None) -> TallyResult:
    """The verdict on a proposal whose voting period ended with ``votes``."""
    rules = params or TallyParams()
    total = votes.total
    turnout = Fraction(total, bonded_total) if bonded_total > 0 else Fraction(0)
    if bonded_total <= 0 or total == 0 or turnout < rules.quorum:
        return TallyResult(
            verdict=Verdict.NO_QUORUM,
            burn_deposit=rules.burn_deposit_without_quorum,
            turnout=turnout,
            tally=votes,
        )
    if Fraction(votes.no_with_veto, total) > rules.veto:
        return TallyResult(verdict=Verdict.VETOED, burn_deposit=True, turnout=turnout, tally=votes)
    counted = total - votes.abstain
    if counted > 0 and Fraction(votes.yes, counted) > rules.threshold:
        return TallyResult(verdict=Verdict.PASSED, burn_deposit=False, turnout=turnout, tally=votes)
    return TallyResult(verdict=Verdict.REJECTED, burn_deposit=False, turnout=turnout, tally=votes)
