"""deploy/argocd/: the app of apps (sync waves CRDs -> operator -> resources, server-side apply)
and the argocd-cm patch that carries every health check, checked against the repository."""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any

import pytest
import yaml
from fogcompute_api.kinds import RESOURCES

ROOT = Path(__file__).resolve().parents[3]
ARGOCD = ROOT / "deploy" / "argocd"
REPO_URL = "https://github.com/fog-compute/fog-compute.git"


def load(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(path.read_text())
    return loaded


@pytest.fixture(scope="module")
def apps() -> dict[str, dict[str, Any]]:
    found = [load(path) for path in sorted((ARGOCD / "apps").glob("*.yaml"))]
    return {app["metadata"]["name"]: app for app in found}


def wave(app: dict[str, Any]) -> int:
    return int(app["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"])


def test_the_parent_syncs_the_apps_folder() -> None:
    parent = load(ARGOCD / "fog-compute.yaml")
    source = parent["spec"]["source"]

    assert parent["kind"] == "Application"
    assert source["repoURL"] == REPO_URL
    assert (ROOT / source["path"]) == ARGOCD / "apps"
    assert "ServerSideApply=true" in parent["spec"]["syncPolicy"]["syncOptions"]


def test_waves_run_crds_then_operator_then_resources(apps: dict[str, dict[str, Any]]) -> None:
    order = sorted(apps, key=lambda name: wave(apps[name]))
    assert order == ["fog-compute-crds", "fog-compute-operator", "fog-compute-resources"]
    assert len({wave(app) for app in apps.values()}) == 3


def test_every_app_applies_server_side_from_this_repository(
    apps: dict[str, dict[str, Any]],
) -> None:
    for name, app in apps.items():
        assert app["apiVersion"] == "argoproj.io/v1alpha1", name
        assert app["metadata"]["namespace"] == "argocd", name
        assert app["spec"]["source"]["repoURL"] == REPO_URL, name
        assert (ROOT / app["spec"]["source"]["path"]).is_dir(), name
        assert "ServerSideApply=true" in app["spec"]["syncPolicy"]["syncOptions"], name


def test_the_crd_app_holds_the_six_crds_and_never_prunes_them(
    apps: dict[str, dict[str, Any]],
) -> None:
    app = apps["fog-compute-crds"]
    source = app["spec"]["source"]
    files = sorted((ROOT / source["path"]).glob(source["directory"]["include"]))

    assert {load(f)["metadata"]["name"] for f in files} == {r.crd_name for r in RESOURCES}
    assert app["spec"]["syncPolicy"]["automated"]["prune"] is False
    assert "Prune=false" in app["spec"]["syncPolicy"]["syncOptions"]
    assert "finalizers" not in app["metadata"]  # deleting the app must not delete the CRDs


def test_the_operator_app_leaves_the_crds_to_wave_zero(apps: dict[str, dict[str, Any]]) -> None:
    app = apps["fog-compute-operator"]
    source = app["spec"]["source"]
    values = yaml.safe_load((ROOT / source["path"] / "values.yaml").read_text())

    assert (ROOT / source["path"] / "Chart.yaml").is_file()
    assert source["helm"]["valuesObject"] == {"crds": {"enabled": False}}
    assert values["crds"]["enabled"] is True  # so the override is needed
    labels = app["spec"]["syncPolicy"]["managedNamespaceMetadata"]["labels"]
    assert labels["pod-security.kubernetes.io/warn"] == "restricted"


def test_the_resources_app_syncs_objects_of_our_kinds(apps: dict[str, dict[str, Any]]) -> None:
    source = apps["fog-compute-resources"]["spec"]["source"]
    kinds = {load(f)["kind"] for f in (ROOT / source["path"]).glob("*.yaml")}
    assert kinds == {r.kind for r in RESOURCES}


def test_argocd_cm_carries_every_health_check_verbatim() -> None:
    generator = runpy.run_path(str(ARGOCD / "health_config.py"))
    committed = (ARGOCD / "argocd-cm-health.yaml").read_text()

    assert committed == generator["render"](), "rerun python deploy/argocd/health_config.py"
    data = yaml.safe_load(committed)["data"]
    expected = {f"resource.customizations.health.fogcompute.io_{r.kind}" for r in RESOURCES}
    assert set(data) == expected | {"resource.customizations.health.argoproj.io_Application"}
    for key, script in data.items():
        group_kind = key.removeprefix("resource.customizations.health.")
        group, kind = group_kind.split("_")
        assert script == (ARGOCD / "health" / group / kind / "health.lua").read_text(), key
