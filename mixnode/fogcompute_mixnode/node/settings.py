"""The daemon's settings: one frozen value built by the CLI and handed to every worker.

Sits between ``cli`` (which parses flags) and ``supervising``/``working``. Holds paths, never
key material: each worker reads the key file itself, at start and again (if it changed) at
every key-epoch boundary.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fogcompute_mixnode.directory.epochs import EpochClock


@dataclass(frozen=True)
class NodeSettings:
    """Everything a worker needs to serve; all delays in microseconds, rates per second."""

    key_file: Path
    directory_file: Path
    host: str = "127.0.0.1"
    port: int = 9000
    workers: int = 1
    metrics_host: str = "127.0.0.1"
    metrics_port: int = 9100
    min_delay_us: int = 0
    max_delay_us: int = 2_000_000
    queue_capacity: int = 50_000
    expiry_s: float = 5.0
    loop_rate: float = 0.0
    loop_delay_mean_us: int = 1_000
    expected_per_epoch: int = 1_000_000
    socket_buffer_bytes: int = 8 * 1024 * 1024
    stats_interval_s: float = 0.5
    epoch_seconds: float = 3600.0
    epoch_genesis: float = 0.0
    epoch_grace_s: float = 60.0

    def epoch_clock(self) -> EpochClock:
        return EpochClock(
            epoch_seconds=self.epoch_seconds, genesis=self.epoch_genesis, grace_s=self.epoch_grace_s
        )

    def check(self) -> None:
        """Raise ValueError naming the flag and the fix for any inconsistent value."""
        if self.workers < 1:
            raise ValueError(f"--workers must be >= 1, got {self.workers}")
        if not 0 <= self.min_delay_us <= self.max_delay_us:
            raise ValueError(
                f"--min-delay-us ({self.min_delay_us}) must be between 0 and "
                f"--max-delay-us ({self.max_delay_us})"
            )
        if self.queue_capacity < 1:
            raise ValueError(f"--queue-capacity must be >= 1, got {self.queue_capacity}")
        if self.loop_rate < 0:
            raise ValueError(f"--loop-rate must be >= 0 (0 disables loops), got {self.loop_rate}")
        if not 0 < self.port < 65536:
            raise ValueError(f"--port must be 1..65535, got {self.port}")
        self.epoch_clock()  # raises naming --epoch-seconds or --epoch-grace-seconds
