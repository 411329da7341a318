"""The scheduling pool's workers end with their parent, however it ends (``pooling``).

A real parent process makes a pool, prints its worker's pid and is killed with SIGKILL; the
worker must then end on its own. No cluster needed: only processes on this machine.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

PARENT = """
import os, sys
from fogcompute_operator.scheduling.pooling import make_pool
pool = make_pool()
print(pool.submit(os.getpid).result(timeout=60), flush=True)
sys.stdin.read()
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def test_a_worker_dies_when_its_parent_is_killed() -> None:
    with subprocess.Popen(
        [sys.executable, "-c", PARENT],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as parent:
        try:
            assert parent.stdout is not None
            worker = int(parent.stdout.readline())
            assert worker != parent.pid
            assert _alive(worker)
            os.kill(parent.pid, signal.SIGKILL)
            parent.wait(timeout=10)
            deadline = time.monotonic() + 10
            while _alive(worker) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert not _alive(worker), f"worker {worker} outlived its SIGKILLed parent"
        finally:
            parent.kill()


def test_the_pool_still_runs_work() -> None:
    from fogcompute_operator.scheduling.pooling import make_pool

    with make_pool() as pool:
        assert pool.submit(os.getpid).result(timeout=60) != os.getpid()
