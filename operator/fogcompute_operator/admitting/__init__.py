"""Admission checks the API server asks the operator for: the edge agent's evictions.

A ValidatingAdmissionPolicy cannot see the node of the pod an Eviction names, so this package
serves a validating webhook that reads the pod: ``evictions`` decides (pure), ``serving``
answers over HTTPS and reads pods, ``webhooks`` keeps the webhook configuration,
``certificates`` makes the serving certificate, ``settings`` reads the environment,
``metering`` counts reviews. Started by ``handlers.admission``; no kopf here.
"""

from fogcompute_operator.admitting.evictions import (
    NODE_CLAIM,
    EvictionRequest,
    MalformedReviewError,
    Verdict,
    decide_eviction,
    parse_request,
    review_response,
)
from fogcompute_operator.admitting.metering import EvictionMetrics, eviction_metrics
from fogcompute_operator.admitting.serving import EvictionWebhook, PodReader
from fogcompute_operator.admitting.settings import ServiceRef, WebhookSettings
from fogcompute_operator.admitting.webhooks import (
    VALIDATING_WEBHOOKS,
    WebhookSetupError,
    build_configuration,
    ensure_configuration,
)

__all__ = [
    "NODE_CLAIM",
    "VALIDATING_WEBHOOKS",
    "EvictionMetrics",
    "EvictionRequest",
    "EvictionWebhook",
    "MalformedReviewError",
    "PodReader",
    "ServiceRef",
    "Verdict",
    "WebhookSettings",
    "WebhookSetupError",
    "build_configuration",
    "decide_eviction",
    "ensure_configuration",
    "eviction_metrics",
    "parse_request",
    "review_response",
]
