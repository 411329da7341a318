"""One worker process of the daemon: keys, Sphinx processor, socket, heap, cover, stats.

Started by ``supervising`` (one per core). Reads the key file at start (a bad one stops the
worker) and hands it to ``rotating``, which keeps only the live epochs' keys and re-reads the
file at epoch boundaries, and to ``redirecting``, which re-reads the directory file when it is
rewritten (the hosting agent writes each epoch's published directory). Binds the shared port,
serves until SIGTERM/SIGINT or until the parent goes away (its pipe closes), and reports
counter snapshots to the parent over that pipe. Never logs key material or packet contents.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from multiprocessing.connection import Connection

from fogcompute_mixnode.directory import load_directory
from fogcompute_mixnode.directory.epochs import wall_clock
from fogcompute_mixnode.keyfiles import read_node_keys
from fogcompute_mixnode.logconfig import configure_logging
from fogcompute_mixnode.node.counting import WorkerStats
from fogcompute_mixnode.node.covering import LoopCover
from fogcompute_mixnode.node.datagrams import DatagramPump, bind_reuseport
from fogcompute_mixnode.node.delaying import DelayHeap
from fogcompute_mixnode.node.handling import Delays, LoopIdentity, PacketHandler
from fogcompute_mixnode.node.redirecting import DirectoryReloader
from fogcompute_mixnode.node.rotating import KeyRotator
from fogcompute_mixnode.node.settings import NodeSettings
from fogcompute_mixnode.sampling import ExponentialSampler
from fogcompute_mixnode.sphinx import PACKET_SIZE, ReplayFilter, SphinxNode

DIRECTORY_CHECK_S = 2.0
"""How often a worker looks for a rewritten directory file (at most a quarter epoch)."""

log = logging.getLogger(__name__)


def worker_main(settings: NodeSettings, index: int, conn: Connection, loop_token: bytes) -> None:
    """Process entry point (spawned): serve, then exit 0; exit 1 if startup failed."""
    configure_logging(worker=index)
    try:
        asyncio.run(_serve(settings, index, conn, loop_token))
    except (OSError, ValueError) as error:  # a bad key file, directory or port: say which
        log.error("event=worker_failed worker=%d error=%r", index, str(error))
        _send(conn, {"error": f"{type(error).__name__}: {error}"})
        raise SystemExit(1) from error
    except Exception as error:
        log.exception("event=worker_failed worker=%d", index)
        _send(conn, {"error": f"{type(error).__name__}: {error}"})
        raise SystemExit(1) from error


def _send(conn: Connection, message: dict[str, object]) -> None:
    with contextlib.suppress(OSError):  # the parent is gone; nothing to report to
        conn.send(message)


async def _serve(settings: NodeSettings, index: int, conn: Connection, loop_token: bytes) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    loop.add_reader(conn.fileno(), stop.set)  # readable only when the parent closed its end

    keys = read_node_keys(settings.key_file)
    directory = load_directory(settings.directory_file)
    processor = SphinxNode(
        keys=(),
        replay=ReplayFilter(expected_per_epoch=settings.expected_per_epoch),
        max_delay_us=settings.max_delay_us,
    )
    stats = WorkerStats()
    rotator = KeyRotator(
        processor=processor,
        keys=keys,
        key_file=settings.key_file,
        epochs=settings.epoch_clock(),
        clock=wall_clock,
        stats=stats,
    )
    rotator.start(loop)
    counts = stats.counts
    sock = bind_reuseport(
        host=settings.host, port=settings.port, buffer_bytes=settings.socket_buffer_bytes
    )
    pump: DatagramPump | None = None

    def on_due(datagram: bytes, address: tuple[str, int]) -> None:
        assert pump is not None  # the heap runs only once the pump is started
        counts["forwarded" if len(datagram) == PACKET_SIZE else "delivered"] += 1
        pump.send(datagram, address)

    heap = DelayHeap(
        loop=loop,
        capacity=settings.queue_capacity,
        expiry_s=settings.expiry_s,
        on_due=on_due,
        on_expired=lambda: stats.drop("expired"),
    )
    handler = PacketHandler(
        processor=processor,
        directory=directory,
        heap=heap,
        stats=stats,
        delays=Delays(min_us=settings.min_delay_us, max_us=settings.max_delay_us),
        loops=LoopIdentity(node_id=keys.node_id, token=loop_token),
    )
    # The handler's bound method straight into the socket's reader: no wrapper per datagram.
    pump = DatagramPump(
        sock=sock, on_datagram=handler.handle, on_send_error=lambda: stats.drop("send_error")
    )
    cover = None
    if settings.loop_rate > 0:
        cover = LoopCover(
            rate_per_s=settings.loop_rate / settings.workers,
            node_id=keys.node_id,
            directory=directory,
            epochs=settings.epoch_clock(),
            token=loop_token,
            hop_delays=ExponentialSampler(mean=settings.loop_delay_mean_us),
            max_delay_us=settings.max_delay_us,
            send=pump.send,
            stats=stats,
        )
        cover.start(loop)
    users = [handler.use_directory] + ([cover.use_directory] if cover is not None else [])
    reloader = DirectoryReloader(
        path=settings.directory_file,
        users=users,
        interval_s=min(settings.epoch_seconds / 4, DIRECTORY_CHECK_S),
    )
    reloader.start(loop)
    pump.start(loop)
    log.info(
        "event=worker_ready worker=%d node=%s port=%d epochs=%s",
        index,
        keys.node_id.hex()[:16],
        settings.port,
        ",".join(str(e) for e in processor.epochs),
    )
    _send(conn, {"ready": True, **stats.snapshot()})
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=settings.stats_interval_s)
        stats.queue_depth = len(heap)
        _send(conn, stats.snapshot())
    if cover is not None:
        cover.stop()
    rotator.stop()
    reloader.stop()
    pump.stop(loop)
    heap.close()
    loop.remove_reader(conn.fileno())
    stats.queue_depth = 0
    _send(conn, stats.snapshot())
    log.info("event=worker_stopped worker=%d", index)
