"""The agent loads the mixnode hosting parts only once a MixNode is placed on its node."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fogcompute_edge_agent.mixing.settings import MixingSettings
from fogcompute_edge_agent.mixing.watching import MixnodeWatch, wants_hosting

HEAVY = ("pydantic", "fogcompute_mixnode", "fogcompute_edge_agent.mixing.hosting", "nacl")


def test_the_agents_entry_point_loads_no_pydantic_and_no_mixnode() -> None:
    code = (
        "import json, sys, fogcompute_edge_agent.cli, fogcompute_edge_agent.agent;"
        "print(json.dumps(sorted(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = json.loads(out.stdout)
    assert [m for m in loaded if m.startswith(HEAVY)] == []
    assert "fogcompute_edge_agent.mixing.watching" in loaded


def mixnode(name: str, node: str, **spec: Any) -> dict[str, Any]:
    return {"metadata": {"name": name}, "spec": {"nodeName": node, **spec}}


def test_only_an_enabled_mixnode_on_this_node_is_hosted() -> None:
    assert wants_hosting([mixnode("m", "edge-1")], node="edge-0") is None
    assert wants_hosting([mixnode("m", "edge-0", enabled=False)], node="edge-0") is None
    assert wants_hosting([mixnode("b", "edge-0"), mixnode("a", "edge-0")], node="edge-0") == "a"


@dataclass
class FakeMixApi:
    answers: list[list[dict[str, Any]] | Exception]
    calls: int = 0

    async def mixnodes(self) -> list[dict[str, Any]]:
        self.calls += 1
        answer = self.answers.pop(0) if self.answers else []
        if isinstance(answer, Exception):
            raise answer
        return answer

    async def apply_mixnode_status(self, *, name: str, status: Mapping[str, Any]) -> None:
        raise AssertionError("the watch never writes")

    async def directory_data(self) -> dict[str, str]:
        return {}


@dataclass
class FakeHost:
    ran: list[bool] = field(default_factory=list)

    async def run(self, stop: asyncio.Event) -> None:
        self.ran.append(True)


class RecordingWatch(MixnodeWatch):
    started: FakeHost | None = None

    def _start_host(self) -> Any:
        self.started = FakeHost()
        return self.started


async def test_the_watch_hands_over_once_a_mixnode_is_placed(tmp_path: Path) -> None:
    api = FakeMixApi(answers=[[], OSError("API server away"), [mixnode("m0", "edge-0")]])
    watch = RecordingWatch(
        node="edge-0", api=api, settings=MixingSettings(interval=0.1), state_dir=tmp_path
    )
    await asyncio.wait_for(watch.run(asyncio.Event()), 5)
    assert api.calls == 3  # nothing placed, a failed listing (retried), then placed
    assert watch.started is not None
    assert watch.started.ran == [True]


async def test_the_watch_stops_without_hosting(tmp_path: Path) -> None:
    api = FakeMixApi(answers=[])
    watch = RecordingWatch(
        node="edge-0", api=api, settings=MixingSettings(interval=0.1), state_dir=tmp_path
    )
    stop = asyncio.Event()
    task = asyncio.create_task(watch.run(stop))
    await asyncio.sleep(0.25)
    stop.set()
    await asyncio.wait_for(task, 5)
    assert api.calls >= 2
    assert watch.started is None
