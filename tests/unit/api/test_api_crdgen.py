"""Unit tests of crdgen: write/check on a temporary root, stale and missing files, repo copies."""

import dataclasses
from pathlib import Path

import pytest
import yaml
from fogcompute_api import kinds
from fogcompute_api.crdgen import OUTPUT_DIRS, check, main, render, write

REPO = Path(__file__).resolve().parents[3]


def test_write_then_check_is_clean_and_copies_are_identical(tmp_path: Path) -> None:
    written = write(tmp_path)
    assert len(written) == 12
    assert check(tmp_path) == []
    assert write(tmp_path) == []
    for name in (p.name for p in (tmp_path / "crds").iterdir()):
        chart = tmp_path / "charts/fog-compute/files/crds" / name
        assert chart.read_text() == (tmp_path / "crds" / name).read_text()
    documents = [yaml.safe_load(p.read_text()) for p in sorted((tmp_path / "crds").iterdir())]
    assert sorted(d["spec"]["names"]["kind"] for d in documents) == sorted(
        e.kind for e in kinds.RESOURCES
    )


def test_check_reports_an_edited_file_with_a_diff(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path)
    target = tmp_path / "crds/fogjobs.fogcompute.io.yaml"
    target.write_text(target.read_text().replace("maximum: 16", "maximum: 99"))
    (diff,) = check(tmp_path)
    assert "crds/fogjobs.fogcompute.io.yaml (committed)" in diff
    assert "-                maximum: 99" in diff
    assert "+                maximum: 16" in diff
    assert main(["check", "--root", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert "maximum: 99" in captured.out
    assert "make generate" in captured.err


def test_check_reports_missing_and_no_longer_generated_files(tmp_path: Path) -> None:
    write(tmp_path)
    (tmp_path / "charts/fog-compute/files/crds/stakes.fogcompute.io.yaml").unlink()
    leftover = tmp_path / "crds/oldthings.fogcompute.io.yaml"
    leftover.write_text("kind: CustomResourceDefinition\n")
    (tmp_path / "crds/README.md").write_text("not generated, not ours to judge\n")
    diffs = check(tmp_path)
    assert len(diffs) == 2
    assert any("stakes.fogcompute.io.yaml (missing)" in d for d in diffs)
    assert any("oldthings.fogcompute.io.yaml (no longer generated)" in d for d in diffs)
    write(tmp_path)
    assert not leftover.exists()
    assert (tmp_path / "crds/README.md").exists()
    assert check(tmp_path) == []


def test_check_detects_a_model_change_that_was_not_regenerated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path)
    changed = tuple(
        dataclasses.replace(e, short_names=("fjob",)) if e.kind == "FogJob" else e
        for e in kinds.RESOURCES
    )
    monkeypatch.setattr("fogcompute_api.crdgen.RESOURCES", changed)
    diffs = check(tmp_path)
    assert len(diffs) == len(OUTPUT_DIRS)
    assert all("+    - fjob" in d for d in diffs)
    assert main(["check", "--root", str(tmp_path)]) == 1


def test_main_write_prints_what_it_wrote(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["write", "--root", str(tmp_path)]) == 0
    assert "crdgen: wrote crds/circuits.fogcompute.io.yaml" in capsys.readouterr().out
    assert main(["check", "--root", str(tmp_path)]) == 0


def test_committed_crds_are_up_to_date() -> None:
    assert check(REPO) == [], "run `make generate`"
    assert set(render(REPO)) == {
        REPO / folder / f"{e.crd_name}.yaml" for folder in OUTPUT_DIRS for e in kinds.RESOURCES
    }
