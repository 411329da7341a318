"""An operator killed with SIGKILL leaves no scheduling worker behind.

The operator runs as a real process (``kopf run``, as the image runs it) against the session's
control plane; its scheduling pool spawns a worker at startup. After SIGKILL, which the
operator cannot handle, every process it had started must end on its own: the workers ask the
kernel for a parent-death signal and watch their parent's pid (``scheduling.pooling``).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from operator_cluster import FogOperator

WAIT_SECONDS = 30.0


def _stat(pid: int) -> tuple[int, str] | None:
    """(parent pid, state) of a live process; None when it is gone or a zombie."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    state, parent = fields[0], int(fields[1])
    return None if state in ("Z", "X") else (parent, state)


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def descendants(root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            children.setdefault(stat[0], []).append(int(entry.name))
    found, todo = set(), [root]
    while todo:
        for child in children.get(todo.pop(), ()):
            found.add(child)
            todo.append(child)
    return found


def wait_for(what: str, probe: Any, timeout: float = WAIT_SECONDS) -> Any:
    deadline = time.monotonic() + timeout
    seen = None
    while time.monotonic() < deadline:
        value, seen = probe()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"waited {timeout:.0f}s for {what}; last seen: {seen!r}")


def test_sigkill_leaves_no_scheduling_worker(
    control_plane: Any, crds: list[str], tmp_path: Path
) -> None:
    del crds
    operator = FogOperator(control_plane=control_plane, workdir=tmp_path)
    operator.start()
    try:
        assert operator.proc is not None
        pid = operator.proc.pid

        def workers() -> tuple[set[int], Any]:
            found = {p for p in descendants(pid) if "spawn_main" in _cmdline(p)}
            return found, {p: _cmdline(p)[:80] for p in descendants(pid)}

        pool = wait_for("the scheduling pool's worker", workers)
        started = descendants(pid)
        operator.kill()  # SIGKILL: no cleanup runs in the operator
    finally:
        operator.stop()

    def all_gone() -> tuple[bool, Any]:
        alive = {p: _cmdline(p)[:80] for p in started if _stat(p) is not None}
        return not alive, alive

    wait_for(
        f"the operator's processes {sorted(started)} (workers {sorted(pool)}) to end", all_gone
    )
