"""The economic parameters a passed Proposal may change, and how a change is checked.

Pure. ``EconomicParameters`` holds the current values (from the chart's values, then from
passed proposals); ``apply_change`` returns the parameters with one whitelisted field changed,
or raises ``ValueError`` naming the field, the value and the fix. Anything not in ``WHITELIST``
is refused, so a proposal can never reach outside the economics it governs.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from fractions import Fraction
from typing import Any, Final

__all__ = ["WHITELIST", "EconomicParameters", "apply_change"]


@dataclass(frozen=True, kw_only=True)
class EconomicParameters:
    min_stake: int = 1_000_000
    unbonding_epochs: int = 24
    downtime_slash_fraction: Fraction = Fraction(1, 100)
    jail_epochs: int = 6
    epoch_reward_budget: int = 10_000_000
    compute_reward_per_cpu_second: Fraction = Fraction(10)


WHITELIST: Final = frozenset(f.name for f in fields(EconomicParameters))

_BOUNDS: Final[dict[str, tuple[Fraction, Fraction]]] = {
    "min_stake": (Fraction(1), Fraction(10**15)),
    "unbonding_epochs": (Fraction(0), Fraction(10_000)),
    "downtime_slash_fraction": (Fraction(1, 10**6), Fraction(1)),
    "jail_epochs": (Fraction(0), Fraction(10_000)),
    "epoch_reward_budget": (Fraction(0), Fraction(10**15)),
    "compute_reward_per_cpu_second": (Fraction(0), Fraction(10**9)),
}


def apply_change(params: EconomicParameters, *, name: str, value: str) -> EconomicParameters:
    """``params`` with ``name`` set to ``value`` (a decimal string), or ValueError saying why."""
    if name not in WHITELIST:
        raise ValueError(
            f"parameter {name!r} cannot be changed by a proposal: use one of "
            f"{', '.join(sorted(WHITELIST))}"
        )
    try:
        number = Fraction(value)
    except (ValueError, ZeroDivisionError) as exc:
        raise ValueError(f"{name}={value!r}: not a number; write it like 12 or 0.05") from exc
    low, high = _BOUNDS[name]
    if not low <= number <= high:
        raise ValueError(f"{name}={value}: must be between {low} and {high}")
    changed: dict[str, Any] = {name: number}
    if isinstance(getattr(params, name), int):
        if number.denominator != 1:
            raise ValueError(f"{name}={value}: must be a whole number")
        changed[name] = int(number)
    return replace(params, **changed)
