"""The daemon's parent process: spawns the workers, serves health and metrics, shuts down.

Sits on top of ``working`` (one spawned process per worker, all sharing the mixnet port) and
``serving`` (aiohttp /healthz, /readyz, /metrics). Gathers the workers' counter snapshots from
their pipes into ``NodeTotals``. On SIGTERM/SIGINT it stops the workers (SIGTERM, then SIGKILL
after a grace period) and exits 0; it exits 1 if a worker fails to start.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import secrets
import signal
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from fogcompute_mixnode.node.counting import NodeTotals
from fogcompute_mixnode.node.serving import start_http
from fogcompute_mixnode.node.settings import NodeSettings
from fogcompute_mixnode.node.working import worker_main

log = logging.getLogger(__name__)
STARTUP_TIMEOUT_S = 30.0
STOP_GRACE_S = 5.0


@dataclass
class _Worker:
    index: int
    process: BaseProcess
    conn: Connection


def run_node(settings: NodeSettings) -> int:
    """Run until signalled; the process exit code."""
    return asyncio.run(_supervise(settings))


async def _supervise(settings: NodeSettings) -> int:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    totals = NodeTotals()
    failed: list[str] = []
    ready = asyncio.Event()
    workers = _spawn(settings, secrets.token_bytes(16))
    for worker in workers:
        totals.alive.add(worker.index)
        loop.add_reader(worker.conn.fileno(), _on_report, worker, totals, failed, stop, ready)
    runner = await start_http(settings=settings, totals=totals, expected=settings.workers)
    log.info(
        "event=node_started port=%d workers=%d metrics_port=%d",
        settings.port,
        settings.workers,
        settings.metrics_port,
    )
    try:
        await asyncio.wait_for(_first(ready, stop), STARTUP_TIMEOUT_S)
    except TimeoutError:
        failed.append(f"workers not ready after {STARTUP_TIMEOUT_S}s")
    if not failed:
        await stop.wait()
    log.info("event=node_stopping reason=%s", failed[0] if failed else "signal")
    await _stop_workers(workers, totals)
    await runner.cleanup()
    for worker in workers:
        loop.remove_reader(worker.conn.fileno())
        worker.conn.close()
    log.info("event=node_stopped")
    return 1 if failed else 0


def _spawn(settings: NodeSettings, loop_token: bytes) -> list[_Worker]:
    context = multiprocessing.get_context("spawn")
    workers = []
    for index in range(settings.workers):
        parent_end, child_end = context.Pipe(duplex=True)
        process = context.Process(
            target=worker_main,
            args=(settings, index, child_end, loop_token),
            name=f"fog-mixnode-worker-{index}",
        )
        process.start()
        child_end.close()  # so the worker sees EOF when the parent dies
        workers.append(_Worker(index=index, process=process, conn=parent_end))
    return workers


def _on_report(
    worker: _Worker,
    totals: NodeTotals,
    failed: list[str],
    stop: asyncio.Event,
    ready: asyncio.Event,
) -> None:
    try:
        message = worker.conn.recv()
    except (EOFError, OSError):
        asyncio.get_running_loop().remove_reader(worker.conn.fileno())
        totals.alive.discard(worker.index)
        if not stop.is_set():
            log.error(
                "event=worker_exited worker=%d code=%s", worker.index, worker.process.exitcode
            )
        return
    if "error" in message:
        failed.append(f"worker {worker.index}: {message['error']}")
        stop.set()
        return
    if message.get("ready"):
        totals.ready.add(worker.index)
        if totals.ready >= totals.alive:
            ready.set()
    totals.update(worker.index, message)


async def _first(*events: asyncio.Event) -> None:
    """Return as soon as any of ``events`` is set."""
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


async def _stop_workers(workers: list[_Worker], totals: NodeTotals) -> None:
    for worker in workers:
        if worker.process.is_alive():
            worker.process.terminate()
    deadline = asyncio.get_running_loop().time() + STOP_GRACE_S
    while any(w.process.is_alive() for w in workers):
        if asyncio.get_running_loop().time() > deadline:
            for worker in workers:
                if worker.process.is_alive():
                    log.warning("event=worker_killed worker=%d", worker.index)
                    worker.process.kill()
            break
        # Keep draining final snapshots while waiting, so totals include the last packets.
        await asyncio.sleep(0.05)
    for worker in workers:
        worker.process.join(timeout=1.0)
    totals.alive.clear()
