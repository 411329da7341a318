"""Mixnet benchmark: Sphinx per-hop/creation times vs sphinxmix, and node throughput.

Run with ``make bench-mixnet`` (``.venv/bin/python bench/bench_mixnet.py``). Not a test: it
prints figures, never asserts them. The Sphinx half comes from ``bench_sphinx.run``; this file
adds a real ``fog-mixnode`` process's zero-loss throughput on loopback with 1 and 2 workers.

The node under test runs the Rust packet path (``FOG_SPHINX_IMPL=native``; build it with
``hack/build-native.sh``); the Sphinx half reports both of ours against sphinxmix.

Throughput method: packets for a 2-hop path (node under test -> a sink socket registered as
the next hop) are built once; for each trial a fresh node is started (so its replay filter is
empty), a separate load process sends the packets at a fixed rate from many source ports (so
SO_REUSEPORT spreads them over the workers), and the sink counts what the node forwarded. The
highest rate with zero loss is found by doubling, then bisecting, each trial a few seconds.
Each zero-loss rate is also given as a fraction of what the native hop time, probed in this
process after every trial (``hop_bound``), allows on the cores the workers use. Then
``bench_circuit``: latency through a 3-hop circuit of real nodes with the configured delays
(against zero delays in the same run), directory reload time and circuit redraw decision time.
The last line printed is one JSON object with every figure and ratio.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import multiprocessing
import os
import platform
import pstats
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from fogcompute_mixnode.delivering import DROP_RECIPIENT
from fogcompute_mixnode.directory import (
    Directory,
    EpochClock,
    NodeEntry,
    keygen_epochs,
    save_directory,
)
from fogcompute_mixnode.keyfiles import NodeKeys, generate_node_keys, write_node_keys
from fogcompute_mixnode.sphinx import PACKET_SIZE, PathHop, backends, build_forward_packet

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_circuit import report as report_circuit
from bench_circuit import run as run_circuit
from bench_sphinx import report as report_sphinx
from bench_sphinx import run as run_sphinx
from hop_bound import HopProbe, bound_figures

BIN = Path(sys.executable).parent
TARGET_PPS = 20_000
TRIAL_S = 2.0
SOURCES = 32
DRAIN_S = 0.3


def machine() -> dict[str, object]:
    model = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cores": os.cpu_count(), "cpu_model": model, "python": platform.python_version()}


def free_port(kind: int) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _build_chunk(args: tuple[list[PathHop], int]) -> bytes:
    path, count = args
    return b"".join(
        build_forward_packet(path=path, recipient=DROP_RECIPIENT, message=os.urandom(32))
        for _ in range(count)
    )


def build_packets(path: list[PathHop], count: int, out: Path) -> float:
    """Write ``count`` packets for ``path`` to ``out``; the seconds it took."""
    start = time.perf_counter()
    workers = os.cpu_count() or 1
    chunks = [(path, count // workers + (1 if i < count % workers else 0)) for i in range(workers)]
    with ProcessPoolExecutor(workers) as pool, out.open("wb") as handle:
        for blob in pool.map(_build_chunk, chunks):
            handle.write(blob)
    return time.perf_counter() - start


def load_process(
    packets_file: str, port: int, rate: float, duration: float, result: object
) -> None:
    """The load generator (a separate process): send at ``rate`` for ``duration`` seconds."""
    data = Path(packets_file).read_bytes()
    total = min(len(data) // PACKET_SIZE, int(rate * duration))
    packets = [data[i * PACKET_SIZE : (i + 1) * PACKET_SIZE] for i in range(total)]
    sockets = []
    for _ in range(SOURCES):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 * 1024 * 1024)
        sock.bind(("127.0.0.1", 0))
        sockets.append(sock)
    target = ("127.0.0.1", port)
    sent = 0
    start = time.perf_counter()
    while sent < total:
        due = min(total, int((time.perf_counter() - start) * rate) + 1)
        while sent < due:
            try:
                sockets[sent % SOURCES].sendto(packets[sent], target)
            except BlockingIOError:
                break
            sent += 1
        time.sleep(0.0005)
    elapsed = time.perf_counter() - start
    result.send({"sent": sent, "elapsed": elapsed})  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Setup:
    """What every trial shares: the node's keys and port, the sink's keys, the packets."""

    root: Path
    key_file: Path
    packets: Path
    port: int
    keys: NodeKeys
    sink_keys: NodeKeys
    clock: EpochClock


class Sink:
    """The next hop: a socket that counts what the node forwards."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 * 1024 * 1024)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = int(self.sock.getsockname()[1])
        self.count = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        buf = bytearray(PACKET_SIZE + 1)
        while not self._stop.is_set():
            try:
                self.sock.recv_into(buf)
            except TimeoutError:
                continue
            self.count += 1

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


def scrape(port: int) -> dict[str, float]:
    url = f"http://127.0.0.1:{port}/metrics"
    with urllib.request.urlopen(url, timeout=5) as response:
        text = response.read().decode()
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            if float(value):
                values[name] = float(value)
    return values


def start_node(
    *, key_file: Path, directory: Path, port: int, workers: int, clock: EpochClock, log: Path
) -> tuple[subprocess.Popen[bytes], int]:
    metrics_port = free_port(socket.SOCK_STREAM)
    command = [
        str(BIN / "fog-mixnode"),
        "run",
        f"--key-file={key_file}",
        f"--directory={directory}",
        f"--port={port}",
        f"--metrics-port={metrics_port}",
        f"--workers={workers}",
        "--min-delay-us=0",
        "--queue-capacity=200000",
        # The clock the keys and the pre-built packets were made for.
        f"--epoch-seconds={clock.epoch_seconds}",
        f"--epoch-genesis={clock.genesis}",
    ]
    handle = log.open("ab")
    process = subprocess.Popen(
        command,
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env={**os.environ, backends.ENV_VAR: "native"},  # measure the Rust packet path
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/readyz", timeout=1) as r:
                if r.status == 200:
                    return process, metrics_port
        except OSError:
            pass
        if process.poll() is not None:
            raise RuntimeError(f"node exited {process.returncode}; see {log}")
        time.sleep(0.05)
    raise RuntimeError(f"node not ready after 30 s; see {log}")


def trial(*, setup: Setup, workers: int, rate: float) -> dict[str, float]:
    sink = Sink()
    directory_file = setup.root / "directory.json"
    save_directory(_directory(setup, sink.port), directory_file)
    process, metrics_port = start_node(
        key_file=setup.key_file,
        directory=directory_file,
        port=setup.port,
        workers=workers,
        clock=setup.clock,
        log=setup.root / "node.log",
    )
    try:
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        loader = context.Process(
            target=load_process,
            args=(str(setup.packets), setup.port, rate, TRIAL_S, child),
        )
        loader.start()
        report = parent.recv()
        loader.join()
        # Zero delay is asked for, so a node that keeps up has forwarded everything within
        # moments; packets still queued in its socket buffer after DRAIN_S mean it did not.
        time.sleep(DRAIN_S)
        in_time = sink.count
        time.sleep(0.6)  # let the workers report their final counters
        metrics = scrape(metrics_port)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
        sink.close()
    drops = {k: v for k, v in metrics.items() if "dropped" in k}
    return {
        "rate": rate,
        "sent": report["sent"],
        "achieved_rate": report["sent"] / report["elapsed"],
        "forwarded": in_time,
        "lost": report["sent"] - in_time,
        "drops": sum(drops.values()),
    }


def _directory(setup: Setup, sink_port: int) -> Directory:
    keys, sink = setup.keys, setup.sink_keys
    return Directory(
        nodes=(
            NodeEntry(
                node_id=keys.node_id,
                host="127.0.0.1",
                port=setup.port,
                layer=0,
                public_keys=keys.public_keys(),
            ),
            NodeEntry(
                node_id=sink.node_id,
                host="127.0.0.1",
                port=sink_port,
                layer=1,
                public_keys=sink.public_keys(),
            ),
        ),
    )


def zero_loss_rate(
    setup: Setup, *, workers: int, start: float, budget: int, probe: HopProbe
) -> tuple[float, list[dict[str, float]]]:
    """Double from ``start`` until loss, then bisect; the best zero-loss rate and the trials.
    ``probe`` samples the per-hop time after each trial."""
    trials = []
    good, bad = 0.0, 0.0
    rate = start
    for _ in range(budget):
        result = trial(setup=setup, workers=workers, rate=rate)
        probe.sample()
        trials.append(result)
        ok = result["lost"] == 0 and result["achieved_rate"] >= 0.95 * rate
        verdict = "zero loss" if ok else "LOSS"
        print(
            f"  workers={workers} rate={rate:,.0f}/s sent={result['sent']:,.0f} "
            f"forwarded_in_time={result['forwarded']:,.0f} lost={result['lost']:,.0f} "
            f"node_drops={result['drops']:,.0f} -> {verdict}",
            flush=True,
        )
        if ok:
            good = rate
            rate = rate * 2 if bad == 0 else (good + bad) / 2
        else:
            bad = rate
            rate = (good + bad) / 2 if good else rate / 2
        if bad and good and (bad - good) / good < 0.05:
            break
    return good, trials


def profile_worker(setup: Setup, count: int) -> str:
    """Where a worker's time goes: cProfile of the packet path on ``count`` packets."""
    from fogcompute_mixnode.node import DelayHeap, Delays, LoopIdentity, PacketHandler, WorkerStats
    from fogcompute_mixnode.sphinx import ReplayFilter, SphinxNode

    keys = setup.keys
    data = setup.packets.read_bytes()[: count * PACKET_SIZE]
    packets = [data[i : i + PACKET_SIZE] for i in range(0, len(data), PACKET_SIZE)]
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink = Sink()

    class Now:
        def time(self) -> float:
            return 0.0

        def call_at(self, when: float, callback: object, /) -> Now:
            assert callable(callback)
            callback()
            return self

        def cancel(self) -> None:
            pass

    def send(datagram: bytes, address: tuple[str, int]) -> None:
        sock.sendto(datagram, address)

    stats = WorkerStats()
    heap = DelayHeap(
        loop=Now(),
        capacity=10**6,
        expiry_s=10.0,
        on_due=send,
        on_expired=lambda: None,
    )
    handler = PacketHandler(
        processor=SphinxNode(
            keys=keys.epoch_keys, replay=ReplayFilter(expected_per_epoch=10**6), max_delay_us=10**6
        ),
        directory=_directory(setup, sink.port),
        heap=heap,
        stats=stats,
        delays=Delays(min_us=0, max_us=10**6),
        loops=LoopIdentity(node_id=keys.node_id),
    )
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    for packet in packets:
        handler.handle(packet)
    profiler.disable()
    elapsed = time.perf_counter() - start
    sink.close()
    sock.close()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(14)
    per_packet = elapsed / len(packets) * 1e6
    return (
        f"in-process packet path: {per_packet:.1f} us/packet under cProfile "
        f"({stats.counts['processed']} processed)\n" + out.getvalue()
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sphinx-packets", type=int, default=500)
    parser.add_argument("--trials", type=int, default=9, help="trials per worker count")
    parser.add_argument("--pool", type=int, default=48_000, help="distinct packets built")
    parser.add_argument("--hop-delay-mean-us", type=float, default=1_000.0, help="circuit delays")
    parser.add_argument("--max-delay-us", type=int, default=20_000)
    parser.add_argument("--circuit-packets", type=int, default=300)
    args = parser.parse_args()
    info = machine()
    print(
        f"machine: cores={info['cores']} cpu={info['cpu_model']!r} python={info['python']}",
        flush=True,
    )

    if not backends.native_available():
        print(
            f"the native Sphinx module is missing ({backends.NATIVE_ERROR}); "
            f"{backends.BUILD_HINT}, then rerun"
        )
        return 1
    backends.select("native")
    figures: dict[str, object] = {"machine": info, "throughput_sphinx_impl": "native"}
    sphinx = run_sphinx(args.sphinx_packets)
    for line in report_sphinx(sphinx):
        print(f"sphinx {line}", flush=True)
    figures["sphinx"] = sphinx

    with tempfile.TemporaryDirectory(prefix="bench-mixnet-") as tmp:
        root = Path(tmp)
        # Packets are pre-built for one epoch, so start the clock now: that epoch stays
        # current for the next hour, whatever the wall-clock time of the run.
        clock = EpochClock(genesis=float(int(time.time())))
        now = time.time()
        epochs, epoch = keygen_epochs(None, clock=clock, now=now), clock.current(now)
        keys, sink_keys = generate_node_keys(epochs), generate_node_keys(epochs)
        write_node_keys(keys, root / "node.key")
        path = [
            PathHop(
                node_id=keys.node_id, public_key=keys.public_keys()[epoch], epoch=epoch, delay_us=0
            ),
            PathHop(
                node_id=sink_keys.node_id,
                public_key=sink_keys.public_keys()[epoch],
                epoch=epoch,
                delay_us=0,
            ),
        ]
        count = args.pool
        built_s = build_packets(path, count, root / "packets.bin")
        print(f"built {count:,} 2-hop packets in {built_s:.1f} s", flush=True)
        setup = Setup(
            root=root,
            key_file=root / "node.key",
            packets=root / "packets.bin",
            port=free_port(socket.SOCK_DGRAM),
            keys=keys,
            sink_keys=sink_keys,
            clock=clock,
        )
        results, per_hop_us = {}, {}
        for workers in (1, 2):
            probe = HopProbe(packets_file=setup.packets, keys=keys.epoch_keys)
            best, _ = zero_loss_rate(
                setup, workers=workers, start=1_000.0 * workers, budget=args.trials, probe=probe
            )
            results[workers], per_hop_us[workers] = best, probe.median_us()
            print(f"throughput workers={workers}: {best:,.0f} packets/s with zero loss", flush=True)
        figures["throughput_pps_1_worker"] = results[1]
        figures["throughput_pps_2_workers"] = results[2]
        bound, lines = bound_figures(results, per_hop_us=per_hop_us)
        figures.update(bound)
        print("\n".join(lines), flush=True)
        figures["throughput_scaling_2_vs_1"] = results[2] / results[1] if results[1] else 0.0
        figures["throughput_target_pps_2_workers"] = TARGET_PPS
        figures["throughput_target_met"] = results[2] >= TARGET_PPS
        figures["throughput_ratio_to_target"] = results[2] / TARGET_PPS
        if results[2] < TARGET_PPS:
            print(
                f"target NOT met: {results[2]:,.0f} < {TARGET_PPS:,} packets/s with 2 workers; "
                "profile of one worker's packet path:"
            )
            print(profile_worker(setup, 2000))
        circuit = run_circuit(
            root,
            hop_delay_mean_us=args.hop_delay_mean_us,
            max_delay_us=args.max_delay_us,
            packets=args.circuit_packets,
        )
        for line in report_circuit(circuit):
            print(f"circuit {line}", flush=True)
        figures.update(circuit)
    print(json.dumps(figures, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
