"""The Stake reconcile: get, read the ledger, decide, write the ledger, then status once.

The runtime's Stake controller calls ``StakeReconciler.reconcile`` with a Stake's key when it
changed, when the MixNode or EdgeDevice behind it changed, when a Proposal it votes on moved,
when the ledger turned ready or its invariants' verdict moved, and at each epoch boundary:

1. get: the Stake, the object behind it, the Proposals, the workload pods (informers);
2. read the ledger: the stake's history, every position and, behind an EdgeDevice, the counter
   of its last meter reading (one thread call); what each epoch earned (``earning``; compute
   from the device's measured counter, capped by the estimate: ``delivering``);
3. decide: ``deciding.plan`` (pure) -> the actions, each under its idempotency key; before
   the first bond, whether the Stake's namespace is being deleted (then it never bonds);
4. act: the finalizer first when the Stake is about to hold tokens (``deleting``: added before
   the bond, guarded by resourceVersion), then the actions in the ledger (one transaction) - the
   ledger before the status, so a crash after it only repeats keys already recorded;
5. read the ledger again and ``deciding.settle`` (pure) the status from it; write it once;
   last, the finalizer removed once nothing is held (a deleted Stake then goes).

A deleted Stake without the finalizer never bonded here: it is left to go, the ledger untouched.

A database that is not configured, unreachable or refusing becomes the LedgerReady condition
and a retry with backoff, never an exception out of the worker, a crash or half an action.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import replace
from fractions import Fraction
from typing import Any

from fogcompute_api.stakes import Stake

from fogcompute_operator.controlling import Result, Runtime
from fogcompute_operator.kube import (
    EDGEDEVICES,
    MIXNODES,
    NAMESPACES,
    PODS,
    PROPOSALS,
    STAKES,
    Body,
    ObjectKey,
    Resource,
    key_of,
)
from fogcompute_operator.ledger import (
    Action,
    ActionHistory,
    LedgerError,
    Refusal,
    StakePosition,
    StakeUid,
)
from fogcompute_operator.observing import object_extra
from fogcompute_operator.stakes.deciding import Facts, plan, reward_epochs, settle
from fogcompute_operator.stakes.deleting import UNBOND_FINALIZER, deleting, holds, unbonding
from fogcompute_operator.stakes.delivering import Delivery, counter_of, deliver, marker
from fogcompute_operator.stakes.earning import compute_share, cpu_seconds, health_of, mixing_share
from fogcompute_operator.treasury import (
    EconomicsSettings,
    LedgerGateway,
    epoch_of,
    epoch_start,
    in_force,
    seconds_to_next,
)

logger = logging.getLogger("fogcompute_operator.stakes")
CONTROLLER = "stakes"


class StakeReconciler:
    def __init__(
        self, *, runtime: Runtime, gateway: LedgerGateway, settings: EconomicsSettings
    ) -> None:
        self._runtime = runtime
        self._gateway = gateway
        self._settings = settings
        self._stakes = runtime.informers[STAKES]
        self._backoff = settings.ledger_backoff()

    @property
    def name(self) -> str:
        return CONTROLLER

    @property
    def resource(self) -> Resource:
        return STAKES

    async def reconcile(self, key: ObjectKey) -> Result:
        body = self._stakes.get(key)  # 1. get
        if body is None:
            self._backoff.forget(key)
            return Result()
        stake = await self._runtime.validated(
            STAKES, body, Stake, condition_type="Bonded", extra={"phase": "Failed"}
        )
        if stake is None:
            return Result()
        if deleting(stake) and UNBOND_FINALIZER not in stake.metadata.finalizers:
            return Result()  # never bonded (or already given back): nothing holds it here
        facts = self._facts(stake)
        if self._gateway.state == "NoDatabase":
            await self._write(body, stake, facts, refusals=())
            return Result()
        try:
            facts = await self._read(stake, facts)  # 2. read the ledger
            facts = await self._namespace(key, stake, facts)
            actions = plan(stake, facts)  # 3. decide
            body = await self._hold(body, stake, facts.history, actions)  # 4. act
            outcomes = await self._gateway.apply(actions) if actions else []
            if actions and self._settings.pause_after_ledger_seconds:
                await asyncio.sleep(self._settings.pause_after_ledger_seconds)
            facts = await self._read(stake, facts)  # 5. settle from the ledger
        except LedgerError as exc:
            return await self._unavailable(key, body, stake, facts, exc)
        self._backoff.forget(key)
        refusals = tuple(o for o in outcomes if isinstance(o, Refusal))
        for refusal in refusals:
            logger.warning(f"ledger refused {refusal.key}: {refusal.reason}", extra=_extra(key))
        written = await self._write(body, stake, facts, refusals=refusals)
        await self._release(written or body, stake, facts.history)
        return Result(requeue_after=self._next_look(stake, facts))

    async def _namespace(self, key: ObjectKey, stake: Stake, facts: Facts) -> Facts:
        """Before the first bond: whether the Stake's namespace is being deleted (one list
        call by name, which the operator's role already grants)."""
        if "bond" in facts.history or unbonding(stake) or not stake.metadata.namespace:
            return facts
        try:
            found = await self._runtime.api.list(
                NAMESPACES, field_selector=f"metadata.name={stake.metadata.namespace}"
            )
        except Exception as exc:  # fail open: the finalizer still guards a deletion
            logger.warning(f"cannot read the namespace ({exc})", extra=_extra(key))
            return facts
        going = any(
            (n.get("metadata") or {}).get("deletionTimestamp")
            or (n.get("status") or {}).get("phase") == "Terminating"
            for n in found
        )
        return replace(facts, namespace_terminating=going) if going else facts

    async def _hold(
        self,
        body: Body,
        stake: Stake,
        history: Mapping[str, ActionHistory],
        actions: tuple[Action, ...],
    ) -> Body:
        """The finalizer, before the first bond is written (see ``deleting``)."""
        held = await self._runtime.finalizers.hold(
            STAKES, body, UNBOND_FINALIZER, holds=holds(history, actions), deleting=deleting(stake)
        )
        if held is not body:
            logger.info(f"finalizer {UNBOND_FINALIZER} added", extra=_extra(key_of(held)))
        return held

    async def _release(
        self, body: Body, stake: Stake, history: Mapping[str, ActionHistory]
    ) -> None:
        """The finalizer, last, once the ledger shows nothing held (a deleted Stake goes)."""
        if await self._runtime.finalizers.release(
            STAKES, body, UNBOND_FINALIZER, holds=holds(history, ()), deleting=deleting(stake)
        ):
            logger.info(f"finalizer {UNBOND_FINALIZER} removed", extra=_extra(key_of(body)))

    def _facts(self, stake: Stake) -> Facts:
        now = self._runtime.clock()
        params = in_force(self._settings.governed, self._informer_items(PROPOSALS))
        target = stake.spec.target
        resource = MIXNODES if target.kind == "MixNode" else EDGEDEVICES
        informer = self._runtime.informers.get(resource)
        other = informer.get(ObjectKey(target.name)) if informer is not None else None
        return Facts(
            now=now,
            epoch=epoch_of(now, epoch_seconds=self._settings.epoch_seconds),
            epoch_seconds=self._settings.epoch_seconds,
            params=params,
            health=health_of(target.kind, other, now=now, params=params),
        )

    def _informer_items(self, resource: Resource) -> list[Body]:
        informer = self._runtime.informers.get(resource)
        return informer.items() if informer is not None else []

    async def _read(self, stake: Stake, facts: Facts) -> Facts:
        uid = stake.metadata.uid or ""
        edge = stake.spec.target.kind == "EdgeDevice"
        history, positions, last = await self._gateway.call(
            lambda ledger: (
                ledger.history(uid),
                ledger.positions(),
                ledger.last_counter(uid) if edge else None,
            )
        )
        position = positions.get(StakeUid(uid))
        epochs = reward_epochs(history, epoch=facts.epoch, unbond=unbonding(stake))
        delivery = self._delivery(stake, facts, epochs, last) if edge and epochs else None
        rewards = {e: self._earned(stake, e, facts, positions, delivery) for e in epochs}
        readings = dict(delivery.readings) if delivery is not None else {}
        if edge and "reward" not in history and (found := marker(self._counter(stake))):
            readings[facts.epoch] = found
        return Facts(
            now=facts.now,
            epoch=facts.epoch,
            epoch_seconds=facts.epoch_seconds,
            params=facts.params,
            health=facts.health,
            history=history,
            position=position,
            rewards=rewards,
            readings=readings,
            # the settle after the write has no epochs left: it keeps this look's verdict
            metering=delivery.verdict if delivery is not None else facts.metering,
            namespace_terminating=facts.namespace_terminating,
        )

    def _device(self, stake: Stake) -> Body | None:
        devices = self._runtime.informers.get(EDGEDEVICES)
        return devices.get(ObjectKey(stake.spec.target.name)) if devices is not None else None

    def _counter(self, stake: Stake) -> Fraction | None:
        return counter_of(self._device(stake))

    def _delivery(
        self, stake: Stake, facts: Facts, epochs: range, last_micros: int | None
    ) -> Delivery:
        """Credited cpu-seconds per epoch: the counter's delta, capped by the estimate."""
        body = self._device(stake)
        node = str(((body or {}).get("spec") or {}).get("nodeName") or stake.spec.target.name)
        pods = self._informer_items(PODS)
        estimates = {}
        for epoch in epochs:
            start = epoch_start(epoch, epoch_seconds=facts.epoch_seconds)
            end = epoch_start(epoch + 1, epoch_seconds=facts.epoch_seconds)
            estimates[epoch] = cpu_seconds(pods, node=node, start=start, end=end)
        return deliver(
            device=stake.spec.target.name,
            epochs=epochs,
            estimates=estimates,
            counter=counter_of(body),
            last_micros=last_micros,
        )

    def _earned(
        self,
        stake: Stake,
        epoch: int,
        facts: Facts,
        positions: Mapping[StakeUid, StakePosition],
        delivery: Delivery | None,
    ) -> int:
        """What ``stake`` earned in ``epoch`` (see ``earning``)."""
        mine = positions.get(StakeUid(stake.metadata.uid or ""))
        if mine is None or mine.bonded <= 0:
            return 0
        behind = self._bonded_behind(positions)
        target = (stake.spec.target.kind, stake.spec.target.name)
        if target[0] == "MixNode":
            return mixing_share(
                performance=facts.health.performance,
                stake=mine.bonded,
                node_total=behind.get(target, 0),
                bonded_total=sum(p.bonded for p in positions.values()),
                staked_nodes=sum(1 for kind, _ in behind if kind == "MixNode"),
                budget=facts.params.mixing_pool,
            )
        if delivery is None:
            return 0
        return compute_share(
            cpu=delivery.cpu.get(epoch, Fraction(0)),
            stake=mine.bonded,
            device_total=behind.get(target, 0),
            rate=facts.params.compute_rate,
            pool=facts.params.compute_pool,
        )

    def _bonded_behind(
        self, positions: Mapping[StakeUid, StakePosition]
    ) -> dict[tuple[str, str], int]:
        behind: dict[tuple[str, str], int] = {}
        for body in self._stakes.items():
            uid = StakeUid(str((body.get("metadata") or {}).get("uid") or ""))
            target = (body.get("spec") or {}).get("target") or {}
            position = positions.get(uid)
            if position is not None and position.bonded > 0:
                where = (str(target.get("kind")), str(target.get("name")))
                behind[where] = behind.get(where, 0) + position.bonded
        return behind

    def _open_proposals(self) -> frozenset[str]:
        return frozenset(
            str((b.get("metadata") or {}).get("name"))
            for b in self._informer_items(PROPOSALS)
            if (b.get("status") or {}).get("phase") == "Voting"
        )

    async def _write(
        self, body: Body, stake: Stake, facts: Facts, *, refusals: tuple[Refusal, ...]
    ) -> Body | None:
        gateway = self._gateway
        settled = settle(
            stake,
            body,
            facts,
            state=gateway.state,
            message=gateway.message,
            violations=gateway.violations if gateway.checked else None,
            refusals=refusals,
            open_proposals=self._open_proposals(),
        )
        written = None
        if settled.changed:
            written = await self._runtime.statuses.write(STAKES, body, settled.status)
        for note in settled.events:
            self._runtime.post_event(STAKES, written or body, note)
        return written

    async def _unavailable(
        self, key: ObjectKey, body: Body, stake: Stake, facts: Facts, exc: LedgerError
    ) -> Result:
        delay = self._backoff.failed(key)
        logger.warning(f"ledger call failed ({exc}); retrying in {delay:g}s", extra=_extra(key))
        await self._write(body, stake, facts, refusals=())
        return Result(requeue_after=delay)

    def _next_look(self, stake: Stake, facts: Facts) -> float:
        """The next epoch boundary, or sooner the end of an unbonding period."""
        wait = seconds_to_next(facts.now, epoch_seconds=self._settings.epoch_seconds)
        complete = stake.status.unbonding_complete_time if stake.status else None
        if unbonding(stake) and "release" not in facts.history:
            if complete is None:
                return 0.0  # the status just got its complete time: look again to write it
            wait = min(wait, max((complete - facts.now).total_seconds(), 0.0))
        return wait


def _extra(key: ObjectKey) -> dict[str, Any]:
    namespace, _, name = key.rpartition("/")
    return object_extra(namespace=namespace or None, name=name, kind="Stake")
