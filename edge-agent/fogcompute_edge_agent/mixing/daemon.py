"""The ``fog-mixnode`` daemon as a child process of the agent: start, look, stop.

Used by the host loop. The daemon runs as the agent's own child (``fog-mixnode run`` in the
same Python environment), one worker per allowed core, with the key file and the directory
file the host keeps in the agent's state directory. ``health`` says ``Serving`` while the
process runs and its metrics endpoint answers with every worker ready, ``Starting`` before
that, ``Down`` once it exited (the host starts it again on its next round).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import urllib.request
from pathlib import Path

from fogcompute_edge_agent.mixing.settings import MixingSettings

log = logging.getLogger(__name__)
STOP_SECONDS = 10.0


def daemon_argv(settings: MixingSettings, *, key_file: Path, directory: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "fogcompute_mixnode.node.cli",
        "run",
        "--key-file",
        str(key_file),
        "--directory",
        str(directory),
        "--host",
        settings.host,
        "--port",
        str(settings.port),
        "--workers",
        str(settings.workers),
        "--metrics-host",
        "127.0.0.1",
        "--metrics-port",
        str(settings.metrics_port),
        "--loop-rate",
        str(settings.loop_rate),
        "--max-delay-us",
        str(settings.max_delay_us),
        "--epoch-seconds",
        str(settings.epoch_seconds),
        "--epoch-genesis",
        str(settings.epoch_genesis),
        "--epoch-grace-seconds",
        str(settings.epoch_grace),
    ]


class MixnodeDaemon:
    def __init__(self, *, argv: list[str], log_file: Path, metrics_port: int) -> None:
        self._argv = argv
        self._log_file = log_file
        self._metrics_url = f"http://127.0.0.1:{metrics_port}/metrics"
        self.proc: asyncio.subprocess.Process | None = None
        self.starts = 0

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    async def start(self) -> None:
        if self.running:
            return
        self.starts += 1
        with self._log_file.open("ab") as out:
            self.proc = await asyncio.create_subprocess_exec(
                *self._argv, stdout=out, stderr=asyncio.subprocess.STDOUT
            )
        log.info("mixnode daemon started", extra={"pid": self.proc.pid, "starts": self.starts})

    async def metrics(self) -> str | None:
        """The daemon's /metrics text, or None when it does not answer."""
        if not self.running:
            return None

        def fetch() -> str | None:
            try:
                with urllib.request.urlopen(self._metrics_url, timeout=2) as response:  # noqa: S310
                    return str(response.read().decode("utf-8", errors="replace"))
            except OSError:
                return None

        return await asyncio.to_thread(fetch)

    async def stop(self) -> None:
        proc = self.proc
        if proc is None or proc.returncode is not None:
            return
        proc.terminate()
        try:
            await asyncio.wait_for(proc.wait(), STOP_SECONDS)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
