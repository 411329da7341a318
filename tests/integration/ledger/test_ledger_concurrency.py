"""Concurrent writers on one chain: conflicts are retried, nothing is lost, nothing doubles."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from fogcompute_operator.ledger import (
    ActionKey,
    Bond,
    Ledger,
    Leg,
    Receipt,
    Transfer,
    staker_account,
)
from fogcompute_testbed.postgres import Postgres
from ledger_support import fund
from prometheus_client import REGISTRY

NAMES = ["a", "b", "c", "d"]


def _retries(reason: str) -> float:
    value = REGISTRY.get_sample_value("fogcompute_ledger_retries_total", {"reason": reason})
    return value or 0.0


def _transfer(worker: int, i: int) -> Transfer:
    source = staker_account(NAMES[worker])
    target = staker_account(NAMES[(worker + 1 + i) % len(NAMES)])
    if target == source:
        target = staker_account(NAMES[(worker + 1) % len(NAMES)])
    return Transfer(
        key=ActionKey(resource_uid=f"w{worker}-{i}", action="transfer", epoch=0),
        legs=(Leg(account=source, amount=-1), Leg(account=target, amount=1)),
    )


def test_concurrent_writers_each_from_their_own_pool_all_land_once(
    ledger: Ledger, postgres: Postgres, database: str
) -> None:
    fund(ledger, **dict.fromkeys(NAMES, 1_000))
    before = _retries("serialization")
    writers = [Ledger.open(dsn=postgres.dsn(database), migrate=False) for _ in NAMES]

    def run(worker: int) -> list[object]:
        # The same key twice per worker: the second must replay, even under contention.
        return [writers[worker].apply(_transfer(worker, i % 25)) for i in range(30)]

    try:
        with ThreadPoolExecutor(len(NAMES)) as pool:
            results = [o for batch in pool.map(run, range(len(NAMES))) for o in batch]
    finally:
        for writer in writers:
            writer.close()
    assert all(isinstance(o, Receipt) for o in results)
    assert sum(o.replayed for o in results if isinstance(o, Receipt)) == 4 * 5
    report = ledger.verify()
    assert report.ok, report.breaks
    assert report.entries == len(NAMES) + 4 * 25
    assert sum(ledger.balances()[staker_account(n)] for n in NAMES) == 4_000
    assert _retries("serialization") > before, "four writers on one chain head never conflicted"


def test_a_transaction_that_loses_the_chain_head_is_retried(
    ledger: Ledger, postgres: Postgres, database: str
) -> None:
    """Deterministic conflict: another session updates the head while ours waits for its lock."""
    fund(ledger, a=10)
    before = _retries("serialization")
    holder = threading.Thread(
        target=postgres.psql,
        args=(
            "BEGIN; UPDATE ledger_chain_head SET entry_id = entry_id;"
            " SELECT pg_sleep(1.5); COMMIT;",
        ),
        kwargs={"dbname": database},
    )
    holder.start()
    time.sleep(0.5)
    outcome = ledger.apply(Bond(uid="stake-a", epoch=1, staker=staker_account("a"), amount=5))
    holder.join()
    assert isinstance(outcome, Receipt)
    assert not outcome.replayed
    assert _retries("serialization") >= before + 1
    assert ledger.verify().ok
