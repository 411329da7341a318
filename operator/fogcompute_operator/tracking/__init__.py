"""Tracking a FogJob through its lifecycle: pods in, a decision out. Pure, no client, no kopf.

The FogJob controller (``queueing.controlling``) lists a job's pods, parses them with
``parse_pod``, and calls ``decide`` with the job, the pods, the scheduler's latest answer and
the time; it then carries out the ``Decision``. Modules in flow order: views (pods), verdicts
(one attempt), deciding (the lifecycle), waiting and attempts (its branches), drafts (the
status being built).
"""

from fogcompute_operator.tracking.deciding import Decision, TrackingSettings, decide
from fogcompute_operator.tracking.drafts import EventNote, Feedback, Offer, Unplaced
from fogcompute_operator.tracking.verdicts import Verdict, judge
from fogcompute_operator.tracking.views import EVICTION_REASONS, PodView, owned_by, parse_pod

__all__ = [
    "EVICTION_REASONS",
    "Decision",
    "EventNote",
    "Feedback",
    "Offer",
    "PodView",
    "TrackingSettings",
    "Unplaced",
    "Verdict",
    "decide",
    "judge",
    "owned_by",
    "parse_pod",
]
