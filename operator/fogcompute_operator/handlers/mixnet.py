"""Mixnet handlers: put the MixNode and Circuit controllers and the directory publisher on the
runtime, and feed them MixNode, Circuit and Stake watch events.

Thin: layers, conditions, directories and draws are decided in ``fogcompute_operator.mixnodes``,
``circuits`` and ``mixnet``. Startup reads the settings and starts the MixNode controller and
the reliability monitor; the
directory publisher and the Circuit controller start once the operator's directory signing key
and VRF key are loaded (or created) from their Secret (``KeyedLauncher``), so an operator
without the directory namespace still serves every other kind.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import kopf
from fogcompute_api.meta import GROUP, PLURAL_CIRCUITS, PLURAL_MIXNODES, PLURAL_STAKES, VERSION

from fogcompute_operator.circuits import build_circuits, start_circuits
from fogcompute_operator.controlling import Runtime
from fogcompute_operator.handlers.operating import runtime_of
from fogcompute_operator.kube import CIRCUITS, MIXNODES, STAKES, Resource
from fogcompute_operator.mixnet import (
    DirectoryBook,
    DirectoryPublisher,
    KeyedLauncher,
    MixnetKeys,
    MixnetSettings,
    ReliabilityMonitor,
)
from fogcompute_operator.mixnodes import build_mixnodes, start_mixnodes


async def _launch(runtime: Runtime, settings: MixnetSettings, keys: MixnetKeys) -> None:
    book = DirectoryBook(keep=settings.keep_epochs)
    circuits = build_circuits(runtime, book=book, keys=keys, settings=settings)
    await start_circuits(runtime, circuits)
    await runtime.run(
        DirectoryPublisher(
            api=runtime.api,
            mixnodes=runtime.informers[MIXNODES],
            book=book,
            keys=keys,
            settings=settings,
            clock=runtime.clock,
        )
    )


@kopf.on.startup(id="mixnet-startup", backoff=5)
async def start_mixnet(memo: kopf.Memo, **_: Any) -> None:
    runtime = runtime_of(memo)
    if runtime is None:
        raise kopf.TemporaryError("the runtime is not built yet", delay=1)
    try:
        settings = MixnetSettings.from_environ(os.environ)
    except ValueError as exc:
        raise kopf.PermanentError(str(exc)) from exc
    for resource in (MIXNODES, CIRCUITS, STAKES):  # new CRDs' storage may still initialise
        await runtime.until_listable(resource)
    await start_mixnodes(runtime, build_mixnodes(runtime, settings=settings))
    monitor = ReliabilityMonitor(
        mixnodes=runtime.informers[MIXNODES],
        statuses=runtime.statuses,
        settings=settings.reliability,
        write_seconds=settings.reliability_write_seconds,
        clock=lambda: runtime.clock().timestamp(),
    )
    await runtime.run(monitor)

    async def launch(keys: MixnetKeys) -> None:
        await _launch(runtime, settings, keys)

    await runtime.run(KeyedLauncher(api=runtime.api, secret=settings.keys_secret, launch=launch))


def _observe(memo: Any, resource: Resource, event: Mapping[str, Any]) -> None:
    runtime = runtime_of(memo)
    if runtime is not None:
        runtime.observe(resource, event.get("type"), event["object"])


@kopf.on.event(GROUP, VERSION, PLURAL_MIXNODES)
async def mixnode_event(memo: Any, event: Mapping[str, Any], **_: Any) -> None:
    _observe(memo, MIXNODES, event)


@kopf.on.event(GROUP, VERSION, PLURAL_CIRCUITS)
async def circuit_event(memo: Any, event: Mapping[str, Any], **_: Any) -> None:
    _observe(memo, CIRCUITS, event)


@kopf.on.event(GROUP, VERSION, PLURAL_STAKES)
async def stake_event(memo: Any, event: Mapping[str, Any], **_: Any) -> None:
    _observe(memo, STAKES, event)
