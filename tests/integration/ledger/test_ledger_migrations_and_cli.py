"""Schema migrations at start (idempotent, concurrent-safe, tamper-evident) and ``fog-ledger``."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fogcompute_operator.ledger import Ledger, MigrationError, migrating
from fogcompute_testbed.postgres import Postgres
from ledger_support import fund


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fogcompute_operator.ledger", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_operators_starting_together_apply_each_migration_once(
    postgres: Postgres, database: str
) -> None:
    def start(_: int) -> list[int]:
        ledger = Ledger.open(dsn=postgres.dsn(database), migrate=False)
        try:
            return ledger.migrate()
        finally:
            ledger.close()

    with ThreadPoolExecutor(3) as pool:
        applied = list(pool.map(start, range(3)))
    versions = [m.version for m in migrating.available_migrations()]
    assert sorted(applied, key=len) == [[], [], versions]
    rows = postgres.psql("SELECT version FROM ledger_schema_migrations", dbname=database).split()
    assert rows == [str(v) for v in versions]


def test_a_migration_changed_after_it_was_applied_is_refused(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = migrating.available_migrations()
    edited = [
        migrating.Migration(version=m.version, name=m.name, sql=m.sql + "\n-- edited\n")
        for m in real
    ]
    monkeypatch.setattr(migrating, "available_migrations", lambda: edited)
    with pytest.raises(MigrationError, match="0001_ledger changed after it was applied"):
        ledger.migrate()


def test_cli_verify_and_check_on_a_sound_ledger(
    ledger: Ledger, postgres: Postgres, database: str, tmp_path: Path
) -> None:
    fund(ledger, alice=5, bob=7)
    dsn_file = postgres.write_dsn_file(tmp_path / "dsn", dbname=database)
    assert dsn_file.stat().st_mode & 0o077 == 0
    verify = _cli("verify", "--dsn-file", str(dsn_file), "--json")
    assert verify.returncode == 0, verify.stderr
    report = json.loads(verify.stdout)
    assert (report["ok"], report["entries"], report["supply"]) == (True, 2, 12)
    check = _cli("check", "--dsn-file", str(dsn_file))
    assert check.returncode == 0
    assert "no invariant violations" in check.stdout


def test_cli_reports_a_missing_dsn_file_and_a_dead_database(
    postgres: Postgres, tmp_path: Path
) -> None:
    missing = _cli("verify", "--dsn-file", str(tmp_path / "nope"))
    assert missing.returncode == 2
    assert f"--dsn-file {tmp_path / 'nope'}: cannot read it" in missing.stderr
    dead = tmp_path / "dead"
    dead.write_text("host=127.0.0.1 port=1 user=fog password=hunter2 dbname=x connect_timeout=1\n")
    result = _cli("verify", "--dsn-file", str(dead), "--timeout", "1")
    assert result.returncode == 2
    assert "fog-ledger verify: ledger database 127.0.0.1:1/x unreachable" in result.stderr
    assert "hunter2" not in result.stdout + result.stderr
