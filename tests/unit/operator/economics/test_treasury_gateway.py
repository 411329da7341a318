"""The ledger gateway with a fake ledger behind its seam: a database that cannot be reached is a
state and a metric and a retry, never an exception out of start; genesis is minted through it;
invariant verdicts reach the listeners."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

from fogcompute_operator.ledger import (
    Action,
    ActionHistory,
    LedgerUnavailableError,
    Outcome,
    Receipt,
    StakePosition,
    StakeUid,
    staker_account,
)
from fogcompute_operator.ledger.checking import Violation
from fogcompute_operator.treasury import LEDGER_UP, EconomicsSettings, LedgerGateway


class FakeLedger:
    def __init__(self) -> None:
        self.applied: list[Action] = []
        self.down = False
        self.violations: tuple[Violation, ...] = ()

    def apply_many(self, actions: Sequence[Action]) -> list[Outcome]:
        if self.down:
            raise LedgerUnavailableError("ledger database 127.0.0.1:5432/x unavailable")
        self.applied += actions
        return [
            Receipt(key=a.key, entry_id=1, legs=a.plan(self), replayed=False, hash_hex="")
            for a in actions
        ]  # type: ignore[arg-type]

    def balance(self, account: str) -> int:
        return 0

    def position(self, stake: StakeUid) -> StakePosition | None:
        return None

    def history(self, resource_uid: str) -> dict[str, ActionHistory]:
        return {}

    def positions(self) -> dict[StakeUid, StakePosition]:
        return {}

    def last_counter(self, stake: str) -> int | None:
        return None

    def check_invariants(self) -> tuple[Violation, ...]:
        if self.down:
            raise LedgerUnavailableError("down")
        return self.violations

    def close(self) -> None:
        return None


def metric() -> float:
    return LEDGER_UP._value.get()  # type: ignore[attr-defined,no-any-return]


async def wait(predicate: object, seconds: float = 3.0) -> None:
    for _ in range(int(seconds / 0.01)):
        if predicate():  # type: ignore[operator]
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not reached")


async def test_no_database_is_a_state_and_nothing_starts() -> None:
    gateway = LedgerGateway(settings=EconomicsSettings())
    await gateway.start()
    assert gateway.state == "NoDatabase"
    assert metric() == 0
    await gateway.stop()


async def test_an_unreachable_database_is_retried_then_genesis_is_minted() -> None:
    attempts: list[str] = []
    fake = FakeLedger()

    def opener(dsn: str) -> FakeLedger:
        attempts.append(dsn)
        if len(attempts) < 2:
            raise LedgerUnavailableError("ledger database 127.0.0.1:5432/x unreachable")
        return fake

    told: list[str] = []
    settings = EconomicsSettings(
        dsn="host=x", genesis={staker_account("alice"): 5}, invariant_seconds=0.5
    )
    gateway = LedgerGateway(settings=settings, opener=opener)
    gateway.subscribe(lambda: told.append(gateway.state))
    await gateway.start()
    await wait(lambda: gateway.state == "Unavailable")
    assert metric() == 0
    assert "unreachable" in gateway.message
    await wait(lambda: gateway.state == "Ready" and fake.applied, seconds=5)
    assert metric() == 1
    assert [a.key.resource_uid for a in fake.applied] == ["genesis/staker:alice"]
    assert "Ready" in told
    fake.down = True
    with contextlib.suppress(LedgerUnavailableError):
        await gateway.apply(())
    await wait(lambda: gateway.state == "Unavailable")
    assert metric() == 0
    fake.down = False
    fake.violations = (Violation(invariant="balances_sum_to_zero", detail="sum 1"),)
    await wait(lambda: gateway.violations == fake.violations, seconds=3)
    assert gateway.state == "Ready"
    await gateway.stop()
