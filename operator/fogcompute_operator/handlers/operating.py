"""The operator's own lifecycle: startup (settings, logs, metrics), liveness probe, cleanup.

``kopf run -m fogcompute_operator.handlers`` imports this module through the package. Startup
runs before kopf watches anything: it configures kopf (``configuring``), switches logging to
JSON lines on stdout, starts the ``/metrics`` + ``/readyz`` endpoint and only then reports
ready. Cleanup runs on SIGTERM/SIGINT: not ready first, then the endpoint stops, then a final
"operator stopped" line. No resource logic lives here; each kind has its own module.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from typing import Any

import kopf

from fogcompute_operator.handlers.configuring import OperatorEnv, apply_settings
from fogcompute_operator.handlers.peerings import PeeringSetupError, ensure_cluster_peering
from fogcompute_operator.observing import (
    ObservingServer,
    Readiness,
    configure_logging,
    default_metrics,
)

logger = logging.getLogger("fogcompute_operator")
MEMO_KEY = "observing"


@dataclass(frozen=True)
class Observing:
    """What startup leaves in kopf's memo for the probe and cleanup handlers."""

    server: ObservingServer
    readiness: Readiness


# Retried every 5 s while the API server is unreachable (kopf would wait 60 s); a wrong
# configuration is a PermanentError and stops the operator instead.
@kopf.on.startup(id="fogcompute-startup", backoff=5)
async def start_operator(settings: kopf.OperatorSettings, memo: kopf.Memo, **_: Any) -> None:
    env = _read_environment()
    _log_as_json(env.log_level)
    mode = apply_settings(settings, env=env)
    if not settings.peering.standalone:
        await _ensure_peering(settings.peering.name, mode=mode)
    observing = await _start_observing(env)
    memo[MEMO_KEY] = observing
    observing.readiness.mark_ready()
    logger.info(
        "operator started",
        extra={"peering": mode, "metrics_port": observing.server.port, "instance": env.instance},
    )


def _read_environment() -> OperatorEnv:
    try:
        return OperatorEnv.from_environ(os.environ)
    except ValueError as exc:
        raise kopf.PermanentError(str(exc)) from exc


def _log_as_json(level: int) -> None:
    configure_logging(stream=sys.stdout, level=level)
    # kopf logs every kubelet probe (two lines per 10 s) unless told not to; failures still show.
    for noisy in ("aiohttp.access", "kopf.activities.probe"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


async def _ensure_peering(name: str, *, mode: str) -> None:
    try:
        created = await ensure_cluster_peering(name)
    except PeeringSetupError as exc:
        raise kopf.PermanentError(str(exc)) from exc
    logger.info("peering object ready", extra={"peering": mode, "peering_created": created})


async def _start_observing(env: OperatorEnv) -> Observing:
    readiness = Readiness()
    server = ObservingServer(config=env.serving, metrics=default_metrics(), readiness=readiness)
    try:
        await server.start()
    except OSError as exc:
        raise kopf.PermanentError(str(exc)) from exc
    return Observing(server=server, readiness=readiness)


@kopf.on.probe(id="metrics")
def probe_metrics(memo: kopf.Memo, **_: Any) -> str:
    observing = memo.get(MEMO_KEY)
    if not isinstance(observing, Observing) or not observing.server.serving:
        # A failing probe makes /healthz answer 500, so the kubelet restarts the pod.
        raise RuntimeError("the metrics endpoint is not serving")
    return f"serving on port {observing.server.port}"


@kopf.on.cleanup(id="fogcompute-cleanup")
async def stop_operator(memo: kopf.Memo, **_: Any) -> None:
    observing = memo.get(MEMO_KEY)
    if isinstance(observing, Observing):
        observing.readiness.mark_not_ready("operator is stopping")
        await observing.server.stop()
    logger.info("operator stopped")
