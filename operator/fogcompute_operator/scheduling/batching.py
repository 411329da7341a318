"""The scheduler: a batch of waiting FogJobs, one scheduling round every few seconds, answers.

Not a controller (Kueue's shape): the controller tells it which jobs wait for a place
(``want``/``withdraw``); every ``round_seconds`` it snapshots Nodes, EdgeDevices and bound
pods, runs ``scheduling.schedule_round_in_pool`` off the event loop, and keeps an answer per
job (an ``Offer`` to start, or the ``Unplaced`` reason) for the controller to read on its next
reconcile of that job (``feedback``), which it is asked to do at once (``notify``). It never
writes to the API server; all it holds is rebuilt from the controller's reconciles after a
restart (a lost offer only means the job is placed again in the next round).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import UTC, datetime

from fogcompute_api.fogjobs import FogJob

from fogcompute_operator import scheduling
from fogcompute_operator.kubeapi import KubeApi
from fogcompute_operator.observing.fogjobs import FogJobMetrics
from fogcompute_operator.queueing.converting import api_placement, job_key, job_request, unplaced
from fogcompute_operator.queueing.snapshots import Usage, node_snapshots
from fogcompute_operator.tracking import Feedback, Offer, Unplaced

logger = logging.getLogger("fogcompute_operator.scheduler")
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class RoundConfig:
    round_seconds: float
    budget_seconds: float
    seed: int
    tiers: Mapping[str, scheduling.Tier]


@dataclass(frozen=True)
class _Held:
    """Resources an offer takes until its pods exist."""

    nodes: tuple[str, ...]
    usage: Usage


class Scheduler:
    def __init__(
        self,
        *,
        api: KubeApi,
        config: RoundConfig,
        executor: Executor,
        metrics: FogJobMetrics,
        notify: Callable[[str], None],
        clock: Clock = utc_now,
    ) -> None:
        self._api = api
        self._config = config
        self._executor = executor
        self._metrics = metrics
        self._notify = notify
        self._clock = clock
        self._waiting: dict[str, FogJob] = {}
        self._offers: dict[str, Offer] = {}
        self._held: dict[str, _Held] = {}
        self._unplaced: dict[str, Unplaced] = {}
        self._memory: scheduling.PopulationMemory | None = None
        self._rounds = 0

    @property
    def rounds(self) -> int:
        return self._rounds

    def want(self, job: FogJob) -> None:
        """``job`` waits for a place (refreshes the stored spec)."""
        uid = job.metadata.uid or ""
        if uid not in self._offers:
            self._waiting[uid] = job

    def withdraw(self, uid: str) -> None:
        """``uid`` no longer waits: drop it and any answer kept for it."""
        self._waiting.pop(uid, None)
        self._offers.pop(uid, None)
        self._held.pop(uid, None)
        self._unplaced.pop(uid, None)

    def feedback(self, uid: str) -> Feedback:
        return self._offers.get(uid) or self._unplaced.get(uid)

    async def run(self) -> None:
        """Rounds forever, ``round_seconds`` apart; a failed round is logged and retried."""
        while True:
            await asyncio.sleep(self._config.round_seconds)
            try:
                await self.round_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("scheduling round failed; retrying next round")

    async def round_once(self) -> int:
        """One round over the jobs waiting now; returns how many it placed."""
        batch = dict(self._waiting)
        if not batch:
            return 0
        started = time.perf_counter()
        nodes, devices, pods = await asyncio.gather(
            self._api.list_nodes(), self._api.list_edgedevices(), self._api.list_active_pods()
        )
        now = self._clock()
        snapshots = node_snapshots(
            nodes=nodes, devices=devices, pods=pods, reserved=self._reserved()
        )
        harvested = {s.name for s in snapshots if s.harvested}
        self._rounds += 1
        result = await scheduling.schedule_round_in_pool(
            self._executor,
            jobs=[job_request(job, now=now) for job in batch.values()],
            nodes=snapshots,
            tiers=self._config.tiers,
            budget_seconds=self._config.budget_seconds,
            seed=self._config.seed + self._rounds,
            previous=self._memory,
        )
        self._memory = result.population
        for placement in result.placements:
            self._offer(batch, placement, harvested=harvested, now=now)
        for pending in result.pending:
            self._leave(batch, pending)
        self._observe(result, seconds=time.perf_counter() - started)
        return len(result.placements)

    def _offer(
        self,
        batch: Mapping[str, FogJob],
        placement: scheduling.Placement,
        *,
        harvested: set[str],
        now: datetime,
    ) -> None:
        job = batch[placement.uid]
        if placement.uid not in self._waiting:
            return  # withdrawn while the round ran (deleted, deadline ...)
        offer = Offer(
            api_placement(placement, harvested=harvested, scheduling_round=self._rounds, now=now)
        )
        request = job_request(job, now=now)
        self._offers[placement.uid] = offer
        self._held[placement.uid] = _Held(
            nodes=placement.nodes,
            usage=Usage(request.cpu_millis, request.memory_bytes, request.gpu),
        )
        self._waiting.pop(placement.uid, None)
        self._unplaced.pop(placement.uid, None)
        self._notify(job_key(job.metadata.namespace or "", job.metadata.name))

    def _leave(self, batch: Mapping[str, FogJob], pending: scheduling.PendingJob) -> None:
        job = batch.get(pending.uid)
        if job is None or pending.uid not in self._waiting:
            return
        answer = unplaced(pending)
        if self._unplaced.get(pending.uid) != answer:
            self._unplaced[pending.uid] = answer
            self._notify(job_key(job.metadata.namespace or "", job.metadata.name))

    def _reserved(self) -> dict[str, Usage]:
        reserved: dict[str, Usage] = {}
        for held in self._held.values():
            for node in held.nodes:
                reserved[node] = reserved.get(node, Usage()) + held.usage
        return reserved

    def _observe(self, result: scheduling.RoundResult, *, seconds: float) -> None:
        self._metrics.round_seconds.observe(seconds)
        optimiser = sum(tier.seconds for tier in result.record.tiers)
        self._metrics.optimiser_seconds.observe(optimiser)
        for tier in result.record.tiers:
            self._metrics.front_size.labels(tier=tier.tier).set(tier.front_size)
        self._metrics.scheduled_jobs.labels(result="placed").inc(len(result.placements))
        self._metrics.scheduled_jobs.labels(result="pending").inc(len(result.pending))
        logger.info(
            "scheduling round",
            extra={
                "round": self._rounds,
                "placed": len(result.placements),
                "pending": len(result.pending),
                "round_seconds": round(seconds, 4),
                "optimiser_seconds": round(optimiser, 4),
            },
        )
