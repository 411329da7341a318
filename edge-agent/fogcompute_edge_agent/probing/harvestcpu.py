"""The harvest CPU counter: CPU seconds used by this node's harvest pods (harvestCpuSeconds).

Fed by ``sampling.Prober`` every probing round with each harvest pod's cgroup ``usage_usec``
(``cgroups``), checkpointed to the agent's state directory by the agent before each report.
Prometheus-counter semantics: the total only grows. Each pod is tracked by UID, so a pod that
ends (its cgroup gone) or a new one that starts never lowers it: a pod first seen adds all its
usage (it ran as harvest work on this node), a known pod adds its growth, a pod whose usage went
down (its cgroup was recreated) adds its new usage. The per-pod values are saved with the total,
so after an agent restart a known pod adds only what it used since the checkpoint, and because
the checkpoint is written before the report that carries the total, a restarted agent never
reports less than before. Only a lost or unreadable state file starts the counter again at zero:
consumers treat any decrease as a reset. Usage of a pod that ended between two rounds is lost
(at most one probe interval). Pods not seen for an hour are forgotten, at most 1024 kept.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

__all__ = ["STATE_FILE", "HarvestCpuCounter"]

log = logging.getLogger(__name__)

STATE_FILE: Final = "harvest-cpu.json"
FORGET_AFTER_SECONDS: Final = 3600.0
MAX_PODS: Final = 1024
_FORMAT: Final = 1


@dataclass
class _Pod:
    usage_usec: int
    seen_at: float


@dataclass
class HarvestCpuCounter:
    """Monotonic harvest CPU time; ``path`` None keeps it in memory only (unit tests, benches)."""

    path: Path | None = None
    total_usec: int = 0
    """Counted for ``harvestCpuSeconds``: first sightings included, saved across restarts."""
    growth_usec: int = 0
    """Growth of pods seen in two rounds only, in memory: what ``cpu.CpuSampler`` subtracts from
    the machine's busy time (a new pod's earlier usage did not happen in the sampled window)."""
    _pods: dict[str, _Pod] = field(default_factory=dict)
    _saved_total: int | None = None

    @classmethod
    def load(cls, path: Path) -> HarvestCpuCounter:
        """The counter saved at ``path``; a fresh one (a reset) if it is absent or unreadable."""
        try:
            raw = json.loads(path.read_text())
            total, pods = _parse(raw)
        except FileNotFoundError:
            return cls(path=path)
        except (OSError, ValueError) as exc:
            log.warning(
                "harvest CPU state unreadable; counting again from zero (a counter reset)",
                extra={"path": str(path), "error": str(exc)[:200]},
            )
            return cls(path=path)
        return cls(path=path, total_usec=total, _pods=pods, _saved_total=total)

    @property
    def seconds(self) -> float:
        return round(self.total_usec / 1_000_000, 6)

    def observe(self, usage_usec: Mapping[str, int], *, now: float) -> None:
        """One round's ``usage_usec`` by pod UID (pods whose cgroup was found)."""
        for uid, usage in usage_usec.items():
            if usage < 0:
                continue
            pod = self._pods.get(uid)
            if pod is None:
                self.total_usec += usage
            elif usage >= pod.usage_usec:
                self.total_usec += usage - pod.usage_usec
                self.growth_usec += usage - pod.usage_usec
            else:  # the pod's cgroup was recreated: its counter started again at zero
                self.total_usec += usage
            self._pods[uid] = _Pod(usage_usec=usage, seen_at=now)
        self._forget(now)

    def _forget(self, now: float) -> None:
        for uid in [u for u, p in self._pods.items() if now - p.seen_at > FORGET_AFTER_SECONDS]:
            del self._pods[uid]
        if len(self._pods) > MAX_PODS:
            oldest = sorted(self._pods, key=lambda u: self._pods[u].seen_at)
            for uid in oldest[: len(self._pods) - MAX_PODS]:
                del self._pods[uid]

    def checkpoint(self) -> bool:
        """Save the counter if it changed since the last save; False if that failed."""
        if self.path is None or self._saved_total == self.total_usec:
            return True
        body = {
            "format": _FORMAT,
            "totalUsec": self.total_usec,
            "pods": {u: [p.usage_usec, p.seen_at] for u, p in self._pods.items()},
        }
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with tmp.open("w") as handle:
                json.dump(body, handle, separators=(",", ":"))
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except OSError as exc:
            log.warning(
                "harvest CPU state not saved; a restart would reset the counter",
                extra={"path": str(self.path), "error": str(exc)[:200]},
            )
            return False
        self._saved_total = self.total_usec
        return True


def _parse(raw: Any) -> tuple[int, dict[str, _Pod]]:
    """Validate a saved state; ValueError naming what is wrong."""
    if not isinstance(raw, dict) or raw.get("format") != _FORMAT:
        raise ValueError(f"not a format-{_FORMAT} harvest CPU state")
    total = raw.get("totalUsec")
    pods = raw.get("pods")
    if not isinstance(total, int) or isinstance(total, bool) or total < 0:
        raise ValueError("totalUsec is not a non-negative integer")
    if not isinstance(pods, dict):
        raise ValueError("pods is not an object")
    parsed: dict[str, _Pod] = {}
    for uid, entry in pods.items():
        match entry:
            case [int() as usage, int() | float() as seen] if usage >= 0:
                parsed[uid] = _Pod(usage_usec=usage, seen_at=float(seen))
            case _:
                raise ValueError(f"pods[{uid!r}] is not [usageUsec, seenAt]")
    return total, parsed
