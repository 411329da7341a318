"""The operator's own HTTP endpoint: ``/metrics`` for Prometheus and ``/readyz`` for the kubelet.

Started by the handlers' startup activity and stopped by their cleanup activity; liveness is
not served here but by kopf itself (``kopf run --liveness=...``), which knows whether its event
loop still turns. Ready means "startup finished and cleanup has not begun". Configuration comes
from the environment (``FOG_METRICS_HOST``, ``FOG_METRICS_PORT``); a wrong value is reported
with the variable's name. Must not import kopf.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from fogcompute_operator.observing.metrics import ControllerMetrics

# In a pod the kubelet and Prometheus reach the process on the pod IP, not on loopback.
DEFAULT_HOST = "0.0.0.0"  # noqa: S104
DEFAULT_PORT = 8000


@dataclass(frozen=True)
class ServingConfig:
    """Where the metrics/readiness endpoint listens. Port 0 picks a free port."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> ServingConfig:
        """Read ``FOG_METRICS_HOST`` and ``FOG_METRICS_PORT``; defaults when unset."""
        host = environ.get("FOG_METRICS_HOST", DEFAULT_HOST).strip() or DEFAULT_HOST
        raw = environ.get("FOG_METRICS_PORT", str(DEFAULT_PORT)).strip()
        if not raw.isdigit() or int(raw) > 65535:
            raise ValueError(
                f"FOG_METRICS_PORT={raw!r} is not a TCP port; set an integer from 0 to 65535"
            )
        return cls(host=host, port=int(raw))


class Readiness:
    """Whether the operator should be reported ready, and why not when it is not."""

    def __init__(self) -> None:
        self._reason: str | None = "operator startup has not finished"

    @property
    def ready(self) -> bool:
        return self._reason is None

    @property
    def reason(self) -> str | None:
        return self._reason

    def mark_ready(self) -> None:
        self._reason = None

    def mark_not_ready(self, reason: str) -> None:
        self._reason = reason


class ObservingServer:
    """An aiohttp server for ``/metrics`` and ``/readyz``, bound once ``start`` returns."""

    def __init__(
        self, *, config: ServingConfig, metrics: ControllerMetrics, readiness: Readiness
    ) -> None:
        self._config = config
        self._metrics = metrics
        self._readiness = readiness
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    @property
    def port(self) -> int | None:
        """The bound port (useful when the configured port was 0), or None when stopped."""
        return self._port

    @property
    def serving(self) -> bool:
        return self._runner is not None

    def build_app(self) -> web.Application:
        app = web.Application()
        app.add_routes([web.get("/metrics", self.handle_metrics)])
        app.add_routes([web.get("/readyz", self.handle_readyz)])
        return app

    async def handle_metrics(self, request: web.Request) -> web.Response:
        del request
        body = self._metrics.exposition()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def handle_readyz(self, request: web.Request) -> web.Response:
        del request
        reason = self._readiness.reason
        if reason is None:
            return web.Response(text="ok\n")
        return web.Response(status=503, text=f"not ready: {reason}\n")

    async def start(self) -> None:
        runner = web.AppRunner(self.build_app(), handle_signals=False, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self._config.host, self._config.port)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            where = f"{self._config.host}:{self._config.port}"
            raise OSError(
                exc.errno,
                f"metrics endpoint cannot listen on {where} ({exc.strerror}); "
                "free the port or set FOG_METRICS_PORT",
            ) from exc
        self._runner = runner
        self._port = _bound_port(runner, fallback=self._config.port)

    async def stop(self) -> None:
        runner, self._runner, self._port = self._runner, None, None
        if runner is not None:
            await runner.cleanup()


def _bound_port(runner: web.AppRunner, *, fallback: int) -> int:
    for address in runner.addresses:
        if isinstance(address, tuple) and len(address) >= 2:
            return int(address[1])
    return fallback
