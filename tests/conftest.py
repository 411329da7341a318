"""Fixtures shared by every test tier.

Integration tests (everything under ``tests/integration``) get the real local control plane,
started once per session in ``.run/test`` (a killed earlier run's processes there are stopped
first), or the cluster ``KUBECONFIG`` points at. They never skip: if the control plane cannot
start, they fail with the reason.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fogcompute_testbed.controlplane import ControlPlane
from fogcompute_testbed.postgres import Postgres
from fogcompute_testbed.toolchain import repo_root

ROOT = repo_root()
CRD_DIR = ROOT / "crds"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    integration = ROOT / "tests" / "integration"
    for item in items:
        if Path(str(item.fspath)).is_relative_to(integration):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def control_plane() -> Iterator[ControlPlane]:
    state = Path(os.environ.get("FOG_TEST_STATE_DIR", ROOT / ".run" / "test"))
    plane = ControlPlane.from_environment(state_dir=state)
    try:
        yield plane
    finally:
        plane.stop()


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """A real PostgreSQL server in ``<state>/postgres``, started once per session."""
    state = Path(os.environ.get("FOG_TEST_STATE_DIR", ROOT / ".run" / "test")) / "postgres"
    server = Postgres.start(state_dir=state)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def crds(control_plane: ControlPlane) -> list[str]:
    """Apply crds/*.yaml and wait until every one is Established; return their names."""
    files = sorted(CRD_DIR.glob("*.yaml"))
    assert files, f"no CRDs in {CRD_DIR}: run `make generate`"
    control_plane.kubectl("apply", "--server-side", "--force-conflicts", "-f", str(CRD_DIR))
    names = [f.name.removesuffix(".yaml") for f in files]
    control_plane.kubectl(
        "wait", "--for=condition=Established", "--timeout=60s", *[f"crd/{n}" for n in names]
    )
    return names


@pytest.fixture
def namespace(control_plane: ControlPlane) -> Iterator[str]:
    """A fresh namespace per test, deleted afterwards without waiting."""
    name = f"t-{uuid.uuid4().hex[:10]}"
    control_plane.create_namespace(name)
    try:
        yield name
    finally:
        control_plane.kubectl("delete", "namespace", name, "--wait=false", check=False)
