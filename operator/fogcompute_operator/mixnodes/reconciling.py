"""The MixNode reconcile: get, decide, write status once.

The runtime's MixNode controller calls ``MixNodeReconciler.reconcile`` with a MixNode's key
when it changed (its agent's report, the reliability monitor's estimate), when its Node or a
Stake behind it changed, or when it asked to be looked at again (a heartbeat going stale, the
epoch boundary):

1. get: the MixNode, its Node, the Stakes naming it and the other MixNodes, from informers;
2. decide: ``deciding.decide`` (pure), with the layer ``balance_layer`` would assign;
3. write status once, only if it changed; layer assignments are serialised by one lock, so two
   workers never balance against the same picture;

then Events go to the background poster. A MixNode the models refuse gets Ready=False with the
fields named. No kopf here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from fogcompute_api.mixnodes import MixNode
from fogcompute_api.stakes import Stake
from pydantic import ValidationError

from fogcompute_operator.controlling import Result, Runtime
from fogcompute_operator.kube import MIXNODES, NODES, STAKES, ObjectKey, Resource, key_of
from fogcompute_operator.mixnet import MixnetSettings
from fogcompute_operator.mixnodes.deciding import (
    Facts,
    balance_layer,
    decide,
    effective_layer,
    node_weight,
)

CONTROLLER = "mixnodes"
EDGE_LABEL = "fogcompute.io/edge"
_BONDED = frozenset({"Bonded", "Jailed"})


def stakes_behind(stakes: list[dict[str, Any]], name: str) -> tuple[int | None, datetime | None]:
    """Bonded base units behind MixNode ``name`` (None without a Stake) and the latest jail."""
    total, jailed, any_stake = 0, None, False
    for body in stakes:
        try:
            stake = Stake.model_validate(body)
        except ValidationError:
            continue
        target = stake.spec.target
        if target.kind != "MixNode" or target.name != name or stake.status is None:
            continue
        if stake.status.phase in _BONDED:
            any_stake = True
            total += int(stake.status.bonded)
        until = stake.status.jailed_until
        if until is not None and (jailed is None or until > jailed):
            jailed = until
    return (total if any_stake else None), jailed


class MixNodeReconciler:
    def __init__(self, *, runtime: Runtime, settings: MixnetSettings) -> None:
        self._runtime = runtime
        self._mixnodes = runtime.informers[MIXNODES]
        self._nodes = runtime.informers[NODES]
        self._stakes = runtime.informers[STAKES]
        self._settings = settings
        self._assigning = asyncio.Lock()

    @property
    def name(self) -> str:
        return CONTROLLER

    @property
    def resource(self) -> Resource:
        return MIXNODES

    async def reconcile(self, key: ObjectKey) -> Result:
        body = self._mixnodes.get(key)  # 1. get
        if body is None:
            return Result()
        mixnode = await self._runtime.validated(MIXNODES, body, MixNode, condition_type="Ready")
        if mixnode is None:
            return Result()
        if effective_layer(mixnode) is None:
            async with self._assigning:  # balance against assignments already written
                return await self._step(key, mixnode)
        return await self._step(key, mixnode)

    async def _step(self, key: ObjectKey, mixnode: MixNode) -> Result:
        body = self._mixnodes.get(key) or {}
        now = self._runtime.clock()
        node = self._nodes.get(ObjectKey(mixnode.spec.node_name))
        labels: Mapping[str, Any] = ((node or {}).get("metadata") or {}).get("labels") or {}
        stake, jailed_until = stakes_behind(self._stakes.items(), mixnode.metadata.name)
        clock = self._settings.clock
        facts = Facts(
            node_exists=node is not None,
            node_is_edge=labels.get(EDGE_LABEL) == "true",
            stake=stake,
            jailed_until=jailed_until,
            layer_choice=self._layer_choice(key),
            epoch=clock.epoch_at(now),
            seconds_to_next_epoch=clock.seconds_to_next(now),
        )
        decision = decide(  # 2. decide
            mixnode=mixnode,
            body=body,
            facts=facts,
            now=now,
            heartbeat_timeout_seconds=self._settings.heartbeat_timeout_seconds,
        )
        written = None
        if decision.changed:  # 3. write status once
            written = await self._runtime.statuses.write(MIXNODES, body, decision.status)
        for note in decision.events:
            self._runtime.post_event(MIXNODES, written or body, note)
        return Result(requeue_after=decision.requeue_after)

    def _layer_choice(self, key: ObjectKey) -> int:
        peers = []
        for other in self._mixnodes.items():
            if key_of(other) == key:
                continue
            try:
                peer = MixNode.model_validate(other)
            except ValidationError:
                continue
            layer = effective_layer(peer)
            if layer is not None and self._can_serve(peer):
                peers.append((layer, node_weight(peer)))
        return balance_layer(peers, layers=self._settings.layers)

    def _can_serve(self, peer: MixNode) -> bool:
        """A peer on an existing edge Node holds layer capacity; one that can never serve
        (its Node is gone or not an edge node) must not push new nodes off its layer."""
        node = self._nodes.get(ObjectKey(peer.spec.node_name))
        labels: Mapping[str, Any] = ((node or {}).get("metadata") or {}).get("labels") or {}
        return node is not None and labels.get(EDGE_LABEL) == "true"
