"""Hypothesis drives random Stake and Proposal histories through the controllers' pure decisions
and the real ledger (PostgreSQL), with a fake clock: stakes created, grown, unbonded, their
object going down and up, time passing, votes and tallies, and looks whose status write is lost
(as when the operator dies between the ledger commit and the status patch), and a harvest CPU
counter behind the stakes that grows and is reset. After every step every ledger invariant holds
and each stake's tokens are conserved (bonded + unbonding + slashed + released = bonded in);
every reward carries exactly one meter reading, and the cpu-seconds credited from the counter
never exceed what it grew; looks at one moment settle (the third records nothing new); at the
end the chain verifies. No API server here: the decisions are the controllers' own
(``plan``/``settle``, ``delivering.deliver``).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Any, ClassVar

from fogcompute_api.proposals import Proposal
from fogcompute_api.stakes import Stake
from fogcompute_operator import proposals, stakes
from fogcompute_operator.economics import VoteOption
from fogcompute_operator.ledger import Ledger, Mint, Receipt, StakeUid, staker_account
from fogcompute_operator.stakes import Health
from fogcompute_operator.stakes.delivering import deliver, marker
from fogcompute_operator.treasury import Governed, epoch_of
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

EPOCH = 10.0
PARAMS = Governed(
    minimum_stake=100,
    unbonding_seconds=30,
    jail_seconds=20,
    downtime_fraction=Fraction(1, 10),
    mixing_pool=1_000,
    compute_pool=0,
    min_deposit=10,
    voting_seconds=25,
)
NAMES = st.sampled_from(("s1", "s2", "s3"))
ACCOUNTS = ("alice", "bob")
OPTIONS = st.sampled_from(("yes", "no", "abstain", "noWithVeto"))


class EconomicsMachine(RuleBasedStateMachine):
    server: ClassVar[Postgres]

    def __init__(self) -> None:
        super().__init__()
        self.database = f"econsm_{uuid.uuid4().hex[:12]}"
        self.server.create_database(self.database)
        self.ledger = Ledger.open(dsn=self.server.dsn(self.database), max_connections=2)
        for account in ACCOUNTS:
            self.ledger.apply(
                Mint(uid=f"genesis/{account}", epoch=0, to=staker_account(account), amount=10_000)
            )
        self.now = datetime(2026, 1, 1, tzinfo=UTC)
        self.bodies: dict[str, dict[str, Any]] = {}
        self.down: dict[str, bool] = {}
        self.proposal: dict[str, Any] | None = None
        self.counter = Fraction(0)  # the device's status.harvestCpuSeconds

    @initialize(amount=st.integers(100, 3_000))
    def first_stake(self, amount: int) -> None:
        self.create("s1", "alice", amount)

    # ------------------------------------------------------------------ the world changes
    @rule(name=NAMES, account=st.sampled_from(ACCOUNTS), amount=st.integers(50, 3_000))
    def create(self, name: str, account: str, amount: int) -> None:
        if name not in self.bodies:
            self.bodies[name] = {
                "metadata": {
                    "name": name,
                    "namespace": "ns",
                    "uid": f"uid-{name}",
                    "generation": 1,
                },
                "spec": {
                    "account": account,
                    "target": {"kind": "MixNode", "name": "m"},
                    "amount": str(amount),
                },
            }

    @rule(name=NAMES, extra=st.integers(1, 500))
    def grow(self, name: str, extra: int) -> None:
        body = self.bodies.get(name)
        if body is not None and not body["spec"].get("unbond"):
            body["spec"]["amount"] = str(int(body["spec"]["amount"]) + extra)

    @rule(name=NAMES)
    def unbond(self, name: str) -> None:
        if name in self.bodies:
            self.bodies[name]["spec"]["unbond"] = True

    @rule(name=NAMES, down=st.booleans())
    def health(self, name: str, down: bool) -> None:
        self.down[name] = down

    @rule(seconds=st.integers(0, 30))
    def use_cpu(self, seconds: int) -> None:
        self.counter += seconds

    @rule(value=st.integers(0, 5))
    def reset_counter(self, value: int) -> None:
        self.counter = Fraction(value)

    @rule(seconds=st.integers(1, 25))
    def advance(self, seconds: int) -> None:
        self.now += timedelta(seconds=seconds)

    @rule(name=NAMES, option=OPTIONS)
    def vote(self, name: str, option: str) -> None:
        if name in self.bodies:
            self.bodies[name]["spec"]["votes"] = [{"proposal": "p", "option": option}]

    @rule()
    def propose(self) -> None:
        if self.proposal is None:
            self.proposal = {
                "metadata": {"name": "p", "uid": "uid-p", "generation": 1},
                "spec": {
                    "title": "t",
                    "proposer": "bob",
                    "deposit": "50",
                    "changes": [{"parameter": "staking.minimumStake", "value": "150"}],
                },
            }

    # ------------------------------------------------------------------ the controllers look
    def _facts(self, stake: Stake) -> stakes.Facts:
        uid = stake.metadata.uid or ""
        positions = self.ledger.positions()
        history = self.ledger.history(uid)
        epoch = epoch_of(self.now, epoch_seconds=EPOCH)
        performance = Fraction(1, 10) if self.down.get(stake.metadata.name) else Fraction(9, 10)
        mine = positions.get(StakeUid(uid))
        total = sum(p.bonded for p in positions.values())
        earned = stakes.mixing_share(
            performance=performance,
            stake=mine.bonded if mine else 0,
            node_total=total,
            bonded_total=total,
            staked_nodes=1,
            budget=PARAMS.mixing_pool,
        )
        epochs = stakes.deciding.reward_epochs(history, epoch=epoch, unbond=stake.spec.unbond)
        readings = {}
        if epochs:
            delivery = deliver(
                device="d",
                epochs=epochs,
                estimates=dict.fromkeys(epochs, Fraction(20)),
                counter=self.counter,
                last_micros=self.ledger.last_counter(uid),
            )
            readings = dict(delivery.readings)
        if "reward" not in history and (baseline := marker(self.counter)) is not None:
            readings[epoch] = baseline
        return stakes.Facts(
            now=self.now,
            epoch=epoch,
            epoch_seconds=EPOCH,
            params=PARAMS,
            history=history,
            position=mine,
            health=Health(
                exists=True, down=bool(self.down.get(stake.metadata.name)), performance=performance
            ),
            rewards={e: earned for e in epochs},
            readings=readings,
        )

    def _look(self, name: str, *, write_status: bool) -> list[Any]:
        stake = Stake.model_validate(self.bodies[name])
        outcomes = self.ledger.apply_many(stakes.plan(stake, self._facts(stake)))
        if write_status:
            settled = stakes.settle(
                stake,
                self.bodies[name],
                self._facts(stake),
                state="Ready",
                message="",
                violations=(),
            )
            self.bodies[name]["status"] = settled.status
        return outcomes

    @rule(name=NAMES, write_status=st.booleans())
    def look(self, name: str, write_status: bool) -> None:
        if name in self.bodies:
            self._look(name, write_status=write_status)

    @rule(seconds=st.integers(1, 15), write_status=st.booleans())
    def tick(self, seconds: int, write_status: bool) -> None:
        """Time passes and the controllers look at everything (the common case)."""
        self.now += timedelta(seconds=seconds)
        for name in self.bodies:
            self._look(name, write_status=write_status)
        self.look_proposal(write_status)

    @rule(name=NAMES)
    def looks_settle(self, name: str) -> None:
        """Looks at one moment settle: the first may bond (and only the next can see the new
        position to slash it), but the third records nothing new."""
        if name not in self.bodies:
            return
        for _ in range(2):
            self._look(name, write_status=True)
        again = self._look(name, write_status=True)
        fresh = [o for o in again if isinstance(o, Receipt) and not o.replayed]
        assert not fresh, f"a third look at the same moment recorded {fresh}"

    @rule(write_status=st.booleans())
    def look_proposal(self, write_status: bool) -> None:
        if self.proposal is None:
            return
        proposal = Proposal.model_validate(self.proposal)
        votes = {
            f"uid-{n}": VoteOption(v["option"])
            for n, b in self.bodies.items()
            for v in b["spec"].get("votes", ())
        }

        def facts() -> proposals.Facts:
            return proposals.Facts(
                now=self.now,
                params=PARAMS,
                history=self.ledger.history("uid-p"),
                votes=votes,
                bonded={str(u): p.bonded for u, p in self.ledger.positions().items()},
            )

        self.ledger.apply_many(proposals.plan(proposal, facts()))
        if write_status:
            settled = proposals.settle(proposal, self.proposal, facts(), state="Ready", message="")
            self.proposal["status"] = settled.status

    # ------------------------------------------------------------------ what must always hold
    @invariant()
    def books_balance(self) -> None:
        assert self.ledger.check_invariants() == ()

    @invariant()
    def tokens_are_conserved_per_stake(self) -> None:
        positions = self.ledger.positions()
        for name in self.bodies:
            history = self.ledger.history(f"uid-{name}")
            moved = {a: h.moved for a, h in history.items()}
            position = positions.get(StakeUid(f"uid-{name}"))
            held = (position.bonded + position.unbonding) if position else 0
            assert moved.get("bond", 0) == held + moved.get("slash", 0) + moved.get("release", 0)
            if "reward" in history:  # one entry per epoch from the bond epoch on, none skipped
                row = self.server.psql(
                    "SELECT min(epoch) || ' ' || max(epoch) || ' ' || count(*) FROM ledger_entries"
                    f" WHERE resource_uid = 'uid-{name}' AND action = 'reward'",
                    dbname=self.database,
                )
                low, high, count = (int(x) for x in row.split()[-3:])
                assert high - low + 1 == count, f"reward epochs {low}..{high} but {count} entries"

    @invariant()
    def each_reward_has_one_reading_and_credits_no_more_than_the_counter_grew(self) -> None:
        for name in self.bodies:
            uid = f"uid-{name}"
            rows = self.server.psql(
                "SELECT e.epoch || ' ' || coalesce(r.counter_micros::text, '-') || ' ' ||"
                " coalesce(r.credited_micros::text, '-') || ' ' || coalesce(r.basis, '-')"
                " FROM ledger_entries e LEFT JOIN ledger_meter_readings r ON r.entry_id = e.id"
                f" WHERE e.resource_uid = '{uid}' AND e.action = 'reward' ORDER BY e.epoch",
                dbname=self.database,
            )
            readings = [line.split() for line in rows.splitlines() if line.strip()]
            assert all(r[3] != "-" for r in readings), f"a reward of {uid} without its reading"
            grown, credited, previous = 0, 0, None
            for _, counter, paid, basis in readings:
                now = int(counter)
                if previous is not None and now != previous:
                    grown += now - previous if now >= previous else now
                previous = now
                if basis in ("measured", "capped", "reset"):
                    credited += int(paid)
            assert credited <= grown, f"{uid} credited {credited} but its counter grew {grown}"

    def teardown(self) -> None:
        try:
            report = self.ledger.verify()
            assert report.ok, report.breaks
        finally:
            self.ledger.close()
            self.server.drop_database(self.database)


def test_random_stake_and_proposal_histories_keep_the_books(postgres: Postgres) -> None:
    EconomicsMachine.server = postgres
    run_state_machine_as_test(
        EconomicsMachine,
        settings=settings(
            max_examples=10,
            stateful_step_count=40,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
