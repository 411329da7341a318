"""A real mixnet on loopback for end-to-end tests: fog-mixnode and fogctl processes.

Keys and the directory file are written in-process (fast); every node and mailbox is a real
subprocess of the installed console scripts, each in its own session so a test can kill a
node (parent and workers) like a crash. Nodes, clients and keys share one epoch clock
(``Mixnet.clock``, passed as ``--epoch-seconds``/``--epoch-genesis`` to every process); the
keys cover the clock's current and next epochs, as ``fog-mixnode keygen`` makes them. Waits
are bounded and say what they waited for.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from fogcompute_mixnode.directory import (
    Directory,
    EpochClock,
    NodeEntry,
    RecipientEntry,
    keygen_epochs,
    save_directory,
)
from fogcompute_mixnode.keyfiles import (
    MailboxKeys,
    generate_mailbox_keys,
    generate_node_keys,
    write_mailbox_keys,
    write_node_keys,
)

BIN = Path(sys.executable).parent
T = TypeVar("T")


def free_port(kind: int = socket.SOCK_DGRAM) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(probe: Callable[[], T | None], *, timeout: float, what: str) -> T:
    """Poll ``probe`` until it returns a truthy value; fail saying what and what was seen."""
    deadline = time.monotonic() + timeout
    seen: object = None
    while time.monotonic() < deadline:
        seen = probe()
        if seen:
            return seen
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}; last seen: {seen!r}")


@dataclass
class NodeProc:
    name: str
    port: int
    metrics_port: int
    process: subprocess.Popen[bytes]
    log: Path
    killed: bool = False

    def get(self, path: str) -> tuple[int, str]:
        url = f"http://127.0.0.1:{self.metrics_port}{path}"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()
        except OSError as error:
            return 0, str(error)

    def metrics(self) -> dict[str, float]:
        status, text = self.get("/metrics")
        assert status == 200, f"{self.name} /metrics answered {status}: {text[:200]}"
        values: dict[str, float] = {}
        for line in text.splitlines():
            if line and not line.startswith("#"):
                name, _, value = line.rpartition(" ")
                values[name] = float(value)
        return values

    def kill(self) -> None:
        """Crash the node: SIGKILL its parent and its workers at once."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.killed = True


@dataclass
class Mixnet:
    root: Path
    directory_file: Path
    directory: Directory
    mailbox_keys: MailboxKeys
    sender_keys: MailboxKeys
    node_keys: list[Path]
    clock: EpochClock
    nodes: list[NodeProc] = field(default_factory=list)
    others: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def mailbox_key_file(self) -> Path:
        return self.root / "mailbox.key"

    @property
    def sender_key_file(self) -> Path:
        return self.root / "sender.key"

    def epoch_flags(self) -> list[str]:
        """The one clock every node and client of this mixnet runs on."""
        return [
            f"--epoch-seconds={self.clock.epoch_seconds}",
            f"--epoch-genesis={self.clock.genesis}",
        ]


def build_mixnet(
    root: Path, *, layers: list[int], clock: EpochClock | None = None, key_epochs: int = 2
) -> Mixnet:
    """Keys for ``key_epochs`` epochs from the current one (2: as ``keygen`` makes them)."""
    clock = clock if clock is not None else EpochClock()  # the CLIs' default clock
    epochs = keygen_epochs(None, clock=clock, now=time.time())
    epochs = tuple(range(epochs[0], epochs[0] + key_epochs))
    entries, key_files = [], []
    for i, layer in enumerate(layers):
        keys = generate_node_keys(epochs)
        path = root / f"node{i}.key"
        write_node_keys(keys, path)
        key_files.append(path)
        entries.append(
            NodeEntry(
                node_id=keys.node_id,
                host="127.0.0.1",
                port=free_port(),
                layer=layer,
                public_keys=keys.public_keys(),
            )
        )
    mailbox, sender = generate_mailbox_keys(), generate_mailbox_keys()
    write_mailbox_keys(mailbox, root / "mailbox.key")
    write_mailbox_keys(sender, root / "sender.key")
    recipients = tuple(
        RecipientEntry(
            recipient_id=k.recipient_id, host="127.0.0.1", port=free_port(), public_key=k.public_key
        )
        for k in (mailbox, sender)
    )
    directory = Directory(nodes=tuple(entries), recipients=recipients)
    save_directory(directory, root / "directory.json")
    return Mixnet(
        root=root,
        directory_file=root / "directory.json",
        directory=directory,
        mailbox_keys=mailbox,
        sender_keys=sender,
        node_keys=key_files,
        clock=clock,
    )


def start_nodes(
    net: Mixnet, *, loop_rate: float, workers: list[int], extra: Sequence[str] = ()
) -> None:
    for i, entry in enumerate(net.directory.nodes):
        log = net.root / f"node{i}.log"
        metrics_port = free_port(socket.SOCK_STREAM)
        command = [
            str(BIN / "fog-mixnode"),
            "run",
            f"--key-file={net.node_keys[i]}",
            f"--directory={net.directory_file}",
            f"--port={entry.port}",
            f"--metrics-port={metrics_port}",
            f"--workers={workers[i]}",
            f"--loop-rate={loop_rate}",
            "--loop-delay-mean-us=1000",
            "--max-delay-us=100000",
            *net.epoch_flags(),
            *extra,
        ]
        with log.open("wb") as handle:
            process = subprocess.Popen(
                command, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
            )
        net.nodes.append(NodeProc(f"node{i}", entry.port, metrics_port, process=process, log=log))
    for node in net.nodes:
        wait_for(
            lambda node=node: _ready(node),  # type: ignore[misc]
            timeout=30,
            what=f"{node.name} /readyz 200 (log {node.log})",
        )


def _ready(node: NodeProc) -> bool:
    if node.process.poll() is not None:
        code = node.process.returncode
        raise AssertionError(f"{node.name} exited {code}: {node.log.read_text()}")
    return node.get("/readyz")[0] == 200


def start_mailbox(net: Mixnet, *, auto_reply: str | None = None) -> Path:
    store = net.root / "inbox"
    out = net.root / "mailbox.out"
    command = [
        str(BIN / "fogctl"),
        "mailbox",
        f"--key-file={net.mailbox_key_file}",
        f"--directory={net.directory_file}",
        f"--store={store}",
        "--hop-delay-mean-us=1000",
        *net.epoch_flags(),
    ]
    if auto_reply is not None:
        command.append(f"--auto-reply={auto_reply}")
    with out.open("wb") as handle:
        process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT)
    net.others.append(process)
    wait_for(
        lambda: "mailbox_ready" in out.read_text(),
        timeout=20,
        what=f"the mailbox to print mailbox_ready (output {out})",
    )
    return store


def send_command(net: Mixnet, *extra: str) -> list[str]:
    return [
        str(BIN / "fogctl"),
        "send",
        f"--directory={net.directory_file}",
        f"--to={net.mailbox_keys.recipient_id.hex()}",
        f"--identity={net.sender_key_file}",
        "--hop-delay-mean-us=1000",
        *net.epoch_flags(),
        *extra,
    ]


def events(output: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def stop_all(net: Mixnet) -> dict[str, int | None]:
    """SIGTERM everything still running; the exit codes (None if it had to be killed)."""
    codes: dict[str, int | None] = {}
    for node in net.nodes:
        if node.process.poll() is None:
            node.process.send_signal(signal.SIGTERM)
    for process in net.others:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for node in net.nodes:
        codes[node.name] = _reap(node.process)
    for i, process in enumerate(net.others):
        codes[f"other{i}"] = _reap(process)
    return codes


def _reap(process: subprocess.Popen[bytes]) -> int | None:
    try:
        return process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL) if _own_group(process) else process.kill()
        process.wait(timeout=5)
        return None


def _own_group(process: subprocess.Popen[bytes]) -> bool:
    try:
        return os.getpgid(process.pid) == process.pid
    except ProcessLookupError:
        return False
