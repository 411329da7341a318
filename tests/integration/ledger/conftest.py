"""Fixtures of the ledger's integration tests: a fresh database per test on the real server."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fogcompute_operator.ledger import Ledger
from fogcompute_testbed.postgres import Postgres


@pytest.fixture
def database(postgres: Postgres) -> Iterator[str]:
    """The name of a new, empty database, dropped afterwards."""
    name = f"ledger_{uuid.uuid4().hex[:12]}"
    postgres.create_database(name)
    try:
        yield name
    finally:
        postgres.drop_database(name)


@pytest.fixture
def ledger(postgres: Postgres, database: str) -> Iterator[Ledger]:
    opened = Ledger.open(dsn=postgres.dsn(database), max_connections=6)
    try:
        yield opened
    finally:
        opened.close()
