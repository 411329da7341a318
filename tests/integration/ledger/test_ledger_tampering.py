"""``verify`` and ``fog-ledger verify`` find history changed behind the database's back."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from fogcompute_operator.ledger import Ledger, Mint, staker_account
from fogcompute_operator.ledger.chaining import canonical_entry, link
from fogcompute_testbed.postgres import Postgres
from ledger_support import fund

# What a superuser can do: switch the triggers (append-only guards included) off.
BYPASS = "SET session_replication_role = replica; "


def _history(ledger: Ledger) -> None:
    fund(ledger, alice=1_000)
    ledger.apply_many(
        [Mint(uid=f"grant-{i}", epoch=i, to=staker_account("bob"), amount=10) for i in range(19)]
    )


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fogcompute_operator.ledger", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_changed_memo_is_named_by_entry(
    ledger: Ledger, postgres: Postgres, database: str, tmp_path: Path
) -> None:
    _history(ledger)
    postgres.psql(BYPASS + "UPDATE ledger_entries SET memo = 'mine' WHERE id = 7", dbname=database)
    report = ledger.verify()
    assert [(b.entry_id, b.what.split(" (")[0]) for b in report.breaks] == [(7, "hash mismatch")]
    dsn_file = postgres.write_dsn_file(tmp_path / "dsn", dbname=database)
    result = _cli("verify", "--dsn-file", str(dsn_file))
    assert result.returncode == 1
    assert "entry 7: hash mismatch" in result.stdout
    assert postgres.password_file.read_text().strip() not in result.stdout + result.stderr


def test_rehashed_entry_still_breaks_the_link_to_the_next(
    ledger: Ledger, postgres: Postgres, database: str
) -> None:
    _history(ledger)
    row = postgres.psql(
        "SELECT encode(prev_hash, 'hex'), resource_uid, action, epoch FROM ledger_entries"
        " WHERE id = 5",
        dbname=database,
    ).strip()
    prev_hex, uid, action, epoch = row.split("|")
    forged = link(
        bytes.fromhex(prev_hex),
        canonical_entry(
            entry_id=5,
            resource_uid=uid,
            action=action,
            epoch=int(epoch),
            memo="forged",
            postings=[("system:mint", None, -10), ("staker:bob", None, 10)],
        ),
    )
    postgres.psql(
        BYPASS + f"UPDATE ledger_entries SET memo = 'forged', hash = '\\x{forged.hex()}'"
        " WHERE id = 5",
        dbname=database,
    )
    breaks = ledger.verify().breaks
    assert [b.entry_id for b in breaks] == [6]
    assert "is not the hash of entry 5" in breaks[0].what


def test_deleted_tail_and_inflated_posting_are_found(
    ledger: Ledger, postgres: Postgres, database: str
) -> None:
    _history(ledger)
    postgres.psql(
        BYPASS + "DELETE FROM ledger_postings WHERE entry_id = 20;"
        " DELETE FROM ledger_entries WHERE id = 20;"
        " UPDATE ledger_postings SET amount = 1000 WHERE entry_id = 3 AND seq = 1;",
        dbname=database,
    )
    text = [str(b) for b in ledger.verify().breaks]
    assert any(t.startswith("entry 3: hash mismatch") for t in text), text
    assert any(t.startswith("entry 3: unbalanced") for t in text), text
    assert any("entries missing at the end" in t for t in text), text
    assert any("account staker:bob holds" in t for t in text), text
