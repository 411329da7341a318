"""Fixtures of the economics integration tests: a real PostgreSQL database per module and the
operator as a real process configured with its DSN file, short epochs and small parameters."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from economics_support import CREATED
from fogcompute_operator.ledger import Ledger, staker_account
from fogcompute_testbed.postgres import Postgres
from operator_cluster import Cluster, FogOperator

EPOCH_SECONDS = 2
GENESIS = {"alice": 50_000_000, "bob": 50_000_000, "carol": 50_000_000, "dave": 50_000_000}
ECONOMICS_ENV = {
    "FOG_ECONOMICS_EPOCH_SECONDS": str(EPOCH_SECONDS),
    "FOG_ECONOMICS_GENESIS": ",".join(f"{k}={v}" for k, v in GENESIS.items()),
    "FOG_ECONOMICS_MINIMUM_STAKE": "1000000",
    "FOG_ECONOMICS_UNBONDING_SECONDS": "3",
    "FOG_ECONOMICS_VOTING_SECONDS": "5",
    "FOG_ECONOMICS_JAIL_SECONDS": "600",
    "FOG_ECONOMICS_DOWNTIME_FRACTION": "0.1",
    "FOG_ECONOMICS_UNKNOWN_WINDOW_SECONDS": "1",
    "FOG_ECONOMICS_MIN_DEPOSIT": "1000",
    "FOG_ECONOMICS_RETRY_SECONDS": "0.5",
    "FOG_ECONOMICS_INVARIANT_SECONDS": "1",
}


@pytest.fixture(scope="module")
def economics_dbname(postgres: Postgres) -> Iterator[str]:
    """A fresh database for the module, dropped afterwards."""
    name = f"econ_{uuid.uuid4().hex[:12]}"
    postgres.create_database(name)
    try:
        yield name
    finally:
        postgres.drop_database(name)


@pytest.fixture(scope="module")
def economics_db(
    postgres: Postgres, economics_dbname: str, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """The 0600 file holding the module database's DSN (what the chart's Secret holds)."""
    return postgres.write_dsn_file(tmp_path_factory.mktemp("dsn") / "dsn", dbname=economics_dbname)


@pytest.fixture(scope="module")
def ledger(economics_db: Path, fog_operator: FogOperator) -> Iterator[Ledger]:
    """The module's ledger as the tests read it, once the operator has minted the genesis."""
    opened = Ledger.open(dsn=economics_db.read_text().strip())
    try:
        deadline = time.monotonic() + 30
        while opened.balance(staker_account("dave")) == 0:
            fog_operator.check_alive("minting the genesis balances")
            assert time.monotonic() < deadline, "genesis not minted in 30 s"
            time.sleep(0.2)
        yield opened
    finally:
        opened.close()


def economics_operator(
    control_plane: Any, workdir: Path, dsn_file: Path, **extra: str
) -> FogOperator:
    env = {**ECONOMICS_ENV, "FOG_LEDGER_DSN_FILE": str(dsn_file), **extra}
    return FogOperator(control_plane=control_plane, workdir=workdir, env=env)


@pytest.fixture(scope="module")
def economics_extra_env() -> dict[str, str]:
    """Settings a module wants on top of ``ECONOMICS_ENV`` (override it in the module)."""
    return {}


@pytest.fixture(scope="module")
def fog_operator(
    control_plane: Any,
    crds: list[str],
    economics_db: Path,
    economics_extra_env: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[FogOperator]:
    del crds
    op = economics_operator(
        control_plane, tmp_path_factory.mktemp("operator"), economics_db, **economics_extra_env
    )
    op.start()
    try:
        yield op
    finally:
        op.stop()


@pytest.fixture
def cluster(control_plane: Any, fog_operator: FogOperator, namespace: str) -> Iterator[Cluster]:
    made = Cluster(control_plane=control_plane, operator=fog_operator, namespace=namespace)
    try:
        yield made
    finally:
        while CREATED:
            kind, name = CREATED.pop()
            made.kubectl("delete", kind, name, "--wait=false", "--ignore-not-found", check=False)


@pytest.fixture
def stakes_gone(cluster: Cluster) -> Iterator[None]:
    """Delete this test's Stakes and wait: a later module's operator, on a fresh database,
    would otherwise bond them there (its genesis funds the same accounts) and change its sums.
    A module asks for it with ``pytestmark = pytest.mark.usefixtures("stakes_gone")``."""
    yield
    cluster.kubectl(
        "delete",
        "stakes",
        "--all",
        "-n",
        cluster.namespace,
        "--wait=true",
        "--timeout=60s",
        check=False,
    )
