"""The full audit behind ``fog-ledger verify``: recompute the hash chain and every invariant.

Reads the whole ledger in one REPEATABLE READ snapshot, streaming entries with their postings in
id order through a server-side cursor, and trusts nothing the writer stored: every hash is
recomputed (``chaining``), every entry re-summed, every balance and stake position re-derived
from the postings and compared with the cached ones. Each problem is a ``Break`` naming the entry
(when there is one) and what is wrong. It writes nothing. Tampering that bypassed the database's
own guards (triggers disabled by a superuser) is exactly what it is for.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import psycopg

from fogcompute_operator.ledger.accounts import SYSTEM_ACCOUNTS, AccountName, StakeUid
from fogcompute_operator.ledger.chaining import GENESIS_HASH, canonical_entry, link
from fogcompute_operator.ledger.connecting import Conn

__all__ = ["Break", "Verification", "verify_connection"]

_POOLS = {"bonded", "unbonding"}


@dataclass(frozen=True, kw_only=True)
class Break:
    """One place where the ledger is not what it must be."""

    entry_id: int | None
    what: str

    def __str__(self) -> str:
        where = f"entry {self.entry_id}" if self.entry_id is not None else "ledger"
        return f"{where}: {self.what}"


@dataclass(frozen=True, kw_only=True)
class Verification:
    entries: int
    postings: int
    head_entry_id: int
    head_hash_hex: str
    supply: int
    breaks: tuple[Break, ...]
    truncated: bool
    seconds: float

    @property
    def ok(self) -> bool:
        return not self.breaks


@dataclass
class _Audit:
    max_breaks: int
    kinds: dict[AccountName, str]
    breaks: list[Break] = field(default_factory=list)
    truncated: bool = False
    balances: dict[AccountName, int] = field(default_factory=dict)
    positions: dict[tuple[StakeUid, str], int] = field(default_factory=dict)
    rewards: set[tuple[str, int]] = field(default_factory=set)
    entries: int = 0
    postings: int = 0
    last_id: int = 0
    last_hash: bytes = GENESIS_HASH

    def flag(self, entry_id: int | None, what: str) -> None:
        if len(self.breaks) < self.max_breaks:
            self.breaks.append(Break(entry_id=entry_id, what=what))
        else:
            self.truncated = True

    def entry(self, row: tuple[Any, ...]) -> None:
        entry_id, uid, action, epoch, memo, prev_hash, stored, names, stakes, amounts, seqs = row
        prev_hash, stored = bytes(prev_hash), bytes(stored)
        legs = [(n, s, int(a)) for n, s, a in zip(names, stakes, amounts, strict=True) if n]
        self.entries += 1
        self.postings += len(legs)
        if entry_id != self.last_id + 1:
            self.flag(
                entry_id, f"entry ids jump from {self.last_id} to {entry_id}: entries missing"
            )
        if prev_hash != self.last_hash:
            self.flag(
                entry_id,
                f"prev_hash {prev_hash.hex()[:16]}... is not the hash of entry {self.last_id} "
                f"({self.last_hash.hex()[:16]}...): the chain is broken here",
            )
        canonical = canonical_entry(
            entry_id=entry_id,
            resource_uid=uid,
            action=action,
            epoch=epoch,
            memo=memo,
            postings=legs,
        )
        recomputed = link(prev_hash, canonical)
        if recomputed != stored:
            self.flag(
                entry_id,
                f"hash mismatch (stored {stored.hex()[:16]}..., recomputed "
                f"{recomputed.hex()[:16]}...): its content changed after it was written",
            )
        self._postings(entry_id, legs, [s for s in seqs if s is not None])
        if action == "reward":
            if (uid, epoch) in self.rewards:
                self.flag(entry_id, f"reward for {uid} in epoch {epoch} paid twice")
            self.rewards.add((uid, epoch))
        self.last_id, self.last_hash = entry_id, stored

    def _postings(
        self, entry_id: int, legs: list[tuple[str, str | None, int]], seqs: list[int]
    ) -> None:
        total = sum(a for _, _, a in legs)
        if total != 0 or len(legs) == 1:
            self.flag(entry_id, f"unbalanced: its {len(legs)} postings sum to {total}, not 0")
        if seqs != list(range(len(seqs))):
            self.flag(entry_id, f"posting sequence numbers {seqs} are not 0..{len(seqs) - 1}")
        for name, stake, amount in legs:
            account = AccountName(name)
            kind = self.kinds.get(account, "?")
            if (kind in _POOLS) != (stake is not None):
                self.flag(entry_id, f"posting to {name} ({kind}) with stake {stake!r}")
            if (kind == "mint" and amount > 0) or (kind == "burn" and amount < 0):
                self.flag(entry_id, f"posting of {amount} to {name}: the {kind} only goes one way")
            self.balances[account] = self.balances.get(account, 0) + amount
            if stake is not None:
                slot = (StakeUid(stake), kind)
                self.positions[slot] = self.positions.get(slot, 0) + amount


_ENTRIES = """
SELECT e.id, e.resource_uid, e.action, e.epoch, e.memo, e.prev_hash, e.hash,
       array_agg(a.name ORDER BY p.seq), array_agg(p.stake_uid ORDER BY p.seq),
       array_agg(p.amount ORDER BY p.seq), array_agg(p.seq ORDER BY p.seq)
  FROM ledger_entries e
  LEFT JOIN ledger_postings p ON p.entry_id = e.id
  LEFT JOIN ledger_accounts a ON a.id = p.account_id
 GROUP BY e.id
 ORDER BY e.id
"""


def verify_connection(conn: Conn, *, max_breaks: int = 50, batch: int = 20_000) -> Verification:
    """Audit the ledger on ``conn`` (idle, not inside a transaction)."""
    started = time.perf_counter()
    saved = conn.isolation_level, conn.read_only
    conn.isolation_level, conn.read_only = psycopg.IsolationLevel.REPEATABLE_READ, True
    try:
        with conn.transaction(force_rollback=True):
            rows = conn.execute("SELECT name, kind FROM ledger_accounts").fetchall()
            audit = _Audit(max_breaks=max_breaks, kinds={AccountName(n): str(k) for n, k in rows})
            with conn.cursor(name="ledger_verify", binary=True) as cur:
                cur.itersize = batch
                cur.execute(_ENTRIES)
                for row in cur:
                    audit.entry(row)
            _check_totals(conn, audit)
            head = conn.execute("SELECT entry_id, hash FROM ledger_chain_head").fetchone()
    finally:
        conn.isolation_level, conn.read_only = saved
    head_id, head_hash = (int(head[0]), bytes(head[1])) if head else (-1, b"")
    if (head_id, head_hash) != (audit.last_id, audit.last_hash):
        audit.flag(
            audit.last_id or None,
            f"chain head says entry {head_id} ({head_hash.hex()[:16]}...) but the last entry is "
            f"{audit.last_id} ({audit.last_hash.hex()[:16]}...): entries missing at the end",
        )
    mint = audit.balances.get(AccountName("system:mint"), 0)
    burned = audit.balances.get(AccountName("system:burn"), 0)
    return Verification(
        entries=audit.entries,
        postings=audit.postings,
        head_entry_id=head_id,
        head_hash_hex=head_hash.hex(),
        supply=-mint - burned,
        breaks=tuple(audit.breaks),
        truncated=audit.truncated,
        seconds=time.perf_counter() - started,
    )


def _check_totals(conn: Conn, audit: _Audit) -> None:
    (stored_postings,) = conn.execute("SELECT count(*) FROM ledger_postings").fetchone() or (0,)
    if int(stored_postings) != audit.postings:
        audit.flag(
            None,
            f"{stored_postings} postings stored but {audit.postings} belong to entries: "
            "orphan postings",
        )
    cached = {
        AccountName(n): int(b)
        for n, b in conn.execute("SELECT name, balance FROM ledger_accounts").fetchall()
    }
    for account in sorted(set(cached) | set(audit.balances)):
        derived, stored = audit.balances.get(account, 0), cached.get(account, 0)
        if derived != stored:
            audit.flag(None, f"account {account} holds {stored} but its postings sum to {derived}")
        kind = audit.kinds.get(account)
        if kind != "mint" and derived < 0:
            audit.flag(None, f"account {account} is negative ({derived})")
    if sum(cached.values()) != 0:
        audit.flag(None, f"balances sum to {sum(cached.values())}, not 0")
    stakes = conn.execute("SELECT uid, bonded, unbonding FROM ledger_stakes").fetchall()
    totals = {"bonded": 0, "unbonding": 0}
    for uid, bonded, unbonding in stakes:
        for kind, held in (("bonded", int(bonded)), ("unbonding", int(unbonding))):
            derived = audit.positions.get((StakeUid(uid), kind), 0)
            totals[kind] += held
            if derived != held:
                audit.flag(
                    None, f"stake {uid} shows {kind}={held} but its postings sum to {derived}"
                )
            if held < 0:
                audit.flag(None, f"stake {uid} has negative {kind} ({held})")
    for pool, kind in ((a, k) for a, k in SYSTEM_ACCOUNTS.items() if k in _POOLS):
        if cached.get(pool, 0) != totals[kind]:
            audit.flag(
                None, f"{pool} holds {cached.get(pool, 0)} but its stakes sum to {totals[kind]}"
            )
    _check_readings(conn, audit)


_MISMATCHED_READINGS = """
SELECT r.entry_id, r.stake_uid, r.epoch, e.resource_uid, e.action, e.epoch
  FROM ledger_meter_readings r JOIN ledger_entries e ON e.id = r.entry_id
 WHERE e.action <> 'reward' OR e.resource_uid <> r.stake_uid OR e.epoch <> r.epoch
 LIMIT 50
"""


def _check_readings(conn: Conn, audit: _Audit) -> None:
    """Each meter reading belongs to the reward entry of its own stake and epoch."""
    for entry_id, stake, epoch, uid, action, entry_epoch in conn.execute(
        _MISMATCHED_READINGS
    ).fetchall():
        audit.flag(
            int(entry_id),
            f"meter reading of stake {stake} epoch {epoch} joins entry {entry_id} "
            f"({action} of {uid} epoch {entry_epoch}), not that stake's reward for that epoch",
        )
