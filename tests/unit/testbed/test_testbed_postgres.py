"""Unit tests of the testbed's PostgreSQL helpers that need no server."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from fogcompute_testbed.postgres import _check_name, _write_secret, locate_postgres
from fogcompute_testbed.processes import TestbedError


def test_an_explicit_bindir_without_the_server_is_refused_with_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FOG_POSTGRES_BINDIR", str(tmp_path))
    with pytest.raises(TestbedError, match=r"hack/ensure-system\.sh"):
        locate_postgres()


@pytest.mark.parametrize("name", ["Robert'); DROP TABLE x;--", "Upper", "", "a" * 64])
def test_database_names_must_be_plain_identifiers(name: str) -> None:
    with pytest.raises(TestbedError, match="not a plain identifier"):
        _check_name(name)


def test_secrets_are_owner_only_from_the_start(tmp_path: Path) -> None:
    path = tmp_path / "password"
    path.write_text("old")
    path.chmod(0o644)
    _write_secret(path, "s3cret")
    assert path.read_text() == "s3cret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
