"""EdgeDevice handlers: put the EdgeDevice controller on the runtime, feed it watch events.

Thin: conditions, Events and evictions are decided in ``fogcompute_operator.edgedevices`` on
the shared runtime. kopf only delivers events: each EdgeDevice body goes into the runtime's
informer (read by the controller and by the scheduler), which queues the device's key.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import kopf
from fogcompute_api.meta import GROUP, PLURAL_EDGEDEVICES, VERSION

from fogcompute_operator.edgedevices import (
    EdgeDeviceSettings,
    build_edgedevices,
    start_edgedevices,
)
from fogcompute_operator.handlers.operating import kind_started, kind_startup, runtime_of
from fogcompute_operator.kube import EDGEDEVICES


@kopf.on.startup(id=kind_startup("edgedevices-startup"), backoff=5)
async def start_edgedevice_controller(memo: kopf.Memo, **_: Any) -> None:
    runtime = runtime_of(memo)
    if runtime is None:
        raise kopf.TemporaryError("the runtime is not built yet", delay=1)
    try:
        config = EdgeDeviceSettings.from_environ(os.environ)
    except ValueError as exc:
        raise kopf.PermanentError(str(exc)) from exc
    await start_edgedevices(runtime, build_edgedevices(runtime, settings=config))
    kind_started(memo, "edgedevices-startup")


@kopf.on.event(GROUP, VERSION, PLURAL_EDGEDEVICES)
async def edgedevice_event(memo: Any, event: Mapping[str, Any], **_: Any) -> None:
    runtime = runtime_of(memo)
    if runtime is not None:
        runtime.observe(EDGEDEVICES, event.get("type"), event["object"])
