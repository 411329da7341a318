"""The FogJob controller: an informer cache, a keyed work queue, workers that reconcile.

Started by the FogJob handlers at operator startup; kopf's watch events on FogJobs and on
their pods hand the controller the bodies they carry (``observe_job``/``observe_pod``), which
go into its cache (``caching``) and queue the job's key (kopf lists everything when it starts
watching, so a restarted operator rebuilds cache and queue from the API server; ``start``
lists the job pods once beforehand, so no reconcile mistakes a pod not yet seen for a lost
one). Each reconcile reads as the conventions ask:

1. get: the FogJob and the pods it owns from the cache; a running attempt missing pods there
   is checked with one live list before anything is decided on that absence;
2. decide: ``tracking.decide`` (pure) with the scheduler's answer and the time;
3. act: delete and create pods concurrently, both idempotent (deterministic names, 404/409
   are fine); created pods go into the cache at once;
4. write status once, only if it changed, guarded by resourceVersion: a conflict refreshes the
   job with one GET and requeues it; the written object goes into the cache;
then the scheduler is told whether the job waits, Events go to the background poster, and the
key is requeued for its next deadline. No kopf here; the API is reached through ``KubeApi``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections import Counter
from collections.abc import Mapping
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fogcompute_api.fogjobs import FogJob
from fogcompute_api.meta import LABEL_FOGJOB
from pydantic import ValidationError

from fogcompute_operator import scheduling
from fogcompute_operator.kubeapi import ConflictError, KubeApi, Obj
from fogcompute_operator.launching import build_pod, job_label_value
from fogcompute_operator.observing import ControllerMetrics, object_extra, record_reconcile
from fogcompute_operator.observing.fogjobs import FogJobMetrics
from fogcompute_operator.queueing.batching import Clock, RoundConfig, Scheduler, utc_now
from fogcompute_operator.queueing.caching import ObjectCache
from fogcompute_operator.queueing.eventing import build_event
from fogcompute_operator.queueing.posting import EventPoster
from fogcompute_operator.queueing.settings import FogJobSettings
from fogcompute_operator.queueing.workqueue import WorkQueue
from fogcompute_operator.tracking import Decision, PodView, decide, owned_by, parse_pod

logger = logging.getLogger("fogcompute_operator.fogjobs")
CONTROLLER = "fogjobs"
DELETED = "DELETED"
_RETRY_BASE, _RETRY_MAX = 0.05, 30.0


class FogJobController:
    def __init__(
        self,
        *,
        api: KubeApi,
        settings: FogJobSettings,
        executor: Executor,
        metrics: FogJobMetrics,
        controller_metrics: ControllerMetrics | None = None,
        tiers: Mapping[str, scheduling.Tier] = scheduling.DEFAULT_TIERS,
        clock: Clock = utc_now,
    ) -> None:
        self._api = api
        self._settings = settings
        self._metrics = metrics
        self._tiers = tiers
        self._clock = clock
        self._instance = socket.gethostname()
        depth = None if controller_metrics is None else self._depth_setter(controller_metrics)
        self.queue = WorkQueue(on_depth=depth)
        self.cache = ObjectCache()
        self.events = EventPoster(api=api)
        self.scheduler = Scheduler(
            api=api,
            config=RoundConfig(
                round_seconds=settings.round_seconds,
                budget_seconds=settings.budget_seconds,
                seed=settings.seed,
                tiers=tiers,
            ),
            executor=executor,
            metrics=metrics,
            notify=self.notify,
            clock=clock,
        )
        self._phases: dict[str, str] = {}
        self._phase_counts: Counter[str] = Counter()
        self._uids: dict[str, str] = {}
        self._retries: Counter[str] = Counter()
        self._tasks: list[asyncio.Task[None]] = []
        self.reconcile = record_reconcile(CONTROLLER, metrics=controller_metrics)(self._reconcile)

    @staticmethod
    def _depth_setter(metrics: ControllerMetrics) -> Any:
        metrics.register_controller(CONTROLLER)
        return lambda depth: metrics.set_queue_depth(name=CONTROLLER, depth=depth)

    def notify(self, key: str) -> None:
        """Reconcile ``namespace/name`` soon (scheduler answers)."""
        self.queue.add(key)

    def observe_job(self, event_type: str | None, body: Obj) -> None:
        """A watch event of a FogJob: cache its body, reconcile it if anything is new."""
        key = self.cache.job_key(body)
        if event_type == DELETED:
            self.cache.forget_job(key)
            self.queue.add(key)
        elif self.cache.put_job(body):
            self.queue.add(key)

    def observe_pod(self, event_type: str | None, body: Obj) -> None:
        """A watch event of a job's pod: cache it, reconcile its job if anything is new, before
        the jobs that wait for their pods to be created (the work queue's urgent lane)."""
        deleted = event_type == DELETED
        key = self.cache.forget_pod(body) if deleted else self.cache.put_pod(body)
        if key is not None:
            self.queue.add(key, urgent=True)

    async def start(self) -> None:
        """List the job pods once into the cache, then start workers, poster and scheduler."""
        for body in await self._api.list_labelled_pods(LABEL_FOGJOB):
            self.cache.put_pod(body)
        for index in range(self._settings.workers):
            self._tasks.append(asyncio.create_task(self._work(), name=f"fogjobs-worker-{index}"))
        self._tasks.append(asyncio.create_task(self.scheduler.run(), name="fogjobs-scheduler"))
        self.events.start()

    async def stop(self) -> None:
        await self.queue.close()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        await self.events.stop()

    async def _work(self) -> None:
        while True:
            key = await self.queue.get()
            try:
                await self.reconcile(key)
                self._retries.pop(key, None)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._retries[key] += 1
                delay = min(_RETRY_BASE * 2 ** self._retries[key], _RETRY_MAX)
                level = logging.INFO if isinstance(exc, ConflictError) else logging.ERROR
                logger.log(
                    level,
                    f"reconcile failed ({exc!r}); retrying in {delay:.2f}s",
                    exc_info=level == logging.ERROR,
                    extra=self._extra(key),
                )
                self.queue.add_after(key, delay)
            finally:
                self.queue.done(key)

    async def _reconcile(self, key: str) -> None:
        body = self.cache.job(key)  # 1. get
        if body is None:
            self._gone(key)
            return
        try:
            job = FogJob.model_validate(body)
        except ValidationError as exc:
            await self._reject(key, body, exc)
            return
        self._uids[key] = job.metadata.uid or ""
        pods = await self._pods(key, job)
        now = self._clock()
        decision = decide(  # 2. decide
            job=job,
            pods=pods,
            feedback=self.scheduler.feedback(job.metadata.uid or ""),
            now=now,
            settings=self._settings.tracking,
            max_pending_seconds=self._max_pending(job),
        )
        await self._act(job, decision)  # 3. act
        if decision.changed:  # 4. write status once
            await self._write_status(key, body, decision)
        self._after(key, job, decision, now=now)
        for note in decision.events:
            self._post(job, note_type=note.type, reason=note.reason, message=note.message)

    async def _reject(self, key: str, body: Obj, exc: ValidationError) -> None:
        """A FogJob the API server stored but the models refuse: Failed, with the fields named."""
        rejection = reject_invalid(body, exc, now=self._clock())
        logger.error(f"invalid FogJob: {rejection.message}", extra=self._extra(key))
        if rejection.changed:
            await self._write_status(key, body, rejection.status)

    async def _pods(self, key: str, job: FogJob) -> list[PodView]:
        uid = job.metadata.uid or ""
        pods = _views(self.cache.pods(key), uid)
        if _missing_pods(job, pods):
            # The cache may not have seen a pod yet (a create whose answer was lost): an
            # absence ends an attempt, so it is confirmed against the API server first.
            namespace, name = key.split("/", 1)
            selector = f"{LABEL_FOGJOB}={job_label_value(name)}"
            self.cache.replace_pods(
                key, await self._api.list_pods(namespace, label_selector=selector)
            )
            pods = _views(self.cache.pods(key), uid)
        return pods

    async def _act(self, job: FogJob, decision: Decision) -> None:
        namespace = job.metadata.namespace or ""
        await asyncio.gather(*(self._api.delete_pod(namespace, n) for n in decision.delete))
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
        created = await asyncio.gather(*(self._api.create_pod(namespace, b) for b in bodies))
        for pod in created:
            if pod is not None:
                self.cache.put_pod(pod)
                self._metrics.pods_created.inc()

    async def _write_status(self, key: str, body: Obj, decision: Decision | Obj) -> None:
        status = (
            decision.status.model_dump(mode="json", by_alias=True, exclude_none=True)
            if isinstance(decision, Decision)
            else decision
        )
        try:
            written = await self._api.replace_fogjob_status({**body, "status": status})
        except ConflictError:
            namespace, name = key.split("/", 1)
            fresh = await self._api.get_fogjob(namespace, name)
            if fresh is None:
                self.cache.forget_job(key)
            else:
                self.cache.put_job(fresh)
            raise
        self.cache.put_job(written)

    def _after(self, key: str, job: FogJob, decision: Decision, *, now: datetime) -> None:
        uid = job.metadata.uid or ""
        if decision.wants_placement:
            self.scheduler.want(job)
        else:
            self.scheduler.withdraw(uid)
        self._set_phase(key, decision.status.phase or "Queued")
        if decision.requeue_after is not None:
            # A little late rather than early: a wake-up before the instant decides nothing.
            self.queue.add_after(key, decision.requeue_after + 0.05)
        if decision.create or decision.changed:
            logger.info(
                f"reconciled: phase={decision.status.phase} created={len(decision.create)} "
                f"deleted={len(decision.delete)} at={now.isoformat()}",
                extra=self._extra(key),
            )

    def _set_phase(self, key: str, phase: str | None) -> None:
        before = self._phases.pop(key, None) if phase is None else self._phases.get(key)
        if before == phase:
            return
        if before is not None:
            self._phase_counts[before] -= 1
        if phase is not None:
            self._phases[key] = phase
            self._phase_counts[phase] += 1
        self._metrics.set_phases(self._phase_counts)

    def _gone(self, key: str) -> None:
        uid = self._uids.pop(key, None)
        if uid is not None:
            self.scheduler.withdraw(uid)
        self._set_phase(key, None)

    def _max_pending(self, job: FogJob) -> float | None:
        if job.spec.max_pending_seconds is not None:
            return float(job.spec.max_pending_seconds)
        tier = self._tiers.get(job.spec.tier)
        return None if tier is None else tier.max_pending_seconds

    def _post(self, job: FogJob, *, note_type: str, reason: str, message: str) -> None:
        event = build_event(
            job,
            type_=note_type,
            reason=reason,
            message=message,
            now=self._clock(),
            instance=self._instance,
        )
        self.events.post(job.metadata.namespace or "", event)

    @staticmethod
    def _extra(key: str) -> dict[str, Any]:
        namespace, _, name = key.partition("/")
        return object_extra(namespace=namespace, name=name, kind="FogJob")


def _views(bodies: list[Obj], uid: str) -> list[PodView]:
    return [view for b in bodies if owned_by(b, uid) and (view := parse_pod(b)) is not None]


def _missing_pods(job: FogJob, pods: list[PodView]) -> bool:
    """Whether the running attempt in status lacks a pod of one of its replicas."""
    attempts = job.status.attempts if job.status is not None else ()
    if not attempts or attempts[-1].outcome != "Running":
        return False
    number = attempts[-1].number
    have = {p.replica for p in pods if p.attempt == number}
    return any(replica not in have for replica in range(job.spec.replicas))


def warm_up() -> bool:
    """Run once in the process pool at startup, so the first round does not pay for imports."""
    from fogcompute_operator.scheduling import rounds  # noqa: F401 - imported for its cost

    return True


@dataclass(frozen=True)
class Rejection:
    """The Failed status of a FogJob the models refuse, and whether ``body`` lacks it yet."""

    changed: bool
    message: str
    status: Obj


def reject_invalid(body: Obj, exc: ValidationError, *, now: datetime) -> Rejection:
    """The status of a FogJob whose spec the models refuse, and whether it differs from ``body``'s.

    The message names each offending field (at most five) so ``kubectl describe`` says what to fix.
    """
    problems = [
        f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
        for error in exc.errors()[:5]
    ]
    message = ("invalid FogJob; fix and re-apply: " + "; ".join(problems))[:1024]
    current = body.get("status") or {}
    generation = int(body.get("metadata", {}).get("generation") or 0)
    unchanged = current.get("phase") == "Failed" and any(
        c.get("type") == "Failed"
        and c.get("reason") == "InvalidSpec"
        and c.get("message") == message
        for c in current.get("conditions") or ()
    )
    condition = {
        "type": "Failed",
        "status": "True",
        "reason": "InvalidSpec",
        "message": message,
        "lastTransitionTime": now.isoformat().replace("+00:00", "Z"),
        "observedGeneration": generation,
    }
    status = {"phase": "Failed", "observedGeneration": generation, "conditions": [condition]}
    return Rejection(changed=not unchanged, message=message, status=status)
