"""Meter readings: the EdgeDevice harvest CPU counter a compute reward was computed from.

Written by the ledger's write path (``writing``) in the transaction of the reward they belong
to (a ``Reward`` carrying a ``reading``), only when that reward is fresh: a replayed reward adds
nothing, a refused one writes neither. The Stake controller reads the last counter back
(``last_counter``) to take the next settlement's delta from exactly there. Values in
micro-cpu-seconds (integers); table ``ledger_meter_readings`` (``migrations/0002``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from fogcompute_operator.ledger.accounts import StakeUid

if TYPE_CHECKING:  # the value types stay importable without psycopg, like ``actions``
    from fogcompute_operator.ledger.connecting import Conn

__all__ = [
    "MeterBasis",
    "MeterReading",
    "StoredReading",
    "insert_readings",
    "last_counter_connection",
]

MeterBasis = Literal["baseline", "measured", "capped", "reset", "estimated"]
"""How the credited cpu-seconds were found: ``baseline`` (the counter recorded at the bond, 0
credited), ``measured`` (the counter's delta), ``capped`` (the delta, above the estimate, cut to
it), ``reset`` (the counter went down: its value since the reset, capped the same way),
``estimated`` (no counter, or no earlier reading to take a delta from: run time x cpu request)."""


@dataclass(frozen=True, kw_only=True)
class MeterReading:
    counter_micros: int | None  # status.harvestCpuSeconds x 10^6; None: the device had none
    credited_micros: int
    basis: MeterBasis

    def __post_init__(self) -> None:
        if self.credited_micros < 0 or (self.counter_micros or 0) < 0:
            raise ValueError(f"{self}: counter and credited cpu-seconds cannot be negative")
        if self.counter_micros is None and self.basis != "estimated":
            raise ValueError(f"{self}: only an estimated reading may lack the counter")


@dataclass(frozen=True, kw_only=True)
class StoredReading:
    stake: StakeUid
    epoch: int
    entry_id: int
    reading: MeterReading


def insert_readings(conn: Conn, rows: Sequence[StoredReading]) -> None:
    if not rows:
        return
    with (
        conn.cursor() as cur,
        cur.copy(
            "COPY ledger_meter_readings (stake_uid, epoch, entry_id, counter_micros,"
            " credited_micros, basis) FROM STDIN"
        ) as copy,
    ):
        for r in rows:
            reading = r.reading
            copy.write_row(
                (
                    r.stake,
                    r.epoch,
                    r.entry_id,
                    reading.counter_micros,
                    reading.credited_micros,
                    reading.basis,
                )
            )


def last_counter_connection(conn: Conn, stake: str) -> int | None:
    """The counter (micro-cpu-seconds) of ``stake``'s latest reading; None when there is none
    or it had no counter (the epochs since were paid by the estimate: a delta from an older
    counter would pay them twice, so the next reading starts a new baseline)."""
    row = conn.execute(
        "SELECT counter_micros FROM ledger_meter_readings"
        " WHERE stake_uid = %s ORDER BY epoch DESC LIMIT 1",
        (stake,),
    ).fetchone()
    return None if row is None or row[0] is None else int(str(row[0]))
