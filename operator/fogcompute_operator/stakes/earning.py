"""What a Stake earned in one epoch, and whether the object behind it was down. Pure.

Inputs come from the runtime's informers (MixNodes, EdgeDevices, the workload pods) and the
ledger's stake positions; the Stake reconcile turns the amounts into ``Reward`` actions.

- Mixing (Nym, ``economics.rewarding``): the MixNode's reward for the epoch from its measured
  reliability (performance) and the stake behind it (saturation against all bonded stake, ``k``
  the number of staked MixNodes), shared among its Stakes pro rata.
- Compute: cpu-seconds delivered by FogJob pods on the EdgeDevice's node during the epoch,
  times the governed rate, capped by the epoch's compute pool, shared among the device's Stakes
  pro rata. What was delivered is measured by the device's counter where it has one
  (``delivering``); ``cpu_seconds`` here is the *estimate* - (overlap of the pod's start..finish,
  or start..now while it runs, with the epoch) x its cpu request - which caps the measurement
  and stands in for it on a device without the counter.
- Down: a MixNode whose reliability is below the governed minimum; an EdgeDevice whose Ready
  condition has been Unknown longer than the window.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

from fogcompute_operator.economics import MixingParams, NodeShare, compute_reward, mixing_reward
from fogcompute_operator.kube import millis
from fogcompute_operator.treasury import Governed

__all__ = ["Health", "compute_share", "cpu_seconds", "health_of", "mixing_share"]


@dataclass(frozen=True, kw_only=True)
class Health:
    """The object behind a Stake: whether it exists, was down, and how it performed."""

    exists: bool
    down: bool = False
    reason: str = ""
    performance: Fraction | None = None


def _stamp(raw: object) -> datetime | None:
    if not isinstance(raw, str) or not raw:
        return None
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None


def health_of(
    kind: str, body: Mapping[str, Any] | None, *, now: datetime, params: Governed
) -> Health:
    if body is None:
        return Health(exists=False, reason=f"{kind} not found")
    status: Mapping[str, Any] = body.get("status") or {}
    if kind == "MixNode":
        raw = status.get("reliability")
        if raw is None:
            return Health(exists=True, reason="reliability not measured yet")
        reliability = Fraction(str(raw))
        down = reliability < params.minimum_reliability
        reason = f"reliability {float(reliability):.3f} below {float(params.minimum_reliability)}"
        return Health(
            exists=True, down=down, reason=reason if down else "", performance=reliability
        )
    for condition in status.get("conditions") or ():
        if condition.get("type") == "Ready" and condition.get("status") == "Unknown":
            since = _stamp(condition.get("lastTransitionTime"))
            window = timedelta(seconds=params.unknown_window_seconds)
            if since is not None and now - since > window:
                reason = f"Ready Unknown since {condition.get('lastTransitionTime')}"
                return Health(exists=True, down=True, reason=reason)
    return Health(exists=True)


def mixing_share(
    *,
    performance: Fraction | None,
    stake: int,
    node_total: int,
    bonded_total: int,
    staked_nodes: int,
    budget: int,
) -> int:
    """This stake's part of its MixNode's epoch reward (0 when unmeasured or nothing bonded)."""
    if performance is None or stake <= 0 or node_total <= 0 or bonded_total <= 0 or budget <= 0:
        return 0
    params = MixingParams(
        epoch_budget=budget, staking_supply=bonded_total, rewarded_set_size=max(staked_nodes, 1)
    )
    node = mixing_reward(NodeShare(performance=performance, stake=node_total), params)
    return node * stake // node_total


def cpu_seconds(
    pods: Iterable[Mapping[str, Any]], *, node: str, start: datetime, end: datetime
) -> Fraction:
    """Estimated cpu-seconds FogJob pods on ``node`` delivered between ``start`` and ``end``."""
    total = Fraction(0)
    for pod in pods:
        if (pod.get("spec") or {}).get("nodeName") != node:
            continue
        began, ended = _run_window(pod)
        if began is None:
            continue
        ran = (min(ended or end, end) - max(began, start)).total_seconds()
        if ran > 0:
            total += Fraction(ran).limit_denominator(1000) * Fraction(_cpu_millis(pod), 1000)
    return total


def compute_share(*, cpu: Fraction, stake: int, device_total: int, rate: int, pool: int) -> int:
    if stake <= 0 or device_total <= 0:
        return 0
    earned = min(compute_reward(cpu_seconds=cpu, rate_per_cpu_second=rate), pool)
    return earned * stake // device_total


def _run_window(pod: Mapping[str, Any]) -> tuple[datetime | None, datetime | None]:
    status = pod.get("status") or {}
    began = _stamp(status.get("startTime"))
    ended = None
    for container in status.get("containerStatuses") or ():
        terminated = (container.get("state") or {}).get("terminated") or {}
        began = _stamp(terminated.get("startedAt")) or began
        finished = _stamp(terminated.get("finishedAt"))
        if finished is not None:
            ended = finished if ended is None else max(ended, finished)
    return began, ended


def _cpu_millis(pod: Mapping[str, Any]) -> int:
    total = 0
    for container in (pod.get("spec") or {}).get("containers") or ():
        cpu = ((container.get("resources") or {}).get("requests") or {}).get("cpu")
        if cpu is not None:
            try:
                total += millis(str(cpu))
            except ValueError:
                continue
    return total
