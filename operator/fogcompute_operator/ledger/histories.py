"""What the ledger recorded for one resource, per action: the read the Stake and Proposal
controllers decide from after a restart, so a lagging status never makes them repeat or skip.

One query over the entries of ``resource_uid`` (the unique key's leading column): per action,
the highest epoch recorded, how many entries, and the tokens they moved (the sum of their
positive postings: a reward's payout, a slash's cut, a bond's amount). Writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from fogcompute_operator.ledger.connecting import Conn

__all__ = ["ActionHistory", "history_connection"]


@dataclass(frozen=True, kw_only=True)
class ActionHistory:
    """One action of one resource as recorded: last epoch, entry count, tokens moved."""

    last_epoch: int
    entries: int
    moved: int


def history_connection(conn: Conn, resource_uid: str) -> dict[str, ActionHistory]:
    rows = conn.execute(
        "SELECT e.action, max(e.epoch), count(DISTINCT e.id),"
        " coalesce(sum(p.amount) FILTER (WHERE p.amount > 0), 0)"
        " FROM ledger_entries e LEFT JOIN ledger_postings p ON p.entry_id = e.id"
        " WHERE e.resource_uid = %s GROUP BY e.action",
        (resource_uid,),
    ).fetchall()
    return {
        str(action): ActionHistory(last_epoch=int(last), entries=int(count), moved=int(moved))
        for action, last, count, moved in rows
    }
