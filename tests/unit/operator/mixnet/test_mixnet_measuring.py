"""The reliability monitor on the in-memory API: agents' cumulative counts become windows."""

from __future__ import annotations

from typing import Any

from fogcompute_mixnode.routing import ReliabilitySettings
from fogcompute_operator.controlling import Informers, InformerSpec, StatusWriter
from fogcompute_operator.kube import MIXNODES, ObjectKey
from fogcompute_operator.mixnet import ReliabilityMonitor
from operator_fakes import FakeKubeApi


def mixnode(name: str, measurements: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "apiVersion": "fogcompute.io/v1alpha1",
        "kind": "MixNode",
        "metadata": {"name": name},
        "spec": {"nodeName": name},
        "status": {"measurements": measurements or []},
    }


def counts(target: str, ok: int, lost: int) -> dict[str, Any]:
    return {"mixNode": target, "ok": ok, "lost": lost}


class World:
    def __init__(self) -> None:
        self.api = FakeKubeApi()
        self.informers = Informers()
        self.informer = self.informers.register(InformerSpec(MIXNODES))
        self.now = 1000.0
        self.monitor = ReliabilityMonitor(
            mixnodes=self.informer,
            statuses=StatusWriter(api=self.api, informers=self.informers),
            settings=ReliabilitySettings(window_s=20, buckets=4, deadline_s=2),
            write_seconds=1,
            clock=lambda: self.now,
        )

    def report(self, body: dict[str, Any]) -> None:
        stored = self.api.store(MIXNODES, body)
        self.informer.observe("MODIFIED", stored)

    def status(self, name: str) -> dict[str, Any]:
        return dict(self.api.objects[MIXNODES][ObjectKey(name)]["status"])


async def test_reports_add_only_new_outcomes_and_a_restarted_agent_counts_again() -> None:
    world = World()
    world.report(mixnode("a", [counts("a", 5, 0), counts("b", 5, 0)]))
    world.report(mixnode("b"))
    world.monitor.baseline()  # what was reported before the monitor started is not new
    world.informer.subscribe(world.monitor.observe)
    world.report(mixnode("a", [counts("a", 9, 0), counts("b", 6, 3)]))
    await world.monitor.write_all()
    a, b = world.status("a"), world.status("b")
    assert a["reliabilityWindow"]["samples"] == 4
    assert b["reliabilityWindow"]["samples"] == 4
    assert a["reliability"] > 0.8 > b["reliability"]
    world.report(mixnode("a", [counts("a", 2, 0), counts("b", 0, 1)]))  # agent restarted
    await world.monitor.write_all()
    assert world.status("b")["reliabilityWindow"]["samples"] == 5


async def test_a_node_that_loses_everything_falls_within_the_window() -> None:
    world = World()
    world.report(mixnode("a"))
    world.report(mixnode("b"))
    world.informer.subscribe(world.monitor.observe)
    ok = lost = 0
    for second in range(60):
        world.now = 1000.0 + second
        if second < 30:
            ok += 2
        else:
            lost += 2
        world.report(mixnode("a", [counts("b", ok, lost)]))
        await world.monitor.write_all()
        score = world.status("b")["reliability"]
        if second == 29:
            assert score > 0.9
    # 30 s after the node started losing everything: only losses in a 20 s + 5 s window.
    assert score < 0.05


async def test_a_restarted_monitor_keeps_the_window_from_status() -> None:
    world = World()
    world.report(mixnode("a"))
    world.report(mixnode("b"))
    world.informer.subscribe(world.monitor.observe)
    world.report(mixnode("a", [counts("b", 0, 8)]))
    await world.monitor.write_all()
    before = world.status("b")["reliability"]
    restarted = World()
    restarted.api = world.api
    restarted.monitor = ReliabilityMonitor(
        mixnodes=world.informer,
        statuses=StatusWriter(api=world.api, informers=world.informers),
        settings=ReliabilitySettings(window_s=20, buckets=4, deadline_s=2),
        write_seconds=1,
        clock=lambda: world.now,
    )
    restarted.monitor.baseline()
    estimate = restarted.monitor.estimator("b").estimate(now=world.now)
    assert estimate.lost == 8
    assert round(estimate.score, 6) == before
