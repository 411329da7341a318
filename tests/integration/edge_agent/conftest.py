"""Edge agents as real processes against the session's control plane (testbed agents)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fogcompute_testbed.agents import EdgeAgents, start_edge_agents
from fogcompute_testbed.controlplane import ControlPlane

AGENT_NODES = ("edge-0", "edge-1")


@pytest.fixture(scope="module")
def edge_agents(control_plane: ControlPlane, crds: list[str]) -> Iterator[EdgeAgents]:
    agents = start_edge_agents(control_plane, AGENT_NODES, probe_interval=0.25, report_interval=2.0)
    try:
        yield agents
    finally:
        agents.stop()
