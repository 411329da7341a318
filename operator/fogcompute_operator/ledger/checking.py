"""The invariants the operator checks continuously, cheaply, from the cached balances.

Where ``verifying`` re-derives everything from the postings (an audit, seconds per million
entries), this reads a handful of aggregates so a controller can run it every epoch, publish the
``fogcompute_ledger_invariant_violations`` gauge and set a condition from the result. It writes
nothing to the ledger.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from fogcompute_operator.ledger.connecting import Conn
from fogcompute_operator.ledger.metering import INVARIANT_VIOLATIONS

__all__ = ["INVARIANTS", "Invariant", "Violation", "check_connection"]

Invariant = Literal[
    "balances_sum_to_zero",
    "pools_equal_stakes",
    "no_negative_balance",
    "no_reward_paid_twice",
    "chain_head_current",
]
INVARIANTS: tuple[Invariant, ...] = (
    "balances_sum_to_zero",
    "pools_equal_stakes",
    "no_negative_balance",
    "no_reward_paid_twice",
    "chain_head_current",
)


@dataclass(frozen=True, kw_only=True)
class Violation:
    invariant: Invariant
    detail: str


def check_connection(conn: Conn) -> tuple[Violation, ...]:
    """Check every invariant in one transaction on ``conn``; update the gauge; return violations."""
    found: list[Violation] = []
    (total,) = conn.execute("SELECT coalesce(sum(balance), 0) FROM ledger_accounts").fetchone() or (
        0,
    )
    if int(total) != 0:
        found.append(Violation(invariant="balances_sum_to_zero", detail=f"balances sum to {total}"))
    row = conn.execute(
        "SELECT (SELECT balance FROM ledger_accounts WHERE name = 'pool:bonded'),"
        " (SELECT coalesce(sum(bonded), 0) FROM ledger_stakes),"
        " (SELECT balance FROM ledger_accounts WHERE name = 'pool:unbonding'),"
        " (SELECT coalesce(sum(unbonding), 0) FROM ledger_stakes)"
    ).fetchone()
    if row is not None:
        for pool, held, staked in (
            ("pool:bonded", row[0], row[1]),
            ("pool:unbonding", row[2], row[3]),
        ):
            if int(held) != int(staked):
                found.append(
                    Violation(
                        invariant="pools_equal_stakes",
                        detail=f"{pool} holds {held} but its stakes sum to {staked}",
                    )
                )
    for name, balance in conn.execute(
        "SELECT name, balance FROM ledger_accounts WHERE balance < 0 AND kind <> 'mint'"
        " UNION ALL SELECT 'stake ' || uid, least(bonded, unbonding) FROM ledger_stakes"
        " WHERE bonded < 0 OR unbonding < 0"
    ).fetchall():
        found.append(Violation(invariant="no_negative_balance", detail=f"{name} holds {balance}"))
    for uid, epoch, times in conn.execute(
        "SELECT resource_uid, epoch, count(*) FROM ledger_entries WHERE action = 'reward'"
        " GROUP BY resource_uid, epoch HAVING count(*) > 1"
    ).fetchall():
        found.append(
            Violation(
                invariant="no_reward_paid_twice",
                detail=f"reward for {uid} in epoch {epoch} recorded {times} times",
            )
        )
    head = conn.execute(
        "SELECT h.entry_id, (SELECT coalesce(max(id), 0) FROM ledger_entries)"
        " FROM ledger_chain_head h"
    ).fetchone()
    if head is None or int(head[0]) != int(head[1]):
        found.append(
            Violation(
                invariant="chain_head_current",
                detail=f"chain head at entry {head and head[0]}, last entry {head and head[1]}",
            )
        )
    for invariant in INVARIANTS:
        INVARIANT_VIOLATIONS.labels(invariant).set(sum(v.invariant == invariant for v in found))
    return tuple(found)
