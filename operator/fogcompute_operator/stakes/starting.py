"""Putting the Stake controller on the runtime, once, at startup.

Called by the economics handlers' startup. Registers the informers the kind reads (Stakes;
MixNodes and EdgeDevices, the objects behind them; Proposals, for the parameters in force and
the open votes; the workload pods, for compute delivered) and says which changes queue which
Stake: its own; a MixNode's or EdgeDevice's (the Stakes naming it); a Proposal's (every Stake,
since an executed one may change any Stake's parameters); and the gateway's news (every Stake).
No kopf here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fogcompute_operator.controlling import Controller, Informer, InformerSpec, Runtime
from fogcompute_operator.kube import EDGEDEVICES, MIXNODES, PROPOSALS, STAKES, ObjectKey, key_of
from fogcompute_operator.scheduling.batching import WORKLOAD_PODS
from fogcompute_operator.stakes.reconciling import StakeReconciler
from fogcompute_operator.treasury import EconomicsSettings, LedgerGateway


@dataclass(frozen=True)
class Stakes:
    """The Stake kind on the runtime."""

    controller: Controller
    reconciler: StakeReconciler


def _naming(stakes: Informer, kind: str, name: str) -> tuple[ObjectKey, ...]:
    return tuple(
        key_of(s)
        for s in stakes.items()
        if ((s.get("spec") or {}).get("target") or {}) == {"kind": kind, "name": name}
    )


def build_stakes(
    runtime: Runtime, *, gateway: LedgerGateway, settings: EconomicsSettings
) -> Stakes:
    stakes = runtime.informer(InformerSpec(STAKES))
    for resource in (MIXNODES, EDGEDEVICES, PROPOSALS):
        runtime.informer(InformerSpec(resource))
    runtime.informer(WORKLOAD_PODS)
    reconciler = StakeReconciler(runtime=runtime, gateway=gateway, settings=settings)
    controller = runtime.controller(reconciler, workers=settings.workers)

    def behind(kind: str) -> Any:
        def keys(body: Mapping[str, Any]) -> tuple[ObjectKey, ...]:
            return _naming(stakes, kind, str((body.get("metadata") or {}).get("name") or ""))

        return keys

    def every_stake(_: Mapping[str, Any]) -> tuple[ObjectKey, ...]:
        return tuple(key_of(s) for s in stakes.items())

    runtime.watch(MIXNODES, controller, mapper=behind("MixNode"))
    runtime.watch(EDGEDEVICES, controller, mapper=behind("EdgeDevice"))
    runtime.watch(PROPOSALS, controller, mapper=every_stake)

    def requeue_all() -> None:
        for key in every_stake({}):
            controller.enqueue(key)

    gateway.subscribe(requeue_all)
    return Stakes(controller=controller, reconciler=reconciler)


async def start_stakes(runtime: Runtime, stakes: Stakes) -> None:
    await runtime.prime(MIXNODES, EDGEDEVICES, PROPOSALS, STAKES)
    for body in runtime.informers[STAKES].items():
        stakes.controller.enqueue(key_of(body))
    await runtime.run(stakes.controller)
