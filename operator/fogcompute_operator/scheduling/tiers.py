"""SLA tiers: the defaults (platinum, gold, bronze) and how a configuration overrides them.

Consulted by `rounds` to order the batch (priority), by `filtering` for tier rules, and by
`choosing` for the weights that pick one point of the front. Values only; the controller reads
the configuration (a ConfigMap or a governance parameter) and passes the result in.

Why the default weights are what they are. `choosing` normalises every objective to the front's
own range and ranks by ASF, so a weight says how many times more a tier minds the same share of
an objective's range; only ratios matter, and no default weight is 0, so an objective a tier
barely minds still breaks ties between otherwise equal points.

- platinum (latency-critical, small): latency 4 and unreliability 4 are the point of the tier (a
  near node, and a lost pod is a missed SLA; `min_reliability` is only a floor), makespan 3 (a
  result is late either way if it waits behind a queue); energy and cost 0.5, because platinum
  pays for speed. No makespan bound: its jobs are small, so they finish quickly on any node,
  and a bound would send them to the fastest nodes however far (the cloud), which is what the
  tier exists to avoid, and take the room that only the fastest, largest nodes have.
- gold (the default, general work): latency, makespan and unreliability 2, energy and cost 1 -
  a user expects the job to finish about as soon as the cluster allows, then cheaply. Makespan
  at most 1.25x the front's best: with five objectives the front's makespan range is wide, and
  the weights alone chose 2.7x the best makespan on the benchmark's 100-job batch.
- bronze (batch, preemptible): cost 4 and energy 3 are the point of the tier (cheap, near
  devices and harvested capacity), latency, makespan and unreliability 0.5. Makespan at most
  1.5x the front's best, looser than gold's since batch work may wait for the frugal nodes, but
  bounded: the most frugal nodes are the slowest, the energy-best point put the longest pods
  there and finished later than kube-scheduler's spread on the benchmark's cloud/fog/edge batch,
  and a longer run on a harvested device is a longer chance of its owner reclaiming it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from fogcompute_operator.scheduling.models import Tier, Weights

PLATINUM = Tier(
    name="platinum",
    priority=1000,
    weights=Weights(
        latency=4.0,
        energy=0.5,
        cost=0.5,
        makespan=3.0,
        unreliability=4.0,
    ),
    max_pending_seconds=30.0,
    preemptible=False,
    allow_harvested=False,
    min_reliability=0.95,
)
GOLD = Tier(
    name="gold",
    priority=500,
    weights=Weights(
        latency=2.0,
        energy=1.0,
        cost=1.0,
        makespan=2.0,
        unreliability=2.0,
        max_makespan_ratio=1.25,
    ),
    max_pending_seconds=300.0,
    preemptible=False,
    allow_harvested=True,
)
BRONZE = Tier(
    name="bronze",
    priority=100,
    weights=Weights(
        latency=0.5,
        energy=3.0,
        cost=4.0,
        makespan=0.5,
        unreliability=0.5,
        max_makespan_ratio=1.5,
    ),
    max_pending_seconds=3600.0,
    preemptible=True,
    allow_harvested=True,
)

_BOUND = "max_makespan_ratio"

DEFAULT_TIERS: Mapping[str, Tier] = {tier.name: tier for tier in (PLATINUM, GOLD, BRONZE)}


def configure_tiers(
    overrides: Mapping[str, Mapping[str, Any]], *, base: Mapping[str, Tier] = DEFAULT_TIERS
) -> dict[str, Tier]:
    """Apply `{"gold": {"max_pending_seconds": 60, "weights": {"cost": 3}}}` to `base`.

    A name not in `base` creates a tier (it needs at least `priority`). Unknown fields raise
    ValueError naming the tier and the field.
    """
    tiers = dict(base)
    for name, fields in overrides.items():
        if name in tiers:
            current = tiers[name]
        else:
            current = Tier(name=name, priority=_required_priority(name, fields))
        tiers[name] = _override(current, fields)
    return tiers


def by_priority(tiers: Iterable[Tier]) -> list[Tier]:
    return sorted(tiers, key=lambda tier: (-tier.priority, tier.name))


def _required_priority(name: str, fields: Mapping[str, Any]) -> int:
    if "priority" not in fields:
        raise ValueError(f"tier {name!r} is new: set tiers.{name}.priority (an integer)")
    return int(fields["priority"])


def _override(tier: Tier, fields: Mapping[str, Any]) -> Tier:
    known = set(Tier.__dataclass_fields__) - {"name"}
    unknown = set(fields) - known
    if unknown:
        raise ValueError(
            f"tier {tier.name!r}: unknown field(s) {sorted(unknown)}; known: {sorted(known)}"
        )
    changes = dict(fields)
    if "weights" in changes and changes["weights"] is not None:
        changes["weights"] = _weights(tier, changes["weights"])
    return replace(tier, **changes)


def _weights(tier: Tier, values: Mapping[str, float | None]) -> Weights:
    unknown = set(values) - set(Weights.__dataclass_fields__)
    if unknown:
        raise ValueError(f"tier {tier.name!r}: unknown weight(s) {sorted(unknown)}")
    weights = {k: v for k, v in values.items() if k != _BOUND}
    if any(v is None or float(v) < 0 for v in weights.values()):
        raise ValueError(f"tier {tier.name!r}: weights must be numbers >= 0, got {dict(values)}")
    changes: dict[str, float | None] = {k: float(v) for k, v in weights.items() if v is not None}
    if _BOUND in values:
        bound = values[_BOUND]
        changes[_BOUND] = None if bound is None else float(bound)
    try:
        return replace(tier.weights or Weights(), **changes)  # type: ignore[arg-type]
    except ValueError as error:
        raise ValueError(f"tier {tier.name!r}: {error}") from None
