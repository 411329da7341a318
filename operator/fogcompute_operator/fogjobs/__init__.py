"""The FogJob kind: pure lifecycle decisions, pod builders, and one short reconcile.

Above the scheduler and the runtime, independent of every other kind package. Modules in flow
order: views (pods as values), verdicts (one attempt), deciding (the lifecycle, pure), waiting
and attempts (its branches), drafts (the status being built), pods (pure manifest builders),
converting (API values <-> the scheduling library's), reconciling (get, decide, act, write
status once), starting (the controller and scheduler on the runtime), settings, metering.
"""

from fogcompute_operator.fogjobs.converting import api_placement, feedback, job_request, unplaced
from fogcompute_operator.fogjobs.deciding import Decision, TrackingSettings, decide
from fogcompute_operator.fogjobs.drafts import Feedback, Offer, Unplaced
from fogcompute_operator.fogjobs.metering import FogJobMetrics, default_fogjob_metrics
from fogcompute_operator.fogjobs.pods import (
    ANNOTATION_PLACEMENT,
    ANNOTATION_TIER_PRIORITY,
    CONTAINER_NAME,
    KWOK_HOOK_PREFIX,
    LABEL_TIER,
    PodPlan,
    build_pod,
    job_label_value,
    pod_name,
)
from fogcompute_operator.fogjobs.reconciling import CONTROLLER, FogJobReconciler
from fogcompute_operator.fogjobs.settings import FogJobSettings
from fogcompute_operator.fogjobs.starting import FogJobs, build_fogjobs, start_fogjobs
from fogcompute_operator.fogjobs.verdicts import Verdict, judge
from fogcompute_operator.fogjobs.views import EVICTION_REASONS, PodView, owned_by, parse_pod

__all__ = [
    "ANNOTATION_PLACEMENT",
    "ANNOTATION_TIER_PRIORITY",
    "CONTAINER_NAME",
    "CONTROLLER",
    "EVICTION_REASONS",
    "KWOK_HOOK_PREFIX",
    "LABEL_TIER",
    "Decision",
    "Feedback",
    "FogJobMetrics",
    "FogJobReconciler",
    "FogJobSettings",
    "FogJobs",
    "Offer",
    "PodPlan",
    "PodView",
    "TrackingSettings",
    "Unplaced",
    "Verdict",
    "api_placement",
    "build_fogjobs",
    "build_pod",
    "decide",
    "default_fogjob_metrics",
    "feedback",
    "job_label_value",
    "job_request",
    "judge",
    "owned_by",
    "parse_pod",
    "pod_name",
    "start_fogjobs",
    "unplaced",
]
