"""Pure parts of the ledger: account names, action keys, planning legs, admission, hashing."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from fractions import Fraction

import pytest
from fogcompute_operator.ledger import (
    BONDED,
    MINT,
    REWARDS,
    SLASHED,
    UNBONDING,
    AccountName,
    ActionKey,
    BeginUnbond,
    Bond,
    Leg,
    Mint,
    Reward,
    Slash,
    StakePosition,
    StakeUid,
    Transfer,
    Unbond,
    staker_account,
)
from fogcompute_operator.ledger.accounts import kind_of
from fogcompute_operator.ledger.actions import Refused
from fogcompute_operator.ledger.chaining import GENESIS_HASH, canonical_entry, link
from fogcompute_operator.ledger.migrating import available_migrations
from fogcompute_operator.ledger.writing import _View
from hypothesis import given
from hypothesis import strategies as st

ALICE = staker_account("alice")
STAKE = StakeUid("stake-a")


@dataclass
class FakeView:
    balances: dict[AccountName, int] = field(default_factory=dict)
    positions: dict[StakeUid, StakePosition] = field(default_factory=dict)

    def balance(self, account: AccountName) -> int:
        return self.balances.get(account, 0)

    def position(self, stake: StakeUid) -> StakePosition | None:
        return self.positions.get(stake)


HELD = FakeView(positions={STAKE: StakePosition(staker=ALICE, bonded=999, unbonding=101)})


def test_account_names_and_kinds() -> None:
    assert kind_of(ALICE) == "staker"
    assert kind_of(BONDED) == "bonded"
    with pytest.raises(ValueError, match="staker name 'bad name' is not valid"):
        staker_account("bad name")
    with pytest.raises(ValueError, match="account 'pool:other' is unknown"):
        kind_of(AccountName("pool:other"))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"resource_uid": "", "action": "bond", "epoch": 0}, "resource_uid ''"),
        ({"resource_uid": "u", "action": "Bond!", "epoch": 0}, "action 'Bond!'"),
        ({"resource_uid": "u", "action": "bond", "epoch": -1}, "epoch -1"),
    ],
)
def test_action_key_refuses_bad_fields(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ActionKey(**kwargs)  # type: ignore[arg-type]


def test_transfer_must_balance() -> None:
    key = ActionKey(resource_uid="t", action="transfer", epoch=0)
    with pytest.raises(ValueError, match="legs sum to non-zero"):
        Transfer(key=key, legs=(Leg(account=ALICE, amount=-1), Leg(account=REWARDS, amount=2)))


@pytest.mark.parametrize(
    ("name", "action", "legs"),
    [
        (
            "slash cuts bonded and unbonding, rounded down",
            Slash(uid=STAKE, epoch=1, fraction=Fraction(1, 10)),
            (
                Leg(account=BONDED, amount=-99, stake=STAKE),
                Leg(account=UNBONDING, amount=-10, stake=STAKE),
                Leg(account=SLASHED, amount=109),
            ),
        ),
        (
            "unbond all moves everything bonded",
            BeginUnbond(uid=STAKE, epoch=1),
            (
                Leg(account=BONDED, amount=-999, stake=STAKE),
                Leg(account=UNBONDING, amount=999, stake=STAKE),
            ),
        ),
        (
            "release pays the staker",
            Unbond(uid=STAKE, epoch=1),
            (Leg(account=UNBONDING, amount=-101, stake=STAKE), Leg(account=ALICE, amount=101)),
        ),
        ("zero reward has no legs", Reward(uid=STAKE, epoch=1, amount=0), ()),
        (
            "reward pays the stake's staker",
            Reward(uid=STAKE, epoch=1, amount=5),
            (Leg(account=REWARDS, amount=-5), Leg(account=ALICE, amount=5)),
        ),
        (
            "mint issues",
            Mint(uid="g", epoch=0, to=ALICE, amount=3),
            (Leg(account=MINT, amount=-3), Leg(account=ALICE, amount=3)),
        ),
    ],
)
def test_plan(
    name: str, action: Slash | BeginUnbond | Unbond | Reward | Mint, legs: tuple[Leg, ...]
) -> None:
    assert action.plan(HELD) == legs, name
    assert sum(leg.amount for leg in legs) == 0


def test_actions_on_an_unknown_stake_are_refused() -> None:
    with pytest.raises(Refused, match="never been bonded"):
        Reward(uid="nobody", epoch=1, amount=1).plan(FakeView())


def test_admission_refuses_overdraft_and_keeps_the_view_unchanged() -> None:
    view = _View(balances={ALICE: 50}, positions={}, ids={})
    bond = Bond(uid=STAKE, epoch=1, staker=ALICE, amount=60)
    assert "insufficient funds" in (view.admit(bond, bond.plan(view)) or "")
    assert view.balances == {ALICE: 50}
    assert view.positions == {}
    ok = Bond(uid=STAKE, epoch=1, staker=ALICE, amount=50)
    assert view.admit(ok, ok.plan(view)) is None
    assert view.positions[STAKE] == StakePosition(staker=ALICE, bonded=50)
    assert view.new_stakes == {STAKE: ALICE}


def test_hash_chain_is_sha256_of_previous_hash_and_canonical_json() -> None:
    canonical = canonical_entry(
        entry_id=1,
        resource_uid="u",
        action="mint",
        epoch=0,
        memo="",
        postings=[("system:mint", None, -5), ("staker:alice", None, 5)],
    )
    assert canonical == (
        b'{"action":"mint","epoch":0,"id":1,"memo":"","postings":[["system:mint",null,-5],'
        b'["staker:alice",null,5]],"uid":"u","v":1}'
    )
    assert link(GENESIS_HASH, canonical) == hashlib.sha256(bytes(32) + canonical).digest()


def test_migrations_ship_as_package_data_numbered_without_gaps() -> None:
    migrations = available_migrations()
    assert [m.version for m in migrations] == list(range(1, len(migrations) + 1))
    assert "CREATE CONSTRAINT TRIGGER ledger_entries_balanced" in migrations[0].sql


@given(
    uid=st.text(min_size=1, max_size=20),
    memo=st.text(max_size=20),
    account=st.text(max_size=10),
    stake=st.none() | st.text(max_size=10),
    amount=st.integers(-(2**63), 2**63 - 1),
)
def test_canonical_bytes_equal_sorted_compact_json(
    uid: str, memo: str, account: str, stake: str | None, amount: int
) -> None:
    postings = [(account, stake, amount), ("system:mint", None, -1)]
    document = {
        "v": 1,
        "id": 3,
        "uid": uid,
        "action": "bond",
        "epoch": 2,
        "memo": memo,
        "postings": [list(p) for p in postings],
    }
    expected = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    canonical = canonical_entry(
        entry_id=3, resource_uid=uid, action="bond", epoch=2, memo=memo, postings=postings
    )
    assert canonical == expected.encode()
