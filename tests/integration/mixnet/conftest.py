"""Fixtures of the mixnet integration tests: the operator as a real process with short epochs.

The operator runs with 8 s key epochs, a 4 s heartbeat timeout, 3 layers and a 20 s
reliability window of 4 buckets written every second, so a directory boundary, a hop going
down, its score falling and the redraw around it fit in seconds. The directory namespace
``fog-system`` is created first (the chart creates it in a real install).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from operator_cluster import FogOperator

EPOCH_SECONDS = 8.0
HEARTBEAT_TIMEOUT = 4.0
RELIABILITY_WINDOW = 20.0
RELIABILITY_BUCKETS = 4
RELIABILITY_WRITE = 1.0
MIXNET_ENV = {
    "FOG_MIXNET_EPOCH_SECONDS": str(EPOCH_SECONDS),
    "FOG_MIXNET_HEARTBEAT_TIMEOUT_SECONDS": str(HEARTBEAT_TIMEOUT),
    "FOG_MIXNET_LAYERS": "3",
    "FOG_MIXNET_RELIABILITY_WINDOW_SECONDS": str(RELIABILITY_WINDOW),
    "FOG_MIXNET_RELIABILITY_BUCKETS": str(RELIABILITY_BUCKETS),
    "FOG_MIXNET_RELIABILITY_WRITE_SECONDS": str(RELIABILITY_WRITE),
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
