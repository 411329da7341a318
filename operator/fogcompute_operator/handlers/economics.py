"""Economics handlers: the ledger gateway, the Stake and Proposal controllers on the runtime.

Thin: bonding, rewards, slashing, tallies and parameters are decided in
``fogcompute_operator.stakes``, ``proposals`` and ``treasury``. Startup reads the settings,
starts the gateway (which connects in the background: a dead or missing database never stops
the operator), then both controllers. Stake watch events reach the runtime through the mixnet
handlers' Stake handler (one informer per kind); Proposal events come in here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import kopf
from fogcompute_api.meta import GROUP, PLURAL_PROPOSALS, VERSION

from fogcompute_operator.handlers.operating import kind_started, kind_startup, runtime_of
from fogcompute_operator.kube import PROPOSALS
from fogcompute_operator.proposals import build_proposals, start_proposals
from fogcompute_operator.stakes import build_stakes, start_stakes
from fogcompute_operator.treasury import EconomicsSettings, LedgerGateway


@kopf.on.startup(id=kind_startup("economics-startup"), backoff=5)
async def start_economics(memo: kopf.Memo, **_: Any) -> None:
    runtime = runtime_of(memo)
    if runtime is None:
        raise kopf.TemporaryError("the runtime is not built yet", delay=1)
    try:
        settings = EconomicsSettings.from_environ(os.environ)
    except ValueError as exc:
        raise kopf.PermanentError(str(exc)) from exc
    gateway = LedgerGateway(settings=settings)
    stakes = build_stakes(runtime, gateway=gateway, settings=settings)
    proposals = build_proposals(runtime, gateway=gateway, settings=settings)
    await runtime.run(gateway)
    await start_stakes(runtime, stakes)
    await start_proposals(runtime, proposals)
    kind_started(memo, "economics-startup")


@kopf.on.event(GROUP, VERSION, PLURAL_PROPOSALS)
async def proposal_event(memo: Any, event: Mapping[str, Any], **_: Any) -> None:
    runtime = runtime_of(memo)
    if runtime is not None:
        runtime.observe(PROPOSALS, event.get("type"), event["object"])
