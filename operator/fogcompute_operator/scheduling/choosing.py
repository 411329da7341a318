"""Choosing one point of the Pareto front by a tier's weights, and measuring the front.

Runs after optimising. Objectives are normalised to the front's own ideal and nadir, then
ranked by the achievement scalarising function (pymoo's ASF) with the tier's weights: the point
whose worst weighted distance from the ideal is smallest wins, ties broken by the weighted sum.
When the weights bound the makespan (`Weights.max_makespan_ratio`), the points within the bound
are ranked first, normalised among themselves, and the rest after them (runners-up only); the
best-makespan point is always within, so the bound never empties the choice. A tier without
weights gets the knee of the front (pymoo's HighTradeoffPoints); when no knee stands out, equal
weights. Pure functions of arrays.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from pymoo.decomposition.asf import ASF
from pymoo.indicators.hv import Hypervolume

from fogcompute_operator.scheduling.encoding import FloatArray, IntArray
from fogcompute_operator.scheduling.models import Objective, Weights

_IGNORED = 1e12  # ASF divides by the weight: a zero weight becomes a huge divisor


@dataclass(frozen=True, eq=False)
class Choice:
    """`ranking[0]` is the chosen row of the front, `ranking[1:3]` the runners-up."""

    ranking: IntArray
    chosen_by: Literal["asf", "knee", "only"]

    @property
    def index(self) -> int:
        return int(self.ranking[0])


def choose(
    front: FloatArray, *, objectives: Sequence[Objective], weights: Weights | None
) -> Choice:
    """Rank the rows of `front` (columns in `objectives` order) for a tier."""
    if len(front) == 1:
        return Choice(ranking=np.zeros(1, dtype=np.int64), chosen_by="only")
    normalised = normalise(front, ideal=front.min(axis=0), nadir=front.max(axis=0))
    if weights is not None and any(weights.of(o) > 0 for o in objectives):
        preference = np.asarray([weights.of(o) for o in objectives], dtype=np.float64)
        within = _within_bound(front, objectives=objectives, weights=weights)
        if within is None or bool(within.all()):
            return Choice(ranking=_asf_ranking(normalised, preference), chosen_by="asf")
        ranking = _bounded_ranking(front, normalised, within=within, preference=preference)
        return Choice(ranking=ranking, chosen_by="asf")
    ranking = _asf_ranking(normalised, np.ones(len(objectives)))
    knees = _knees(normalised)
    if knees is None:
        return Choice(ranking=ranking, chosen_by="asf")
    first = next(int(i) for i in ranking if int(i) in set(knees.tolist()))
    rest = ranking[ranking != first]
    return Choice(ranking=np.concatenate([[first], rest]).astype(np.int64), chosen_by="knee")


def normalise(values: FloatArray, *, ideal: FloatArray, nadir: FloatArray) -> FloatArray:
    span = np.where(nadir - ideal > 1e-12, nadir - ideal, 1.0)
    result: FloatArray = (values - ideal) / span
    return result


def hypervolume(front: FloatArray, *, ideal: FloatArray, nadir: FloatArray) -> float:
    """Hypervolume of `front` normalised to [ideal, nadir], reference point 1.1 everywhere.

    The unit box has volume 1, so values compare across rounds with the same bounds; points
    beyond the reference contribute nothing.
    """
    normalised = normalise(np.atleast_2d(front), ideal=ideal, nadir=nadir)
    reference = np.full(normalised.shape[1], 1.1)
    indicator = Hypervolume(ref_point=reference, norm_ref_point=False)
    return float(indicator.do(normalised))


def _bounded_ranking(
    front: FloatArray,
    normalised: FloatArray,
    *,
    within: npt.NDArray[np.bool_],
    preference: FloatArray,
) -> IntArray:
    """The rows within the bound, ranked among themselves, then the others."""
    near = np.flatnonzero(within)
    far = np.flatnonzero(~within)
    local = normalise(front[near], ideal=front[near].min(axis=0), nadir=front[near].max(axis=0))
    ranking = np.concatenate(
        [near[_asf_ranking(local, preference)], far[_asf_ranking(normalised[far], preference)]]
    )
    return ranking.astype(np.int64)


def _within_bound(
    front: FloatArray, *, objectives: Sequence[Objective], weights: Weights
) -> npt.NDArray[np.bool_] | None:
    """Which rows keep the makespan within the weights' bound; None: no bound applies."""
    bound = weights.max_makespan_ratio
    if bound is None or Objective.MAKESPAN not in objectives:
        return None
    makespan = front[:, list(objectives).index(Objective.MAKESPAN)]
    best = float(makespan.min())
    within: npt.NDArray[np.bool_] = makespan <= bound * best + 1e-9 * max(abs(best), 1.0)
    return within


def _asf_ranking(normalised: FloatArray, preference: FloatArray) -> IntArray:
    positive = preference > 0
    scaled = np.where(positive, preference / preference[positive].max(), 0.0)
    directions = np.where(positive, 1.0 / np.where(positive, scaled, 1.0), _IGNORED)
    zero = np.zeros(normalised.shape[1])
    asf = ASF().do(normalised, weights=directions, ideal_point=zero, utopian_point=zero)
    tie_break = normalised @ scaled
    return np.lexsort((tie_break, np.ravel(asf))).astype(np.int64)


def _knees(normalised: FloatArray) -> IntArray | None:
    if len(normalised) < 3:
        return None
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        # The import warns (scipy's deprecated ckdtree path) and the call resets the global
        # warning filters to "ignore": both are contained here.
        warnings.simplefilter("ignore")
        from pymoo.mcdm.high_tradeoff import HighTradeoffPoints

        try:
            found: Any = HighTradeoffPoints().do(normalised)
        except (ValueError, IndexError, ZeroDivisionError):
            return None
    if found is None or len(found) == 0:
        return None
    return np.asarray(found, dtype=np.int64)
