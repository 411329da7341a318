"""The multi-objective search: pymoo NSGA-II (NSGA-III from four objectives up) over the encoding.

Takes an encoding and an initial population from seeding, runs under a time budget, and hands
the feasible non-dominated set of the final population to choosing. Every individual pymoo
creates passes through the distinct-nodes repair (repairing) before it is evaluated, so the
search only ever compares placements that keep a job's pods on distinct nodes; the final front
checks it again and treats a doubled placement as infeasible.

NSGA-III's niching keeps about one individual per reference direction and, once the first front
is wider than the population (usual with five objectives), can drop the point that is best in
one objective: the MCT seed's makespan would then be lost to the search. Its survival is wrapped
so that the best feasible individual of every objective always survives (NSGA-II's crowding
distance already keeps those boundary points). Evaluation is the whole
population at once (objectives.evaluate). This module must stay free of I/O and of asyncio: it
is meant to run inside a worker process.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from pymoo.algorithms.moo.nsga2 import NSGA2
from pymoo.algorithms.moo.nsga3 import NSGA3, ReferenceDirectionSurvival
from pymoo.core.duplicate import DuplicateElimination
from pymoo.core.mutation import Mutation
from pymoo.core.population import Population
from pymoo.core.problem import Problem
from pymoo.core.repair import Repair
from pymoo.core.survival import Survival
from pymoo.core.termination import Termination
from pymoo.operators.crossover.ux import UniformCrossover
from pymoo.operators.selection.tournament import TournamentSelection
from pymoo.optimize import minimize
from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting
from pymoo.util.ref_dirs import get_reference_directions

from fogcompute_operator.scheduling.encoding import Encoding, FloatArray, IntArray
from fogcompute_operator.scheduling.models import OptimiserSettings
from fogcompute_operator.scheduling.objectives import OBJECTIVE_COLUMN, evaluate
from fogcompute_operator.scheduling.records import StopReason
from fogcompute_operator.scheduling.repairing import doubled, repair


@dataclass(frozen=True, eq=False)
class Outcome:
    """`front_genes`/`front_objectives` (all five objectives) are the feasible non-dominated
    set, or the least infeasible individual when nothing fits; `population` is everything."""

    front_genes: IntArray
    front_objectives: FloatArray
    feasible: bool
    population: IntArray
    population_objectives: FloatArray
    seconds: float
    budget_seconds: float
    generations: int
    stopped_by: StopReason
    algorithm: str


def optimise(
    *,
    encoding: Encoding,
    initial: IntArray,
    settings: OptimiserSettings,
    budget_seconds: float,
    seed: int,
) -> Outcome:
    started = time.perf_counter()
    columns = [OBJECTIVE_COLUMN[o] for o in settings.objectives]
    algorithm, name = _algorithm(settings, initial, n_objectives=len(columns))
    stop = _Budget(started=started, budget=budget_seconds, generations=settings.max_generations)
    result = minimize(
        _Placing(encoding, columns),
        algorithm,
        stop,
        seed=seed,
        verbose=False,
        copy_algorithm=False,
        copy_termination=False,
    )
    population = np.asarray(result.pop.get("X"), dtype=np.int64)
    nodes = encoding.nodes_of(population)
    objectives, constraints = evaluate(encoding, nodes)
    violation = np.maximum(constraints, 0.0).sum(axis=1) + doubled(encoding, nodes).sum(axis=1)
    front, feasible = _front(objectives[:, columns], violation)
    return Outcome(
        front_genes=population[front],
        front_objectives=objectives[front],
        feasible=feasible,
        population=population,
        population_objectives=objectives,
        seconds=time.perf_counter() - started,
        budget_seconds=budget_seconds,
        generations=stop.generations_done,
        stopped_by="exhausted" if stop.force_termination else stop.reason,
        algorithm=name,
    )


def _algorithm(settings: OptimiserSettings, initial: IntArray, *, n_objectives: int) -> Any:
    common: dict[str, Any] = {
        "sampling": initial.astype(np.int64),
        "crossover": UniformCrossover(),
        "mutation": _Reassign(),
        "repair": _Distinct(),
        "eliminate_duplicates": _SameGenes(),
    }
    use_nsga3 = settings.algorithm == "nsga3" or (
        settings.algorithm == "auto" and n_objectives >= 4
    )
    if not use_nsga3:
        return NSGA2(pop_size=settings.pop_size, **common), "NSGA-II"
    partitions = 1
    while _n_directions(n_objectives, partitions + 1) <= settings.pop_size:
        partitions += 1
    directions = get_reference_directions("das-dennis", n_objectives, n_partitions=partitions)
    pop_size = max(settings.pop_size, len(directions))
    selection = TournamentSelection(func_comp=_cv_then_random)
    survival = _KeepingExtremes(ReferenceDirectionSurvival(directions))
    algorithm = NSGA3(
        ref_dirs=directions, pop_size=pop_size, selection=selection, survival=survival, **common
    )
    return algorithm, "NSGA-III"


def _cv_then_random(pop: Any, P: Any, random_state: Any = None, **kwargs: Any) -> Any:  # noqa: N803
    """NSGA-III's binary tournament, vectorised and seeded.

    pymoo 0.6.2's `comp_by_cv_then_random` breaks constraint ties with an unseeded generator,
    which makes runs irreproducible for a given seed; this one draws from the algorithm's.
    """
    violation = np.asarray(pop.get("CV"), dtype=np.float64)[:, 0]
    a, b = P[:, 0], P[:, 1]
    coin = np.where(random_state.random(len(P)) < 0.5, a, b)
    smaller = np.where(
        violation[a] < violation[b], a, np.where(violation[b] < violation[a], b, coin)
    )
    either_infeasible = (violation[a] > 0.0) | (violation[b] > 0.0)
    return np.where(either_infeasible, smaller, coin)[:, None].astype(int)


def _n_directions(n_objectives: int, partitions: int) -> int:
    from math import comb

    return comb(n_objectives + partitions - 1, partitions)


def _front(objectives: FloatArray, violation: FloatArray) -> tuple[IntArray, bool]:
    feasible = np.flatnonzero(violation <= 0.0)
    if feasible.size == 0:
        return np.asarray([int(np.argmin(violation))]), False
    first = NonDominatedSorting().do(objectives[feasible], only_non_dominated_front=True)
    chosen = feasible[np.asarray(first, dtype=np.int64)]
    _, unique = np.unique(objectives[chosen], axis=0, return_index=True)
    return np.sort(chosen[unique]), True


class _Placing(Problem):  # type: ignore[misc]
    def __init__(self, encoding: Encoding, columns: list[int]) -> None:
        super().__init__(
            n_var=encoding.n_pods,
            n_obj=len(columns),
            n_ieq_constr=3,
            xl=np.zeros(encoding.n_pods),
            xu=(encoding.n_candidates - 1).astype(float),
            vtype=int,
        )
        self.encoding = encoding
        self.columns = columns

    def _evaluate(self, x: Any, out: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        objectives, constraints = evaluate(self.encoding, self.encoding.nodes_of(x))
        out["F"] = objectives[:, self.columns]
        out["G"] = constraints


class _Reassign(Mutation):  # type: ignore[misc]
    """Send a few pods (about two per individual, at least one) to a random candidate."""

    def _do(self, problem: _Placing, x: Any, *args: Any, **kwargs: Any) -> Any:
        rng: np.random.Generator = kwargs["random_state"]
        genes = np.asarray(x, dtype=np.int64).copy()
        count, width = genes.shape
        mask = rng.random((count, width)) < 2.0 / width
        mask[np.arange(count), rng.integers(width, size=count)] = True
        fresh = np.floor(rng.random((count, width)) * problem.encoding.n_candidates)
        return np.where(mask, fresh.astype(np.int64), genes)


class _Distinct(Repair):  # type: ignore[misc]
    """No two pods of a job on one node: see repairing for why a repair."""

    def _do(self, problem: _Placing, x: Any, **kwargs: Any) -> Any:
        return repair(problem.encoding, np.asarray(x, dtype=np.int64))


class _SameGenes(DuplicateElimination):  # type: ignore[misc]
    """Exact duplicates by hashing rows: pymoo's default compares all pairs of distances."""

    def _do(self, pop: Any, other: Any, is_duplicate: Any) -> Any:
        seen = set()
        if other is not None:
            seen = {row.tobytes() for row in np.asarray(other.get("X"), dtype=np.int64)}
        for i, row in enumerate(np.asarray(pop.get("X"), dtype=np.int64)):
            key = row.tobytes()
            if key in seen:
                is_duplicate[i] = True
            seen.add(key)
        return is_duplicate


class _KeepingExtremes(Survival):  # type: ignore[misc]
    """`inner`'s survivors, with the best feasible individual of each objective put back in
    place of the last survivors when `inner` dropped it."""

    def __init__(self, inner: Survival) -> None:
        super().__init__(filter_infeasible=False)
        self.inner = inner

    @property
    def opt(self) -> Any:  # NSGA3 reads its survival's optimum
        return self.inner.opt

    def do(self, problem: Any, pop: Any, *args: Any, **kwargs: Any) -> Any:
        survivors = self.inner.do(problem, pop, *args, **kwargs)
        violation = np.asarray(pop.get("CV"), dtype=np.float64)[:, 0]
        feasible = np.flatnonzero(violation <= 0.0)
        if feasible.size == 0 or len(survivors) == 0:
            return survivors
        objectives = np.asarray(pop.get("F"), dtype=np.float64)[feasible]
        best = np.unique(feasible[np.argmin(objectives, axis=0)])
        genes = np.asarray(pop.get("X"), dtype=np.int64)
        kept = np.asarray(survivors.get("X"), dtype=np.int64)
        present = {row.tobytes() for row in kept}
        lost = [int(i) for i in best if genes[i].tobytes() not in present]
        if not lost:
            return survivors
        protected = {genes[i].tobytes() for i in best}
        victims = [j for j in range(len(kept) - 1, -1, -1) if kept[j].tobytes() not in protected]
        stay = np.setdiff1d(np.arange(len(kept)), victims[: len(lost)])
        return Population.merge(survivors[stay], pop[lost])


class _Budget(Termination):  # type: ignore[misc]
    """Stop when the next generation would end past the budget, or after `generations`.

    pymoo's TimeBasedTermination only looks at the clock between generations, so a run ends up
    to one generation late; this one predicts the next generation from the slowest so far.
    """

    def __init__(self, *, started: float, budget: float, generations: int | None) -> None:
        super().__init__()
        self.started = started
        self.budget = budget
        self.generations = generations
        self.last = started
        self.slowest = 0.0
        self.reason: StopReason = "time"
        self.generations_done = 0

    def _update(self, algorithm: Any) -> float:
        now = time.perf_counter()
        self.slowest, self.last = max(self.slowest, now - self.last), now
        done = int(algorithm.n_gen or 1) - 1
        self.generations_done = done
        if self.generations is not None and done >= self.generations:
            self.reason = "generations"
            return 1.0
        return float(min((now - self.started + self.slowest) / self.budget, 1.0))
