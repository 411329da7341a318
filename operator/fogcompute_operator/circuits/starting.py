"""Putting the Circuit controller on the runtime, once, at startup.

Called by the mixnet handlers' startup activity after the MixNode controller and the keys.
Registers the Circuit informer and says which changes queue which Circuit: its own; a
MixNode's, every circuit whose path names it; a newly published directory, every circuit.
Queues every circuit already listed, since their watch events may come before this started.
No kopf here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fogcompute_mixnode.routing import EpochDirectory

from fogcompute_operator.circuits.reconciling import CircuitReconciler
from fogcompute_operator.controlling import Controller, InformerSpec, Runtime
from fogcompute_operator.kube import CIRCUITS, MIXNODES, ObjectKey, key_of
from fogcompute_operator.mixnet import DirectoryBook, MixnetKeys, MixnetSettings


@dataclass(frozen=True)
class Circuits:
    """The Circuit kind on the runtime."""

    controller: Controller
    reconciler: CircuitReconciler


def build_circuits(
    runtime: Runtime, *, book: DirectoryBook, keys: MixnetKeys, settings: MixnetSettings
) -> Circuits:
    circuits = runtime.informer(InformerSpec(CIRCUITS))
    runtime.informer(InformerSpec(MIXNODES))
    reconciler = CircuitReconciler(runtime=runtime, book=book, keys=keys, settings=settings)
    controller = runtime.controller(reconciler, workers=settings.workers)

    def on_mixnode(mixnode: Mapping[str, Any]) -> tuple[ObjectKey, ...]:
        name = (mixnode.get("metadata") or {}).get("name")
        return tuple(
            key_of(c)
            for c in circuits.items()
            if any(h.get("mixNode") == name for h in (c.get("status") or {}).get("path") or ())
        )

    def on_directory(directory: EpochDirectory) -> None:
        del directory
        for body in circuits.items():
            controller.enqueue(key_of(body))

    runtime.watch(MIXNODES, controller, mapper=on_mixnode)
    book.subscribe(on_directory)
    return Circuits(controller=controller, reconciler=reconciler)


async def start_circuits(runtime: Runtime, circuits: Circuits) -> None:
    await runtime.prime(CIRCUITS)
    for body in runtime.informers[CIRCUITS].items():
        circuits.controller.enqueue(key_of(body))
    await runtime.run(circuits.controller)
