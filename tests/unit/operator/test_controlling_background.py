"""The runtime's background pieces: task slots stopped together, and loops that report a
failure and go on (``controlling.background``)."""

from __future__ import annotations

import asyncio
import sys

import pytest
from fogcompute_operator.controlling import Tasks, retry_until_done, run_periodically


async def _yield(times: int = 20) -> None:
    for _ in range(times):
        await asyncio.sleep(0)


async def test_stop_cancels_every_task_and_waits_for_it() -> None:
    tasks, ended = Tasks(), []

    async def forever(name: str) -> None:
        try:
            await asyncio.Event().wait()
        finally:
            ended.append(name)

    tasks.spawn(forever("a"), name="worker-a")
    tasks.spawn(forever("b"), name="worker-b")
    await _yield()
    names = {t.get_name() for t in asyncio.all_tasks()}
    assert {"worker-a", "worker-b"} <= names
    assert len(tasks) == 2
    await tasks.stop()
    assert sorted(ended) == ["a", "b"]
    assert len(tasks) == 0
    await tasks.stop()  # stopping again (or before any start) is harmless


async def test_stop_reraises_what_a_task_died_of() -> None:
    tasks = Tasks()

    async def broken() -> None:
        raise ValueError("boom")

    tasks.spawn(broken(), name="broken")
    await _yield()
    with pytest.raises(ValueError, match="boom"):
        await tasks.stop()


async def test_retry_until_done_reports_each_failure_then_returns_the_value() -> None:
    failures = [RuntimeError("one"), KeyError("two")]
    reported: list[Exception] = []

    async def attempt() -> str:
        if failures:
            raise failures.pop(0)
        return "done"

    value = await retry_until_done(attempt, retry_seconds=0.0, on_error=reported.append)
    assert value == "done"
    assert [repr(e) for e in reported] == [repr(RuntimeError("one")), repr(KeyError("two"))]


async def test_retry_until_done_lets_cancellation_through_unreported() -> None:
    reported: list[Exception] = []

    async def attempt() -> None:
        raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        await retry_until_done(attempt, retry_seconds=0.0, on_error=reported.append)
    assert reported == []


async def test_run_periodically_goes_on_after_a_failure_and_sleeps_the_pause_asked() -> None:
    calls, reported = [], []

    async def step() -> float | None:
        calls.append(len(calls))
        if len(calls) == 1:
            raise RuntimeError("first round fails")
        return None if len(calls) < 4 else 3600.0  # three rounds back to back, then a long wait

    tasks = Tasks()
    tasks.spawn(run_periodically(step, retry_seconds=0.0, on_error=reported.append), name="p")
    await _yield()
    await tasks.stop()
    assert calls == [0, 1, 2, 3]  # the 3600 s pause holds the fifth call back
    assert [str(e) for e in reported] == ["first round fails"]


async def test_on_error_runs_inside_the_except_block() -> None:
    """So a caller's ``logger.exception`` gets the traceback."""
    seen: list[object] = []

    async def attempt() -> int:
        if not seen:
            raise LookupError("missing")
        return 1

    def on_error(exc: Exception) -> None:
        seen.append(sys.exc_info()[1])

    assert await retry_until_done(attempt, retry_seconds=0.0, on_error=on_error) == 1
    assert isinstance(seen[0], LookupError)
