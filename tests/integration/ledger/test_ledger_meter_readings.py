"""Meter readings against the real PostgreSQL: written in the reward's transaction, once (a
replayed reward adds none, a refused one writes neither), read back as the last counter, and
append-only in the database."""

from __future__ import annotations

import psycopg
import pytest
from fogcompute_operator.ledger import (
    REWARDS,
    Bond,
    Ledger,
    MeterReading,
    Mint,
    Receipt,
    Refusal,
    Reward,
    staker_account,
)
from fogcompute_testbed.postgres import Postgres
from ledger_support import fund

DAVE = staker_account("dave")


def reading(counter: int | None, credited: int, basis: str = "measured") -> MeterReading:
    return MeterReading(counter_micros=counter, credited_micros=credited, basis=basis)  # type: ignore[arg-type]


def rows(postgres: Postgres, database: str) -> list[tuple[object, ...]]:
    with psycopg.connect(postgres.dsn(database)) as conn:
        return conn.execute(
            "SELECT stake_uid, epoch, counter_micros, credited_micros, basis"
            " FROM ledger_meter_readings ORDER BY stake_uid, epoch"
        ).fetchall()


def test_a_reward_records_its_reading_once_and_the_last_counter_is_read_back(
    ledger: Ledger, postgres: Postgres, database: str
) -> None:
    fund(ledger, dave=5_000)
    ledger.apply(Mint(uid="budget", epoch=1, to=REWARDS, amount=1_000))
    assert ledger.last_counter("s1") is None
    bonded = ledger.apply_many(
        [
            Bond(uid="s1", epoch=2_000, staker=DAVE, amount=2_000),
            Reward(uid="s1", epoch=1, amount=0, reading=reading(5_000_000, 0, "baseline")),
        ]
    )
    assert all(isinstance(o, Receipt) for o in bonded), bonded
    assert ledger.last_counter("s1") == 5_000_000
    paid = Reward(uid="s1", epoch=2, amount=40, reading=reading(9_000_000, 4_000_000))
    (first,) = ledger.apply_many([paid])
    assert isinstance(first, Receipt)
    assert not first.replayed
    # a replay (a crash after the commit, before the status write) writes nothing more
    replay = Reward(uid="s1", epoch=2, amount=40, reading=reading(9_500_000, 4_500_000))
    (again,) = ledger.apply_many([replay])
    assert isinstance(again, Receipt)
    assert again.replayed
    assert ledger.last_counter("s1") == 9_000_000
    # paid by the estimate (no counter): the next reading starts a new baseline, so the epochs
    # the estimate paid are never paid again from an older counter's delta
    ledger.apply(Reward(uid="s1", epoch=3, amount=5, reading=reading(None, 500_000, "estimated")))
    assert ledger.last_counter("s1") is None
    assert rows(postgres, database) == [
        ("s1", 1, 5_000_000, 0, "baseline"),
        ("s1", 2, 9_000_000, 4_000_000, "measured"),
        ("s1", 3, None, 500_000, "estimated"),
    ]
    assert ledger.check_invariants() == ()
    assert ledger.verify().breaks == ()


def test_a_refused_reward_writes_no_reading(
    ledger: Ledger, postgres: Postgres, database: str
) -> None:
    fund(ledger, dave=5_000)
    ledger.apply(Bond(uid="s1", epoch=2_000, staker=DAVE, amount=2_000))
    # the rewards pool is empty: the reward is refused, and so its reading never lands
    (outcome,) = ledger.apply_many(
        [Reward(uid="s1", epoch=2, amount=40, reading=reading(9_000_000, 4_000_000))]
    )
    assert isinstance(outcome, Refusal)
    assert rows(postgres, database) == []
    assert ledger.last_counter("s1") is None


def test_readings_are_append_only_and_checked_by_the_database(
    ledger: Ledger, postgres: Postgres, database: str
) -> None:
    fund(ledger, dave=5_000)
    ledger.apply_many(
        [
            Bond(uid="s1", epoch=2_000, staker=DAVE, amount=2_000),
            Reward(uid="s1", epoch=1, amount=0, reading=reading(5_000_000, 0, "baseline")),
        ]
    )
    with psycopg.connect(postgres.dsn(database)) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
            conn.execute("UPDATE ledger_meter_readings SET counter_micros = 0")
        conn.rollback()
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute(
                "INSERT INTO ledger_meter_readings (stake_uid, epoch, entry_id, counter_micros,"
                " credited_micros, basis) SELECT 's1', 9, max(id), NULL, 0, 'measured'"
                " FROM ledger_entries"
            )


def test_verify_names_a_reading_moved_to_another_entry(
    ledger: Ledger, postgres: Postgres, database: str
) -> None:
    fund(ledger, dave=5_000)
    ledger.apply(Mint(uid="budget", epoch=1, to=REWARDS, amount=1_000))
    ledger.apply_many(
        [
            Bond(uid="s1", epoch=2_000, staker=DAVE, amount=2_000),
            Reward(uid="s1", epoch=1, amount=0, reading=reading(5_000_000, 0, "baseline")),
            Reward(uid="s1", epoch=2, amount=40, reading=reading(9_000_000, 4_000_000)),
        ]
    )
    assert ledger.verify().breaks == ()
    # a superuser, triggers off, points epoch 2's reading at the bond's entry
    postgres.psql(
        "SET session_replication_role = replica; UPDATE ledger_meter_readings SET entry_id ="
        " (SELECT id FROM ledger_entries WHERE action = 'bond') WHERE epoch = 2",
        dbname=database,
    )
    (found,) = ledger.verify().breaks
    assert "meter reading of stake s1 epoch 2 joins entry" in found.what
    assert "not that stake's reward for that epoch" in found.what
