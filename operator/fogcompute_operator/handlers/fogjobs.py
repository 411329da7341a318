"""FogJob handlers: put the FogJob controller on the runtime at startup, feed it watch events.

Thin by design: the lifecycle lives in ``fogcompute_operator.fogjobs`` (pure decisions and one
reconcile on the shared runtime), the scheduling rounds in its scheduler. kopf only delivers
events: the body of every FogJob event and of every event of a pod labelled
``fogcompute.io/fogjob`` goes into the runtime's informers, which queue the keys concerned, so
reconciles need not read the API server. The pod watch asks the API server for labelled pods
only (a server-side label selector), so other pods never reach the operator. ``on.event``
handlers keep no progress annotations and add no finalizer (pods are garbage-collected through
their owner references), and since kopf lists every object when it starts watching, a
restarted operator re-reconciles every job. The scheduler's tiers are the governed ones
(``treasury.GovernedTiers``: the weights passed Proposals set, read at each round from the
Proposal informer, which is listed before the first round).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import kopf
from fogcompute_api.meta import GROUP, LABEL_FOGJOB, PLURAL_FOGJOBS, VERSION

from fogcompute_operator.fogjobs import FogJobSettings, build_fogjobs, start_fogjobs
from fogcompute_operator.handlers.operating import kind_started, kind_startup, runtime_of
from fogcompute_operator.kube import FOGJOBS, PODS, PROPOSALS
from fogcompute_operator.scheduling import SchedulingPool
from fogcompute_operator.treasury import GovernedTiers


@kopf.on.startup(id=kind_startup("fogjobs-startup"), backoff=5)
async def start_fogjob_controller(
    settings: kopf.OperatorSettings, memo: kopf.Memo, **_: Any
) -> None:
    settings.watching.label_selectors["v1", "pods"] = LABEL_FOGJOB
    runtime = runtime_of(memo)
    if runtime is None:
        raise kopf.TemporaryError("the runtime is not built yet", delay=1)
    try:
        config = FogJobSettings.from_environ(os.environ)
    except ValueError as exc:
        raise kopf.PermanentError(str(exc)) from exc
    pool = SchedulingPool()
    await runtime.run(pool)
    tiers = GovernedTiers.on(runtime)
    fogjobs = build_fogjobs(runtime, settings=config, executor=pool.executor, tier_source=tiers)
    await runtime.until_listable(FOGJOBS)
    await runtime.prime(PROPOSALS)
    await start_fogjobs(runtime, fogjobs)
    kind_started(memo, "fogjobs-startup")


# ``event`` is kopf's raw watch event: its "object" is the plain dict the body views, handed
# to the informer as it is (informers never change what they hold).
@kopf.on.event(GROUP, VERSION, PLURAL_FOGJOBS)
async def fogjob_event(memo: Any, event: Mapping[str, Any], **_: Any) -> None:
    runtime = runtime_of(memo)
    if runtime is not None:
        runtime.observe(FOGJOBS, event.get("type"), event["object"])


@kopf.on.event("v1", "pods", labels={LABEL_FOGJOB: kopf.PRESENT})
async def pod_event(memo: Any, event: Mapping[str, Any], **_: Any) -> None:
    runtime = runtime_of(memo)
    if runtime is not None:
        runtime.observe(PODS, event.get("type"), event["object"])
