"""``fog-mixnode keygen``: --epochs defaults to the clock's current and next epochs, is still
overridable, and the key file and printed entry hold exactly those epochs."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

import pytest
from fogcompute_mixnode.directory import EpochClock, keygen_epochs
from fogcompute_mixnode.keyfiles import read_node_keys
from fogcompute_mixnode.node import cli


@pytest.fixture(autouse=True)
def _keep_pytest_logging(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "configure_logging", lambda: None)


def keygen(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, dict[str, Any]]:
    code = cli.main(["keygen", f"--key-file={tmp_path / 'n.key'}", "--port=9001", *extra])
    out = capsys.readouterr().out
    return code, json.loads(out) if code == 0 else {}


def test_default_epochs_are_the_clocks_current_and_next(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    genesis = time.time() - 250.0  # 2.5 epochs of 100 s ago: epoch 2 is current
    with caplog.at_level(logging.INFO, logger="fogcompute_mixnode.node.cli"):
        code, entry = keygen(tmp_path, capsys, "--epoch-seconds=100", f"--epoch-genesis={genesis}")
    assert code == 0
    assert sorted(entry["public_keys"]) == ["2", "3"]
    keys = read_node_keys(tmp_path / "n.key")
    assert sorted(k.epoch for k in keys.epoch_keys) == [2, 3]
    assert {str(e): k.hex() for e, k in keys.public_keys().items()} == entry["public_keys"]
    assert any("epochs=2,3 current_epoch=2" in r.getMessage() for r in caplog.records)


def test_explicit_epochs_win(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, entry = keygen(tmp_path, capsys, "--epochs", "7", "9")
    assert code == 0
    assert sorted(entry["public_keys"]) == ["7", "9"]


def test_a_genesis_in_the_future_without_epochs_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = keygen(tmp_path, capsys, "--epoch-seconds=10", f"--epoch-genesis={time.time() + 1e6}")
    assert code == 2
    assert not (tmp_path / "n.key").exists()


def test_keygen_epochs_uses_the_default_clock() -> None:
    clock = EpochClock()
    now = 3600.0 * 500 + 12.0
    assert keygen_epochs(None, clock=clock, now=now) == (500, 501)
    assert keygen_epochs([], clock=clock, now=now) == (500, 501)
    assert keygen_epochs([4], clock=clock, now=now) == (4,)
    assert keygen_epochs(None, clock=EpochClock(genesis=now + 1.0), now=now) == (0,)
    assert keygen_epochs(None, clock=EpochClock(genesis=now + 7200.0), now=now) == ()
