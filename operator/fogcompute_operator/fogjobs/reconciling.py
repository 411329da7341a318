"""The FogJob reconcile: get, decide, act, write status once. Runs on the shared runtime.

The runtime's FogJob controller calls ``FogJobReconciler.reconcile`` with a job's key when the
job, one of its pods (owner index) or the scheduler's answer for it changed, or when the job
asked to be looked at again. Each reconcile reads as the conventions ask:

1. get: the FogJob and the pods it owns from the informers; a running attempt missing pods
   there is checked with one live list before anything is decided on that absence;
2. decide: ``deciding.decide`` (pure) with the scheduler's answer and the time;
3. act: delete and create pods concurrently, both idempotent (deterministic names, 404/409
   are fine); created pods go into the informer at once;
4. write status once, only if it changed, through the runtime's guarded status patch (a
   conflict refreshes the job and the worker requeues it);

then the scheduler is told whether the job waits, Events go to the background poster, and the
job asks to be requeued for its next deadline. A job the models refuse is Failed with the
fields named (``controlling.reject_invalid``). No kopf here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from datetime import datetime

from fogcompute_api.fogjobs import FogJob
from fogcompute_api.meta import LABEL_FOGJOB

from fogcompute_operator import scheduling
from fogcompute_operator.controlling import Result, Runtime
from fogcompute_operator.fogjobs.converting import feedback, job_request
from fogcompute_operator.fogjobs.deciding import Decision, decide
from fogcompute_operator.fogjobs.metering import FogJobMetrics, PhaseCounts
from fogcompute_operator.fogjobs.pods import build_pod, job_label_value
from fogcompute_operator.fogjobs.settings import FogJobSettings
from fogcompute_operator.fogjobs.views import PodView, owned_by, parse_pod
from fogcompute_operator.kube import (
    FOGJOBS,
    PODS,
    Body,
    ObjectKey,
    Resource,
    Uid,
    object_key,
    split_key,
)
from fogcompute_operator.observing import object_extra
from fogcompute_operator.scheduling.batching import Scheduler, Wanted

logger = logging.getLogger("fogcompute_operator.fogjobs")
CONTROLLER = "fogjobs"
_REQUEUE_SLACK = (
    0.05  # a little late rather than early: a wake-up before the instant decides nothing
)


class FogJobReconciler:
    def __init__(
        self,
        *,
        runtime: Runtime,
        scheduler: Scheduler,
        settings: FogJobSettings,
        metrics: FogJobMetrics,
        tiers: Mapping[str, scheduling.Tier],
    ) -> None:
        self._runtime = runtime
        self._jobs = runtime.informers[FOGJOBS]
        self._pods = runtime.informers[PODS]
        self._scheduler = scheduler
        self._settings = settings
        self._metrics = metrics
        self._tiers = tiers
        self._phases = PhaseCounts(metrics)
        self._uids: dict[ObjectKey, Uid] = {}

    @property
    def name(self) -> str:
        return CONTROLLER

    @property
    def resource(self) -> Resource:
        return FOGJOBS

    async def reconcile(self, key: ObjectKey) -> Result:
        body = self._jobs.get(key)  # 1. get
        if body is None:
            self._gone(key)
            return Result()
        job = await self._runtime.validated(
            FOGJOBS,
            body,
            FogJob,
            condition_type="Failed",
            condition_status="True",
            extra={"phase": "Failed"},
        )
        if job is None:
            return Result()
        uid = Uid(job.metadata.uid or "")
        self._uids[key] = uid
        pods = await self._pod_views(key, job)
        now = self._runtime.clock()
        decision = decide(  # 2. decide
            job=job,
            pods=pods,
            feedback=feedback(self._scheduler.answer(uid)),
            now=now,
            settings=self._settings.tracking,
            max_pending_seconds=self._max_pending(job),
        )
        await self._act(job, decision)  # 3. act
        written = None
        if decision.changed:  # 4. write status once
            status = decision.status.model_dump(mode="json", by_alias=True, exclude_none=True)
            written = await self._runtime.statuses.write(FOGJOBS, body, status)
        self._after(key, job, decision, now=now)
        for note in decision.events:
            self._runtime.post_event(FOGJOBS, written or body, note)
        return Result(requeue_after=decision.requeue_after)

    async def _pod_views(self, key: ObjectKey, job: FogJob) -> list[PodView]:
        uid = job.metadata.uid or ""
        pods = _views(self._pods.owned(key), uid)
        if _missing_pods(job, pods):
            # The informer may not have seen a pod yet (a create whose answer was lost): an
            # absence ends an attempt, so it is confirmed against the API server first.
            namespace, name = split_key(key)
            selector = f"{LABEL_FOGJOB}={job_label_value(name)}"
            listed = await self._runtime.api.list(
                PODS, namespace=namespace, label_selector=selector
            )
            self._pods.replace_owned(key, listed)
            pods = _views(self._pods.owned(key), uid)
        return pods

    async def _act(self, job: FogJob, decision: Decision) -> None:
        namespace = job.metadata.namespace
        api = self._runtime.api
        await asyncio.gather(*(api.delete(PODS, object_key(namespace, n)) for n in decision.delete))
        tier = self._tiers.get(job.spec.tier)
        bodies = [
            build_pod(
                job,
                plan,
                tier_priority=tier.priority if tier is not None else 0,
                priority_class_prefix=self._settings.priority_class_prefix,
            )
            for plan in decision.create
        ]
        for pod in await asyncio.gather(*(api.create(PODS, b) for b in bodies)):
            if pod is not None:
                self._pods.put(pod)
                self._metrics.pods_created.inc()

    def _after(self, key: ObjectKey, job: FogJob, decision: Decision, *, now: datetime) -> None:
        uid = Uid(job.metadata.uid or "")
        if decision.wants_placement:
            deadline = job.spec.deadline
            self._scheduler.want(
                Wanted(key=key, request=job_request(job, now=now), deadline=deadline)
            )
        else:
            self._scheduler.withdraw(uid)
        self._phases.set(key, decision.status.phase or "Queued")
        if decision.create or decision.changed:
            logger.info(
                f"reconciled: phase={decision.status.phase} created={len(decision.create)} "
                f"deleted={len(decision.delete)} at={now.isoformat()}",
                extra=_extra(key),
            )

    def _gone(self, key: ObjectKey) -> None:
        uid = self._uids.pop(key, None)
        if uid is not None:
            self._scheduler.withdraw(uid)
        self._phases.set(key, None)

    def _max_pending(self, job: FogJob) -> float | None:
        if job.spec.max_pending_seconds is not None:
            return float(job.spec.max_pending_seconds)
        tier = self._tiers.get(job.spec.tier)
        return None if tier is None else tier.max_pending_seconds


def _extra(key: ObjectKey) -> dict[str, object]:
    namespace, name = split_key(key)
    return object_extra(namespace=namespace, name=name, kind="FogJob")


def _views(bodies: Sequence[Body], uid: str) -> list[PodView]:
    return [view for b in bodies if owned_by(b, uid) and (view := parse_pod(b)) is not None]


def _missing_pods(job: FogJob, pods: list[PodView]) -> bool:
    """Whether the running attempt in status lacks a pod of one of its replicas."""
    attempts = job.status.attempts if job.status is not None else ()
    if not attempts or attempts[-1].outcome != "Running":
        return False
    number = attempts[-1].number
    have = {p.replica for p in pods if p.attempt == number}
    return any(replica not in have for replica in range(job.spec.replicas))
