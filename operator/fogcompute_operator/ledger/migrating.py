"""Versioned schema migrations, applied at start: idempotent, in one transaction, under a lock.

The SQL files ship as package data (``migrations/NNNN_name.sql``). ``migrate`` takes a
transaction-scoped advisory lock (two operators starting together apply each migration once),
creates ``ledger_schema_migrations`` if needed, applies the missing versions in order and records
each with its SHA-256; a recorded migration whose file changed since is refused, not re-run.
All of it commits together or not at all.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources

import psycopg

from fogcompute_operator.ledger.errors import MigrationError

__all__ = ["MIGRATION_LOCK", "Migration", "available_migrations", "migrate"]

# An arbitrary constant shared by every process that migrates this schema ("fogledg" in ASCII).
MIGRATION_LOCK = 0x666F676C656467
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True, kw_only=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def available_migrations() -> list[Migration]:
    """Every migration shipped with the package, by version."""
    found = []
    for item in resources.files("fogcompute_operator.ledger.migrations").iterdir():
        match = _NAME.match(item.name)
        if match:
            found.append(
                Migration(version=int(match[1]), name=match[2], sql=item.read_text("utf-8"))
            )
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if versions != list(range(1, len(found) + 1)):
        raise MigrationError(f"migration versions must run 1, 2, 3... without gaps: {versions}")
    return found


def migrate(conn: psycopg.Connection[tuple[object, ...]]) -> list[int]:
    """Apply missing migrations on ``conn`` (autocommit off); return the versions applied now."""
    applied_now: list[int] = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        conn.execute(
            "CREATE TABLE IF NOT EXISTS ledger_schema_migrations ("
            " version INT PRIMARY KEY, name TEXT NOT NULL, sha256 TEXT NOT NULL,"
            " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
        rows = conn.execute("SELECT version, sha256 FROM ledger_schema_migrations").fetchall()
        recorded = {int(str(v)): str(sha) for v, sha in rows}
        for migration in available_migrations():
            if migration.version in recorded:
                if recorded[migration.version] != migration.sha256:
                    raise MigrationError(
                        f"migration {migration.version:04d}_{migration.name} changed after it "
                        "was applied: restore it and add a new migration for the change"
                    )
                continue
            conn.execute(migration.sql.encode())  # no parameters: several statements at once
            conn.execute(
                "INSERT INTO ledger_schema_migrations (version, name, sha256) VALUES (%s, %s, %s)",
                (migration.version, migration.name, migration.sha256),
            )
            applied_now.append(migration.version)
    return applied_now
