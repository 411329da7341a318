"""The ledger's write path: apply economic actions atomically, idempotently, in chain order.

Callers (the Stake and Proposal controllers, genesis, the benchmark) hand ``Ledger.apply_many`` a
batch of actions. One SERIALIZABLE transaction then: looks their idempotency keys up (a replay
returns the recorded receipt and writes nothing), locks the chain head, reads the balances and
stake positions the fresh actions need, plans each action (``actions``), refuses any that would
overdraw (nothing written for it), and appends the rest with COPY as hash-chained entries. The
database re-checks every rule at commit (``migrations/0001_ledger.sql``). Serialisation failures
and deadlocks are retried up to a bound with jittered back-off; connection loss raises
``LedgerUnavailableError`` after the rollback, so no half action is ever left behind.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import psycopg
from psycopg import errors as pg_errors

from fogcompute_operator.ledger.accounts import AccountName, StakeUid, kind_of
from fogcompute_operator.ledger.actions import (
    Action,
    ActionKey,
    Leg,
    Receipt,
    Refusal,
    Refused,
    Reward,
    StakePosition,
)
from fogcompute_operator.ledger.chaining import canonical_entry, link
from fogcompute_operator.ledger.checking import Violation, check_connection
from fogcompute_operator.ledger.connecting import Conn, Pool, describe_dsn, open_pool, translated
from fogcompute_operator.ledger.errors import LedgerConflictError, LedgerError
from fogcompute_operator.ledger.histories import ActionHistory, history_connection
from fogcompute_operator.ledger.metering import (
    ACTIONS,
    RETRIES,
    TRANSACTION_SECONDS,
    TRANSACTIONS,
)
from fogcompute_operator.ledger.migrating import migrate
from fogcompute_operator.ledger.readings import (
    StoredReading,
    insert_readings,
    last_counter_connection,
)
from fogcompute_operator.ledger.verifying import Verification, verify_connection

__all__ = ["Ledger", "Outcome", "RetryPolicy"]

Outcome = Receipt | Refusal
T = TypeVar("T")


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    """How often a conflicting transaction is retried, and how long to back off between tries."""

    max_attempts: int = 16
    base_delay: float = 0.002
    max_delay: float = 0.2

    def delay(self, attempt: int) -> float:
        ceiling = min(self.max_delay, self.base_delay * 2 ** min(attempt, 16))
        return random.uniform(0, ceiling)  # noqa: S311 (jitter, not a secret)


@dataclass
class _View:
    """Balances and positions read in the transaction, updated as the batch is planned."""

    balances: dict[AccountName, int]
    positions: dict[StakeUid, StakePosition]
    ids: dict[AccountName, int]
    new_stakes: dict[StakeUid, AccountName] = field(default_factory=dict)

    def balance(self, account: AccountName) -> int:
        return self.balances.get(account, 0)

    def position(self, stake: StakeUid) -> StakePosition | None:
        return self.positions.get(stake)

    def admit(self, action: Action, legs: Sequence[Leg]) -> str | None:
        """Apply ``legs`` to the view, or return why they cannot apply (the view is unchanged)."""
        owners = {uid: staker for uid, staker in action.stakes() if staker is not None}
        balances: dict[AccountName, int] = {}
        positions: dict[StakeUid, StakePosition] = {}
        for leg in legs:
            kind = kind_of(leg.account)
            if (kind in ("bonded", "unbonding")) != (leg.stake is not None):
                return f"leg to {leg.account} must name a stake exactly when it is a pool"
            balances[leg.account] = (
                balances.get(leg.account, self.balance(leg.account)) + leg.amount
            )
            if leg.stake is not None:
                current = positions.get(leg.stake) or self.positions.get(leg.stake)
                if current is None:
                    if leg.stake not in owners:
                        return f"stake {leg.stake!r} has never been bonded"
                    current = StakePosition(staker=owners[leg.stake])
                elif leg.stake in owners and owners[leg.stake] != current.staker:
                    return (
                        f"stake {leg.stake!r} belongs to {current.staker}, not {owners[leg.stake]}"
                    )
                field_name = "bonded" if kind == "bonded" else "unbonding"
                positions[leg.stake] = _moved(current, field_name, leg.amount)
        for account, balance in balances.items():
            kind = kind_of(account)
            if (kind == "mint" and balance > 0) or (kind != "mint" and balance < 0):
                return f"{account} would hold {balance}: insufficient funds"
        for stake, position in positions.items():
            if position.bonded < 0 or position.unbonding < 0:
                return (
                    f"stake {stake!r} would hold bonded={position.bonded} "
                    f"unbonding={position.unbonding}"
                )
        for stake in positions:
            if stake not in self.positions:
                self.new_stakes[stake] = positions[stake].staker
        self.balances.update(balances)
        self.positions.update(positions)
        return None


def _moved(position: StakePosition, field_name: str, amount: int) -> StakePosition:
    if field_name == "bonded":
        return StakePosition(
            staker=position.staker, bonded=position.bonded + amount, unbonding=position.unbonding
        )
    return StakePosition(
        staker=position.staker, bonded=position.bonded, unbonding=position.unbonding + amount
    )


class Ledger:
    """The double-entry ledger in PostgreSQL. Thread-safe; one per process."""

    def __init__(self, *, pool: Pool, where: str, retry: RetryPolicy | None = None) -> None:
        self._pool = pool
        self._where = where
        self._retry = retry or RetryPolicy()

    @classmethod
    def open(
        cls,
        *,
        dsn: str,
        max_connections: int = 4,
        timeout: float = 5.0,
        retry: RetryPolicy | None = None,
        migrate: bool = True,
    ) -> Ledger:
        """Connect and (unless ``migrate=False``) bring the schema up to date.

        Raises ``LedgerUnavailableError`` if the database cannot be reached within ``timeout``.
        """
        where = describe_dsn(dsn)
        pool = open_pool(dsn=dsn, max_size=max_connections, timeout=timeout)
        ledger = cls(pool=pool, where=where, retry=retry)
        if not migrate:
            return ledger
        try:
            ledger.migrate()
        except BaseException:
            pool.close()
            raise
        return ledger

    @property
    def where(self) -> str:
        return self._where

    def close(self) -> None:
        self._pool.close()

    def migrate(self) -> list[int]:
        with translated(self._where), self._pool.connection() as conn:
            conn.isolation_level = psycopg.IsolationLevel.READ_COMMITTED
            try:
                return migrate(conn)
            finally:
                conn.isolation_level = psycopg.IsolationLevel.SERIALIZABLE

    # ------------------------------------------------------------------ writes
    def apply(self, action: Action) -> Outcome:
        return self.apply_many([action])[0]

    def apply_many(self, actions: Sequence[Action]) -> list[Outcome]:
        """Apply ``actions`` in order in one transaction; one outcome per action.

        An action refused for lack of funds does not stop the others. If the database itself
        refuses the batch (a rule the planner missed), each action is retried alone, so the
        refusal lands on the action that caused it.
        """
        if not actions:
            return []
        try:
            return self._transaction(lambda conn: self._write(conn, actions))
        except _DatabaseRefusalError:
            if len(actions) == 1:
                raise
        return [self._apply_alone(action) for action in actions]

    def _apply_alone(self, action: Action) -> Outcome:
        try:
            return self._transaction(lambda conn: self._write(conn, [action]))[0]
        except _DatabaseRefusalError as exc:
            ACTIONS.labels("refused").inc()
            return Refusal(key=action.key, reason=str(exc))

    def _transaction(self, work: Callable[[Conn], T]) -> T:
        started = time.perf_counter()
        try:
            for attempt in range(1, self._retry.max_attempts + 1):
                reason = self._attempt(work)
                if not isinstance(reason, str):
                    TRANSACTIONS.labels("committed").inc()
                    return reason.value
                RETRIES.labels(reason).inc()
                time.sleep(self._retry.delay(attempt))
            TRANSACTIONS.labels("conflict").inc()
            raise LedgerConflictError(
                f"ledger database {self._where}: still conflicting after "
                f"{self._retry.max_attempts} attempts; nothing was written, retry later"
            )
        finally:
            TRANSACTION_SECONDS.observe(time.perf_counter() - started)

    def _attempt(self, work: Callable[[Conn], T]) -> _Done[T] | str:
        """One try: the result, or the retry reason after a rollback."""
        try:
            with translated(self._where), self._pool.connection() as conn:
                try:
                    with conn.transaction():
                        return _Done(work(conn))
                except pg_errors.SerializationFailure:
                    return "serialization"
                except pg_errors.DeadlockDetected:
                    return "deadlock"
                except pg_errors.UniqueViolation as exc:
                    if exc.diag.constraint_name in _RACED_CONSTRAINTS:
                        return "duplicate_key"
                    raise _DatabaseRefusalError(_message(exc)) from exc
                except (pg_errors.CheckViolation, pg_errors.ForeignKeyViolation) as exc:
                    raise _DatabaseRefusalError(_message(exc)) from exc
                except pg_errors.RaiseException as exc:
                    raise _DatabaseRefusalError(_message(exc)) from exc
        except LedgerError:
            TRANSACTIONS.labels("unavailable_or_error").inc()
            raise

    def _write(self, conn: Conn, actions: Sequence[Action]) -> list[Outcome]:
        keys = [a.key for a in actions]
        recorded = self._receipts(conn, keys)
        fresh: dict[ActionKey, Action] = {}
        for action in actions:
            if action.key not in recorded:
                fresh.setdefault(action.key, action)
        decided: dict[ActionKey, Outcome] = dict(recorded)
        if fresh:
            decided.update(self._append(conn, list(fresh.values())))
        outcomes = [decided[key] for key in keys]
        counts = {"applied": 0, "replayed": 0, "refused": 0}
        for outcome in outcomes:
            if isinstance(outcome, Refusal):
                counts["refused"] += 1
            else:
                counts["replayed" if outcome.replayed else "applied"] += 1
        for result, count in counts.items():
            if count:
                ACTIONS.labels(result).inc(count)
        return outcomes

    def _append(self, conn: Conn, actions: list[Action]) -> dict[ActionKey, Outcome]:
        head = conn.execute(
            "SELECT entry_id, hash FROM ledger_chain_head WHERE singleton FOR UPDATE"
        ).fetchone()
        if head is None:
            raise LedgerError(f"ledger database {self._where}: the chain head row is missing")
        entry_id, prev_hash = int(head[0]), bytes(head[1])
        view = self._read_view(conn, actions)
        outcomes: dict[ActionKey, Outcome] = {}
        entries: list[tuple[object, ...]] = []
        postings: list[tuple[AccountName, StakeUid | None, int, int, int]] = []
        readings: list[StoredReading] = []
        for action in actions:
            try:
                legs = action.plan(view)
                problem = view.admit(action, legs)
            except Refused as exc:
                problem = str(exc)
            if problem is not None:
                outcomes[action.key] = Refusal(key=action.key, reason=problem)
                continue
            entry_id += 1
            key = action.key
            canonical = canonical_entry(
                entry_id=entry_id,
                resource_uid=key.resource_uid,
                action=key.action,
                epoch=key.epoch,
                memo=action.memo,
                postings=[(leg.account, leg.stake, leg.amount) for leg in legs],
            )
            entry_hash = link(prev_hash, canonical)
            entries.append(
                (
                    entry_id,
                    key.resource_uid,
                    key.action,
                    key.epoch,
                    action.memo,
                    prev_hash,
                    entry_hash,
                )
            )
            postings.extend(
                (leg.account, leg.stake, leg.amount, entry_id, seq) for seq, leg in enumerate(legs)
            )
            if isinstance(action, Reward) and action.reading is not None:
                readings.append(
                    StoredReading(
                        stake=StakeUid(action.uid),
                        epoch=action.epoch,
                        entry_id=entry_id,
                        reading=action.reading,
                    )
                )
            outcomes[key] = Receipt(
                key=key,
                entry_id=entry_id,
                legs=tuple(legs),
                replayed=False,
                hash_hex=entry_hash.hex(),
            )
            prev_hash = entry_hash
        if entries:
            self._insert(conn, view, entries, postings)
            insert_readings(conn, readings)
            conn.execute(
                "UPDATE ledger_chain_head SET entry_id = %s, hash = %s WHERE singleton",
                (entry_id, prev_hash),
            )
        return outcomes

    def _read_view(self, conn: Conn, actions: Iterable[Action]) -> _View:
        stakes: dict[StakeUid, AccountName | None] = {}
        names: set[AccountName] = set()
        for action in actions:
            names.update(action.accounts())
            for uid, staker in action.stakes():
                if staker is not None:
                    names.add(staker)
                stakes[uid] = stakes.get(uid) or staker
        positions: dict[StakeUid, StakePosition] = {}
        if stakes:
            rows = conn.execute(
                "SELECT s.uid, a.name, s.bonded, s.unbonding FROM ledger_stakes s"
                " JOIN ledger_accounts a ON a.id = s.staker_id WHERE s.uid = ANY(%s)",
                (list(stakes),),
            ).fetchall()
            for uid, staker, bonded, unbonding in rows:
                positions[StakeUid(uid)] = StakePosition(
                    staker=AccountName(staker), bonded=int(bonded), unbonding=int(unbonding)
                )
                names.add(AccountName(staker))
        query = "SELECT name, id, balance FROM ledger_accounts WHERE name = ANY(%s)"
        rows = conn.execute(query, (list(names),)).fetchall()
        stakers = [n for n in names - {n for n, _, _ in rows} if kind_of(n) == "staker"]
        if stakers:  # first use of these stakers' accounts: create them, then read them too
            conn.execute(
                "INSERT INTO ledger_accounts (name, kind) SELECT unnest(%s::text[]), 'staker'"
                " ON CONFLICT (name) DO NOTHING",
                (stakers,),
            )
            rows += conn.execute(query, (stakers,)).fetchall()
        if unknown := names - {AccountName(n) for n, _, _ in rows}:
            raise LedgerError(f"ledger database {self._where}: accounts missing: {sorted(unknown)}")
        return _View(
            balances={AccountName(n): int(b) for n, _, b in rows},
            positions=positions,
            ids={AccountName(n): int(i) for n, i, _ in rows},
        )

    def _insert(
        self,
        conn: Conn,
        view: _View,
        entries: list[tuple[object, ...]],
        postings: list[tuple[AccountName, StakeUid | None, int, int, int]],
    ) -> None:
        ids = view.ids
        if view.new_stakes:
            conn.execute(
                "INSERT INTO ledger_stakes (uid, staker_id)"
                " SELECT unnest(%s::text[]), unnest(%s::bigint[])",
                (list(view.new_stakes), [ids[s] for s in view.new_stakes.values()]),
            )
        with conn.cursor() as cur:
            with cur.copy(
                "COPY ledger_entries (id, resource_uid, action, epoch, memo, prev_hash, hash)"
                " FROM STDIN"
            ) as copy:
                for row in entries:
                    copy.write_row(row)
            with cur.copy(
                "COPY ledger_postings (entry_id, seq, account_id, kind, stake_uid, amount)"
                " FROM STDIN"
            ) as copy:
                for account, stake, amount, entry_id, seq in postings:
                    copy.write_row((entry_id, seq, ids[account], kind_of(account), stake, amount))

    def _receipts(self, conn: Conn, keys: Sequence[ActionKey]) -> dict[ActionKey, Outcome]:
        rows = conn.execute(
            "SELECT e.id, e.resource_uid, e.action, e.epoch, e.hash,"
            " array_agg(a.name ORDER BY p.seq), array_agg(p.stake_uid ORDER BY p.seq),"
            " array_agg(p.amount ORDER BY p.seq)"
            " FROM unnest(%s::text[], %s::text[], %s::bigint[]) AS k(uid, action, epoch)"
            " JOIN ledger_entries e"
            "   ON e.resource_uid = k.uid AND e.action = k.action AND e.epoch = k.epoch"
            " LEFT JOIN ledger_postings p ON p.entry_id = e.id"
            " LEFT JOIN ledger_accounts a ON a.id = p.account_id"
            " GROUP BY e.id",
            (
                [k.resource_uid for k in keys],
                [k.action for k in keys],
                [k.epoch for k in keys],
            ),
        ).fetchall()
        found: dict[ActionKey, Outcome] = {}
        for entry_id, uid, action, epoch, entry_hash, names, stakes, amounts in rows:
            key = ActionKey(resource_uid=uid, action=action, epoch=int(epoch))
            legs = tuple(
                Leg(account=AccountName(n), amount=int(a), stake=StakeUid(s) if s else None)
                for n, s, a in zip(names, stakes, amounts, strict=True)
                if n is not None
            )
            found[key] = Receipt(
                key=key,
                entry_id=int(entry_id),
                legs=legs,
                replayed=True,
                hash_hex=bytes(entry_hash).hex(),
            )
        return found

    # ------------------------------------------------------------------ reads
    def receipt(self, key: ActionKey) -> Receipt | None:
        """The recorded result of the action with ``key``, if it was applied."""
        found = self._read(lambda conn: self._receipts(conn, [key]))
        outcome = found.get(key)
        return outcome if isinstance(outcome, Receipt) else None

    def head(self) -> tuple[int, str]:
        """The chain head: the last entry's id (0 when empty) and its hash in hex."""
        row = self._read(
            lambda conn: conn.execute("SELECT entry_id, hash FROM ledger_chain_head").fetchone()
        )
        if row is None:
            raise LedgerError(f"ledger database {self._where}: the chain head row is missing")
        return int(row[0]), bytes(row[1]).hex()

    def balance(self, account: AccountName) -> int:
        row = self._read(
            lambda conn: conn.execute(
                "SELECT balance FROM ledger_accounts WHERE name = %s", (account,)
            ).fetchone()
        )
        return int(row[0]) if row else 0

    def balances(self) -> dict[AccountName, int]:
        rows = self._read(
            lambda conn: conn.execute("SELECT name, balance FROM ledger_accounts").fetchall()
        )
        return {AccountName(n): int(b) for n, b in rows}

    def positions(self) -> dict[StakeUid, StakePosition]:
        rows = self._read(
            lambda conn: conn.execute(
                "SELECT s.uid, a.name, s.bonded, s.unbonding FROM ledger_stakes s"
                " JOIN ledger_accounts a ON a.id = s.staker_id"
            ).fetchall()
        )
        return {
            StakeUid(u): StakePosition(staker=AccountName(n), bonded=int(b), unbonding=int(ub))
            for u, n, b, ub in rows
        }

    def history(self, resource_uid: str) -> dict[str, ActionHistory]:
        """Per action, what was recorded for ``resource_uid`` (``histories``)."""
        return self._read(lambda conn: history_connection(conn, resource_uid))

    def last_counter(self, stake: str) -> int | None:
        """The EdgeDevice counter (micro-cpu-seconds) ``stake``'s last reward was computed from
        (``readings``); None before the first reading, or when the last one had no counter."""
        return self._read(lambda conn: last_counter_connection(conn, stake))

    def _read(self, work: Callable[[Conn], T]) -> T:
        with translated(self._where), self._pool.connection() as conn, conn.transaction():
            return work(conn)

    def check_invariants(self) -> tuple[Violation, ...]:
        """The operator's continuous check (``checking``); sets the violations gauge."""
        return self._read(check_connection)

    def verify(self, *, max_breaks: int = 50) -> Verification:
        """The full audit (``verifying``): recompute the chain and every invariant."""
        with translated(self._where), self._pool.connection() as conn:
            return verify_connection(conn, max_breaks=max_breaks)


@dataclass(frozen=True)
class _Done(Generic[T]):
    value: T


class _DatabaseRefusalError(LedgerError):
    """The database refused a write the planner let through (a rule it checks and we did not)."""


# Unique keys two concurrent transactions can both try to claim; the retry sees the winner's row.
_RACED_CONSTRAINTS = frozenset(
    {
        "ledger_entries_one_per_action",
        "ledger_entries_pkey",
        "ledger_stakes_pkey",
        "ledger_accounts_name_key",
    }
)


def _message(exc: psycopg.Error) -> str:
    primary = exc.diag.message_primary
    return primary or str(exc).splitlines()[0]
