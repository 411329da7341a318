"""HTTP endpoints of the agent: ``/metrics`` (Prometheus), ``/healthz`` and ``/readyz``.

Started by the agent when a metrics port is set. Liveness is "the probing loop ran recently";
readiness is "a status report reached the API server at least once". Serves nothing else.
"""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

__all__ = ["start_server"]


async def start_server(
    *,
    registry: CollectorRegistry,
    host: str,
    port: int,
    alive: Callable[[], bool],
    ready: Callable[[], bool],
) -> web.AppRunner:
    async def metrics(_: web.Request) -> web.Response:
        body = generate_latest(registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def healthz(_: web.Request) -> web.Response:
        return web.Response(text="ok" if alive() else "stalled", status=200 if alive() else 503)

    async def readyz(_: web.Request) -> web.Response:
        ok = ready()
        return web.Response(text="ok" if ok else "no report yet", status=200 if ok else 503)

    app = web.Application()
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
