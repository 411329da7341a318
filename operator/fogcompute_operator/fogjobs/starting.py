"""Putting the FogJob controller and its scheduler on the runtime, once, at startup.

Called by the FogJob handlers' startup activity. ``build_fogjobs`` registers the informers the
kind reads (FogJobs; their pods, owner-indexed and selected by the ``fogcompute.io/fogjob``
label; Nodes and EdgeDevices for the scheduler), builds the scheduler and the reconciler, and
says which changes queue which job (its own changes; a pod's change queues its owner first,
through the urgent lane). ``start_fogjobs`` lists pods, Nodes and EdgeDevices once (no
reconcile may take a pod not seen yet for a lost one, no round may see an empty cluster or
take a device for a plain node), then starts the scheduler and the controller. ``tier_source``
(the governed tiers, built by the handlers) is what each round reads for the tiers' weights;
the reconciler keeps ``tiers`` (priorities, pending limits, rules). No kopf here.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import Executor
from dataclasses import dataclass

from fogcompute_operator import scheduling
from fogcompute_operator.controlling import Controller, InformerSpec, Runtime
from fogcompute_operator.fogjobs.metering import FogJobMetrics, default_fogjob_metrics
from fogcompute_operator.fogjobs.reconciling import FogJobReconciler
from fogcompute_operator.fogjobs.settings import FogJobSettings
from fogcompute_operator.kube import EDGEDEVICES, FOGJOBS, NODES, PODS, Body, ObjectKey
from fogcompute_operator.scheduling.batching import (
    WORKLOAD_PODS,
    ClusterView,
    RoundConfig,
    Scheduler,
    TierSource,
)
from fogcompute_operator.scheduling.metering import SchedulingMetrics, default_scheduling_metrics

POD_EVENT_COALESCE_SECONDS = 0.15


@dataclass(frozen=True)
class FogJobs:
    """The FogJob kind on the runtime: its controller, reconciler and scheduler."""

    controller: Controller
    reconciler: FogJobReconciler
    scheduler: Scheduler


def build_fogjobs(
    runtime: Runtime,
    *,
    settings: FogJobSettings,
    executor: Executor,
    metrics: FogJobMetrics | None = None,
    scheduling_metrics: SchedulingMetrics | None = None,
    tiers: Mapping[str, scheduling.Tier] = scheduling.DEFAULT_TIERS,
    tier_source: TierSource | None = None,
) -> FogJobs:
    runtime.informer(InformerSpec(FOGJOBS))
    pods = runtime.informer(WORKLOAD_PODS)
    view = ClusterView(
        nodes=runtime.informer(InformerSpec(NODES)),
        devices=runtime.informer(InformerSpec(EDGEDEVICES)),
        pods=pods,
    )
    scheduler = Scheduler(
        view=view,
        config=RoundConfig(
            round_seconds=settings.round_seconds,
            budget_seconds=settings.budget_seconds,
            seed=settings.seed,
            tiers=tiers,
            heartbeat_timeout_seconds=settings.heartbeat_timeout_seconds,
        ),
        executor=executor,
        metrics=scheduling_metrics or default_scheduling_metrics(),
        notify=lambda key: runtime.enqueue(FOGJOBS, key),
        clock=runtime.clock,
        tiers=tier_source,
    )
    reconciler = FogJobReconciler(
        runtime=runtime,
        scheduler=scheduler,
        settings=settings,
        metrics=metrics or default_fogjob_metrics(),
        tiers=tiers,
    )
    controller = runtime.controller(reconciler, workers=settings.workers)

    def owner(body: Body) -> tuple[ObjectKey, ...]:
        key = pods.owner_of(body)
        return () if key is None else (key,)

    # Pod events finish work already started: ahead of jobs still waiting for their pods. A
    # job's pods start together (created at once, run by the same kubelet machinery); waiting
    # POD_EVENT_COALESCE_SECONDS lets their Running arrive in one reconcile, so the job writes
    # Running once instead of once per ready replica (1/3, 2/3, 3/3).
    runtime.watch(PODS, controller, mapper=owner, urgent=True, delay=POD_EVENT_COALESCE_SECONDS)
    return FogJobs(controller=controller, reconciler=reconciler, scheduler=scheduler)


async def start_fogjobs(runtime: Runtime, fogjobs: FogJobs) -> None:
    await runtime.prime(PODS, NODES, EDGEDEVICES)
    await runtime.run(fogjobs.scheduler)
    await runtime.run(fogjobs.controller)
