"""Hypothesis drives random bond/unbond/release/slash/reward/replay sequences through the real
ledger and an independent model of the same rules; after every step the balances and positions
must match the model and every invariant must hold, and at the end ``verify`` must find nothing.
"""

from __future__ import annotations

import uuid
from fractions import Fraction
from typing import ClassVar

from fogcompute_operator.ledger import (
    BONDED,
    REWARDS,
    SLASHED,
    UNBONDING,
    AccountName,
    Action,
    BeginUnbond,
    Bond,
    Ledger,
    Mint,
    Receipt,
    Refusal,
    Reward,
    Slash,
    StakeUid,
    Unbond,
    staker_account,
)
from fogcompute_testbed.postgres import Postgres
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

NAMES = ("alice", "bob", "carol")
STAKES = ("s1", "s2", "s3")
GENESIS = 1_000
EPOCHS = st.integers(min_value=0, max_value=3)


class LedgerMachine(RuleBasedStateMachine):
    server: ClassVar[Postgres]

    def __init__(self) -> None:
        super().__init__()
        self.database = f"stateful_{uuid.uuid4().hex[:12]}"
        self.server.create_database(self.database)
        self.ledger = Ledger.open(dsn=self.server.dsn(self.database), max_connections=2)
        self.balances: dict[AccountName, int] = {}
        self.owner: dict[str, AccountName] = {}
        self.bonded: dict[str, int] = {}
        self.unbonding: dict[str, int] = {}
        self.recorded: dict[object, Receipt] = {}
        self.minted = 0

    # ------------------------------------------------------------------ helpers
    def _move(self, account: AccountName, amount: int) -> None:
        self.balances[account] = self.balances.get(account, 0) + amount

    def _apply(self, action: Action, *, allowed: bool) -> Receipt | None:
        """Apply it; check a replay or refusal against the model; return a fresh receipt."""
        outcome = self.ledger.apply(action)
        if action.key in self.recorded:
            assert isinstance(outcome, Receipt), outcome
            assert outcome.replayed
            assert outcome.legs == self.recorded[action.key].legs
            return None
        if not allowed:
            assert isinstance(outcome, Refusal), (action, outcome)
            return None
        assert isinstance(outcome, Receipt), (action, outcome)
        assert not outcome.replayed
        self.recorded[action.key] = outcome
        return outcome

    # ------------------------------------------------------------------ rules
    @initialize()
    def genesis(self) -> None:
        for name in NAMES:
            self._apply(
                Mint(uid=f"genesis/{name}", epoch=0, to=staker_account(name), amount=GENESIS),
                allowed=True,
            )
            self._move(staker_account(name), GENESIS)
        self.minted += GENESIS * len(NAMES)

    @rule(amount=st.integers(1, 300), epoch=EPOCHS)
    def fund_rewards(self, amount: int, epoch: int) -> None:
        if self._apply(Mint(uid="budget", epoch=epoch, to=REWARDS, amount=amount), allowed=True):
            self._move(REWARDS, amount)
            self.minted += amount

    @rule(
        name=st.sampled_from(NAMES),
        stake=st.sampled_from(STAKES),
        amount=st.integers(1, 600),
        epoch=EPOCHS,
    )
    def bond(self, name: str, stake: str, amount: int, epoch: int) -> None:
        staker = staker_account(name)
        allowed = self.owner.get(stake, staker) == staker and self.balances.get(staker, 0) >= amount
        if self._apply(Bond(uid=stake, epoch=epoch, staker=staker, amount=amount), allowed=allowed):
            self.owner[stake] = staker
            self._move(staker, -amount)
            self.bonded[stake] = self.bonded.get(stake, 0) + amount

    @rule(stake=st.sampled_from(STAKES), amount=st.none() | st.integers(1, 400), epoch=EPOCHS)
    def begin_unbond(self, stake: str, amount: int | None, epoch: int) -> None:
        bonded = self.bonded.get(stake, 0)
        wanted = bonded if amount is None else amount
        allowed = stake in self.owner and wanted <= bonded
        if self._apply(BeginUnbond(uid=stake, epoch=epoch, amount=amount), allowed=allowed):
            self.bonded[stake] -= wanted
            self.unbonding[stake] = self.unbonding.get(stake, 0) + wanted

    @rule(stake=st.sampled_from(STAKES), epoch=EPOCHS)
    def release(self, stake: str, epoch: int) -> None:
        if self._apply(Unbond(uid=stake, epoch=epoch), allowed=stake in self.owner):
            self._move(self.owner[stake], self.unbonding.get(stake, 0))
            self.unbonding[stake] = 0

    @rule(stake=st.sampled_from(STAKES), percent=st.integers(1, 100), epoch=EPOCHS)
    def slash(self, stake: str, percent: int, epoch: int) -> None:
        fraction = Fraction(percent, 100)
        if self._apply(
            Slash(uid=stake, epoch=epoch, fraction=fraction), allowed=stake in self.owner
        ):
            cut_bonded = int(self.bonded.get(stake, 0) * fraction)
            cut_unbonding = int(self.unbonding.get(stake, 0) * fraction)
            self.bonded[stake] -= cut_bonded
            self.unbonding[stake] = self.unbonding.get(stake, 0) - cut_unbonding
            self._move(SLASHED, cut_bonded + cut_unbonding)

    @rule(stake=st.sampled_from(STAKES), amount=st.integers(0, 200), epoch=EPOCHS)
    def reward(self, stake: str, amount: int, epoch: int) -> None:
        allowed = stake in self.owner and self.balances.get(REWARDS, 0) >= amount
        if self._apply(Reward(uid=stake, epoch=epoch, amount=amount), allowed=allowed) and amount:
            self._move(REWARDS, -amount)
            self._move(self.owner[stake], amount)

    # ------------------------------------------------------------------ invariants
    @invariant()
    def books_match_the_model_and_every_invariant_holds(self) -> None:
        assert self.ledger.check_invariants() == ()
        balances = {a: b for a, b in self.ledger.balances().items() if b}
        expected = {a: b for a, b in self.balances.items() if b}
        expected[AccountName("system:mint")] = -self.minted
        expected[BONDED] = sum(self.bonded.values())
        expected[UNBONDING] = sum(self.unbonding.values())
        assert balances == {a: b for a, b in expected.items() if b}
        positions = {
            uid: (p.staker, p.bonded, p.unbonding) for uid, p in self.ledger.positions().items()
        }
        assert positions == {
            StakeUid(s): (self.owner[s], self.bonded.get(s, 0), self.unbonding.get(s, 0))
            for s in self.owner
        }

    def teardown(self) -> None:
        try:
            report = self.ledger.verify()
            assert report.ok, report.breaks
            assert report.entries == len(self.recorded)
        finally:
            self.ledger.close()
            self.server.drop_database(self.database)


def test_random_economic_histories_keep_the_books(postgres: Postgres) -> None:
    LedgerMachine.server = postgres
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=12,
            stateful_step_count=25,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
