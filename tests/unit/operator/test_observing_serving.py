"""The /metrics and /readyz endpoint, driven through its request handlers (no socket)."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import make_mocked_request
from fogcompute_operator.observing import (
    ControllerMetrics,
    ObservingServer,
    Readiness,
    ServingConfig,
)
from prometheus_client import CollectorRegistry


@pytest.fixture
def readiness() -> Readiness:
    return Readiness()


@pytest.fixture
def server(readiness: Readiness) -> ObservingServer:
    metrics = ControllerMetrics.create(CollectorRegistry())
    metrics.register_controller("fogjobs")
    return ObservingServer(config=ServingConfig(port=0), metrics=metrics, readiness=readiness)


async def test_readyz_answers_503_until_startup_finished_and_again_when_stopping(
    server: ObservingServer, readiness: Readiness
) -> None:
    before = await server.handle_readyz(make_mocked_request("GET", "/readyz"))
    readiness.mark_ready()
    ready = await server.handle_readyz(make_mocked_request("GET", "/readyz"))
    readiness.mark_not_ready("operator is stopping")
    stopping = await server.handle_readyz(make_mocked_request("GET", "/readyz"))

    assert (before.status, before.text) == (503, "not ready: operator startup has not finished\n")
    assert (ready.status, ready.text) == (200, "ok\n")
    assert (stopping.status, stopping.text) == (503, "not ready: operator is stopping\n")


async def test_metrics_serve_the_registry_in_prometheus_text_format(
    server: ObservingServer,
) -> None:
    response = await server.handle_metrics(make_mocked_request("GET", "/metrics"))

    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    assert isinstance(response.body, bytes)
    body = response.body.decode()
    assert "# TYPE controller_runtime_reconcile_total counter" in body
    assert "# TYPE controller_runtime_reconcile_time_seconds histogram" in body


def test_routes_are_metrics_and_readyz_only(server: ObservingServer) -> None:
    paths = {route.resource.canonical for route in server.build_app().router.routes()}
    assert paths == {"/metrics", "/readyz"}
    assert not server.serving
    assert server.port is None


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, ServingConfig(host="0.0.0.0", port=8000)),
        ({"FOG_METRICS_PORT": "9100"}, ServingConfig(host="0.0.0.0", port=9100)),
        ({"FOG_METRICS_HOST": "127.0.0.1", "FOG_METRICS_PORT": "0"}, ServingConfig("127.0.0.1", 0)),
    ],
    ids=["defaults", "port", "loopback-any-port"],
)
def test_serving_config_from_environment(environ: dict[str, str], expected: ServingConfig) -> None:
    assert ServingConfig.from_environ(environ) == expected


@pytest.mark.parametrize("port", ["http", "-1", "70000", "8000.5"])
def test_a_wrong_port_names_the_variable(port: str) -> None:
    with pytest.raises(ValueError, match=r"FOG_METRICS_PORT=.* is not a TCP port"):
        ServingConfig.from_environ({"FOG_METRICS_PORT": port})
