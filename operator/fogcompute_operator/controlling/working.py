"""A controller of the runtime: one ``Reconciler``, its work queue, and workers with backoff.

Built by the runtime (``Runtime.controller``) for each kind package's reconciler. Watch
mappings (``Runtime.watch``) and the reconciler itself add keys to the queue; each worker takes
a key, calls ``reconcile`` (recorded as controller-runtime's reconcile metrics), and then:

- on success, forgets the key's failures and, when the reconcile asked for it, adds the key
  again after ``requeue_after`` seconds (a backoff end, a deadline, a heartbeat timeout);
- on an exception, adds the key again after a per-key exponential backoff (client-go's item
  exponential failure rate limiter: ``base * 2**failures``, capped). A ``ConflictError`` (the
  object moved on while we decided) is routine and logged at INFO; anything else is an error.

A key is never reconciled by two workers at once (the queue hands it to one at a time).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Protocol

from fogcompute_operator.controlling.background import Tasks
from fogcompute_operator.controlling.backoff import KeyedBackoff
from fogcompute_operator.controlling.queueing import WorkQueue
from fogcompute_operator.kube import ConflictError, ObjectKey, Resource, split_key
from fogcompute_operator.observing import ControllerMetrics, object_extra, record_reconcile

logger = logging.getLogger("fogcompute_operator.controlling")
RETRY_BASE_SECONDS = 0.05
RETRY_MAX_SECONDS = 30.0
REQUEUE_SLACK_SECONDS = 0.05
"""Added to every requeue: a little late rather than early, a wake-up before the instant a
reconcile asked for would decide nothing."""


@dataclass(frozen=True)
class Result:
    """What a reconcile asks for next: nothing, or another look after ``requeue_after`` s."""

    requeue_after: float | None = None


class Reconciler(Protocol):
    """One kind's reconcile: get (from informers), decide (pure), act, write status once."""

    @property
    def name(self) -> str:
        """The controller's name in metrics and logs (the kind's plural)."""

    @property
    def resource(self) -> Resource:
        """The kind whose keys this reconciler takes."""

    async def reconcile(self, key: ObjectKey) -> Result:
        """Bring ``key`` one step closer to what it should be; raise to retry with backoff."""


class Controller:
    def __init__(self, *, reconciler: Reconciler, workers: int, metrics: ControllerMetrics) -> None:
        self.reconciler = reconciler
        self._workers = workers
        name = reconciler.name
        metrics.register_controller(name)
        self.queue = WorkQueue(
            on_depth=lambda depth: metrics.set_queue_depth(name=name, depth=depth)
        )
        self.reconcile = record_reconcile(name, metrics=metrics)(reconciler.reconcile)
        self._backoff = KeyedBackoff(first=2 * RETRY_BASE_SECONDS, cap=RETRY_MAX_SECONDS)
        self._tasks = Tasks()

    @property
    def name(self) -> str:
        return self.reconciler.name

    def enqueue(self, key: ObjectKey, *, urgent: bool = False, delay: float = 0.0) -> None:
        self.queue.add_after(key, delay, urgent=urgent)

    async def start(self) -> None:
        for index in range(self._workers):
            self._tasks.spawn(self._work(), name=f"{self.name}-worker-{index}")

    async def stop(self) -> None:
        await self.queue.close()
        await self._tasks.stop()

    async def _work(self) -> None:
        while True:
            key = ObjectKey(await self.queue.get())
            try:
                result = await self.reconcile(key)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._retry(key, exc)
            else:
                self._backoff.forget(key)
                if result.requeue_after is not None:
                    self.queue.add_after(key, result.requeue_after + REQUEUE_SLACK_SECONDS)
            finally:
                self.queue.done(key)

    def _retry(self, key: ObjectKey, exc: Exception) -> None:
        delay = self._backoff.failed(key)
        level = logging.INFO if isinstance(exc, ConflictError) else logging.ERROR
        namespace, name = split_key(key)
        logger.log(
            level,
            f"reconcile failed ({exc!r}); retrying in {delay:.2f}s",
            exc_info=level == logging.ERROR,
            extra=object_extra(namespace=namespace, name=name, kind=self.reconciler.resource.kind),
        )
        self.queue.add_after(key, delay)
