"""The ValidatingWebhookConfiguration that sends the edge agent's evictions to the operator.

``build_configuration`` is pure: one webhook on ``pods/eviction`` CREATE, with a matchCondition
on the agent's username, so the API server calls the operator for the agent's evictions only
(no other user's request waits on it, and nothing else depends on the operator being up).
``ensure_configuration`` keeps the object as built, by name, through the kube seam: the chart
ships it empty (so the operator needs only get and patch on that one name); a host-process
operator in the test bed creates it. Called by ``serving`` at start, after it listens.

failurePolicy is Fail, deliberately: if the operator cannot answer, the agent's eviction is
refused rather than let through unchecked (Ignore would turn "operator down" into "any agent
may evict any pod"). Availability is covered elsewhere: the operator's EdgeDevice controller
evicts the harvest pods of a device that stopped being harvestable itself, so a refused agent
eviction delays revocation by at most one report; while the operator is down, neither evicts.
"""

from __future__ import annotations

import base64
from typing import Any, Final

from fogcompute_operator.admitting.settings import WebhookSettings
from fogcompute_operator.kube import KubeApi, ObjectKey, Resource

VALIDATING_WEBHOOKS: Final = Resource(
    "admissionregistration.k8s.io",
    "v1",
    "validatingwebhookconfigurations",
    "ValidatingWebhookConfiguration",
    namespaced=False,
)
WEBHOOK_NAME = "edge-agent-evictions.fogcompute.io"
PATH = "/validate/pods-eviction"
TIMEOUT_SECONDS = 5  # the agent's revocation target is 1 s; a slower answer is a failure


def _client_config(settings: WebhookSettings, *, ca_pem: bytes) -> dict[str, Any]:
    bundle = base64.b64encode(ca_pem).decode("ascii")
    if settings.service is None:
        return {"url": settings.url + PATH, "caBundle": bundle}
    service = settings.service
    return {
        "service": {
            "namespace": service.namespace,
            "name": service.name,
            "port": service.port,
            "path": PATH,
        },
        "caBundle": bundle,
    }


def build_webhooks(settings: WebhookSettings, *, ca_pem: bytes) -> list[dict[str, Any]]:
    """The configuration's ``webhooks`` list (one webhook)."""
    return [
        {
            "name": WEBHOOK_NAME,
            "admissionReviewVersions": ["v1"],
            "sideEffects": "None",
            "failurePolicy": "Fail",
            "timeoutSeconds": TIMEOUT_SECONDS,
            "matchPolicy": "Equivalent",
            "rules": [
                {
                    "apiGroups": [""],
                    "apiVersions": ["v1"],
                    "operations": ["CREATE"],
                    "resources": ["pods/eviction"],
                    "scope": "Namespaced",
                }
            ],
            "matchConditions": [
                {
                    "name": "is-the-edge-agent",
                    "expression": f"request.userInfo.username == '{settings.agent_user}'",
                }
            ],
            "clientConfig": _client_config(settings, ca_pem=ca_pem),
        }
    ]


def build_configuration(settings: WebhookSettings, *, ca_pem: bytes) -> dict[str, Any]:
    return {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingWebhookConfiguration",
        "metadata": {
            "name": settings.configuration,
            "labels": {"app.kubernetes.io/managed-by": "fog-compute"},
        },
        "webhooks": build_webhooks(settings, ca_pem=ca_pem),
    }


class WebhookSetupError(Exception):
    """The configuration cannot be written; the message names it, the cause and the fix."""


async def ensure_configuration(api: KubeApi, settings: WebhookSettings, *, ca_pem: bytes) -> None:
    """Create the configuration, or replace its webhooks (a merge patch replaces the list)."""
    key = ObjectKey(settings.configuration)
    try:
        if await api.get(VALIDATING_WEBHOOKS, key) is None:
            body = build_configuration(settings, ca_pem=ca_pem)
            if await api.create(VALIDATING_WEBHOOKS, body) is not None:
                return
        webhooks = build_webhooks(settings, ca_pem=ca_pem)
        await api.patch(VALIDATING_WEBHOOKS, key, patch={"webhooks": webhooks})
    except Exception as exc:
        raise WebhookSetupError(
            f"cannot point ValidatingWebhookConfiguration {settings.configuration} at this "
            f"operator ({exc}); the chart ships it (edgeAgent.evictionWebhook) and lets the "
            "operator get and patch it by name; set FOG_EVICTION_WEBHOOK_CONFIGURATION to match"
        ) from exc
