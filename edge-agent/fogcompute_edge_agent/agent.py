"""The agent's loop: probe, judge, gate, report, revoke; the BLE bridge beside it.

Top of the agent's flow, started by ``cli``. About once a second (``probe_interval``) it runs
one probing round, judges it against the device's ``spec.policy`` and passes the verdict through
the hysteresis gate. When the gate closes it starts the revocation at once and wakes the
reporter; otherwise the reporter sends the status every report interval. The loop itself does
no I/O to the API server: the reporter and the revoker run in their own tasks, so a slow or
absent API server never delays probing or revocation of a later change.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from fogcompute_edge_agent.harvesting import GateDecision, HarvestGate, judge
from fogcompute_edge_agent.observing.metrics import AgentMetrics
from fogcompute_edge_agent.probing import Prober
from fogcompute_edge_agent.readings import DeviceReadings
from fogcompute_edge_agent.reporting import DeviceApi, Reporter, build_status
from fogcompute_edge_agent.revoking import Revoker, uids_of
from fogcompute_edge_agent.specs import DeviceSpec, SpecError, read_spec

__all__ = ["Agent", "PeripheralSource"]

log = logging.getLogger(__name__)
# How long a report waits for the evictions it follows (the revocation target is 1 s).
REVOKE_BEFORE_REPORT_SECONDS = 1.0


class PeripheralSource(Protocol):
    """The BLE bridge as the agent sees it."""

    def peripherals(self) -> Sequence[dict[str, Any]]: ...

    async def run(self) -> None: ...


@dataclass
class Agent:
    node: str
    api: DeviceApi
    prober: Prober
    metrics: AgentMetrics
    version: str
    probe_interval: float = 1.0
    report_interval: float | None = None
    revoker: Revoker | None = None
    ble: PeripheralSource | None = None
    clock: Callable[[], float] = time.time
    spec: DeviceSpec | None = None
    gate: HarvestGate = field(default_factory=HarvestGate)
    latest: tuple[DeviceReadings, GateDecision] | None = None
    last_round: float = 0.0
    _harvest_uids: list[str] = field(default_factory=list)
    _bad_spec: str | None = None
    _tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    def __post_init__(self) -> None:
        if self.spec is None:
            self.spec = DeviceSpec(node_name=self.node)
        if self.revoker is None:
            self.revoker = Revoker(api=self.api, node=self.node, metrics=self.metrics)
        self.reporter = Reporter(
            api=self.api,
            node=self.node,
            build=self._status,
            on_spec=self._on_spec,
            metrics=self.metrics,
        )

    # ---------------------------------------------------------------- the loop
    async def run(self, stop: asyncio.Event) -> None:
        self._spawn(self.reporter.run())
        if self.ble is not None:
            self._spawn(self.ble.run())
        next_report = time.monotonic()
        try:
            while not stop.is_set():
                self.step()
                if time.monotonic() >= next_report:
                    next_report = time.monotonic() + self._interval()
                    self.reporter.wake()
                    self._spawn(self._refresh_pods())
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.probe_interval)
        finally:
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def step(self) -> GateDecision:
        """One probing round, judged and gated; starts a revocation when the gate closes."""
        started = time.monotonic()
        assert self.spec is not None
        readings = self.prober.round(harvest_pod_uids=self._harvest_uids)
        verdict = judge(readings, policy=self.spec.policy, enabled=self.spec.harvest_enabled)
        decision = self.gate.update(
            verdict, now=readings.taken_at, resume_delay=self.spec.policy.resume_delay_seconds
        )
        self.latest = (readings, decision)
        self.last_round = started
        self.metrics.observe(readings, harvestable=decision.harvestable)
        if decision.changed:
            log.info(
                "harvestability changed",
                extra={
                    "node": self.node,
                    "harvestable": decision.harvestable,
                    "reason": decision.reason,
                    "detail": decision.message,
                },
            )
            if not decision.harvestable and self.revoker is not None:
                self._spawn(self._revoke_then_report(started=started))
            else:
                self.reporter.wake()
        return decision

    async def _revoke_then_report(self, *, started: float) -> None:
        """Evict first, then report: the report makes the operator evict the same pods too
        (its backup for a silent agent), so reporting first would race the agent's own
        evictions. The report waits for them at most ``REVOKE_BEFORE_REPORT_SECONDS``."""
        assert self.revoker is not None
        revoking = self._spawn(self.revoker.revoke(started=started))
        try:
            _, pending = await asyncio.wait({revoking}, timeout=REVOKE_BEFORE_REPORT_SECONDS)
            if pending:
                log.warning("evictions still running; reporting anyway", extra={"node": self.node})
        finally:
            self.reporter.wake()

    # ---------------------------------------------------------------- helpers
    def _interval(self) -> float:
        if self.report_interval is not None:
            return self.report_interval
        assert self.spec is not None
        return float(self.spec.reporting.report_interval_seconds)

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("agent task failed", exc_info=task.exception())

    async def _refresh_pods(self) -> None:
        """Every report interval: learn the harvest pods' UIDs; sweep them when not harvestable."""
        assert self.revoker is not None
        try:
            pods = await self.revoker.harvest_pods()
        except Exception as exc:  # the API server may be away; the reporter logs that already
            log.debug("harvest pod refresh failed", extra={"error": str(exc)[:200]})
            return
        self._harvest_uids = uids_of(pods)
        if pods and self.latest is not None and not self.latest[1].harvestable:
            await self.revoker.revoke(started=time.monotonic())

    def _status(self) -> Mapping[str, Any] | None:
        if self.latest is None:
            return None
        readings, decision = self.latest
        # Saved before it is reported, so a restarted agent never reports less than it did.
        self.prober.harvest_cpu.checkpoint()
        ble = self.ble.peripherals() if self.ble is not None else None
        return build_status(
            readings=readings,
            decision=decision,
            now=self.clock(),
            version=self.version,
            peripherals=ble,
        )

    def _on_spec(self, raw: Mapping[str, Any]) -> None:
        try:
            spec = read_spec(raw)
        except SpecError as exc:
            summary = str(exc)
            if summary != self._bad_spec:
                self._bad_spec = summary
                log.error(
                    "EdgeDevice spec refused; keeping the previous one",
                    extra={"node": self.node, "error": str(exc)[:500]},
                )
            return
        self._bad_spec = None
        if spec != self.spec:
            log.info("EdgeDevice spec loaded", extra={"node": self.node})
            self.spec = spec
