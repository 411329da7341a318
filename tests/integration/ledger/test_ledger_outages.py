"""A dead or restarting PostgreSQL: a clear typed error, then recovery, nothing lost or doubled."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

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

T = TypeVar("T")

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


def _retrying(read: Callable[[], T], *, seconds: float = 30.0) -> T:
    deadline = time.monotonic() + seconds
    while True:
        try:
            return read()
        except LedgerUnavailableError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.2)


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
        # The pool may still be replacing connections the kill broke: read as a caller would,
        # retrying the typed error for a bounded time.
        balances = _retrying(ledger.balances)
        assert (balances[ALICE], balances[BOB]) == (0, total)
        report = _retrying(ledger.verify)
        assert report.ok, report.breaks
        assert report.entries == 1 + total
    finally:
        ledger.close()
