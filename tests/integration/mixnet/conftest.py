"""Fixtures of the mixnet integration tests: the operator as a real process with short epochs.

The operator runs with 8 s key epochs, a 4 s heartbeat timeout and 3 layers, so a directory
boundary, a hop going down and the redraw around it fit in seconds. The directory namespace
``fog-system`` is created first (the chart creates it in a real install).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from operator_cluster import FogOperator

EPOCH_SECONDS = 8.0
HEARTBEAT_TIMEOUT = 4.0
MIXNET_ENV = {
    "FOG_MIXNET_EPOCH_SECONDS": str(EPOCH_SECONDS),
    "FOG_MIXNET_HEARTBEAT_TIMEOUT_SECONDS": str(HEARTBEAT_TIMEOUT),
    "FOG_MIXNET_LAYERS": "3",
}


@pytest.fixture(scope="module")
def mixnet_operator(
    control_plane: Any, crds: list[str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FogOperator]:
    del crds
    control_plane.kubectl("create", "namespace", "fog-system", check=False)
    op = FogOperator(
        control_plane=control_plane,
        workdir=tmp_path_factory.mktemp("operator"),
        env=dict(MIXNET_ENV),
    )
    op.start()
    try:
        yield op
    finally:
        op.stop()
