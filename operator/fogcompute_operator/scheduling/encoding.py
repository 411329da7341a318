"""The integer encoding the optimiser searches: one gene per pod, valued in that pod's candidates.

Sits between filtering and optimising: it turns the admitted jobs and the node snapshot into
flat numpy arrays once per tier batch, so evaluation never touches a dataclass. Gene j holds an
index into pod j's candidate list, so every value the optimiser can produce names a node that
passed the filters; only capacity (many pods on one node) is left as a constraint.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from fogcompute_operator.scheduling.models import JobRequest, NodeSnapshot

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class Encoding:
    """Arrays of one tier batch. Pod arrays have one entry per pod, node arrays per node."""

    jobs: tuple[JobRequest, ...]
    node_names: tuple[str, ...]
    pod_keys: tuple[str, ...]
    pod_job: IntArray
    candidates: IntArray  # (pods, max candidates), padded by repeating the last candidate
    n_candidates: IntArray
    pod_cpu: FloatArray  # millis
    pod_memory: FloatArray  # bytes
    pod_gpu: FloatArray
    pod_cores: FloatArray  # cpu_millis / 1000
    pod_seconds: FloatArray  # runtime on a speed-1.0 core
    free_cpu: FloatArray
    free_memory: FloatArray
    free_gpu: FloatArray
    rate: FloatArray  # free cores x speed: reference cpu-seconds the node clears per second
    speed: FloatArray
    latency: FloatArray
    energy: FloatArray
    price: FloatArray
    unreliability: FloatArray
    base_seconds: FloatArray  # seconds of work earlier tiers of this round already put there

    @property
    def n_pods(self) -> int:
        return len(self.pod_keys)

    @property
    def n_nodes(self) -> int:
        return len(self.node_names)

    def nodes_of(self, genes: npt.NDArray[np.integer]) -> IntArray:
        """Node indices for a (population, pods) matrix of candidate indices."""
        genes = np.minimum(np.asarray(genes, dtype=np.int64), self.n_candidates - 1)
        rows = np.arange(self.n_pods)
        return np.asarray(self.candidates[rows, genes], dtype=np.int64)

    def genes_of(self, node_rows: npt.NDArray[np.integer]) -> IntArray:
        """Inverse of `nodes_of`; a node that is not a candidate of its pod maps to -1."""
        node_rows = np.atleast_2d(node_rows)
        lookup = np.full((self.n_pods, self.n_nodes), -1, dtype=np.int64)
        rows = np.repeat(np.arange(self.n_pods), self.candidates.shape[1])
        cols = np.tile(np.arange(self.candidates.shape[1]), self.n_pods)
        # Reversed so that the first occurrence wins over the padding copies.
        lookup[rows[::-1], self.candidates.ravel()[::-1]] = cols[::-1]
        return np.asarray(lookup[np.arange(self.n_pods), node_rows], dtype=np.int64)


def encode(
    *,
    jobs: Sequence[JobRequest],
    candidates: Sequence[Sequence[int]],
    nodes: Sequence[NodeSnapshot],
    base_seconds: FloatArray | None = None,
) -> Encoding:
    """`candidates[i]` are the node indices job i passed filtering with (never empty)."""
    pod_job = np.repeat(np.arange(len(jobs)), [job.pod_count for job in jobs])
    width = max((len(c) for c in candidates), default=1)
    table = np.array([_padded(c, width) for c in candidates], dtype=np.int64).reshape(-1, width)

    def per_pod(values: list[float]) -> FloatArray:
        return np.asarray(values, dtype=np.float64)[pod_job]

    def per_node(values: list[float]) -> FloatArray:
        return np.asarray(values, dtype=np.float64)

    free_cpu = per_node([n.cpu_millis for n in nodes])
    speed = per_node([n.speed for n in nodes])
    return Encoding(
        jobs=tuple(jobs),
        node_names=tuple(n.name for n in nodes),
        pod_keys=tuple(job.pod_key(slot) for job in jobs for slot in range(job.pod_count)),
        pod_job=pod_job.astype(np.int64),
        candidates=table[pod_job],
        n_candidates=np.asarray([len(c) for c in candidates], dtype=np.int64)[pod_job],
        pod_cpu=per_pod([j.cpu_millis for j in jobs]),
        pod_memory=per_pod([j.memory_bytes for j in jobs]),
        pod_gpu=per_pod([j.gpu for j in jobs]),
        pod_cores=per_pod([j.cpu_millis / 1000.0 for j in jobs]),
        pod_seconds=per_pod([j.estimated_seconds for j in jobs]),
        free_cpu=free_cpu,
        free_memory=per_node([n.memory_bytes for n in nodes]),
        free_gpu=per_node([n.gpu for n in nodes]),
        rate=np.maximum(free_cpu / 1000.0, 1e-3) * speed,
        speed=speed,
        latency=per_node([n.latency_ms for n in nodes]),
        energy=per_node([n.energy_per_cpu_second for n in nodes]),
        price=per_node([n.price_per_cpu_second for n in nodes]),
        unreliability=1.0 - per_node([n.reliability for n in nodes]),
        base_seconds=np.zeros(len(nodes)) if base_seconds is None else base_seconds,
    )


def _padded(values: Sequence[int], width: int) -> list[int]:
    values = list(values) or [0]
    return values + [values[-1]] * (width - len(values))
