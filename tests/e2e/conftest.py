"""Fixtures of the end-to-end tier: the chart running for real on the test bed's node ``host-0``.

One control plane per session in its own state directory (``FOG_E2E_STATE_DIR``, else
``$FOG_TEST_STATE_DIR-e2e``, else ``.run/e2e``), started with the real node (containerd, runc,
kubelet) beside the kwok nodes, and the chart installed onto it with ``helm``. Overrides the
root conftest's ``control_plane`` so the shared ``namespace`` fixture makes namespaces here.
Never skips: a machine that cannot run the real node fails these tests with the reason.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fogcompute_testbed.bundledledger import bundled_ledger_values
from fogcompute_testbed.controlplane import ControlPlane, NodeSpec
from fogcompute_testbed.release import ChartRelease, install_chart
from fogcompute_testbed.toolchain import repo_root

E2E = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).is_relative_to(E2E):
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.timeout(900))


@pytest.fixture(scope="session")
def control_plane() -> Iterator[ControlPlane]:
    shared = os.environ.get("FOG_TEST_STATE_DIR")
    default = Path(f"{shared}-e2e") if shared else repo_root() / ".run" / "e2e"
    state = Path(os.environ.get("FOG_E2E_STATE_DIR", default))
    plane = ControlPlane.from_environment(
        state_dir=state, nodes=[NodeSpec(name="fog-0")], real_node=True
    )
    try:
        if not plane.external:
            assert plane.node is not None, (
                "the end-to-end tier needs the real node host-0; the line above says why this "
                "machine cannot run it"
            )
        yield plane
    finally:
        plane.stop()


@pytest.fixture(scope="session")
def release(control_plane: ControlPlane) -> ChartRelease:
    """The chart installed once per session as ``make up`` installs it: its operator runs as a
    pod on host-0, with the chart's bundled PostgreSQL there as its ledger."""
    return install_chart(control_plane, extra_values=bundled_ledger_values(control_plane))
