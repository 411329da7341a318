"""The process pool scheduling rounds run in.

Made by the FogJob package at startup (``SchedulingPool``, a runtime component) and handed to
the scheduler; ``rounds.schedule_round_in_pool`` runs each round there, off the event loop.
Workers are spawned, not forked: forking a process that runs kopf's threads is unsafe.
"""

from __future__ import annotations

import contextlib
import multiprocessing
from concurrent.futures import ProcessPoolExecutor


def make_pool(max_workers: int = 1) -> ProcessPoolExecutor:
    """A pool for rounds."""
    return ProcessPoolExecutor(
        max_workers=max_workers, mp_context=multiprocessing.get_context("spawn")
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
