"""The database itself refuses what would break the books, whoever sends the SQL.

Each case is raw SQL through psql (not the ledger's Python), as a buggy writer or a person at a
SQL prompt would send it.
"""

from __future__ import annotations

import pytest
from fogcompute_operator.ledger import Ledger
from fogcompute_testbed.postgres import Postgres
from fogcompute_testbed.processes import TestbedError
from ledger_support import fund

ZERO = "decode(repeat('00', 32), 'hex')"
ENTRY = (
    "INSERT INTO ledger_entries (id, resource_uid, action, epoch, prev_hash, hash)"
    f" VALUES (100, 'raw', 'transfer', 0, {ZERO}, {ZERO});"
)


def _id(postgres: Postgres, database: str, name: str) -> int:
    return int(
        postgres.psql(f"SELECT id FROM ledger_accounts WHERE name = '{name}'", dbname=database)
    )


@pytest.mark.parametrize(
    ("name", "sql", "refusal"),
    [
        (
            "unbalanced posting",
            "BEGIN; {entry} INSERT INTO ledger_postings (entry_id, seq, account_id, kind, amount)"
            " VALUES (100, 0, {alice}, 'staker', -5), (100, 1, {bob}, 'staker', 4); COMMIT;",
            "ledger entry 100 is unbalanced: its 2 postings sum to -1, not 0",
        ),
        (
            "lone posting",
            "BEGIN; {entry} INSERT INTO ledger_postings (entry_id, seq, account_id, kind, amount)"
            " VALUES (100, 0, {mint}, 'mint', -5); COMMIT;",
            "its 1 postings sum to -5",
        ),
        (
            "balanced but overdrawn",
            "BEGIN; {entry} INSERT INTO ledger_postings (entry_id, seq, account_id, kind, amount)"
            " VALUES (100, 0, {alice}, 'staker', -500), (100, 1, {bob}, 'staker', 500); COMMIT;",
            "ledger_accounts_no_negative_balance",
        ),
        (
            "mint receiving",
            "BEGIN; {entry} INSERT INTO ledger_postings (entry_id, seq, account_id, kind, amount)"
            " VALUES (100, 0, {alice}, 'staker', -5), (100, 1, {mint}, 'mint', 5); COMMIT;",
            "ledger_postings_mint_only_issues",
        ),
        (
            "posting claiming the wrong kind",
            "BEGIN; {entry} INSERT INTO ledger_postings (entry_id, seq, account_id, kind, amount)"
            " VALUES (100, 0, {mint}, 'staker', -5), (100, 1, {bob}, 'staker', 5); COMMIT;",
            "(account, kind) pairs but only 1 exist",
        ),
        (
            "posting added to an old entry",
            "INSERT INTO ledger_postings (entry_id, seq, account_id, kind, amount)"
            " VALUES (1, 5, {alice}, 'staker', 1);",
            "postings are written with their entry",
        ),
        (
            "history rewritten",
            "UPDATE ledger_postings SET amount = amount * 2 WHERE entry_id = 1;",
            "ledger table ledger_postings is append-only: UPDATE refused",
        ),
        (
            "history deleted",
            "DELETE FROM ledger_entries WHERE id = 2;",
            "ledger table ledger_entries is append-only: DELETE refused",
        ),
        (
            "balance edited",
            "UPDATE ledger_accounts SET balance = balance + 1000 WHERE id = {alice};",
            "balances change only through postings",
        ),
    ],
)
def test_database_refuses(
    ledger: Ledger, postgres: Postgres, database: str, name: str, sql: str, refusal: str
) -> None:
    fund(ledger, alice=100, bob=100)
    before = ledger.balances()
    ids = {
        "alice": _id(postgres, database, "staker:alice"),
        "bob": _id(postgres, database, "staker:bob"),
        "mint": _id(postgres, database, "system:mint"),
    }
    with pytest.raises(TestbedError, match="psql failed") as refused:
        postgres.psql(sql.format(entry=ENTRY, **ids), dbname=database)
    assert refusal in str(refused.value), name
    assert ledger.balances() == before
    report = ledger.verify()
    assert report.ok, report.breaks
    assert report.entries == 2


def test_a_balanced_raw_transfer_in_one_transaction_is_accepted(
    ledger: Ledger, postgres: Postgres, database: str
) -> None:
    """Balanced raw SQL passes the row rules, but bypasses the chain: both checks see it."""
    fund(ledger, alice=100, bob=100)
    alice, bob = _id(postgres, database, "staker:alice"), _id(postgres, database, "staker:bob")
    postgres.psql(
        f"BEGIN; {ENTRY} INSERT INTO ledger_postings (entry_id, seq, account_id, kind, amount)"
        f" VALUES (100, 0, {alice}, 'staker', -5), (100, 1, {bob}, 'staker', 5); COMMIT;",
        dbname=database,
    )
    violations = ledger.check_invariants()
    assert [v.invariant for v in violations] == ["chain_head_current"]
    report = ledger.verify()
    assert not report.ok
    assert any(b.entry_id == 100 and "entries missing" in b.what for b in report.breaks)
