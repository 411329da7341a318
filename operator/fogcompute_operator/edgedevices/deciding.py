"""An EdgeDevice's conditions from its agent's last report, its Node and the time. Pure.

The "decide" step of the EdgeDevice reconcile. The agent on the node writes the readings
(``harvestable``, ``harvestReason``, ``lastReportTime`` ...); the operator owns three
conditions, set through ``apply_verdicts`` (the others are kept):

- ``Ready``: True while reports arrive (``AgentReporting``); Unknown once the agent has been
  silent past its bound (``AgentSilent``, ``scheduling.heartbeats``) or never reported
  (``NoReport``), as a Node's Ready goes Unknown when its kubelet stops renewing its lease.
- ``Harvestable``: the agent's ``harvestable`` mirrored with its ``harvestReason`` and
  ``harvestMessage``; False (``HarvestDisabled``) when ``spec.harvestEnabled`` is false;
  Unknown with Ready's reason while Ready is not True (a silent agent's last word is stale).
- ``NodeFound``: False (``NodeNotFound``) when the Node ``spec.nodeName`` names does not exist.

Every change of a condition's status or reason is an Event. While the device is not both Ready
and Harvestable, its harvest pods must go (``evict``). The agent evicts them itself when it stops
harvesting (before it reports), so while it reports the operator waits
``REVOCATION_GRACE_SECONDS`` after Harvestable turned False before it evicts what is left: the
fallback for an agent whose evictions failed, without racing the ones it made. A silent agent's
device (Ready not True) is evicted at once. ``requeue_after`` is the time until a reporting agent
would turn silent, or until the grace ends.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fogcompute_api.conditions import Condition, find_condition
from fogcompute_api.edgedevices import EdgeDevice

from fogcompute_operator.controlling import EventNote, Verdict, apply_verdicts
from fogcompute_operator.scheduling.heartbeats import silence_bound, silent_at

READY, HARVESTABLE, NODE_FOUND = "Ready", "Harvestable", "NodeFound"
REVOCATION_GRACE_SECONDS = 5.0
"""How long a reporting agent has to evict its own harvest pods (its target is 1 s)."""


@dataclass(frozen=True)
class Decision:
    """What the controller must do for one device after one look at it."""

    status: dict[str, Any]
    changed: bool
    events: tuple[EventNote, ...]
    evict: bool
    requeue_after: float | None


def _ready(
    body: Mapping[str, Any], *, now: datetime, timeout: float
) -> tuple[Verdict, float | None]:
    silent = silent_at(body, timeout_seconds=timeout)
    if silent is None:
        return Verdict("Unknown", "NoReport", "the edge agent has not reported yet"), None
    bound = silence_bound(body, timeout_seconds=timeout)
    if now >= silent:
        last = (body.get("status") or {}).get("lastReportTime")
        message = f"no report from the edge agent since {last} (silence bound {bound:g}s)"
        return Verdict("Unknown", "AgentSilent", message), None
    message = f"the edge agent reports (silence bound {bound:g}s)"
    return Verdict("True", "AgentReporting", message), (silent - now).total_seconds()


def _harvestable(device: EdgeDevice, ready: Verdict) -> Verdict:
    if not device.spec.harvest_enabled:
        return Verdict("False", "HarvestDisabled", "spec.harvestEnabled is false")
    if ready.status != "True":
        return Verdict("Unknown", ready.reason, "the edge agent's last report is stale")
    status = device.status
    if status is None or status.harvestable is None:
        return Verdict("Unknown", "NoReport", "the edge agent has not said whether it may harvest")
    message = status.harvest_message or ""
    if status.harvestable:
        return Verdict("True", status.harvest_reason or "Harvestable", message)
    return Verdict("False", status.harvest_reason or "NotHarvestable", message)


def _node_found(device: EdgeDevice, *, node_exists: bool) -> Verdict:
    node = device.spec.node_name
    if node_exists:
        return Verdict("True", "NodeExists", f"Node {node} exists")
    message = f"Node {node} does not exist; fix spec.nodeName or join the node to the cluster"
    return Verdict("False", "NodeNotFound", message)


def decide(
    *,
    device: EdgeDevice,
    body: Mapping[str, Any],
    node_exists: bool,
    now: datetime,
    timeout_seconds: float,
) -> Decision:
    """The device's conditions, Events, whether to evict its harvest pods, when to look again."""
    generation = device.metadata.generation or 0
    before: tuple[Condition, ...] = device.status.conditions if device.status else ()
    ready, requeue = _ready(body, now=now, timeout=timeout_seconds)
    verdicts = {
        READY: ready,
        HARVESTABLE: _harvestable(device, ready),
        NODE_FOUND: _node_found(device, node_exists=node_exists),
    }
    conditions, events = apply_verdicts(before, verdicts, now=now, generation=generation)
    current: Mapping[str, Any] = body.get("status") or {}
    status = {
        **current,
        "observedGeneration": generation,
        "conditions": [c.model_dump(mode="json", by_alias=True) for c in conditions],
    }
    wait = _agent_grace_left(ready, find_condition(conditions, HARVESTABLE), now=now)
    if wait is not None:
        requeue = wait if requeue is None else min(requeue, wait)
    usable = ready.status == "True" and verdicts[HARVESTABLE].status == "True"
    return Decision(
        status=status,
        changed=conditions != before or current.get("observedGeneration") != generation,
        events=events,
        evict=not usable and wait is None,
        requeue_after=requeue,
    )


def _agent_grace_left(
    ready: Verdict, harvestable: Condition | None, *, now: datetime
) -> float | None:
    """Seconds a reporting agent still has to evict its own harvest pods, or None if none."""
    if ready.status != "True" or harvestable is None or harvestable.status != "False":
        return None
    since = harvestable.last_transition_time
    left = REVOCATION_GRACE_SECONDS - (now - since).total_seconds() if since else 0.0
    return left if left > 0 else None
