"""Fixtures of the FogJob integration tests (helpers live in ``fogjob_cluster``).

``fog_operator`` starts one operator process per module (``kopf run``, standalone, all
namespaces) once the CRDs are applied; ``cluster`` binds the kubectl helpers to the test's
namespace.
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
    del crds  # the operator starts against a cluster that has them
    op = FogOperator(control_plane=control_plane, workdir=tmp_path_factory.mktemp("operator"))
    op.start()
    try:
        yield op
    finally:
        op.stop()


@pytest.fixture
def cluster(control_plane: Any, fog_operator: FogOperator, namespace: str) -> Cluster:
    return Cluster(control_plane=control_plane, operator=fog_operator, namespace=namespace)
