"""The scheduler: a batch of waiting jobs, one scheduling round at a time, answers.

A component of its own, not a controller (Kueue's shape), started by the FogJob package on the
runtime. The FogJob controller tells it which jobs wait for a place (``want``/``withdraw``);
when jobs arrive (at once at an idle scheduler, at most every ``arrival_gap_seconds`` in a
burst) and every ``round_seconds`` while jobs left pending wait (``_due``), it snapshots the
cluster from the runtime's informers (Nodes, EdgeDevices, FogJob pods: no LIST per round),
runs ``schedule_round_in_pool`` off the event loop, and keeps an answer per job (an
``Admission`` to start, or the ``PendingJob`` reason) for the controller to read on its next
reconcile of that job (``answer``), which it is asked to do at once (``notify``). The tiers a
round uses come from ``tiers`` (a ``TierSource`` read at the start of every round: governance
may change their weights between rounds; without one, ``RoundConfig.tiers``). It never writes
to the API server; all it holds is rebuilt from the controller's reconciles after
a restart (a lost admission only means the job is placed again in the next round). Speaks
the scheduling library's values only; the FogJob package converts.

Not re-exported by the package ``__init__``: the round's worker process imports the library
and must not pay for the runtime and the Kubernetes client it never uses.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass, replace
from datetime import datetime

from fogcompute_api.meta import KIND_FOGJOB, LABEL_FOGJOB

from fogcompute_operator.controlling import (
    Clock,
    Informer,
    InformerSpec,
    Tasks,
    run_periodically,
    utc_now,
)
from fogcompute_operator.kube import PODS, ObjectKey, Uid
from fogcompute_operator.scheduling.metering import SchedulingMetrics
from fogcompute_operator.scheduling.models import ALL_OBJECTIVES, JobRequest, Tier
from fogcompute_operator.scheduling.records import (
    PendingJob,
    Placement,
    PopulationMemory,
    RoundResult,
)
from fogcompute_operator.scheduling.rounds import schedule_round_in_pool
from fogcompute_operator.scheduling.snapshots import Usage, node_snapshots

logger = logging.getLogger("fogcompute_operator.scheduler")
_TERMINAL = frozenset({"Succeeded", "Failed"})
WORKLOAD_PODS = InformerSpec(PODS, label_selector=LABEL_FOGJOB, owner_kind=KIND_FOGJOB)
"""The pods the platform runs (FogJob pods, by their label), filed under their FogJob: the
scheduler counts what they hold, and the kinds read them through the same informer."""
TierSource = Callable[[], Mapping[str, Tier]]
"""The SLA tiers in force now (the operator passes the governed ones); called once per round."""


@dataclass(frozen=True)
class RoundConfig:
    """``budget_seconds`` is the most optimiser time a round gets; a batch of fewer than
    ``budget_seconds / budget_seconds_per_pod`` pods (500 by default) gets
    ``budget_seconds_per_pod`` per pod (at least ``min_budget_seconds``). Why: a lone job on
    an idle cluster should not wait a full second for a search over a tiny space whose seeds
    (MCT, the packers, which admission never does worse than) already sit in it, and under a
    stream of arrivals the optimiser's CPU stays bounded per pod (at 1,000 FogJobs in rounds
    of 50 to 200 jobs, full-budget rounds were a third of the operator's CPU)."""

    round_seconds: float
    budget_seconds: float
    seed: int
    tiers: Mapping[str, Tier]
    heartbeat_timeout_seconds: float
    budget_seconds_per_pod: float = 0.002
    min_budget_seconds: float = 0.02
    arrival_gap_seconds: float = 0.5  # least time between round starts when jobs arrive

    def budget_for(self, pods: int) -> float:
        scaled = max(self.budget_seconds_per_pod * pods, self.min_budget_seconds)
        return min(self.budget_seconds, scaled)


@dataclass(frozen=True)
class ClusterView:
    """The informers a round snapshots."""

    nodes: Informer
    devices: Informer
    pods: Informer


@dataclass(frozen=True)
class Wanted:
    """A job waiting for a place; ``seconds_to_deadline`` is recomputed from ``deadline``."""

    key: ObjectKey
    request: JobRequest
    deadline: datetime | None


@dataclass(frozen=True)
class Admission:
    """A place found for a job in round ``scheduling_round`` at ``at``."""

    placement: Placement
    harvested: frozenset[str]
    scheduling_round: int
    at: datetime


Answer = Admission | PendingJob | None


@dataclass(frozen=True)
class _Held:
    """Resources an admission takes until its pods exist."""

    nodes: tuple[str, ...]
    usage: Usage


class Scheduler:
    def __init__(
        self,
        *,
        view: ClusterView,
        config: RoundConfig,
        executor: Executor,
        metrics: SchedulingMetrics,
        notify: Callable[[ObjectKey], None],
        clock: Clock = utc_now,
        tiers: TierSource | None = None,
    ) -> None:
        self._view = view
        self._config = config
        self._tiers = tiers
        self._executor = executor
        self._metrics = metrics
        self._notify = notify
        self._clock = clock
        self._waiting: dict[Uid, Wanted] = {}
        self._admitted: dict[Uid, Admission] = {}
        self._held: dict[Uid, _Held] = {}
        self._pending: dict[Uid, PendingJob] = {}
        self._memory: PopulationMemory | None = None
        self._rounds = 0
        self._tasks = Tasks()
        self._arrived = asyncio.Event()
        self._last_round = float("-inf")  # time.monotonic() when the last non-empty round began
        self._new = False  # a job arrived since the last round began

    def want(self, wanted: Wanted) -> None:
        """The job waits for a place (refreshes the stored request)."""
        uid = Uid(wanted.request.uid)
        if uid not in self._admitted:
            if uid not in self._waiting:
                self._new = True
                self._arrived.set()
            self._waiting[uid] = wanted

    def withdraw(self, uid: Uid) -> None:
        """``uid`` no longer waits: drop it and any answer kept for it."""
        self._waiting.pop(uid, None)
        self._admitted.pop(uid, None)
        self._held.pop(uid, None)
        self._pending.pop(uid, None)

    def answer(self, uid: Uid) -> Answer:
        return self._admitted.get(uid) or self._pending.get(uid)

    async def start(self) -> None:
        self._tasks.spawn(self.run(), name="scheduler")

    async def stop(self) -> None:
        await self._tasks.stop()

    async def run(self) -> None:
        """Rounds forever, when one is due (``_due``); a failed round is logged and retried."""
        await run_periodically(self._round_when_due, retry_seconds=0.0, on_error=_round_failed)

    async def _round_when_due(self) -> None:
        await self._due()
        await self.round_once()

    async def _due(self) -> None:
        """Until a round is due: a job arrived (one not waiting before) and
        ``arrival_gap_seconds`` have passed since the last round began, or only jobs left
        pending wait and ``round_seconds`` have passed (their retry pace). So a job arriving
        at an idle scheduler starts a round at once (on an idle cluster apply-to-placed is one
        round, not a tick plus a round), while a burst of arrivals is batched into rounds at
        most ``arrival_gap_seconds`` apart. Nothing waiting: sleep until a job arrives."""
        while True:
            if not self._waiting:
                self._arrived.clear()
                await self._arrived.wait()
                continue
            gap = self._config.arrival_gap_seconds if self._new else self._config.round_seconds
            delay = self._last_round + gap - time.monotonic()
            if delay <= 0:
                return
            self._arrived.clear()  # a new job may shorten the wait: wake for it
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), timeout=delay)

    async def round_once(self) -> int:
        """One round over the jobs waiting now; returns how many it placed."""
        batch = dict(self._waiting)
        if not batch:
            return 0
        self._last_round, self._new = time.monotonic(), False
        started = time.perf_counter()
        now = self._clock()
        snapshots = node_snapshots(
            nodes=self._view.nodes.items(),
            devices=self._view.devices.items(),
            pods=[p for p in self._view.pods.items() if _holds_resources(p)],
            reserved=self._reserved(),
            now=now,
            heartbeat_timeout_seconds=self._config.heartbeat_timeout_seconds,
        )
        harvested = frozenset(s.name for s in snapshots if s.harvested)
        self._rounds += 1
        tiers = self._tiers_now()
        result = await schedule_round_in_pool(
            self._executor,
            jobs=[_at(wanted, now) for wanted in batch.values()],
            nodes=snapshots,
            tiers=tiers,
            budget_seconds=self._config.budget_for(
                sum(w.request.pod_count for w in batch.values())
            ),
            seed=self._config.seed + self._rounds,
            previous=self._memory,
        )
        self._memory = result.population
        for placement in result.placements:
            self._admit(batch, placement, harvested=harvested, now=now)
        for pending in result.pending:
            self._leave(batch, pending)
        self._observe(result, seconds=time.perf_counter() - started, tiers=tiers)
        return len(result.placements)

    def _tiers_now(self) -> Mapping[str, Tier]:
        """The source's tiers; a source that fails must not stop scheduling (configured ones)."""
        if self._tiers is None:
            return self._config.tiers
        try:
            return self._tiers()
        except Exception:
            logger.exception("tier source failed; this round uses the configured tiers")
            return self._config.tiers

    def _admit(
        self,
        batch: Mapping[Uid, Wanted],
        placement: Placement,
        *,
        harvested: frozenset[str],
        now: datetime,
    ) -> None:
        uid = Uid(placement.uid)
        if uid not in self._waiting:
            return  # withdrawn while the round ran (deleted, deadline ...)
        wanted = batch[uid]
        self._admitted[uid] = Admission(
            placement=placement, harvested=harvested, scheduling_round=self._rounds, at=now
        )
        request = wanted.request
        self._held[uid] = _Held(
            nodes=placement.nodes,
            usage=Usage(request.cpu_millis, request.memory_bytes, request.gpu),
        )
        self._waiting.pop(uid, None)
        self._pending.pop(uid, None)
        self._notify(wanted.key)

    def _leave(self, batch: Mapping[Uid, Wanted], pending: PendingJob) -> None:
        uid = Uid(pending.uid)
        wanted = batch.get(uid)
        if wanted is None or uid not in self._waiting:
            return
        if self._pending.get(uid) != pending:
            self._pending[uid] = pending
            self._notify(wanted.key)

    def _reserved(self) -> dict[str, Usage]:
        reserved: dict[str, Usage] = {}
        for held in self._held.values():
            for node in held.nodes:
                reserved[node] = reserved.get(node, Usage()) + held.usage
        return reserved

    def _observe(self, result: RoundResult, *, seconds: float, tiers: Mapping[str, Tier]) -> None:
        self._metrics.round_seconds.observe(seconds)
        for name, used in tiers.items():
            for objective in ALL_OBJECTIVES:
                weight = used.weights.of(objective) if used.weights is not None else 0.0
                self._metrics.tier_weight.labels(tier=name, objective=objective).set(weight)
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


def _round_failed(exc: Exception) -> None:
    logger.exception("scheduling round failed; retrying next round")


def _at(wanted: Wanted, now: datetime) -> JobRequest:
    if wanted.deadline is None:
        return wanted.request
    return replace(wanted.request, seconds_to_deadline=(wanted.deadline - now).total_seconds())


def _holds_resources(pod: Mapping[str, object]) -> bool:
    status = pod.get("status")
    phase = status.get("phase") if isinstance(status, Mapping) else None
    return phase not in _TERMINAL
