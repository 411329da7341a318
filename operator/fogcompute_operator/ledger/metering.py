"""Prometheus metrics of the ledger: transactions, retries, actions, invariant checks.

Module-level collectors in the default registry, which the operator's ``/metrics`` serves.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

__all__ = [
    "ACTIONS",
    "INVARIANT_VIOLATIONS",
    "RETRIES",
    "TRANSACTIONS",
    "TRANSACTION_SECONDS",
    "UNAVAILABLE",
]

TRANSACTIONS = Counter(
    "fogcompute_ledger_transactions_total",
    "Ledger write transactions by outcome (committed, conflict, unavailable, error).",
    ["outcome"],
)
RETRIES = Counter(
    "fogcompute_ledger_retries_total",
    "Ledger transactions retried, by reason (serialization, deadlock, duplicate_key).",
    ["reason"],
)
ACTIONS = Counter(
    "fogcompute_ledger_actions_total",
    "Economic actions by result (applied, replayed, refused).",
    ["result"],
)
TRANSACTION_SECONDS = Histogram(
    "fogcompute_ledger_transaction_seconds",
    "Wall time of ledger write transactions, retries included.",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
UNAVAILABLE = Counter(
    "fogcompute_ledger_unavailable_total",
    "Ledger calls that failed because the database could not be reached.",
)
INVARIANT_VIOLATIONS = Gauge(
    "fogcompute_ledger_invariant_violations",
    "Violations found by the last invariant check, by invariant.",
    ["invariant"],
)
