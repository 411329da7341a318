"""Per-key exponential backoff: how long a key waits after its failures in a row.

Kind-agnostic. The controllers' workers use it for a reconcile that raised (client-go's item
exponential failure rate limiter), and a reconcile that handles a failure itself (a ledger
that cannot be reached: the status says so, then a requeue) uses one of its own. The ``n``-th
failure in a row waits ``first * 2**(n - 1)`` seconds, at most ``cap``; a success forgets the
key, so its next failure waits ``first`` again. Holds only counts; no clock, no I/O.
"""

from __future__ import annotations

from collections import Counter

from fogcompute_operator.kube import ObjectKey


class KeyedBackoff:
    def __init__(self, *, first: float, cap: float) -> None:
        self._first = first
        self._cap = cap
        self._failures: Counter[ObjectKey] = Counter()

    def __len__(self) -> int:
        """How many keys are failing now."""
        return len(self._failures)

    def failed(self, key: ObjectKey) -> float:
        """Count a failure of ``key``; the seconds it waits before the next try."""
        self._failures[key] += 1
        return min(self._first * 2.0 ** (self._failures[key] - 1), self._cap)

    def forget(self, key: ObjectKey) -> None:
        """``key`` succeeded (or is gone): its next failure starts over."""
        self._failures.pop(key, None)
