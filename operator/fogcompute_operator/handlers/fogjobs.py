"""FogJob handlers: start the controller at startup, feed it watch events, stop it at cleanup.

Thin by design: the lifecycle is decided in ``tracking`` and carried out by
``queueing.FogJobController`` (get, decide, act, write status once), which also runs the
scheduling rounds in a process pool. kopf only delivers events: every FogJob event and every
event of a pod labelled ``fogcompute.io/fogjob`` becomes one key in the controller's work
queue. ``on.event`` handlers keep no progress annotations and add no finalizer (pods are
garbage-collected through their owner references), and since kopf lists every object when it
starts watching, a restarted operator re-reconciles every job.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import kopf
from fogcompute_api.meta import GROUP, KIND_FOGJOB, LABEL_FOGJOB, PLURAL_FOGJOBS, VERSION

from fogcompute_operator.kubeapi import KubernetesApi
from fogcompute_operator.observing import default_metrics
from fogcompute_operator.observing.fogjobs import default_fogjob_metrics
from fogcompute_operator.queueing import FogJobController, FogJobSettings, job_key, warm_up
from fogcompute_operator.scheduling import make_pool

MEMO_KEY = "fogjobs"
LISTABLE_WAIT_SECONDS = 30.0


@kopf.on.startup(id="fogjobs-startup", backoff=5)
async def start_fogjobs(memo: kopf.Memo, **_: Any) -> None:
    try:
        settings = FogJobSettings.from_environ(os.environ)
    except ValueError as exc:
        raise kopf.PermanentError(str(exc)) from exc
    pool = make_pool()
    pool.submit(warm_up)
    api = KubernetesApi.from_environment()
    await _until_listable(api)
    controller = FogJobController(
        api=api,
        settings=settings,
        executor=pool,
        metrics=default_fogjob_metrics(),
        controller_metrics=default_metrics(),
    )
    controller.start()
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


@kopf.on.event(GROUP, VERSION, PLURAL_FOGJOBS)
async def fogjob_event(memo: Any, name: str, namespace: str | None, **_: Any) -> None:
    controller = _controller(memo)
    if controller is not None:
        controller.notify(job_key(namespace or "", name))


@kopf.on.event("v1", "pods", labels={LABEL_FOGJOB: kopf.PRESENT})
async def pod_event(memo: Any, body: kopf.Body, namespace: str | None, **_: Any) -> None:
    controller = _controller(memo)
    if controller is None:
        return
    for ref in body.metadata.get("ownerReferences") or ():
        if ref.get("kind") == KIND_FOGJOB and ref.get("controller"):
            controller.notify(job_key(namespace or "", ref["name"]))
