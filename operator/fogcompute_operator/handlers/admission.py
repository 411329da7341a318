"""Admission handlers: start the edge agent's eviction webhook on the runtime when configured.

Thin: the decision, the HTTPS server and the webhook configuration live in
``fogcompute_operator.admitting``. Not kopf's own admission machinery: kopf's managed webhook
configuration cannot carry matchConditions (it rewrites the webhooks list), and a registered
kopf admission handler makes a webhook server mandatory for every operator, even one serving
no edge agents. Off unless ``FOG_EVICTION_WEBHOOK`` is true (the chart sets it with the agent).
"""

from __future__ import annotations

import os
from typing import Any

import kopf

from fogcompute_operator.admitting import (
    EvictionWebhook,
    PodReader,
    WebhookSettings,
    WebhookSetupError,
    eviction_metrics,
)
from fogcompute_operator.handlers.operating import kind_started, kind_startup, runtime_of
from fogcompute_operator.kube import PODS


@kopf.on.startup(id=kind_startup("admission-startup"), backoff=5)
async def start_eviction_webhook(memo: kopf.Memo, **_: Any) -> None:
    runtime = runtime_of(memo)
    if runtime is None:
        raise kopf.TemporaryError("the runtime is not built yet", delay=1)
    try:
        settings = WebhookSettings.from_environ(os.environ)
    except ValueError as exc:
        raise kopf.PermanentError(str(exc)) from exc
    if settings.enabled:
        pods = PodReader(api=runtime.api, informer=runtime.informers.get(PODS))
        webhook = EvictionWebhook(
            settings=settings,
            api=runtime.api,
            pods=pods,
            clock=runtime.clock,
            metrics=eviction_metrics(runtime.metrics.registry),
        )
        try:
            await runtime.run(webhook)
        except WebhookSetupError as exc:  # RBAC or a missing object: say so, retry
            raise kopf.TemporaryError(str(exc), delay=10) from exc
    kind_started(memo, "admission-startup")
