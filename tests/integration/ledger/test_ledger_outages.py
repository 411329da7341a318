"""A dead or restarting PostgreSQL: a clear typed error, then recovery, nothing lost or doubled."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from fogcompute_operator.ledger import (
    ActionKey,
    Ledger,
    LedgerUnavailableError,
    Leg,
    Outcome,
    Receipt,
    Transfer,
    staker_account,
)
from fogcompute_testbed.postgres import Postgres
from ledger_support import fund

ALICE, BOB = staker_account("alice"), staker_account("bob")


@pytest.fixture
def revived(postgres: Postgres) -> Iterator[Postgres]:
    """The session's server, brought back up whatever the test did to it."""
    try:
        yield postgres
    finally:
        postgres.resume()


def _pay(i: int) -> Transfer:
    return Transfer(
        key=ActionKey(resource_uid=f"pay-{i}", action="transfer", epoch=0),
        legs=(Leg(account=ALICE, amount=-1), Leg(account=BOB, amount=1)),
    )


def test_dead_database_raises_a_typed_error_then_recovers(revived: Postgres, database: str) -> None:
    ledger = Ledger.open(dsn=revived.dsn(database), timeout=1.0)
    try:
        fund(ledger, alice=100)
        assert isinstance(ledger.apply(_pay(0)), Receipt)
        revived.kill()
        with pytest.raises(LedgerUnavailableError) as dead:
            ledger.apply(_pay(1))
        message = str(dead.value)
        assert f"127.0.0.1:{revived.port}/{database}" in message
        assert revived.password_file.read_text().strip() not in message
        revived.resume()
        outcomes = ledger.apply_many([_pay(0), _pay(1)])
        assert [o.replayed for o in outcomes if isinstance(o, Receipt)] == [True, False]
        assert ledger.balances()[BOB] == 2
        assert ledger.verify().ok
    finally:
        ledger.close()


def test_restarts_mid_run_lose_and_double_nothing(revived: Postgres, database: str) -> None:
    ledger = Ledger.open(dsn=revived.dsn(database), timeout=1.0)
    total, batch = 400, 10
    failures: list[str] = []
    done = threading.Event()
    progress = [0]

    def writer() -> None:
        for start in range(0, total, batch):
            while True:  # the caller's retry: same keys until they land
                try:
                    outcomes: list[Outcome] = ledger.apply_many(
                        [_pay(i) for i in range(start, start + batch)]
                    )
                    break
                except LedgerUnavailableError as exc:
                    failures.append(str(exc))
                    time.sleep(0.05)
            assert all(isinstance(o, Receipt) for o in outcomes)
            progress[0] = start + batch
        done.set()

    try:
        fund(ledger, alice=total)
        thread = threading.Thread(target=writer)
        thread.start()
        for stop, at in ((revived.restart, 100), (revived.kill, 250)):
            deadline = time.monotonic() + 60
            while progress[0] < at and time.monotonic() < deadline:
                time.sleep(0.01)
            stop()
            if not revived.process:
                time.sleep(0.3)
                revived.resume()
        assert done.wait(120), f"writer stuck at {progress[0]} of {total}"
        thread.join()
        assert failures, "the restarts never reached the writer"
        balances = ledger.balances()
        assert (balances[ALICE], balances[BOB]) == (0, total)
        report = ledger.verify()
        assert report.ok, report.breaks
        assert report.entries == 1 + total
    finally:
        ledger.close()
