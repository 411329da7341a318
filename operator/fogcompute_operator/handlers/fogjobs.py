"""FogJob handlers: start the controller at startup, feed it watch events, stop it at cleanup.

Thin by design: the lifecycle is decided in ``tracking`` and carried out by
``queueing.FogJobController`` (get, decide, act, write status once), which also runs the
scheduling rounds in a process pool. kopf only delivers events: the body of every FogJob event
and of every event of a pod labelled ``fogcompute.io/fogjob`` goes into the controller's cache
and its job's key into the work queue, so reconciles need not read the API server. The pod
watch asks the API server for labelled pods only (a server-side label selector), so other
pods never reach the operator. ``on.event`` handlers keep no progress annotations and add no
finalizer (pods are garbage-collected through their owner references), and since kopf lists
every object when it starts watching, a restarted operator re-reconciles every job.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Mapping
from typing import Any

import kopf
from fogcompute_api.meta import GROUP, LABEL_FOGJOB, PLURAL_FOGJOBS, VERSION

from fogcompute_operator.kubeapi import KubernetesApi
from fogcompute_operator.observing import default_metrics
from fogcompute_operator.observing.fogjobs import default_fogjob_metrics
from fogcompute_operator.queueing import FogJobController, FogJobSettings, warm_up
from fogcompute_operator.scheduling import make_pool

MEMO_KEY = "fogjobs"
LISTABLE_WAIT_SECONDS = 30.0


class _QuietWatchHandlers(logging.Filter):
    """Drops kopf's "Handler 'fogjob_event' succeeded." (and pod_event's): logged at INFO after
    every watch event of every FogJob and job pod, thousands of lines a minute under load that
    say nothing, at a real cost in CPU. Their failures are still logged."""

    QUIET = frozenset({"Handler 'fogjob_event' succeeded.", "Handler 'pod_event' succeeded."})

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() not in self.QUIET


def _quieten_watch_handlers() -> None:
    objects = logging.getLogger("kopf.objects")
    if not any(isinstance(f, _QuietWatchHandlers) for f in objects.filters):
        objects.addFilter(_QuietWatchHandlers())


@kopf.on.startup(id="fogjobs-startup", backoff=5)
async def start_fogjobs(settings: kopf.OperatorSettings, memo: kopf.Memo, **_: Any) -> None:
    settings.watching.label_selectors["v1", "pods"] = LABEL_FOGJOB
    _quieten_watch_handlers()
    try:
        config = FogJobSettings.from_environ(os.environ)
    except ValueError as exc:
        raise kopf.PermanentError(str(exc)) from exc
    pool = make_pool()
    pool.submit(warm_up)
    api = KubernetesApi.from_environment()
    await _until_listable(api)
    controller = FogJobController(
        api=api,
        settings=config,
        executor=pool,
        metrics=default_fogjob_metrics(),
        controller_metrics=default_metrics(),
    )
    await controller.start()
    memo[MEMO_KEY] = (controller, pool)


async def _until_listable(api: KubernetesApi) -> None:
    # kopf starts watching right after startup; a watch opened while the CRD's storage is
    # still initialising logs an error (and retries). Waiting here keeps the log clean.
    for _ in range(int(LISTABLE_WAIT_SECONDS / 0.25)):
        if await api.fogjobs_listable():
            return
        await asyncio.sleep(0.25)


@kopf.on.cleanup(id="fogjobs-cleanup")
async def stop_fogjobs(memo: kopf.Memo, **_: Any) -> None:
    held = memo.get(MEMO_KEY)
    if held is not None:
        controller, pool = held
        await controller.stop()
        pool.shutdown(wait=False, cancel_futures=True)


def _controller(memo: Any) -> FogJobController | None:
    held = memo.get(MEMO_KEY)
    return None if held is None else held[0]


# ``event`` is kopf's raw watch event: its "object" is the plain dict the body views, handed
# to the cache as it is (the cache never changes what it holds).
@kopf.on.event(GROUP, VERSION, PLURAL_FOGJOBS)
async def fogjob_event(memo: Any, event: Mapping[str, Any], **_: Any) -> None:
    controller = _controller(memo)
    if controller is not None:
        controller.observe_job(event.get("type"), event["object"])


@kopf.on.event("v1", "pods", labels={LABEL_FOGJOB: kopf.PRESENT})
async def pod_event(memo: Any, event: Mapping[str, Any], **_: Any) -> None:
    controller = _controller(memo)
    if controller is not None:
        controller.observe_pod(event.get("type"), event["object"])
