"""Putting the MixNode controller on the runtime, once, at startup.

Called by the mixnet handlers' startup activity. Registers the informers the kind reads
(MixNodes; Nodes, to check each MixNode's Node; Stakes, for the stake and jail behind it) and
says which changes queue which MixNode: its own; its Node's (by ``spec.nodeName``); a Stake's
naming it. Lists Nodes, Stakes and MixNodes once before the first reconcile and queues every
MixNode listed (a watch event of a version already listed queues nothing). No kopf here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fogcompute_operator.controlling import Controller, InformerSpec, Runtime
from fogcompute_operator.kube import MIXNODES, NODES, STAKES, ObjectKey, key_of
from fogcompute_operator.mixnet import MixnetSettings
from fogcompute_operator.mixnodes.reconciling import MixNodeReconciler


@dataclass(frozen=True)
class MixNodes:
    """The MixNode kind on the runtime."""

    controller: Controller
    reconciler: MixNodeReconciler


def build_mixnodes(runtime: Runtime, *, settings: MixnetSettings) -> MixNodes:
    mixnodes = runtime.informer(InformerSpec(MIXNODES))
    runtime.informer(InformerSpec(NODES))
    runtime.informer(InformerSpec(STAKES))
    reconciler = MixNodeReconciler(runtime=runtime, settings=settings)
    controller = runtime.controller(reconciler, workers=settings.workers)

    def on_node(node: Mapping[str, Any]) -> tuple[ObjectKey, ...]:
        name = (node.get("metadata") or {}).get("name")
        return tuple(
            key_of(m) for m in mixnodes.items() if (m.get("spec") or {}).get("nodeName") == name
        )

    def on_stake(stake: Mapping[str, Any]) -> tuple[ObjectKey, ...]:
        target = (stake.get("spec") or {}).get("target") or {}
        if target.get("kind") != "MixNode" or not target.get("name"):
            return ()
        return (ObjectKey(str(target["name"])),)

    runtime.watch(NODES, controller, mapper=on_node)
    runtime.watch(STAKES, controller, mapper=on_stake)
    return MixNodes(controller=controller, reconciler=reconciler)


async def start_mixnodes(runtime: Runtime, mixnodes: MixNodes) -> None:
    await runtime.prime(NODES, STAKES, MIXNODES)
    for body in runtime.informers[MIXNODES].items():  # their watch events may be echoes now
        mixnodes.controller.enqueue(key_of(body))
    await runtime.run(mixnodes.controller)
