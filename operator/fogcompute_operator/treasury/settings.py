"""The economics controllers' configuration, parsed once from the environment at startup.

Read by the economics handlers' startup. Without a database (neither variable set) the Stake
and Proposal controllers still run, report ``LedgerReady=False`` (``NoDatabase``) and do
nothing else. Variables (defaults in brackets):

- FOG_LEDGER_DSN_FILE: a file holding the libpq DSN (the chart mounts its Secret there);
  FOG_LEDGER_DSN: the DSN itself (the file wins). The DSN never reaches a log.
- FOG_ECONOMICS_EPOCH_SECONDS [3600]: the reward and slashing epoch (epoch n starts at unix
  time n x this).
- FOG_ECONOMICS_GENESIS: ``account=amount,...`` minted once, idempotently, at start.
- FOG_ECONOMICS_RETRY_SECONDS [5]: how soon a reconcile retries while the database is down
  (doubled per failure, capped at 60 s).
- FOG_ECONOMICS_INVARIANT_SECONDS [30]: how often the ledger's invariants are checked.
- FOG_ECONOMICS_PAUSE_AFTER_LEDGER_SECONDS [0]: a test hook; the pause between a ledger commit
  and the status write, so a test can kill the operator in that window.
- FOG_ECONOMICS_WORKERS [4]: concurrent reconciles per kind.
- The governed parameters' starting values (``governing.Governed``): FOG_ECONOMICS_MINIMUM_STAKE,
  _UNBONDING_SECONDS, _DOWNTIME_FRACTION, _JAIL_SECONDS, _MIXING_POOL, _COMPUTE_POOL,
  _COMPUTE_RATE (tokens per cpu-second), _MIN_DEPOSIT, _VOTING_SECONDS, _MIN_RELIABILITY,
  _UNKNOWN_WINDOW_SECONDS; passed Proposals change them afterwards.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from fogcompute_operator.controlling import KeyedBackoff, env_number
from fogcompute_operator.ledger import AccountName, staker_account
from fogcompute_operator.treasury.governing import Governed

__all__ = ["EconomicsSettings", "parse_genesis"]

_PREFIX = "FOG_ECONOMICS_"


def parse_genesis(raw: str) -> dict[AccountName, int]:
    """``alice=1000,bob=5`` -> staker accounts and amounts; ValueError naming the bad item."""
    balances: dict[AccountName, int] = {}
    for item in filter(None, (part.strip() for part in raw.split(","))):
        name, eq, amount = item.partition("=")
        if not eq or not amount.strip().isdigit() or int(amount) <= 0:
            raise ValueError(
                f"FOG_ECONOMICS_GENESIS item {item!r}: write account=amount with a positive "
                "whole amount, e.g. FOG_ECONOMICS_GENESIS=alice=100000000,bob=5000000"
            )
        balances[staker_account(name.strip())] = int(amount)
    return balances


def _fraction(environ: Mapping[str, str], name: str, default: Fraction) -> Fraction:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = Fraction(raw)
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"{name}={raw!r} is not a number; set e.g. {name}=0.01") from None
    if not 0 <= value <= 1:
        raise ValueError(f"{name}={raw!r} must be between 0 and 1")
    return value


def _governed(environ: Mapping[str, str]) -> Governed:
    base = Governed()

    def whole(suffix: str, default: int, minimum: int = 0) -> int:
        return int(env_number(environ, _PREFIX + suffix, default, minimum=minimum))

    return Governed(
        minimum_stake=whole("MINIMUM_STAKE", base.minimum_stake, 1),
        unbonding_seconds=whole("UNBONDING_SECONDS", base.unbonding_seconds),
        downtime_fraction=_fraction(environ, _PREFIX + "DOWNTIME_FRACTION", base.downtime_fraction),
        jail_seconds=whole("JAIL_SECONDS", base.jail_seconds),
        mixing_pool=whole("MIXING_POOL", base.mixing_pool),
        compute_pool=whole("COMPUTE_POOL", base.compute_pool),
        compute_rate=whole("COMPUTE_RATE", base.compute_rate),
        min_deposit=whole("MIN_DEPOSIT", base.min_deposit, 1),
        voting_seconds=whole("VOTING_SECONDS", base.voting_seconds, 1),
        minimum_reliability=_fraction(
            environ, _PREFIX + "MIN_RELIABILITY", base.minimum_reliability
        ),
        unknown_window_seconds=whole("UNKNOWN_WINDOW_SECONDS", base.unknown_window_seconds, 1),
    )


LEDGER_RETRY_MAX_SECONDS = 60.0
"""The longest a Stake or Proposal waits before it tries an unreachable ledger again."""


@dataclass(frozen=True, kw_only=True)
class EconomicsSettings:
    dsn: str | None = None
    epoch_seconds: float = 3600.0
    genesis: Mapping[AccountName, int] = field(default_factory=dict)
    retry_seconds: float = 5.0
    invariant_seconds: float = 30.0
    pause_after_ledger_seconds: float = 0.0
    workers: int = 4
    governed: Governed = field(default_factory=Governed)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> EconomicsSettings:
        return cls(
            dsn=_dsn(environ),
            epoch_seconds=env_number(environ, _PREFIX + "EPOCH_SECONDS", 3600, minimum=1),
            genesis=parse_genesis(environ.get(_PREFIX + "GENESIS", "")),
            retry_seconds=env_number(environ, _PREFIX + "RETRY_SECONDS", 5, minimum=0.1),
            invariant_seconds=env_number(environ, _PREFIX + "INVARIANT_SECONDS", 30, minimum=0.5),
            pause_after_ledger_seconds=env_number(
                environ, _PREFIX + "PAUSE_AFTER_LEDGER_SECONDS", 0, minimum=0
            ),
            workers=int(env_number(environ, _PREFIX + "WORKERS", 4, minimum=1)),
            governed=_governed(environ),
        )

    def ledger_backoff(self) -> KeyedBackoff:
        """A reconciler's per-key wait after failed ledger calls: ``retry_seconds``, doubling
        per failure in a row, at most ``LEDGER_RETRY_MAX_SECONDS``."""
        return KeyedBackoff(first=self.retry_seconds, cap=LEDGER_RETRY_MAX_SECONDS)


def _dsn(environ: Mapping[str, str]) -> str | None:
    path = environ.get("FOG_LEDGER_DSN_FILE", "").strip()
    if path:
        try:
            text = Path(path).read_text().strip()
        except OSError as exc:
            raise ValueError(
                f"FOG_LEDGER_DSN_FILE={path}: cannot read it ({exc.strerror}); mount the "
                "database Secret there or unset the variable"
            ) from None
        if not text:
            raise ValueError(f"FOG_LEDGER_DSN_FILE={path}: the file is empty; write a DSN in it")
        return text
    return environ.get("FOG_LEDGER_DSN", "").strip() or None
