"""The Stake reconcile's finalizer steps against the in-memory API and a small in-memory ledger
behind the gateway's seam: the finalizer is patched before the first bond reaches the ledger,
a deleted Stake only unbonds and goes once released (status written before the finalizer is
removed), one deleted before it bonded never reaches the ledger, and none bonds in a
namespace being deleted."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fogcompute_operator.controlling import Runtime
from fogcompute_operator.kube import NAMESPACES, STAKES, ObjectKey, Resource
from fogcompute_operator.ledger import (
    Action,
    ActionHistory,
    BeginUnbond,
    Bond,
    Outcome,
    Receipt,
    StakePosition,
    StakeUid,
    Unbond,
)
from fogcompute_operator.ledger.checking import Violation
from fogcompute_operator.observing import ControllerMetrics
from fogcompute_operator.stakes import UNBOND_FINALIZER, UNBONDING, build_stakes
from fogcompute_operator.treasury import EconomicsSettings, Governed, LedgerGateway
from operator_fakes import FakeKubeApi
from prometheus_client import CollectorRegistry

KEY = ObjectKey("ns/s")
NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)


class LoggingApi(FakeKubeApi):
    """The fake API, logging its patches of objects into the log the ledger shares."""

    def __init__(self, log: list[str]) -> None:
        super().__init__()
        self.log = log
        self.objects[NAMESPACES] = {}

    async def patch(self, resource: Resource, key: ObjectKey, *, patch: Mapping[str, Any]) -> Any:
        finalizers = (patch.get("metadata") or {}).get("finalizers")
        self.log.append(f"finalizers {finalizers}")
        return await super().patch(resource, key, patch=patch)

    async def patch_status(
        self, resource: Resource, key: ObjectKey, *, patch: Mapping[str, Any], resource_version: str
    ) -> Any:
        self.log.append("status")
        return await super().patch_status(
            resource, key, patch=patch, resource_version=resource_version
        )


class TinyLedger:
    """Just enough ledger for one stake: keyed actions recorded once, its history and position."""

    def __init__(self, log: list[str]) -> None:
        self.log = log
        self.keys: set[Any] = set()
        self.moves: dict[str, list[int]] = {}
        self.position = StakePosition(staker="staker:alice")  # type: ignore[arg-type]

    def apply_many(self, actions: Sequence[Action]) -> list[Outcome]:
        outcomes: list[Outcome] = []
        for action in actions:
            if action.key not in self.keys and action.key.resource_uid == "uid-1":
                self.keys.add(action.key)
                self.log.append(f"ledger {action.key.action}")
                self.moves.setdefault(action.key.action, []).append(self._move(action))
            outcomes.append(
                Receipt(key=action.key, entry_id=1, legs=(), replayed=False, hash_hex="")
            )
        return outcomes

    def _move(self, action: Action) -> int:
        held = self.position
        if isinstance(action, Bond):
            self.position = StakePosition(staker=held.staker, bonded=held.bonded + action.amount)
            return action.amount
        if isinstance(action, BeginUnbond):
            self.position = StakePosition(staker=held.staker, unbonding=held.bonded)
            return held.bonded
        if isinstance(action, Unbond):
            self.position = StakePosition(staker=held.staker)
            return held.unbonding
        return 0

    def history(self, resource_uid: str) -> dict[str, ActionHistory]:
        if resource_uid != "uid-1":
            return {}
        found = {}
        for key in self.keys:
            moved = sum(self.moves[key.action])
            entries = len(self.moves[key.action])
            last = max(k.epoch for k in self.keys if k.action == key.action)
            found[key.action] = ActionHistory(last_epoch=last, entries=entries, moved=moved)
        return found

    def positions(self) -> dict[StakeUid, StakePosition]:
        return {StakeUid("uid-1"): self.position} if self.keys else {}

    def last_counter(self, stake: str) -> int | None:
        return None

    def balance(self, account: str) -> int:
        return 0

    def check_invariants(self) -> tuple[Violation, ...]:
        return ()

    def close(self) -> None:
        return None


class World:
    def __init__(self) -> None:
        self.log: list[str] = []
        self.now = NOW
        self.api = LoggingApi(self.log)
        self.ledger = TinyLedger(self.log)
        self.runtime = Runtime(
            api=self.api,
            metrics=ControllerMetrics.create(CollectorRegistry()),
            clock=lambda: self.now,
            instance="test",
        )
        self.settings = EconomicsSettings(
            dsn="host=fake",
            epoch_seconds=3600,
            governed=Governed(minimum_stake=100, unbonding_seconds=60),
        )
        self.gateway = LedgerGateway(settings=self.settings, opener=lambda dsn: self.ledger)
        self.stakes = build_stakes(self.runtime, gateway=self.gateway, settings=self.settings)

    async def start(self) -> None:
        await self.gateway.start()
        for _ in range(300):
            if self.gateway.state == "Ready":
                return
            await asyncio.sleep(0.01)
        raise AssertionError(f"the gateway is {self.gateway.state}")

    def store(self, **metadata: Any) -> None:
        body = {
            "apiVersion": "fogcompute.io/v1alpha1",
            "kind": "Stake",
            "metadata": {"name": "s", "namespace": "ns", "uid": "uid-1", **metadata},
            "spec": {
                "account": "alice",
                "target": {"kind": "MixNode", "name": "m"},
                "amount": "500",
            },
        }
        self.runtime.informers[STAKES].put(self.api.store(STAKES, body))

    def delete(self) -> None:
        held = self.api.objects[STAKES][KEY]
        held["metadata"]["deletionTimestamp"] = "2026-01-01T12:00:00Z"
        self.runtime.informers[STAKES].put(self.api.store(STAKES, held))

    async def look(self) -> None:
        await self.stakes.reconciler.reconcile(KEY)

    def held(self) -> dict[str, Any] | None:
        return self.api.objects[STAKES].get(KEY)


@pytest.fixture
async def world() -> Any:
    made = World()
    await made.start()
    yield made
    await made.gateway.stop()


async def test_the_finalizer_comes_before_the_bond_and_the_deletion_unbonds_then_lets_go(
    world: World,
) -> None:
    world.store()
    await world.look()
    assert world.log == [
        f"finalizers ['{UNBOND_FINALIZER}']",
        "ledger bond",
        "ledger reward",
        "status",
    ]
    world.log.clear()
    world.delete()
    await world.look()
    assert world.log == ["ledger unbond", "status"]  # only the unbonding, the object stays
    held = world.held()
    assert held is not None
    assert held["metadata"]["finalizers"] == [UNBOND_FINALIZER]
    waiting = next(c for c in held["status"]["conditions"] if c["type"] == UNBONDING)
    assert (waiting["status"], waiting["reason"]) == ("True", "StakeDeleted")
    world.log.clear()
    world.now += timedelta(seconds=30)
    await world.look()
    assert world.log == []  # the period has not passed
    world.now += timedelta(seconds=31)
    await world.look()
    assert world.log == ["ledger release", "status", "finalizers None"]
    assert world.held() is None  # gone
    assert world.runtime.informers[STAKES].get(KEY) is None
    assert world.ledger.history("uid-1")["release"].moved == 500


async def test_a_stake_deleted_before_it_bonded_never_reaches_the_ledger(world: World) -> None:
    world.store(deletionTimestamp="2026-01-01T12:00:00Z", finalizers=["someone.else/x"])
    await world.look()
    assert world.log == []
    assert world.ledger.keys == set()


async def test_in_a_namespace_being_deleted_nothing_is_bonded(world: World) -> None:
    world.api.store(
        NAMESPACES,
        {"metadata": {"name": "ns", "deletionTimestamp": "2026-01-01T11:00:00Z"}},
    )
    world.store()
    await world.look()
    assert world.log == ["status"]
    held = world.held()
    assert held is not None
    assert "finalizers" not in held["metadata"]
    bonded = next(c for c in held["status"]["conditions"] if c["type"] == "Bonded")
    assert bonded["reason"] == "NamespaceTerminating"
