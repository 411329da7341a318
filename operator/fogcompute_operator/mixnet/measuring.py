"""The reliability monitor: every agent's measurement outcomes, one window per MixNode.

A component of the runtime, started with the MixNode controller. The hosting agents send
measurement packets through every Ready MixNode and back through their own node, and publish
the cumulative outcomes per target in their own MixNode's ``status.measurements``
(``ok`` back within the agent's deadline, ``lost`` otherwise). The monitor hears every
MixNode change from the informer, adds each reporter's new outcomes (the difference from the
counts it saw last; a count that went down means the agent restarted, and all of it is new)
into the target's ``routing.ReliabilityEstimator``, and every ``write_seconds`` writes each
target's score and window (``status.reliability``, ``status.reliabilityWindow``) through the
guarded status patch. A restarted operator takes the windows back from the MixNodes it lists
and counts only outcomes reported after it started.

Bound: a MixNode that drops (or delays past the agents' deadline) every packet from ``t0`` on
has only losses in its window from ``t0 + deadline + window + bucket + report interval``, and
its score is written at most ``write_seconds`` later: with the defaults (agents: 10 s
deadline, 5 s reports; here: 600 s window, 10 buckets, 10 s writes) within 685 s; the
integration tests use a 20 s window of 4 buckets, 2 s deadline, 0.5 s reports, 1 s writes:
within 28.5 s. The score is then at most ``1 / (n + 2)`` (Beta(1, 1) prior, ``n`` losses).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from typing import Any

from fogcompute_api.mixnodes import ReliabilityWindow
from fogcompute_mixnode.routing import ReliabilityEstimator, ReliabilitySettings
from pydantic import ValidationError

from fogcompute_operator.controlling import Informer, StatusWriter, Tasks, run_periodically
from fogcompute_operator.kube import MIXNODES, Body, ConflictError, ObjectKey

logger = logging.getLogger("fogcompute_operator.mixnet")


def _name(body: Mapping[str, Any]) -> str:
    return str((body.get("metadata") or {}).get("name") or "")


def _failed(exc: Exception) -> None:
    logger.error(f"could not write the MixNodes' reliabilities ({exc!r}); writing next round")


class ReliabilityMonitor:
    def __init__(
        self,
        *,
        mixnodes: Informer,
        statuses: StatusWriter,
        settings: ReliabilitySettings,
        write_seconds: float,
        clock: Callable[[], float],
    ) -> None:
        self._mixnodes = mixnodes
        self._statuses = statuses
        self._settings = settings
        self._write_seconds = write_seconds
        self._clock = clock
        self._estimators: dict[str, ReliabilityEstimator] = {}
        self._seen: dict[tuple[str, str], tuple[int, int]] = {}
        self._tasks = Tasks()
        self.writes = 0

    def estimator(self, name: str) -> ReliabilityEstimator:
        held = self._estimators.get(name)
        if held is None:
            body = self._mixnodes.get(ObjectKey(name)) or {}
            raw = (body.get("status") or {}).get("reliabilityWindow")
            try:
                window = ReliabilityWindow.model_validate(raw) if raw is not None else None
            except ValidationError:
                window = None
            held = ReliabilityEstimator.from_window(window, settings=self._settings)
            self._estimators[name] = held
        return held

    def baseline(self) -> None:
        """Take the counts already reported as seen: only later outcomes are new."""
        for body in self._mixnodes.items():
            self.observe(body, deleted=False, count=False)

    def observe(self, body: Body, deleted: bool, *, count: bool = True) -> None:
        """An agent's report: add its new outcomes per target."""
        if deleted:
            return
        reporter = _name(body)
        now = self._clock()
        for raw in (body.get("status") or {}).get("measurements") or ():
            target, ok, lost = raw.get("mixNode"), raw.get("ok"), raw.get("lost")
            if not isinstance(target, str) or not isinstance(ok, int) or not isinstance(lost, int):
                continue
            before_ok, before_lost = self._seen.get((reporter, target), (0, 0))
            if ok < before_ok or lost < before_lost:  # the agent restarted: all of it is new
                before_ok, before_lost = 0, 0
            self._seen[(reporter, target)] = (ok, lost)
            if count and (ok > before_ok or lost > before_lost):
                self.estimator(target).record(ok=ok - before_ok, lost=lost - before_lost, now=now)

    async def start(self) -> None:
        self.baseline()
        self._mixnodes.subscribe(self.observe)
        loop = run_periodically(self._write_step, retry_seconds=0.0, on_error=_failed)
        self._tasks.spawn(loop, name="mixnet-reliability")

    async def stop(self) -> None:
        await self._tasks.stop()

    async def _write_step(self) -> None:
        await asyncio.sleep(self._write_seconds)
        await self.write_all()

    async def write_all(self) -> None:
        """Write every measured MixNode's score and window (unchanged ones write nothing)."""
        now = self._clock()
        for name, estimator in list(self._estimators.items()):
            body = self._mixnodes.get(ObjectKey(name))
            if body is None:
                del self._estimators[name]
                continue
            estimate = estimator.estimate(now=now)
            if estimate.samples == 0:
                continue
            window = estimator.to_window(now=now).model_dump(mode="json", by_alias=True)
            status = {
                **(body.get("status") or {}),
                "reliability": round(estimate.score, 6),
                "reliabilityWindow": window,
            }
            try:
                if await self._statuses.write(MIXNODES, body, status) is not None:
                    self.writes += 1
            except ConflictError:
                continue  # the MixNode moved on; the next round writes on fresh data
            except Exception as exc:
                logger.warning(f"could not write the reliability of MixNode {name}: {exc!r}")
