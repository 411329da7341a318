"""The ledger's typed errors: what a caller (a controller, the CLI) can catch and report.

Every database failure leaves the ledger through one of these, never as a raw driver exception,
and always after the transaction was rolled back: no half action is ever committed. Messages name
the database by host and port only, never the password.
"""

from __future__ import annotations

__all__ = [
    "LedgerConflictError",
    "LedgerError",
    "LedgerUnavailableError",
    "MigrationError",
]


class LedgerError(RuntimeError):
    """Base of every ledger error."""


class LedgerUnavailableError(LedgerError):
    """The database cannot be reached or dropped the connection; retry later with the same keys.

    If a COMMIT was cut off, the action may or may not have been recorded: replaying it with the
    same idempotency key is always safe and returns the recorded result.
    """


class LedgerConflictError(LedgerError):
    """Serialisation conflicts went on past the retry bound; nothing was written."""


class MigrationError(LedgerError):
    """The schema could not be brought up to date (or an applied migration was changed)."""
