"""A MixNode's layer, stake and conditions from its agent's report, its Node and its Stakes. Pure.

The "decide" step of the MixNode reconcile. The agent hosting the node writes the address,
identity key, epoch keys, worker count, counters, health and ``lastHeartbeat``; the
reliability monitor writes ``reliability``; this controller owns ``layer``, ``stake`` and
three conditions (set through ``apply_verdicts``, one Event per transition):

- ``KeysPublished``: True (``KeysCurrent``) when the identity key and address are published
  and ``status.keys`` holds the current and the next epoch's key; else False (``NoIdentity``,
  ``NoCurrentKey``, ``NoNextKey``): a node without the next key would fall out of the next
  epoch's directory.
- ``Jailed``: True (``StakeJailed``) while a Stake bonded behind the node is jailed
  (``status.jailedUntil`` in the future, set by slashing); else False (``NotJailed``).
- ``Ready``: in this order, False ``Disabled`` (spec.enabled false), ``NodeNotFound``,
  ``NotAnEdgeNode`` (the Node lacks the label ``fogcompute.io/edge=true``), Unknown
  ``NoReport`` / ``AgentSilent`` (no heartbeat within the timeout), False ``MixnodeDown``
  (the agent's health is not ``Serving``), ``KeysNotPublished``, ``Jailed``; else True
  ``Serving``.

Layer: ``spec.layer`` when set; otherwise the layer already assigned, or, for a node without
one, the layer ``balance_layer`` picks: the one whose nodes carry the least total weight
(stake x reliability; an unmeasured node counts at the estimator's prior mean 0.5), ties to
fewer nodes, then the lower layer. Only peers on an existing edge Node count (the reconcile
filters them): a MixNode whose Node is gone never serves, so it holds no layer capacity.
An assignment is kept for the node's life, so keys and circuits do not move under it.
``requeue_after``: the next instant a verdict can change by time alone (a heartbeat going
stale, the epoch boundary, a jail ending).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fogcompute_api.mixnodes import MixNode

from fogcompute_operator.controlling import EventNote, Verdict, apply_verdicts

READY, KEYS_PUBLISHED, JAILED = "Ready", "KeysPublished", "Jailed"
SERVING = "Serving"
UNMEASURED_RELIABILITY = 0.5


@dataclass(frozen=True)
class Facts:
    """What the reconcile gathered about one MixNode from the informers and the clock."""

    node_exists: bool
    node_is_edge: bool
    stake: int | None  # bonded base units behind the node; None: no Stake names it
    jailed_until: datetime | None
    layer_choice: int  # what balance_layer picks if the node needs a layer
    epoch: int
    seconds_to_next_epoch: float


@dataclass(frozen=True)
class Decision:
    status: dict[str, Any]
    changed: bool
    events: tuple[EventNote, ...]
    requeue_after: float | None


def node_weight(mixnode: MixNode) -> float:
    status = mixnode.status
    stake = int(status.stake) if status is not None and status.stake is not None else 1
    measured = status.reliability if status is not None else None
    return stake * (UNMEASURED_RELIABILITY if measured is None else measured)


def balance_layer(peers: Iterable[tuple[int, float]], *, layers: int) -> int:
    """The layer (0..layers-1) with the least total weight among ``(layer, weight)`` peers."""
    weight = [0.0] * layers
    count = [0] * layers
    for layer, w in peers:
        if 0 <= layer < layers:
            weight[layer] += w
            count[layer] += 1
    return min(range(layers), key=lambda i: (weight[i], count[i], i))


def effective_layer(mixnode: MixNode) -> int | None:
    if mixnode.spec.layer is not None:
        return mixnode.spec.layer
    return mixnode.status.layer if mixnode.status is not None else None


def _keys(mixnode: MixNode, *, epoch: int) -> Verdict:
    status = mixnode.status
    if status is None or status.identity_key is None or status.address is None:
        return Verdict("False", "NoIdentity", "the agent has not published identityKey/address")
    held = {k.epoch for k in status.keys}
    if epoch not in held:
        return Verdict("False", "NoCurrentKey", f"no public key for the current epoch {epoch}")
    if epoch + 1 not in held:
        return Verdict("False", "NoNextKey", f"no public key for the next epoch {epoch + 1}")
    return Verdict("True", "KeysCurrent", f"keys for epochs {epoch} and {epoch + 1} published")


def _jailed(facts: Facts, *, now: datetime) -> Verdict:
    until = facts.jailed_until
    if until is not None and until > now:
        return Verdict("True", "StakeJailed", f"a Stake behind the node is jailed until {until}")
    return Verdict("False", "NotJailed", "")


def _heartbeat(mixnode: MixNode, *, now: datetime, timeout: float) -> tuple[Verdict | None, float]:
    status = mixnode.status
    last = status.last_heartbeat if status is not None else None
    if last is None:
        return Verdict("Unknown", "NoReport", "the hosting agent has not reported"), 0.0
    left = timeout - (now - last).total_seconds()
    if left <= 0:
        return Verdict("Unknown", "AgentSilent", f"no heartbeat since {last} ({timeout:g}s)"), 0.0
    return None, left


def _ready(
    mixnode: MixNode, facts: Facts, *, keys: Verdict, jailed: Verdict, silence: Verdict | None
) -> Verdict:
    node = mixnode.spec.node_name
    status = mixnode.status
    if not mixnode.spec.enabled:
        return Verdict("False", "Disabled", "spec.enabled is false")
    if not facts.node_exists:
        return Verdict("False", "NodeNotFound", f"Node {node} does not exist; fix spec.nodeName")
    if not facts.node_is_edge:
        return Verdict(
            "False", "NotAnEdgeNode", f"Node {node} lacks the label fogcompute.io/edge=true"
        )
    if silence is not None:
        return silence
    health = status.health if status is not None else None
    if health != SERVING:
        return Verdict("False", "MixnodeDown", f"the agent reports its mixnode as {health}")
    if keys.status != "True":
        return Verdict("False", "KeysNotPublished", keys.message)
    if jailed.status == "True":
        return Verdict("False", "Jailed", jailed.message)
    return Verdict("True", SERVING, f"serving at {status.address if status else None}")


def decide(
    *,
    mixnode: MixNode,
    body: Mapping[str, Any],
    facts: Facts,
    now: datetime,
    heartbeat_timeout_seconds: float,
) -> Decision:
    """The MixNode's layer, stake and conditions, the Events, and when to look again."""
    generation = mixnode.metadata.generation or 0
    keys = _keys(mixnode, epoch=facts.epoch)
    jailed = _jailed(facts, now=now)
    silence, fresh_for = _heartbeat(mixnode, now=now, timeout=heartbeat_timeout_seconds)
    ready = _ready(mixnode, facts, keys=keys, jailed=jailed, silence=silence)
    before = mixnode.status.conditions if mixnode.status is not None else ()
    verdicts = {READY: ready, KEYS_PUBLISHED: keys, JAILED: jailed}
    conditions, events = apply_verdicts(before, verdicts, now=now, generation=generation)
    layer = effective_layer(mixnode)
    notes = list(events)
    if layer is None:
        layer = facts.layer_choice
        notes.append(
            EventNote(type="Normal", reason="LayerAssigned", message=f"assigned layer {layer}")
        )
    current: Mapping[str, Any] = body.get("status") or {}
    status: dict[str, Any] = {
        **current,
        "layer": layer,
        "observedGeneration": generation,
        "conditions": [c.model_dump(mode="json", by_alias=True) for c in conditions],
    }
    if facts.stake is not None:
        status["stake"] = str(facts.stake)
    waits = [facts.seconds_to_next_epoch]
    if silence is None:
        waits.append(fresh_for)
    if jailed.status == "True" and facts.jailed_until is not None:
        waits.append((facts.jailed_until - now).total_seconds())
    return Decision(
        status=status,
        changed=status != dict(current),
        events=tuple(notes),
        requeue_after=max(min(waits), 0.0),
    )
