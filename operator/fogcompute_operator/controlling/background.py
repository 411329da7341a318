"""Background work of the runtime's components: task slots and loops that survive failures.

Every long-running piece of the operator (a controller's workers, the Event posters, the
scheduler, the mixnet publisher, monitor and key launcher, the ledger gateway) is a
``Component`` whose ``start`` spawns tasks and whose ``stop`` cancels them. ``Tasks`` holds
those tasks: ``spawn`` names each one, ``stop`` cancels them all and waits for them (a task
that ended by raising re-raises here, as awaiting it always did). ``retry_until_done`` calls
an attempt until it succeeds and ``run_periodically`` calls a step forever; both report every
failure through ``on_error`` (called inside the ``except`` block, so ``logger.exception``
works) and try again after ``retry_seconds``; cancellation always passes through.

Knows no kind and does no I/O of its own; what to log and how often to run is the caller's.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, NoReturn, TypeVar

T = TypeVar("T")
OnError = Callable[[Exception], None]


class Tasks:
    """A component's background tasks, started by name and stopped together."""

    def __init__(self) -> None:
        self._tasks: list[asyncio.Task[None]] = []

    def __len__(self) -> int:
        return len(self._tasks)

    def spawn(self, coroutine: Coroutine[Any, Any, None], *, name: str) -> None:
        self._tasks.append(asyncio.create_task(coroutine, name=name))

    async def stop(self) -> None:
        """Cancel every task, then wait for each to end; a no-op when none runs."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()


async def retry_until_done(
    attempt: Callable[[], Awaitable[T]], *, retry_seconds: float, on_error: OnError
) -> T:
    """``attempt()``'s value once it returns one; after each failure, ``on_error`` and a pause."""
    while True:
        try:
            return await attempt()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            on_error(exc)
        await asyncio.sleep(retry_seconds)


async def run_periodically(
    step: Callable[[], Awaitable[float | None]], *, retry_seconds: float, on_error: OnError
) -> NoReturn:
    """``step()`` forever: after a success, sleep the seconds it returned (``None``: go on at
    once, the step paces itself); after a failure, ``on_error`` and ``retry_seconds``."""
    while True:
        pause = await retry_until_done(step, retry_seconds=retry_seconds, on_error=on_error)
        if pause is not None:
            await asyncio.sleep(pause)
