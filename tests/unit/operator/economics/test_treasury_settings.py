"""Economics settings from the environment: DSN file or variable, genesis, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from fogcompute_operator.kube import ObjectKey
from fogcompute_operator.ledger import staker_account
from fogcompute_operator.treasury import EconomicsSettings, parse_genesis


def test_without_a_database_the_dsn_is_none() -> None:
    assert EconomicsSettings.from_environ({}).dsn is None


def test_the_dsn_file_wins_over_the_variable(tmp_path: Path) -> None:
    path = tmp_path / "dsn"
    path.write_text("host=db dbname=fog\n")
    settings = EconomicsSettings.from_environ(
        {"FOG_LEDGER_DSN_FILE": str(path), "FOG_LEDGER_DSN": "x"}
    )
    assert settings.dsn == "host=db dbname=fog"


def test_an_unreadable_dsn_file_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="FOG_LEDGER_DSN_FILE="):
        EconomicsSettings.from_environ({"FOG_LEDGER_DSN_FILE": str(tmp_path / "missing")})


def test_genesis_parses_and_refuses_bad_items() -> None:
    assert parse_genesis("alice=10, bob=5") == {
        staker_account("alice"): 10,
        staker_account("bob"): 5,
    }
    with pytest.raises(ValueError, match="FOG_ECONOMICS_GENESIS item 'alice=-1'"):
        parse_genesis("alice=-1")


def test_governed_starting_values_come_from_the_environment() -> None:
    settings = EconomicsSettings.from_environ(
        {"FOG_ECONOMICS_MINIMUM_STAKE": "42", "FOG_ECONOMICS_DOWNTIME_FRACTION": "0.25"}
    )
    assert settings.governed.minimum_stake == 42
    assert str(settings.governed.downtime_fraction) == "1/4"
    with pytest.raises(ValueError, match="FOG_ECONOMICS_DOWNTIME_FRACTION"):
        EconomicsSettings.from_environ({"FOG_ECONOMICS_DOWNTIME_FRACTION": "2"})


def test_the_ledger_backoff_starts_at_retry_seconds_and_stops_at_a_minute() -> None:
    backoff = EconomicsSettings(retry_seconds=5.0).ledger_backoff()
    waits = [backoff.failed(ObjectKey("ns/s")) for _ in range(6)]
    assert waits == [5.0, 10.0, 20.0, 40.0, 60.0, 60.0]
