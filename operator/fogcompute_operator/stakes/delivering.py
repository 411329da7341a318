"""The cpu-seconds an EdgeDevice delivered, measured from its counter and capped by the estimate.
Pure.

Between the Stake reconcile (which reads the device's ``status.harvestCpuSeconds``, the
estimate per epoch from ``earning.cpu_seconds`` and the counter of the stake's last reading from
the ledger) and ``deciding.plan`` (which writes each ``Reward`` with its reading, in one
transaction). The rule, for the epochs one settlement pays:

- delivered = the counter's delta since the last reading (Prometheus-counter semantics: a
  counter below the last reading was reset, and its whole value counts as what was used since);
- capped by the estimate of those epochs (run time x cpu request): an agent cannot claim more
  than its pods' requests allowed; the credited total is shared among the epochs in proportion
  to their estimates (a catch-up after an outage pays each epoch its part);
- no counter on the device, or no earlier reading to take a delta from (none yet, or the last
  one had no counter: the epochs since were paid by the estimate and must not be paid again
  from an older counter's delta): the estimate, with the reason in the ``ComputeMeasured``
  condition (and its Event), and this counter recorded as the next baseline;
- at the bond (the unpaid marker epoch) the counter is recorded as the baseline, 0 credited.

The verdict is the Stake's ``ComputeMeasured`` condition. Micro-cpu-seconds are integers in the
ledger; credited values are floored to them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Final

from fogcompute_operator.controlling import Verdict
from fogcompute_operator.ledger import MeterBasis, MeterReading

__all__ = ["COMPUTE_MEASURED", "COUNTER_FIELD", "Delivery", "counter_of", "deliver", "marker"]

COMPUTE_MEASURED: Final = "ComputeMeasured"
COUNTER_FIELD: Final = "status.harvestCpuSeconds"
MICROS: Final = 10**6


@dataclass(frozen=True, kw_only=True)
class Delivery:
    """What one settlement credits, per epoch, and the reading recorded with each reward."""

    cpu: Mapping[int, Fraction]
    readings: Mapping[int, MeterReading]
    verdict: Verdict


def counter_of(device: Mapping[str, Any] | None) -> Fraction | None:
    """The device's ``status.harvestCpuSeconds``; None when absent or not a number >= 0."""
    raw = ((device or {}).get("status") or {}).get("harvestCpuSeconds")
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        return None
    if not math.isfinite(raw) or raw < 0:
        return None
    return Fraction(raw)


def _micros(value: Fraction) -> int:
    return math.floor(value * MICROS)


def marker(counter: Fraction | None) -> MeterReading | None:
    """The reading recorded with the bond epoch's unpaid reward: the counter as a baseline."""
    if counter is None:
        return None
    return MeterReading(counter_micros=_micros(counter), credited_micros=0, basis="baseline")


def deliver(
    *,
    device: str,
    epochs: Sequence[int],
    estimates: Mapping[int, Fraction],
    counter: Fraction | None,
    last_micros: int | None,
) -> Delivery:
    """Credited cpu-seconds for ``epochs`` (see the module docstring for the rule)."""
    ceiling = sum((estimates.get(e, Fraction(0)) for e in epochs), Fraction(0))
    if counter is None or last_micros is None:
        return _estimated(device=device, epochs=epochs, estimates=estimates, counter=counter)
    now = _micros(counter)
    reset = now < last_micros
    delta = Fraction(now if reset else now - last_micros, MICROS)
    total = min(delta, ceiling)
    basis: MeterBasis = "reset" if reset else "capped" if delta > ceiling else "measured"
    cpu = {e: _share(total, estimates.get(e, Fraction(0)), ceiling) for e in epochs}
    readings = {
        e: MeterReading(counter_micros=now, credited_micros=_micros(c), basis=basis)
        for e, c in cpu.items()
    }
    detail = f"{float(delta):g} cpu-seconds from {COUNTER_FIELD} of EdgeDevice {device}"
    if reset:
        detail += f" (the counter was reset: {float(last_micros / MICROS):g} -> {float(counter):g})"
    if delta > ceiling:
        reason, detail = "Capped", f"{detail}, capped to the estimate {float(ceiling):g}"
    else:
        reason = "CounterReset" if reset else "Measured"
    return Delivery(cpu=cpu, readings=readings, verdict=Verdict("True", reason, detail))


def _share(total: Fraction, estimate: Fraction, ceiling: Fraction) -> Fraction:
    return total * estimate / ceiling if ceiling > 0 else Fraction(0)


def _estimated(
    *,
    device: str,
    epochs: Sequence[int],
    estimates: Mapping[int, Fraction],
    counter: Fraction | None,
) -> Delivery:
    cpu = {e: estimates.get(e, Fraction(0)) for e in epochs}
    micros = None if counter is None else _micros(counter)
    readings = {
        e: MeterReading(counter_micros=micros, credited_micros=_micros(c), basis="estimated")
        for e, c in cpu.items()
    }
    if counter is None:
        reason = "NoCounter"
        message = (
            f"EdgeDevice {device} reports no {COUNTER_FIELD}: compute rewards use the estimate "
            "(run time x cpu request); run an edge agent that reports the counter"
        )
    else:
        reason = "NoBaseline"
        message = (
            f"first reading of {COUNTER_FIELD} of EdgeDevice {device} ({float(counter):g}): "
            "this settlement uses the estimate, the next ones the counter's delta"
        )
    return Delivery(cpu=cpu, readings=readings, verdict=Verdict("False", reason, message))
