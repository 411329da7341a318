"""The agent's loop with a fake API: revocation at once, reports after an outage, spec updates."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fogcompute_edge_agent.agent import Agent
from fogcompute_edge_agent.observing import AgentMetrics
from fogcompute_edge_agent.probing import HostRoot, ProbeErrors, Prober
from fogcompute_edge_agent.probing.harvestcpu import STATE_FILE, HarvestCpuCounter
from fogcompute_edge_agent.reporting import ApiError
from fogcompute_testbed.hostroots import FixtureHost


class FakeApi:
    """Holds one EdgeDevice; can be taken away (``down``)."""

    def __init__(self) -> None:
        self.device: dict[str, Any] | None = None
        self.down = False
        self.applied: list[Mapping[str, Any]] = []
        self.pods = [
            {
                "metadata": {"namespace": "a", "name": "p0", "uid": "u0"},
                "status": {"phase": "Running"},
            },
            {
                "metadata": {"namespace": "a", "name": "p1", "uid": "u1"},
                "status": {"phase": "Succeeded"},
            },
        ]
        self.evicted: list[str] = []

    def _check(self) -> None:
        if self.down:
            raise OSError("connection refused")

    async def create_device(self, *, name: str) -> None:
        self._check()
        self.device = {"metadata": {"name": name}, "spec": {"nodeName": name}}

    async def apply_device_status(self, *, name: str, status: Mapping[str, Any]) -> dict[str, Any]:
        self._check()
        if self.device is None:
            raise ApiError(404, "not found")
        self.applied.append(status)
        return self.device

    async def list_pods(self, *, node: str, label_selector: str) -> list[dict[str, Any]]:
        self._check()
        return self.pods

    async def evict(self, *, namespace: str, name: str) -> int:
        self._check()
        self.evicted.append(f"{namespace}/{name}")
        return 201


def make_agent(tmp_path: Path, api: FakeApi) -> tuple[Agent, FixtureHost]:
    host = FixtureHost(tmp_path).laptop(on_ac=True)
    agent = Agent(
        node="edge-0",
        api=api,
        prober=Prober(host=HostRoot(root=tmp_path, errors=ProbeErrors())),
        metrics=AgentMetrics(),
        version="test",
        probe_interval=0.01,
    )
    return agent, host


async def settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


async def test_unplugging_ac_evicts_live_harvest_pods_at_once(tmp_path: Path) -> None:
    api = FakeApi()
    agent, host = make_agent(tmp_path, api)
    agent._on_spec({"nodeName": "edge-0", "policy": {"resumeDelaySeconds": 0}})
    agent.step()
    host.tick(1.0)
    assert agent.step().harvestable
    host.set_ac(False)
    host.tick(1.0)
    decision = agent.step()
    assert (decision.harvestable, decision.changed, decision.reason) == (False, True, "OnBattery")
    await settle()
    assert api.evicted == ["a/p0"]  # the Succeeded pod is left alone
    assert agent.revoker is not None
    assert agent.revoker.last is not None
    assert agent.revoker.last.accepted == 1


async def test_reports_resume_with_the_latest_state_after_an_outage(tmp_path: Path) -> None:
    api = FakeApi()
    api.down = True
    agent, host = make_agent(tmp_path, api)
    agent.step()
    assert not await agent.reporter.report_once()
    host.set_temperature(45.0)
    host.tick(1.0)
    agent.step()
    api.down = False
    assert await agent.reporter.report_once()  # creates the missing device, then applies
    assert api.device is not None
    assert api.applied[-1]["thermal"] == {"temperatureCelsius": 45.0}


async def test_spec_from_the_apply_is_used_and_a_bad_one_ignored(tmp_path: Path) -> None:
    api = FakeApi()
    agent, _ = make_agent(tmp_path, api)
    agent._on_spec({"nodeName": "edge-0", "policy": {"maxTemperatureCelsius": 70}})
    assert agent.spec is not None
    assert agent.spec.policy.max_temperature_celsius == 70
    agent._on_spec({"nodeName": "edge-0", "policy": {"maxTemperatureCelsius": "hot"}})
    assert agent.spec.policy.max_temperature_celsius == 70


async def test_run_reports_and_stops_cleanly(tmp_path: Path) -> None:
    api = FakeApi()
    agent, _ = make_agent(tmp_path, api)
    stop = asyncio.Event()
    task = asyncio.create_task(agent.run(stop))
    for _ in range(200):
        await asyncio.sleep(0.01)
        if api.applied:
            break
    stop.set()
    await asyncio.wait_for(task, 5)
    assert api.applied
    assert api.applied[0]["harvestable"] is False  # a new gate waits the resume delay


async def test_harvest_cpu_is_saved_before_the_report_that_carries_it(tmp_path: Path) -> None:
    api = FakeApi()
    host = FixtureHost(tmp_path / "host").server()
    state = tmp_path / "state" / STATE_FILE
    agent = Agent(
        node="edge-0",
        api=api,
        prober=Prober(
            host=HostRoot(root=host.root, errors=ProbeErrors()),
            harvest_cpu=HarvestCpuCounter.load(state),
        ),
        metrics=AgentMetrics(),
        version="test",
    )
    await agent._refresh_pods()  # learns the harvest pods' UIDs (u0, u1) from the API
    host.set_pod_cpu("u0", 7.25)
    agent.step()
    assert await agent.reporter.report_once()
    assert api.applied[-1]["harvestCpuSeconds"] == 7.25
    assert HarvestCpuCounter.load(state).seconds == 7.25
