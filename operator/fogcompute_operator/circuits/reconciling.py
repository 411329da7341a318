"""The Circuit reconcile: get, decide (draw or keep), write status once.

The runtime's Circuit controller calls ``CircuitReconciler.reconcile`` with a Circuit's key
when it changed, when a MixNode on its path changed, when a new directory was published (the
``DirectoryBook`` queues every circuit), or at the instant it asked for (its expiry, the next
epoch boundary):

1. get: the Circuit from the informer, the newest published directory from the book, and for
   each hop of its path the MixNode's state from the informer (``hop_problem``);
2. decide: ``deciding.decide`` (pure; the ECVRF proof and draw are in ``routing``);
3. write status once, only if it changed;

then Events go to the background poster. A Circuit the models refuse gets Ready=False with the
fields named and phase Failed. No kopf here.
"""

from __future__ import annotations

from fogcompute_api.circuits import Circuit

from fogcompute_operator.circuits.deciding import decide, hop_problem
from fogcompute_operator.controlling import Result, Runtime
from fogcompute_operator.kube import CIRCUITS, MIXNODES, ObjectKey, Resource
from fogcompute_operator.mixnet import DirectoryBook, MixnetKeys, MixnetSettings

CONTROLLER = "circuits"


class CircuitReconciler:
    def __init__(
        self,
        *,
        runtime: Runtime,
        book: DirectoryBook,
        keys: MixnetKeys,
        settings: MixnetSettings,
    ) -> None:
        self._runtime = runtime
        self._circuits = runtime.informers[CIRCUITS]
        self._mixnodes = runtime.informers[MIXNODES]
        self._book = book
        self._keys = keys
        self._settings = settings

    @property
    def name(self) -> str:
        return CONTROLLER

    @property
    def resource(self) -> Resource:
        return CIRCUITS

    async def reconcile(self, key: ObjectKey) -> Result:
        body = self._circuits.get(key)  # 1. get
        if body is None:
            return Result()
        circuit = await self._runtime.validated(
            CIRCUITS, body, Circuit, condition_type="Ready", extra={"phase": "Failed"}
        )
        if circuit is None:
            return Result()
        now = self._runtime.clock()
        epoch = self._settings.clock.epoch_at(now)
        minimum = circuit.spec.min_reliability
        problems = {}
        for hop in circuit.status.path if circuit.status is not None else ():
            name = hop.mix_node
            problem = hop_problem(self._mixnodes.get(ObjectKey(name)), name=name, minimum=minimum)
            if problem is not None:
                problems[name] = problem
        decision = decide(  # 2. decide
            circuit=circuit,
            body=body,
            directory=self._book.latest(at_most=epoch),
            problems=problems,
            vrf_secret=self._keys.vrf_secret,
            now=now,
            seconds_to_next_epoch=self._settings.clock.seconds_to_next(now),
        )
        written = None
        if decision.changed:  # 3. write status once
            written = await self._runtime.statuses.write(CIRCUITS, body, decision.status)
        for note in decision.events:
            self._runtime.post_event(CIRCUITS, written or body, note)
        return Result(requeue_after=decision.requeue_after)
