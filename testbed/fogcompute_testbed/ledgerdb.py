"""The ledger database of ``make up``: the test bed's real PostgreSQL, and the operator's
settings that point it there.

Called by ``cli.up`` before the operator starts: starts (or restarts, after a killed run)
PostgreSQL in ``<state>/postgres``, writes the DSN to a 0600 file for ``FOG_LEDGER_DSN_FILE``
(the password never reaches a command line or a log), and gives the samples' accounts their
genesis balances, with short epochs and voting so the sample Stake and Proposal show rewards
and a decided vote within minutes.
"""

from __future__ import annotations

from pathlib import Path

from fogcompute_testbed.postgres import Postgres

__all__ = ["DEMO_ECONOMICS", "start_ledger_database"]

DEMO_ECONOMICS = {
    "FOG_ECONOMICS_GENESIS": "alice=100000000,bob=50000000",
    "FOG_ECONOMICS_EPOCH_SECONDS": "60",
    "FOG_ECONOMICS_VOTING_SECONDS": "120",
    "FOG_ECONOMICS_UNBONDING_SECONDS": "300",
}


def start_ledger_database(state_dir: Path) -> tuple[Postgres, dict[str, str]]:
    """The running server and the operator's environment for it."""
    server = Postgres.start(state_dir=state_dir / "postgres")
    dsn_file = server.write_dsn_file(state_dir / "postgres" / "ledger.dsn", dbname="postgres")
    return server, {**DEMO_ECONOMICS, "FOG_LEDGER_DSN_FILE": str(dsn_file)}
