"""Putting the Proposal controller on the runtime, once, at startup.

Called by the economics handlers' startup. Registers the informers the kind reads (Proposals;
Stakes, whose ``spec.votes`` are the votes) and says which changes queue which Proposal: its
own; a Stake's (the Proposals it votes on); the gateway's news (every Proposal). No kopf here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fogcompute_operator.controlling import Controller, InformerSpec, Runtime
from fogcompute_operator.kube import PROPOSALS, STAKES, ObjectKey, key_of
from fogcompute_operator.proposals.reconciling import ProposalReconciler
from fogcompute_operator.treasury import EconomicsSettings, LedgerGateway


@dataclass(frozen=True)
class Proposals:
    """The Proposal kind on the runtime."""

    controller: Controller
    reconciler: ProposalReconciler


def build_proposals(
    runtime: Runtime, *, gateway: LedgerGateway, settings: EconomicsSettings
) -> Proposals:
    proposals = runtime.informer(InformerSpec(PROPOSALS))
    runtime.informer(InformerSpec(STAKES))
    reconciler = ProposalReconciler(runtime=runtime, gateway=gateway, settings=settings)
    controller = runtime.controller(reconciler, workers=settings.workers)

    def voted_on(stake: Mapping[str, Any]) -> tuple[ObjectKey, ...]:
        votes = (stake.get("spec") or {}).get("votes") or ()
        return tuple(ObjectKey(str(v.get("proposal"))) for v in votes if v.get("proposal"))

    def requeue_all() -> None:
        for body in proposals.items():
            controller.enqueue(key_of(body))

    runtime.watch(STAKES, controller, mapper=voted_on)
    gateway.subscribe(requeue_all)
    return Proposals(controller=controller, reconciler=reconciler)


async def start_proposals(runtime: Runtime, proposals: Proposals) -> None:
    await runtime.prime(STAKES, PROPOSALS)
    for body in runtime.informers[PROPOSALS].items():
        proposals.controller.enqueue(key_of(body))
    await runtime.run(proposals.controller)
