"""The economics controllers' one way to the ledger: connect, genesis, calls off the event loop,
the database's state, and the continuous invariant check.

Started once by the economics handlers' startup as a runtime component. It opens the ledger in
the background (the operator never waits on, or dies of, a dead database), retrying with
exponential backoff; mints the genesis balances once (idempotent keys); then checks the ledger's
invariants every ``invariant_seconds`` (``Ledger.check_invariants`` sets the violations gauge).
The ledger is synchronous (psycopg), so every call runs in a worker thread. ``state`` tells the
controllers whether there is no database (``NoDatabase``), one that cannot be reached now
(``Unavailable``) or a working one (``Ready``); ``fogcompute_ledger_up`` says the same as a
metric. Listeners hear when the ledger becomes ready or the invariant verdict changes, so the
controllers look again at once. No kopf here; the DSN is never logged.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Literal, Protocol, TypeVar

from prometheus_client import Gauge

from fogcompute_operator.controlling import Tasks
from fogcompute_operator.ledger import (
    Action,
    ActionHistory,
    Ledger,
    LedgerError,
    LedgerUnavailableError,
    Outcome,
    StakePosition,
    StakeUid,
    genesis_actions,
    mismatches,
)
from fogcompute_operator.ledger.checking import Violation
from fogcompute_operator.treasury.settings import EconomicsSettings

__all__ = ["LEDGER_UP", "LedgerGateway", "LedgerPort", "LedgerState"]

logger = logging.getLogger("fogcompute_operator.treasury")
LedgerState = Literal["NoDatabase", "Connecting", "Unavailable", "Ready"]
T = TypeVar("T")
LEDGER_UP = Gauge(
    "fogcompute_ledger_up", "1 while the ledger database answers the operator, else 0."
)
_MAX_BACKOFF = 30.0


class LedgerPort(Protocol):
    """The ledger calls the economics controllers make (``Ledger``, or a test's fake)."""

    def apply_many(self, actions: Sequence[Action]) -> list[Outcome]: ...

    def history(self, resource_uid: str) -> dict[str, ActionHistory]: ...

    def last_counter(self, stake: str) -> int | None: ...

    def positions(self) -> dict[StakeUid, StakePosition]: ...

    def check_invariants(self) -> tuple[Violation, ...]: ...

    def close(self) -> None: ...


class LedgerGateway:
    def __init__(
        self,
        *,
        settings: EconomicsSettings,
        opener: Callable[[str], LedgerPort] | None = None,
    ) -> None:
        self._settings = settings
        self._opener = opener or (lambda dsn: Ledger.open(dsn=dsn, timeout=5.0))
        self._ledger: LedgerPort | None = None
        self.state: LedgerState = "NoDatabase" if settings.dsn is None else "Connecting"
        self.message = "no database configured: set FOG_LEDGER_DSN_FILE (the chart's Secret)"
        self.violations: tuple[Violation, ...] = ()
        self.checked = False
        self._listeners: list[Callable[[], None]] = []
        self._tasks = Tasks()
        LEDGER_UP.set(0)

    def subscribe(self, listener: Callable[[], None]) -> None:
        """``listener`` is called when the ledger turns ready or the invariants' verdict moves."""
        self._listeners.append(listener)

    async def start(self) -> None:
        if self._settings.dsn is not None:
            self._tasks.spawn(self._run(self._settings.dsn), name="ledger")

    async def stop(self) -> None:
        await self._tasks.stop()
        if self._ledger is not None:
            await asyncio.to_thread(self._ledger.close)
            self._ledger = None

    async def call(self, work: Callable[[LedgerPort], T]) -> T:
        """``work(ledger)`` in a thread; ``LedgerUnavailableError`` while there is none."""
        ledger = self._ledger
        if ledger is None:
            raise LedgerUnavailableError(self.message)
        try:
            result = await asyncio.to_thread(work, ledger)
        except LedgerUnavailableError as exc:
            self._mark("Unavailable", str(exc))
            raise
        self._mark("Ready", "the ledger database answers")
        return result

    async def apply(self, actions: Sequence[Action]) -> list[Outcome]:
        return await self.call(lambda ledger: ledger.apply_many(actions))

    def _mark(self, state: LedgerState, message: str) -> None:
        was = self.state
        self.state, self.message = state, message
        LEDGER_UP.set(1 if state == "Ready" else 0)
        if was != state:
            log = logger.info if state == "Ready" else logger.warning
            log(f"ledger {state}: {message}")
            self._tell()

    def _tell(self) -> None:
        for listener in self._listeners:
            listener()

    async def _run(self, dsn: str) -> None:
        await self._connect(dsn)
        await self._genesis()
        while True:
            await self._check()
            await asyncio.sleep(self._settings.invariant_seconds)

    async def _connect(self, dsn: str) -> None:
        delay = 1.0
        while self._ledger is None:
            try:
                self._ledger = await asyncio.to_thread(self._opener, dsn)
            except LedgerError as exc:
                self._mark("Unavailable", f"{exc}; retrying in {delay:g}s")
                await asyncio.sleep(delay)
                delay = min(delay * 2, _MAX_BACKOFF)
        self._mark("Ready", "the ledger database answers")

    async def _genesis(self) -> None:
        balances = dict(self._settings.genesis)
        if not balances:
            return
        delay = 1.0
        while True:
            try:
                outcomes = await self.apply(genesis_actions(balances))
                break
            except LedgerError as exc:
                logger.warning(f"genesis not minted yet ({exc}); retrying in {delay:g}s")
                await asyncio.sleep(delay)
                delay = min(delay * 2, _MAX_BACKOFF)
        for problem in mismatches(balances, outcomes):
            logger.warning(problem)

    async def _check(self) -> None:
        try:
            found = await self.call(lambda ledger: ledger.check_invariants())
        except LedgerError as exc:
            logger.warning(f"ledger invariants not checked: {exc}")
            return
        changed = not self.checked or found != self.violations
        self.violations, self.checked = found, True
        for violation in found:
            logger.error(f"ledger invariant {violation.invariant} broken: {violation.detail}")
        if changed:
            self._tell()
