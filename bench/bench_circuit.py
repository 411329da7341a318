"""Mixnet circuit figures for ``make bench-mixnet``: 3-hop latency, directory reload, redraw.

Called by ``bench_mixnet.main`` (``run`` returns the figures, ``report`` the lines to print).
Not a test: it prints, never asserts.

- End-to-end latency through a 3-hop circuit: three real ``fog-mixnode`` processes (one
  worker each) on loopback, packets along A -> B -> C delivered by C to this process's
  socket, with sender-chosen per-hop delays drawn from the configured exponential mean
  (``--hop-delay-mean-us``, capped at ``--max-delay-us``) and, as the baseline measured in the
  same run, with zero delays. Printed: median and p99 latency of each, and the median of
  (latency - the packet's own delay sum), i.e. what three hops cost on top of the delays.
- Directory reload after a hop dies: a running node's directory file is rewritten so that a
  node that was unknown becomes its next hop (what the hosting agent does at an epoch
  boundary); the time from the rename to the first packet arriving through the new next hop
  is the reload time, bounded by the worker's check interval (``DIRECTORY_CHECK_S``).
- Circuit redraw after a hop dies: the operator's decision for one circuit (ECVRF prove and
  the weighted draw, ``circuits.decide``) over a directory of ``--redraw-nodes`` nodes, timed
  per circuit; the wall time until a redraw is in status also waits for the next epoch's
  directory (one epoch at most) plus the reliability bound, which the integration tests
  measure, not this bench.
- The client's own directory reload at each epoch boundary (``client_reload``): a file of
  1000 nodes, and a Circuit with the kept signed directories of 1000 nodes.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import client_reload  # the script's own folder is on sys.path, as for sphinx_floor
from fogcompute_api.circuits import Circuit
from fogcompute_mixnode.delivering import decode_frame
from fogcompute_mixnode.directory import (
    Directory,
    EpochClock,
    NodeEntry,
    RecipientEntry,
    keygen_epochs,
    save_directory,
)
from fogcompute_mixnode.keyfiles import NodeKeys, generate_node_keys, write_node_keys
from fogcompute_mixnode.routing import (
    EpochDirectory,
    MixNodeRecord,
    keypair_from_secret,
    open_signed_directory,
    sign_directory,
)
from fogcompute_mixnode.sampling import ExponentialSampler
from fogcompute_mixnode.sphinx import PathHop, build_forward_packet
from fogcompute_operator.circuits import decide

BIN = Path(sys.executable).parent


def _port(kind: socket.SocketKind) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(
    *, keys_file: Path, directory: Path, port: int, clock: EpochClock, log: Path
) -> subprocess.Popen[bytes]:
    metrics = _port(socket.SOCK_STREAM)
    argv = [
        str(BIN / "fog-mixnode"), "run", f"--key-file={keys_file}", f"--directory={directory}",
        f"--port={port}", f"--metrics-port={metrics}", "--workers=1", "--min-delay-us=0",
        f"--epoch-seconds={clock.epoch_seconds}", f"--epoch-genesis={clock.genesis}",
    ]  # fmt: skip
    process = subprocess.Popen(argv, stdout=log.open("ab"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{metrics}/readyz", timeout=1) as r:
                if r.status == 200:
                    return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"fog-mixnode not ready in 30 s; see {log}")


def _entry(keys: NodeKeys, port: int, layer: int) -> NodeEntry:
    return NodeEntry(
        node_id=keys.node_id, host="127.0.0.1", port=port, layer=layer,
        public_keys=keys.public_keys(),
    )  # fmt: skip


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _latencies(
    *,
    sink: socket.socket,
    recipient: bytes,
    hops: list[tuple[NodeKeys, int]],
    epoch: int,
    delays: ExponentialSampler | None,
    max_delay_us: int,
    count: int,
) -> tuple[list[float], list[float]]:
    """(latency us, latency minus the packet's delay sum us) for ``count`` packets, one by one."""
    latencies, overheads = [], []
    for _ in range(count):
        chosen = [0 if delays is None else min(int(delays.sample()), max_delay_us) for _ in hops]
        path = [
            PathHop(node_id=k.node_id, public_key=k.public_keys()[epoch], epoch=epoch, delay_us=d)
            for (k, _), d in zip(hops, chosen, strict=True)
        ]
        token = secrets.token_bytes(16)
        packet = build_forward_packet(path=path, recipient=recipient, message=token)
        start = time.perf_counter()
        sink.sendto(packet, ("127.0.0.1", hops[0][1]))
        while True:
            data = sink.recv(65536)
            frame = decode_frame(data)
            if frame is not None and frame.body.startswith(token):
                break
        took = (time.perf_counter() - start) * 1e6
        latencies.append(took)
        overheads.append(took - sum(chosen))
    return latencies, overheads


def _redraw_us(nodes: int, circuits: int) -> float:
    vrf = hashlib.sha256(b"bench vrf").digest()
    records = tuple(
        MixNodeRecord(
            name=f"mix-{i:04d}", node_id=hashlib.sha256(b"%d" % i).digest(), layer=i % 3,
            address=f"127.0.0.1:{10000 + i}", public_keys={5: hashlib.sha256(b"k%d" % i).digest()},
            reliability_ppm=900_000 + i % 100_000, stake=1000 + i,
        )
        for i in range(nodes)
    )  # fmt: skip
    directory = EpochDirectory(
        epoch=5, vrf_public_key=keypair_from_secret(vrf).public_key, nodes=records
    )
    opened = open_signed_directory(sign_directory(directory, signing_key=bytes(32)))
    now = datetime.now(UTC)
    took = []
    for index in range(circuits):
        body: dict[str, Any] = {
            "apiVersion": "fogcompute.io/v1alpha1",
            "kind": "Circuit",
            "metadata": {"name": f"c{index}", "namespace": "b", "uid": f"uid-{index:08d}"},
            "spec": {"hops": 3},
        }
        start = time.perf_counter()
        decision = decide(
            circuit=Circuit.model_validate(body), body=body, directory=opened, problems={},
            vrf_secret=vrf, now=now, seconds_to_next_epoch=60.0,
        )  # fmt: skip
        took.append((time.perf_counter() - start) * 1e6)
        assert decision.status["phase"] == "Established"
    return statistics.median(took)


def _reload_s(root: Path, clock: EpochClock, epoch: int, epochs: Sequence[int]) -> float:
    """Rename a new directory over a running node's file; seconds until it routes by it."""
    node, late = generate_node_keys(epochs), generate_node_keys(epochs)
    write_node_keys(node, root / "reload.key")
    node_port = _port(socket.SOCK_DGRAM)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sink:
        sink.bind(("127.0.0.1", 0))
        sink.settimeout(0.02)
        late_port = int(sink.getsockname()[1])
        path = root / "reload.json"
        save_directory(Directory(nodes=(_entry(node, node_port, 0),)), path)
        process = _start(
            keys_file=root / "reload.key", directory=path, port=node_port, clock=clock,
            log=root / "reload.log",
        )  # fmt: skip
        try:
            hops = [
                PathHop(node_id=k.node_id, public_key=k.public_keys()[epoch], epoch=epoch,
                        delay_us=0)
                for k in (node, late)
            ]  # fmt: skip
            new = Directory(nodes=(_entry(node, node_port, 0), _entry(late, late_port, 1)))
            temporary = root / ".reload.json.tmp"
            save_directory(new, temporary)
            renamed = time.perf_counter()
            os.replace(temporary, path)
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
                while time.perf_counter() - renamed < 10:
                    packet = build_forward_packet(
                        path=hops, recipient=bytes(32), message=secrets.token_bytes(8)
                    )
                    sender.sendto(packet, ("127.0.0.1", node_port))
                    try:
                        sink.recv(65536)
                        return time.perf_counter() - renamed
                    except TimeoutError:
                        continue
            return float("nan")
        finally:
            process.terminate()
            process.wait(timeout=10)


def run(root: Path, *, hop_delay_mean_us: float, max_delay_us: int, packets: int) -> dict[str, Any]:
    clock = EpochClock(genesis=float(int(time.time())))
    now = time.time()
    epochs, epoch = keygen_epochs(None, clock=clock, now=now), clock.current(now)
    hops = []
    for index in range(3):
        keys = generate_node_keys(epochs)
        write_node_keys(keys, root / f"hop{index}.key")
        hops.append((keys, _port(socket.SOCK_DGRAM)))
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.bind(("127.0.0.1", 0))
    sink.settimeout(10)
    recipient = secrets.token_bytes(32)
    directory = Directory(
        nodes=tuple(_entry(k, p, i) for i, (k, p) in enumerate(hops)),
        recipients=(
            RecipientEntry(
                recipient_id=recipient, host="127.0.0.1", port=int(sink.getsockname()[1]),
                public_key=bytes(32),
            ),
        ),
    )  # fmt: skip
    save_directory(directory, root / "circuit.json")
    processes = [
        _start(
            keys_file=root / f"hop{i}.key", directory=root / "circuit.json", port=port,
            clock=clock, log=root / f"hop{i}.log",
        )
        for i, (_, port) in enumerate(hops)
    ]  # fmt: skip
    try:
        base, _ = _latencies(
            sink=sink, recipient=recipient, hops=hops, epoch=epoch,
            delays=None, max_delay_us=max_delay_us, count=packets,
        )  # fmt: skip
        delayed, over = _latencies(
            sink=sink,
            recipient=recipient,
            hops=hops,
            epoch=epoch,
            delays=ExponentialSampler(mean=hop_delay_mean_us),
            max_delay_us=max_delay_us,
            count=packets,
        )
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=10)
        sink.close()
    return {
        "circuit_hop_delay_mean_us": hop_delay_mean_us,
        "circuit_packets": packets,
        "circuit_latency_zero_delay_median_us": statistics.median(base),
        "circuit_latency_zero_delay_p99_us": _percentile(base, 0.99),
        "circuit_latency_median_us": statistics.median(delayed),
        "circuit_latency_p99_us": _percentile(delayed, 0.99),
        "circuit_overhead_over_delays_median_us": statistics.median(over),
        "circuit_latency_vs_configured_mean": statistics.median(delayed) / (3 * hop_delay_mean_us),
        "directory_reload_s": _reload_s(root, clock, epoch, epochs),
        "redraw_decision_us_1000_nodes": _redraw_us(1000, 50),
        "redraw_decision_us_30_nodes": _redraw_us(30, 50),
        **client_reload.measure(root),
    }


def report(figures: dict[str, Any]) -> list[str]:
    f = figures
    mean = f["circuit_hop_delay_mean_us"]
    return [
        f"3-hop circuit, zero delays (baseline): median "
        f"{f['circuit_latency_zero_delay_median_us']:.0f} us, "
        f"p99 {f['circuit_latency_zero_delay_p99_us']:.0f} us",
        f"3-hop circuit, delays mean {mean:.0f} us per hop: median "
        f"{f['circuit_latency_median_us']:.0f} us, p99 {f['circuit_latency_p99_us']:.0f} us; "
        f"{f['circuit_latency_vs_configured_mean']:.2f}x the configured 3 x mean",
        f"3-hop circuit: median overhead over each packet's own delays "
        f"{f['circuit_overhead_over_delays_median_us']:.0f} us",
        f"directory reload (file renamed -> routed by it): {f['directory_reload_s']:.2f} s"
        " (workers look every 2 s at most)",
        f"redraw decision (ECVRF prove + draw): "
        f"{f['redraw_decision_us_30_nodes']:.0f} us with 30 nodes, "
        f"{f['redraw_decision_us_1000_nodes']:.0f} us with 1000; in status within one epoch "
        "of the hop being unavailable",
        *client_reload.report(f),
    ]
