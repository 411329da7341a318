"""Fixtures of the EdgeDevice integration tests: the operator as a real process, one per module.

The device under test is ``edge-2`` (a kwok node labelled ``fogcompute.io/edge=true``; the edge
agent tests use edge-0 and edge-1). Its status is written the way an agent writes it, with the
admin client (``ReportingAgent``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from operator_cluster import Cluster, FogOperator


@pytest.fixture(scope="module")
def fog_operator(
    control_plane: Any, crds: list[str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FogOperator]:
    del crds
    op = FogOperator(control_plane=control_plane, workdir=tmp_path_factory.mktemp("operator"))
    op.start()
    try:
        yield op
    finally:
        op.stop()


@pytest.fixture
def cluster(control_plane: Any, fog_operator: FogOperator, namespace: str) -> Cluster:
    return Cluster(control_plane=control_plane, operator=fog_operator, namespace=namespace)
