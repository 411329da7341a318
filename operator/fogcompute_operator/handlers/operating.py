"""The operator's own lifecycle: startup (settings, logs, metrics, the runtime), probe, cleanup.

``kopf run -m fogcompute_operator.handlers`` imports this module through the package, before
the per-kind modules, so its startup runs first: it configures kopf (``configuring``),
switches logging to JSON lines on stdout, starts the ``/metrics`` + ``/readyz`` endpoint,
builds the one ``controlling.Runtime`` every kind's startup then puts its controller on;
``readying`` reports ready once they all have. Cleanup runs on SIGTERM/SIGINT: not ready
first, then the runtime stops (controllers, scheduler, pool, Events), then the endpoint, then
a final "operator stopped" line. No resource logic lives here; each kind has its own module.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from dataclasses import dataclass, field
from typing import Any

import kopf

from fogcompute_operator.controlling import Runtime
from fogcompute_operator.controlling.gauging import expose_object_state
from fogcompute_operator.handlers.configuring import OperatorEnv, apply_settings
from fogcompute_operator.handlers.peerings import PeeringSetupError, ensure_cluster_peering
from fogcompute_operator.kube import KubernetesApi
from fogcompute_operator.observing import (
    ObservingServer,
    Readiness,
    configure_logging,
    default_metrics,
)

logger = logging.getLogger("fogcompute_operator")
MEMO_KEY = "observing"
_KIND_STARTUPS: set[str] = set()


def kind_startup(activity_id: str) -> str:
    """Declare, when a kind's handler module is imported, a startup activity that must have
    finished before the operator reports ready; returns ``activity_id`` for ``kopf.on.startup``."""
    _KIND_STARTUPS.add(activity_id)
    return activity_id


@dataclass(frozen=True)
class Observing:
    """What startup leaves in kopf's memo for the probe and cleanup handlers."""

    server: ObservingServer
    readiness: Readiness
    runtime: Runtime
    peering: str
    instance: str
    started: set[str] = field(default_factory=set)  # kind startups that have finished


def runtime_of(memo: Any) -> Runtime | None:
    """The runtime startup built, for the per-kind handlers (None before startup)."""
    observing = memo.get(MEMO_KEY)
    return observing.runtime if isinstance(observing, Observing) else None


class _QuietWatchHandlers(logging.Filter):
    """Drops kopf's "Handler 'fogjob_event' succeeded." (and every ``*_event`` handler's):
    logged at INFO after every watch event, thousands of lines a minute under load that say
    nothing, at a real cost in CPU. Their failures are still logged."""

    QUIET = re.compile(r"^Handler '\w+_event' succeeded\.$")

    def filter(self, record: logging.LogRecord) -> bool:
        return not self.QUIET.match(record.getMessage())


def _quieten_watch_handlers() -> None:
    objects = logging.getLogger("kopf.objects")
    if not any(isinstance(f, _QuietWatchHandlers) for f in objects.filters):
        objects.addFilter(_QuietWatchHandlers())


# Retried every 5 s while the API server is unreachable (kopf would wait 60 s); a wrong
# configuration is a PermanentError and stops the operator instead.
@kopf.on.startup(id="fogcompute-startup", backoff=5)
async def start_operator(settings: kopf.OperatorSettings, memo: kopf.Memo, **_: Any) -> None:
    env = _read_environment()
    _log_as_json(env.log_level)
    _quieten_watch_handlers()
    mode = apply_settings(settings, env=env)
    if not settings.peering.standalone:
        await _ensure_peering(settings.peering.name, mode=mode)
    observing = await _start_observing(env, peering=mode)
    memo[MEMO_KEY] = observing


def kind_started(memo: Any, activity_id: str) -> None:
    """Called by a kind's startup activity (declared with ``kind_startup``) when it is done."""
    observing = memo.get(MEMO_KEY)
    if isinstance(observing, Observing):
        observing.started.add(activity_id)


def mark_ready(memo: Any) -> set[str]:
    """Report ready once every declared kind startup has finished (called by ``readying``);
    returns the ones still missing (kopf retries a startup that failed temporarily)."""
    observing = memo.get(MEMO_KEY)
    if not isinstance(observing, Observing):
        return {"fogcompute-startup"}
    missing = _KIND_STARTUPS - observing.started
    if not missing:
        observing.readiness.mark_ready()
        extra = {"metrics_port": observing.server.port, "instance": observing.instance}
        logger.info("operator started", extra={"peering": observing.peering, **extra})
    return missing


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


async def _start_observing(env: OperatorEnv, *, peering: str) -> Observing:
    readiness = Readiness()
    server = ObservingServer(config=env.serving, metrics=default_metrics(), readiness=readiness)
    try:
        await server.start()
    except OSError as exc:
        raise kopf.PermanentError(str(exc)) from exc
    runtime = Runtime(
        api=KubernetesApi.from_environment(), metrics=default_metrics(), instance=env.instance
    )
    # Object phases, conditions and MixNode reliability on /metrics, read from the caches.
    expose_object_state(runtime.informers)
    return Observing(
        server=server, readiness=readiness, runtime=runtime, peering=peering, instance=env.instance
    )


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
        await observing.runtime.stop()
        await observing.server.stop()
    logger.info("operator stopped")
