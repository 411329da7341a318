"""The process pool scheduling rounds run in, whose workers die with the operator.

Made by the FogJob package at startup (``SchedulingPool``, a runtime component) and handed to
the scheduler; ``rounds.schedule_round_in_pool`` runs each round there, off the event loop.
Workers are spawned, not forked: forking a process that runs kopf's threads is unsafe.

A worker must not outlive the operator: an operator killed with SIGKILL cannot shut its pool
down, and each orphan would keep taking CPU. So each worker, first thing (the pool's
initializer), asks the kernel for SIGKILL when its parent dies (``prctl(PR_SET_PDEATHSIG)``,
Linux) and, as a fallback where prctl is missing or the parent died before the call took
effect, watches its parent pid from a daemon thread and exits once it changes. The kernel
signal is tied to the thread that spawned the worker: the pool spawns from the event loop's
thread, which lives as long as the operator.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Final

PR_SET_PDEATHSIG: Final = 1
PARENT_POLL_SECONDS: Final = 1.0


def _ask_kernel_for_death_signal() -> bool:
    """``prctl(PR_SET_PDEATHSIG, SIGKILL)``; False where there is no such call."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_SECONDS)
    os._exit(1)  # the operator is gone: nobody will read this worker's results


def die_with_parent(parent: int) -> None:
    """The pool's initializer: end this worker when process ``parent`` ends."""
    _ask_kernel_for_death_signal()
    if os.getppid() != parent:  # died before the signal was armed
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), name="parent-watch", daemon=True).start()


def make_pool(max_workers: int = 1) -> ProcessPoolExecutor:
    """A pool for rounds whose workers end when this process ends, however it ends."""
    return ProcessPoolExecutor(
        max_workers=max_workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=die_with_parent,
        initargs=(os.getpid(),),
    )


def warm_up() -> bool:
    """Run once in the pool at startup, so the first round does not pay for imports."""
    from fogcompute_operator.scheduling import rounds  # noqa: F401 - imported for its cost

    return True


class SchedulingPool:
    """The pool as a runtime component: started warm, shut down at cleanup."""

    def __init__(self, *, max_workers: int = 1) -> None:
        self.executor = make_pool(max_workers)

    async def start(self) -> None:
        self.executor.submit(warm_up)

    async def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.executor.shutdown(wait=False, cancel_futures=True)
