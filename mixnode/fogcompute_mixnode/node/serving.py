"""The daemon's small HTTP endpoint: /healthz, /readyz and Prometheus /metrics.

Sits in the parent process beside ``supervising``. /healthz answers while the parent runs;
/readyz only when every worker has bound the port and is alive; /metrics shows the node's
totals summed over the workers (``TotalsCollector``). Serves no packet data and no keys.
"""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from fogcompute_mixnode.node.counting import NodeTotals, TotalsCollector
from fogcompute_mixnode.node.settings import NodeSettings


def build_app(*, totals: NodeTotals, expected: int) -> web.Application:
    registry = CollectorRegistry(auto_describe=True)
    registry.register(TotalsCollector(totals))

    async def healthz(_: web.Request) -> web.Response:
        return web.Response(text="ok\n")

    async def readyz(_: web.Request) -> web.Response:
        serving = len(totals.ready & totals.alive)
        status = 200 if serving == expected else 503
        return web.Response(status=status, text=f"workers_ready={serving}/{expected}\n")

    async def metrics(_: web.Request) -> web.Response:
        body = generate_latest(registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    return app


async def start_http(*, settings: NodeSettings, totals: NodeTotals, expected: int) -> web.AppRunner:
    runner = web.AppRunner(build_app(totals=totals, expected=expected), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings.metrics_host, settings.metrics_port)
    await site.start()
    return runner
