"""Sequential packers and admission: which jobs of a tier batch get placed this round at all.

Sits between encoding and seeding. Every packer here walks the jobs once, in some order, and
gives a job all its pods (each on a distinct candidate with room left) or nothing; what it
differs in is the job order and the rule that picks a job's nodes:

- `completion` (MCT, minimum completion time): earliest finish, the classic grid heuristic;
- `energy`, `cost`, `latency`, `reliability`: the best node for one objective (for energy and
  cost the longest-running jobs choose first, since they gain the most from a good node);
- `least_allocated`: kube-scheduler's default scoring, NodeResourcesFit's LeastAllocated plus
  NodeResourcesBalancedAllocation over cpu and memory, so a spread like kube-scheduler's;
- `first_fit_decreasing`, `best_fit_decreasing`: bin packing, the largest jobs first, on the
  first candidate (by node order) or the tightest one with room;
- `best_fit_increasing`: the smallest jobs first, on the tightest node: the most jobs when
  the batch is far larger than the room.

`admit` runs that portfolio and keeps the packing that places the most jobs, then the most
pods, then the earliest jobs in the batch's order (deadlines first). The optimiser then searches
only placements of exactly those jobs (the capacity constraint makes every other individual
infeasible), so placed work is lexicographically first: no objective can buy a pending job, and
a round never places fewer jobs than any of its packers would. When MCT alone already places
every job nothing can place more, and the rest of the portfolio is skipped.

Pure numpy and deterministic; no I/O, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from fogcompute_operator.scheduling.encoding import Encoding, FloatArray, IntArray

Criterion = Literal["completion", "energy", "cost", "latency", "reliability"]
CRITERIA: tuple[Criterion, ...] = ("completion", "energy", "cost", "latency", "reliability")
Packer = Literal[
    "completion",
    "energy",
    "cost",
    "latency",
    "reliability",
    "least_allocated",
    "first_fit_decreasing",
    "best_fit_decreasing",
    "best_fit_increasing",
]
# MCT first: on a tie in placed work, admission keeps what the MCT admission always did.
PACKERS: tuple[Packer, ...] = (
    *CRITERIA,
    "least_allocated",
    "first_fit_decreasing",
    "best_fit_decreasing",
    "best_fit_increasing",
)
_UNIT: frozenset[Packer] = frozenset({"energy", "cost", "latency", "reliability"})
_LONGEST_FIRST: frozenset[Packer] = frozenset({"energy", "cost"})
_INCREASING: frozenset[Packer] = frozenset({"best_fit_increasing"})
_DECREASING: frozenset[Packer] = frozenset({"first_fit_decreasing", "best_fit_decreasing"})


@dataclass(frozen=True, eq=False)
class Greedy:
    """Genes of a sequential packing; `placed[i]` says whether every pod of job i found room.

    Genes of a job that was not placed are 0 and mean nothing. `packer` names the rule.
    """

    genes: IntArray
    placed: npt.NDArray[np.bool_]
    packer: str = ""

    @property
    def jobs_placed(self) -> int:
        return int(np.count_nonzero(self.placed))


def pack(
    encoding: Encoding,
    packer: Packer,
    *,
    horizon: float | None = None,
) -> Greedy:
    """Place jobs one at a time, all pods of a job or none, each pod on a node of its own.

    Placing one pod changes only the node it lands on, which the job's later pods may not use:
    so the pods of a job take the job's best candidates with room, in order, all at once, which
    is what placing them one by one would give. Ties go to the earlier node. With
    `horizon` (seconds), a job takes only nodes that finish its pod in time when there are enough
    of them, and any node with room otherwise: the packer's best placement that keeps about that
    makespan.
    """
    state = _Packing.start(encoding, horizon=horizon)
    order = _job_order(encoding, packer)
    starts = np.searchsorted(encoding.pod_job, np.arange(len(encoding.jobs) + 1))
    for job in order:
        state.place(int(starts[job]), int(starts[job + 1]), packer)
    return Greedy(genes=state.genes, placed=state.placed, packer=packer)


def least_allocated(encoding: Encoding) -> Greedy:
    """kube-scheduler's default spread (LeastAllocated + BalancedAllocation), jobs in order."""
    return pack(encoding, "least_allocated")


def first_fit_decreasing(encoding: Encoding) -> Greedy:
    return pack(encoding, "first_fit_decreasing")


def admit(
    encoding: Encoding,
    packers: tuple[Packer, ...] = PACKERS,
    *,
    planned: Greedy | None = None,
) -> Greedy:
    """The packing of the portfolio that places the most jobs, then pods, then earliest jobs.

    `planned` (the round plan's placement of this tier, see planning) competes as one more.
    """
    best = pack(encoding, packers[0])
    if bool(best.placed.all()):
        return best
    others = (pack(encoding, packer) for packer in packers[1:])
    for candidate in (*others, *(() if planned is None else (planned,))):
        if _rank(encoding, candidate) > _rank(encoding, best):
            best = candidate
    return best


def _rank(encoding: Encoding, result: Greedy) -> tuple[int, int, tuple[bool, ...]]:
    pods = int(np.count_nonzero(result.placed[encoding.pod_job]))
    return result.jobs_placed, pods, tuple(bool(p) for p in result.placed)


def _job_order(encoding: Encoding, packer: Packer) -> IntArray:
    n_jobs = len(encoding.jobs)
    firsts = np.searchsorted(encoding.pod_job, np.arange(n_jobs))
    if packer in _LONGEST_FIRST:
        # Energy and cost grow with a pod's runtime, room with its cores: the longest pods
        # gain the most from the best nodes, so they choose first (stable: batch order on ties).
        longest: IntArray = np.argsort(-encoding.pod_seconds[firsts], kind="stable")
        return longest.astype(np.int64)
    if packer not in _DECREASING | _INCREASING:
        return np.arange(n_jobs, dtype=np.int64)
    share = _pod_share(encoding)[firsts]
    size = share * np.bincount(encoding.pod_job, minlength=n_jobs)
    order: IntArray = np.argsort(size if packer in _INCREASING else -size, kind="stable")
    return order.astype(np.int64)


def _pod_share(encoding: Encoding) -> FloatArray:
    """Each pod's dominant share of an average node: what 'large' means for a decreasing order."""
    shares = [
        encoding.pod_cpu / max(float(encoding.free_cpu.mean()), 1.0),
        encoding.pod_memory / max(float(encoding.free_memory.mean()), 1.0),
    ]
    if encoding.free_gpu.any():
        shares.append(encoding.pod_gpu / max(float(encoding.free_gpu.mean()), 1.0))
    share: FloatArray = np.max(np.stack(shares), axis=0)
    return share


@dataclass
class _Packing:
    """The mutable state of one sequential pass (local to `pack`)."""

    encoding: Encoding
    free_cpu: FloatArray
    free_memory: FloatArray
    free_gpu: FloatArray
    completion: FloatArray
    genes: IntArray
    placed: npt.NDArray[np.bool_]
    horizon: float | None
    units: dict[str, FloatArray]

    @classmethod
    def start(cls, encoding: Encoding, *, horizon: float | None = None) -> _Packing:
        return cls(
            encoding=encoding,
            free_cpu=encoding.free_cpu.copy(),
            free_memory=encoding.free_memory.copy(),
            free_gpu=encoding.free_gpu.copy(),
            completion=encoding.base_seconds.copy(),
            genes=np.zeros(encoding.n_pods, dtype=np.int64),
            placed=np.zeros(len(encoding.jobs), dtype=bool),
            horizon=horizon,
            units={},
        )

    def place(self, first: int, end: int, packer: Packer) -> None:
        enc = self.encoding
        count = end - first
        cands = enc.candidates[first, : enc.n_candidates[first]]
        cpu, memory, gpu = enc.pod_cpu[first], enc.pod_memory[first], enc.pod_gpu[first]
        room = (self.free_cpu[cands] >= cpu) & (self.free_memory[cands] >= memory)
        if gpu > 0:
            room &= self.free_gpu[cands] >= gpu
        if np.count_nonzero(room) < count:
            return
        seconds = enc.pod_cores[first] * enc.pod_seconds[first] / enc.rate[cands]
        finish = None
        if packer == "completion" or self.horizon is not None:
            finish = self.completion[cands] + seconds
            in_time = room & (finish <= self.horizon) if self.horizon is not None else room
            if np.count_nonzero(in_time) >= count:
                room = in_time
        key = self._key(packer, cands, first, finish)
        score = np.where(room, key, np.inf)
        if count == 1:
            chosen = np.asarray([int(np.argmin(score))])
        else:
            best = np.argpartition(score, count - 1)[:count]
            chosen = best[np.argsort(score[best], kind="stable")]
        nodes = cands[chosen]
        self.genes[first:end] = chosen
        self.placed[enc.pod_job[first]] = True
        self.free_cpu[nodes] -= cpu
        self.free_memory[nodes] -= memory
        self.free_gpu[nodes] -= gpu
        self.completion[nodes] += seconds[chosen]

    def _key(
        self, packer: Packer, cands: IntArray, first: int, finish: FloatArray | None
    ) -> FloatArray:
        """Lower is better; `finish` is given for the completion rule."""
        enc = self.encoding
        if packer == "completion":
            assert finish is not None
            return finish
        if packer in _UNIT:
            return self._unit(packer)[cands]
        if packer == "first_fit_decreasing":
            return cands.astype(np.float64)
        cpu_used = self._used_after(enc.free_cpu, self.free_cpu, enc.pod_cpu[first], cands)
        memory_used = self._used_after(
            enc.free_memory, self.free_memory, enc.pod_memory[first], cands
        )
        if packer in ("best_fit_decreasing", "best_fit_increasing"):
            return -np.maximum(cpu_used, memory_used)  # the fullest node after the pod
        # kube-scheduler: LeastAllocated = mean free share, BalancedAllocation = 1 - std of the
        # used shares (for two resources, half their difference); both weigh 1, higher wins.
        least = ((1.0 - cpu_used) + (1.0 - memory_used)) / 2.0
        balanced = 1.0 - np.abs(cpu_used - memory_used) / 2.0
        return -(least + balanced)

    def _unit(self, packer: Packer) -> FloatArray:
        """Per-node score of one reference cpu-second (or one pod) for a per-objective packer."""
        if packer not in self.units:
            enc = self.encoding
            if packer == "energy":
                self.units[packer] = enc.energy / enc.speed
            elif packer == "cost":
                self.units[packer] = enc.price / enc.speed
            elif packer == "latency":
                self.units[packer] = enc.latency
            else:
                self.units[packer] = enc.unreliability
        return self.units[packer]

    @staticmethod
    def _used_after(
        capacity: FloatArray, free: FloatArray, demand: float, cands: IntArray
    ) -> FloatArray:
        """Share of each candidate's capacity in use once the pod is on it."""
        total = np.maximum(capacity[cands], 1.0)
        used: FloatArray = (capacity[cands] - free[cands] + demand) / total
        return used
