"""The FogJob controller: a keyed work queue, workers that reconcile, and the scheduler beside.

Started by the FogJob handlers at operator startup; kopf's watch events on FogJobs and on
their pods only ``notify`` it with a ``namespace/name`` key (kopf lists everything when it
starts watching, so a restarted operator rebuilds its queue from the API server). Each
reconcile reads as the conventions ask:

1. get: the FogJob and the pods it owns, live from the API server;
2. decide: ``tracking.decide`` (pure) with the scheduler's answer and the time;
3. act: delete and create pods, both idempotent (deterministic names, 404/409 are fine);
4. write status once, only if it changed, guarded by resourceVersion (a conflict requeues);
then Events are posted, the scheduler told whether the job waits, and the key requeued for
its next deadline. No kopf here; the API is reached through the ``KubeApi`` seam.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections import Counter
from collections.abc import Mapping
from concurrent.futures import Executor
from datetime import datetime
from typing import Any

from fogcompute_api.fogjobs import FogJob
from fogcompute_api.meta import LABEL_FOGJOB
from pydantic import ValidationError

from fogcompute_operator import scheduling
from fogcompute_operator.kubeapi import ConflictError, KubeApi
from fogcompute_operator.launching import build_pod, job_label_value
from fogcompute_operator.observing import ControllerMetrics, object_extra, record_reconcile
from fogcompute_operator.observing.fogjobs import FogJobMetrics
from fogcompute_operator.queueing.batching import Clock, RoundConfig, Scheduler, utc_now
from fogcompute_operator.queueing.eventing import build_event
from fogcompute_operator.queueing.settings import FogJobSettings
from fogcompute_operator.queueing.workqueue import WorkQueue
from fogcompute_operator.tracking import Decision, decide, owned_by, parse_pod

logger = logging.getLogger("fogcompute_operator.fogjobs")
CONTROLLER = "fogjobs"
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
        self._uids: dict[str, str] = {}
        self._retries: Counter[str] = Counter()
        self._tasks: list[asyncio.Task[None]] = []
        self.reconcile = record_reconcile(CONTROLLER, metrics=controller_metrics)(self._reconcile)

    @staticmethod
    def _depth_setter(metrics: ControllerMetrics) -> Any:
        metrics.register_controller(CONTROLLER)
        return lambda depth: metrics.set_queue_depth(name=CONTROLLER, depth=depth)

    def notify(self, key: str) -> None:
        """Reconcile ``namespace/name`` soon (watch events, scheduler answers)."""
        self.queue.add(key)

    def start(self) -> None:
        for index in range(self._settings.workers):
            self._tasks.append(asyncio.create_task(self._work(), name=f"fogjobs-worker-{index}"))
        self._tasks.append(asyncio.create_task(self.scheduler.run(), name="fogjobs-scheduler"))

    async def stop(self) -> None:
        await self.queue.close()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

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
        namespace, name = key.split("/", 1)
        body = await self._api.get_fogjob(namespace, name)  # 1. get
        if body is None:
            self._gone(key)
            return
        try:
            job = FogJob.model_validate(body)
        except ValidationError as exc:
            logger.error(f"cannot parse FogJob: {exc}", extra=self._extra(key))
            return
        uid = job.metadata.uid or ""
        self._uids[key] = uid
        selector = f"{LABEL_FOGJOB}={job_label_value(name)}"
        bodies = await self._api.list_pods(namespace, label_selector=selector)
        pods = [view for b in bodies if owned_by(b, uid) and (view := parse_pod(b)) is not None]
        now = self._clock()
        decision = decide(  # 2. decide
            job=job,
            pods=pods,
            feedback=self.scheduler.feedback(uid),
            now=now,
            settings=self._settings.tracking,
            max_pending_seconds=self._max_pending(job),
        )
        await self._act(job, decision)  # 3. act
        if decision.changed:  # 4. write status once
            status = decision.status.model_dump(mode="json", by_alias=True, exclude_none=True)
            await self._api.replace_fogjob_status({**body, "status": status})
        self._after(key, job, decision, now=now)
        for note in decision.events:
            await self._post(job, note_type=note.type, reason=note.reason, message=note.message)

    async def _act(self, job: FogJob, decision: Decision) -> None:
        namespace = job.metadata.namespace or ""
        for name in decision.delete:
            await self._api.delete_pod(namespace, name)
        tier = self._tiers.get(job.spec.tier)
        for plan in decision.create:
            pod = build_pod(
                job,
                plan,
                tier_priority=tier.priority if tier is not None else 0,
                priority_class_prefix=self._settings.priority_class_prefix,
            )
            if await self._api.create_pod(namespace, pod):
                self._metrics.pods_created.inc()

    def _after(self, key: str, job: FogJob, decision: Decision, *, now: datetime) -> None:
        uid = job.metadata.uid or ""
        if decision.wants_placement:
            self.scheduler.want(job)
        else:
            self.scheduler.withdraw(uid)
        self._phases[key] = decision.status.phase or "Queued"
        self._metrics.set_phases(Counter(self._phases.values()))
        if decision.requeue_after is not None:
            # A little late rather than early: a wake-up before the instant decides nothing.
            self.queue.add_after(key, decision.requeue_after + 0.05)
        if decision.create or decision.changed:
            logger.info(
                f"reconciled: phase={decision.status.phase} created={len(decision.create)} "
                f"deleted={len(decision.delete)} at={now.isoformat()}",
                extra=self._extra(key),
            )

    def _gone(self, key: str) -> None:
        uid = self._uids.pop(key, None)
        if uid is not None:
            self.scheduler.withdraw(uid)
        self._phases.pop(key, None)
        self._metrics.set_phases(Counter(self._phases.values()))

    def _max_pending(self, job: FogJob) -> float | None:
        if job.spec.max_pending_seconds is not None:
            return float(job.spec.max_pending_seconds)
        tier = self._tiers.get(job.spec.tier)
        return None if tier is None else tier.max_pending_seconds

    async def _post(self, job: FogJob, *, note_type: str, reason: str, message: str) -> None:
        event = build_event(
            job,
            type_=note_type,
            reason=reason,
            message=message,
            now=self._clock(),
            instance=self._instance,
        )
        try:
            await self._api.create_event(job.metadata.namespace or "", event)
        except Exception as exc:  # an Event is best effort: status already says it all
            logger.warning(f"could not post Event {reason}: {exc!r}")

    @staticmethod
    def _extra(key: str) -> dict[str, Any]:
        namespace, _, name = key.partition("/")
        return object_extra(namespace=namespace, name=name, kind="FogJob")


def warm_up() -> bool:
    """Run once in the process pool at startup, so the first round does not pay for imports."""
    from fogcompute_operator.scheduling import rounds  # noqa: F401 - imported for its cost

    return True
