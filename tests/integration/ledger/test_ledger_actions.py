"""The ledger against the real PostgreSQL: actions, refusals, idempotent replays, invariants."""

from __future__ import annotations

from fractions import Fraction

from fogcompute_operator.ledger import (
    BONDED,
    MINT,
    REWARDS,
    SLASHED,
    UNBONDING,
    ActionKey,
    BeginUnbond,
    Bond,
    Burn,
    Ledger,
    Leg,
    Mint,
    Receipt,
    Refusal,
    Reward,
    Slash,
    StakeUid,
    Transfer,
    Unbond,
    genesis_actions,
    mismatches,
    staker_account,
)
from fogcompute_testbed.postgres import Postgres
from ledger_support import fund

ALICE = staker_account("alice")
BOB = staker_account("bob")


def test_stake_lifecycle_moves_tokens_and_keeps_every_invariant(ledger: Ledger) -> None:
    fund(ledger, alice=1_000)
    ledger.apply(Mint(uid="budget", epoch=1, to=REWARDS, amount=100))
    outcomes = ledger.apply_many(
        [
            Bond(uid="stake-a", epoch=1, staker=ALICE, amount=800),
            Reward(uid="stake-a", epoch=1, amount=30),
            Slash(uid="stake-a", epoch=1, fraction=Fraction(1, 10)),
            BeginUnbond(uid="stake-a", epoch=2, amount=200),
            Unbond(uid="stake-a", epoch=5),
        ]
    )
    assert all(isinstance(o, Receipt) for o in outcomes), outcomes
    balances = ledger.balances()
    assert balances[ALICE] == 1_000 - 800 + 30 + 200
    assert balances[BONDED] == 800 - 80 - 200
    assert balances[UNBONDING] == 0
    assert balances[SLASHED] == 80
    assert balances[MINT] == -1_100
    assert sum(balances.values()) == 0
    position = ledger.positions()[StakeUid("stake-a")]
    assert (position.staker, position.bonded, position.unbonding) == (ALICE, 520, 0)
    assert ledger.check_invariants() == ()
    report = ledger.verify()
    assert report.ok, report.breaks
    assert (report.entries, report.supply) == (7, 1_100 - 0)


def test_replayed_action_changes_nothing_and_returns_the_original(ledger: Ledger) -> None:
    fund(ledger, alice=500)
    first = ledger.apply(Bond(uid="stake-a", epoch=3, staker=ALICE, amount=100))
    assert isinstance(first, Receipt)
    assert not first.replayed
    before = ledger.balances()
    # Same key, different amount: the recorded result wins and nothing moves.
    again = ledger.apply(Bond(uid="stake-a", epoch=3, staker=ALICE, amount=400))
    assert isinstance(again, Receipt)
    assert again.replayed
    assert (again.entry_id, again.legs, again.hash_hex) == (
        first.entry_id,
        first.legs,
        first.hash_hex,
    )
    assert ledger.balances() == before
    assert ledger.verify().entries == 2


def test_slash_replay_returns_the_amount_cut_then_not_a_new_cut(ledger: Ledger) -> None:
    fund(ledger, alice=1_000)
    ledger.apply(Bond(uid="stake-a", epoch=1, staker=ALICE, amount=1_000))
    first = ledger.apply(Slash(uid="stake-a", epoch=7, fraction=Fraction(1, 2)))
    replay = ledger.apply(Slash(uid="stake-a", epoch=7, fraction=Fraction(1, 2)))
    assert isinstance(first, Receipt)
    assert isinstance(replay, Receipt)
    assert replay.legs == first.legs
    assert ledger.balance(SLASHED) == 500


def test_overdraft_is_refused_alone_and_the_rest_of_the_batch_applies(ledger: Ledger) -> None:
    fund(ledger, alice=100)
    outcomes = ledger.apply_many(
        [
            Bond(uid="stake-a", epoch=1, staker=ALICE, amount=60),
            Bond(uid="stake-b", epoch=1, staker=ALICE, amount=60),
            Transfer(
                key=ActionKey(resource_uid="gift", action="transfer", epoch=1),
                legs=(Leg(account=ALICE, amount=-40), Leg(account=BOB, amount=40)),
            ),
        ]
    )
    assert isinstance(outcomes[0], Receipt)
    assert isinstance(outcomes[1], Refusal)
    assert "insufficient funds" in outcomes[1].reason
    assert isinstance(outcomes[2], Receipt)
    assert ledger.balances()[ALICE] == 0
    # A refused action recorded nothing: it may succeed later under the same key.
    ledger.apply(Mint(uid="top-up", epoch=1, to=ALICE, amount=60))
    assert isinstance(ledger.apply(Bond(uid="stake-b", epoch=1, staker=ALICE, amount=60)), Receipt)


def test_a_stake_pays_only_its_own_staker_and_cannot_be_taken_over(ledger: Ledger) -> None:
    fund(ledger, alice=100, bob=100)
    ledger.apply(Bond(uid="stake-a", epoch=1, staker=ALICE, amount=50))
    takeover = ledger.apply(Bond(uid="stake-a", epoch=2, staker=BOB, amount=50))
    assert isinstance(takeover, Refusal)
    assert "belongs to staker:alice" in takeover.reason
    unknown = ledger.apply(Reward(uid="stake-nobody", epoch=1, amount=5))
    assert isinstance(unknown, Refusal)
    assert "never been bonded" in unknown.reason


def test_burn_reduces_supply_and_a_zero_reward_is_recorded_once(ledger: Ledger) -> None:
    fund(ledger, alice=100)
    ledger.apply(Bond(uid="stake-a", epoch=1, staker=ALICE, amount=10))
    ledger.apply(Burn(uid="fee", epoch=1, source=ALICE, amount=30))
    zero = ledger.apply(Reward(uid="stake-a", epoch=9, amount=0))
    assert isinstance(zero, Receipt)
    assert zero.legs == ()
    assert ledger.apply(Reward(uid="stake-a", epoch=9, amount=50)).replayed  # type: ignore[union-attr]
    report = ledger.verify()
    assert report.ok
    assert report.supply == 70


def test_genesis_mint_is_idempotent_across_ledger_instances(
    ledger: Ledger, postgres: Postgres, database: str
) -> None:
    fund(ledger, alice=10, bob=20)
    second = Ledger.open(dsn=postgres.dsn(database))
    try:
        fund(second, alice=10, bob=20)
        assert second.migrate() == []
    finally:
        second.close()
    assert ledger.balances()[MINT] == -30


def test_genesis_from_values_mints_once_and_reports_edited_values(ledger: Ledger) -> None:
    values = {ALICE: 300, BOB: 200}
    first = ledger.apply_many(genesis_actions(values))
    assert mismatches(values, first) == []
    edited = {ALICE: 300, BOB: 999}
    again = ledger.apply_many(genesis_actions(edited))
    assert all(isinstance(o, Receipt) and o.replayed for o in again)
    assert mismatches(edited, again) == [
        "genesis for staker:bob was minted as 200; the values now say 999: genesis is minted "
        "once, so restore the value (or move tokens with a proposal)"
    ]
    assert ledger.balances()[MINT] == -500
