"""Per-key exponential backoff (``controlling.backoff``): doubling from ``first`` per failure in
a row, capped, counted per key, and started over once a key is forgotten."""

from __future__ import annotations

from fogcompute_operator.controlling import KeyedBackoff
from fogcompute_operator.kube import ObjectKey

A, B = ObjectKey("ns/a"), ObjectKey("ns/b")


def test_each_failure_in_a_row_doubles_the_wait_up_to_the_cap() -> None:
    backoff = KeyedBackoff(first=0.5, cap=3.0)
    assert [backoff.failed(A) for _ in range(5)] == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_keys_count_apart_and_forgetting_starts_a_key_over() -> None:
    backoff = KeyedBackoff(first=1.0, cap=60.0)
    backoff.failed(A)
    backoff.failed(A)
    assert backoff.failed(B) == 1.0
    assert len(backoff) == 2
    backoff.forget(A)
    assert len(backoff) == 1
    backoff.forget(ObjectKey("ns/never-failed"))  # harmless
    assert backoff.failed(A) == 1.0
    assert backoff.failed(B) == 2.0
