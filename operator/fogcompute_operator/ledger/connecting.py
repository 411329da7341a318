"""The connection pool and the translation of driver failures into the ledger's typed errors.

``open_pool`` makes a psycopg pool whose connections run SERIALIZABLE and are checked on checkout
(so a pool survives a database restart); ``translated`` turns connection loss, a pool timeout or
an unexpected database error into ``LedgerUnavailableError`` / ``LedgerError``. The DSN holds the
password: it goes to libpq and nowhere else (``describe_dsn`` is what messages show).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
from psycopg import IsolationLevel
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool, PoolTimeout

from fogcompute_operator.ledger.errors import LedgerError, LedgerUnavailableError
from fogcompute_operator.ledger.metering import UNAVAILABLE

__all__ = ["Conn", "Pool", "describe_dsn", "open_pool", "read_dsn_file", "translated"]

Conn = psycopg.Connection[tuple[Any, ...]]
Pool = ConnectionPool[Conn]


def describe_dsn(dsn: str) -> str:
    """``host:port/dbname`` of a DSN, for messages (never the password)."""
    try:
        parts = conninfo_to_dict(dsn)
    except psycopg.ProgrammingError:
        return "(unparsable DSN)"
    return f"{parts.get('host', 'localhost')}:{parts.get('port', 5432)}/{parts.get('dbname', '')}"


def read_dsn_file(path: Path) -> str:
    """The DSN in ``path`` (one line, as the testbed and the chart's Secret write it)."""
    try:
        dsn = path.read_text().strip()
    except OSError as exc:
        raise LedgerError(f"--dsn-file {path}: cannot read it ({exc.strerror})") from exc
    if not dsn:
        raise LedgerError(f"--dsn-file {path}: the file is empty; write a libpq DSN or URL in it")
    return dsn


def _configure(conn: Conn) -> None:
    conn.isolation_level = IsolationLevel.SERIALIZABLE


def open_pool(*, dsn: str, min_size: int = 1, max_size: int = 4, timeout: float = 5.0) -> Pool:
    """A started pool; it connects in the background, so opening never blocks on a dead DB."""
    pool: Pool = ConnectionPool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        timeout=timeout,
        open=False,
        configure=_configure,
        check=ConnectionPool.check_connection,
        name=f"ledger {describe_dsn(dsn)}",
    )
    pool.open(wait=False)
    return pool


@contextlib.contextmanager
def translated(where: str) -> Iterator[None]:
    """Re-raise driver failures as the ledger's typed errors, naming ``where`` (host:port/db)."""
    try:
        yield
    except PoolTimeout as exc:
        UNAVAILABLE.inc()
        raise LedgerUnavailableError(f"ledger database {where} unreachable: {exc}") from exc
    except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
        UNAVAILABLE.inc()
        raise LedgerUnavailableError(
            f"ledger database {where} unavailable: {type(exc).__name__}: {_first_line(exc)}"
        ) from exc
    except psycopg.DatabaseError as exc:
        raise LedgerError(
            f"ledger database {where} refused: {type(exc).__name__}: {_first_line(exc)}"
        ) from exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else "(no message)"
