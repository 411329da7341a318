"""The benchmark's baseline: plain single-row INSERTs of transfers, with no ledger rules at all.

Only ``bench/bench_ledger.py`` uses it, to measure what the same PostgreSQL does in the same run
without double entry, idempotency, the hash chain or any trigger. It lives here because this
package is the only one that imports psycopg.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import psycopg

__all__ = ["plain_insert_rate"]


def plain_insert_rate(*, dsn: str, transfers: Sequence[tuple[str, str, int]], batch: int) -> float:
    """Insert each transfer as one row, ``batch`` rows per transaction; return rows per second."""
    with psycopg.connect(dsn) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_plain_transfers ("
            " id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
            " source TEXT NOT NULL, target TEXT NOT NULL, amount BIGINT NOT NULL)"
        )
        conn.commit()
        started = time.perf_counter()
        for first in range(0, len(transfers), batch):
            with conn.transaction(), conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO bench_plain_transfers (source, target, amount)"
                    " VALUES (%s, %s, %s)",
                    transfers[first : first + batch],
                )
        return len(transfers) / (time.perf_counter() - started)
