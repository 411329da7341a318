"""Child processes of the local control plane: start, log, wait for, and stop them.

Every process the testbed starts gets a log file and a pid file in the state directory, so a later
run (or ``make down`` from another terminal) can stop what a killed run left behind. Nothing here
knows what the processes are; ``controlplane`` decides that.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

__all__ = [
    "ManagedProcess",
    "TestbedError",
    "free_port",
    "kill_stale",
    "start_process",
    "tail",
    "wait_for",
]


T = TypeVar("T")


class TestbedError(RuntimeError):
    """The control plane could not be started or used; the message says what and where to look."""

    __test__ = False  # not a pytest test class, despite the name


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tail(path: Path, lines: int = 15) -> str:
    """The last lines of a log file, for error messages."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@dataclass
class ManagedProcess:
    """A started child process, its log and its pid file."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    pidfile: Path
    _stopped: bool = field(default=False, repr=False)

    def alive(self) -> bool:
        return self.popen.poll() is None

    def check_alive(self) -> None:
        """Raise a TestbedError naming the log if the process has exited."""
        if not self.alive():
            raise TestbedError(
                f"{self.name} exited with code {self.popen.returncode}; read {self.log}:\n"
                f"{tail(self.log)}"
            )

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM the process group, then SIGKILL after ``timeout`` seconds."""
        if self._stopped:
            return
        self._stopped = True
        if self.alive():
            _signal_group(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                _signal_group(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout)
        with contextlib.suppress(FileNotFoundError):
            self.pidfile.unlink()


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


def start_process(
    name: str,
    argv: Sequence[str],
    *,
    state_dir: Path,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> ManagedProcess:
    """Start ``argv`` in its own session, logging to ``state_dir/logs/name.log``."""
    logs = state_dir / "logs"
    pids = state_dir / "pids"
    logs.mkdir(parents=True, exist_ok=True)
    pids.mkdir(parents=True, exist_ok=True)
    log = logs / f"{name}.log"
    pidfile = pids / f"{name}.pid"
    with log.open("ab") as out:
        try:
            popen = subprocess.Popen(
                list(argv),
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=dict(env) if env is not None else None,
                cwd=cwd,
                start_new_session=True,
            )
        except OSError as exc:
            raise TestbedError(f"cannot start {name} ({argv[0]}): {exc}") from exc
    pidfile.write_text(str(popen.pid))
    return ManagedProcess(name=name, popen=popen, log=log, pidfile=pidfile)


def kill_stale(state_dir: Path, timeout: float = 10.0) -> list[str]:
    """Stop every process a previous run recorded in ``state_dir/pids``; return their names."""
    stopped: list[str] = []
    pids = state_dir / "pids"
    if not pids.is_dir():
        return stopped
    for pidfile in sorted(pids.glob("*.pid")):
        try:
            pid = int(pidfile.read_text().strip())
        except (OSError, ValueError):
            pidfile.unlink(missing_ok=True)
            continue
        if _owned_by_us(pid, state_dir):
            _signal_group(pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while _exists(pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            _signal_group(pid, signal.SIGKILL)
            stopped.append(pidfile.stem)
        pidfile.unlink(missing_ok=True)
    return stopped


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie still "exists" to kill(0); it is gone for our purposes.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _owned_by_us(pid: int, state_dir: Path) -> bool:
    """Only a process whose command line names our state directory is ours to kill."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        return False
    return str(state_dir.resolve()).encode() in cmdline


def wait_for(
    probe: Callable[[], T | None],
    *,
    what: str,
    timeout: float,
    interval: float = 0.2,
    describe: Callable[[], str] | None = None,
) -> T:
    """Call ``probe`` until it returns something other than None, or fail saying what was awaited.

    ``probe`` may raise; the last exception (or ``describe()``) is reported as what was seen.
    """
    deadline = time.monotonic() + timeout
    seen = "nothing yet"
    while True:
        try:
            result = probe()
        except TestbedError:
            raise
        except Exception as exc:  # the probe's failure is the thing we report
            seen = f"{type(exc).__name__}: {exc}"
        else:
            if result is not None:
                return result
            if describe is not None:
                seen = describe()
        if time.monotonic() >= deadline:
            raise TestbedError(
                f"timed out after {timeout:.0f}s waiting for {what}; last seen: {seen}"
            )
        time.sleep(interval)
