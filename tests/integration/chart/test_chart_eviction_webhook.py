"""The chart's eviction webhook: the operator's env, Service, configuration stub and RBAC agree.

Rendered with the chart's defaults (edge agent and webhook on): the operator's settings parse
the Deployment's environment; the webhook the operator would write targets the chart's Service,
whose target port is the container's webhook port; the configuration ships without webhooks
(Helm never fights the operator's entry) and the API server accepts it; the operator may only
get and patch that one configuration.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from chart_rendering import Helm, find_helm, of_kind
from fogcompute_operator.admitting import WebhookSettings, build_configuration
from fogcompute_testbed.controlplane import ControlPlane

RULE = "validatingwebhookconfigurations"


@pytest.fixture(scope="module")
def helm(tmp_path_factory: pytest.TempPathFactory) -> Helm:
    return find_helm(tmp_path_factory.mktemp("helm"))


def operator_container(docs: list[dict[str, Any]]) -> dict[str, Any]:
    (deployment,) = of_kind(docs, "Deployment")
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return dict(container)


def test_the_operator_points_the_webhook_at_the_charts_service(helm: Helm) -> None:
    docs = helm.render()
    container = operator_container(docs)
    env = {e["name"]: e["value"] for e in container["env"] if "value" in e}
    settings = WebhookSettings.from_environ(env)
    assert settings.enabled
    assert settings.agent_user == "system:serviceaccount:fog:rel-fog-compute-edge-agent"
    (agent_sa,) = [
        s for s in of_kind(docs, "ServiceAccount") if s["metadata"]["name"].endswith("edge-agent")
    ]
    assert settings.agent_user.endswith(
        f":{agent_sa['metadata']['namespace']}:rel-fog-compute-edge-agent"
    )
    (webhook,) = build_configuration(settings, ca_pem=b"pem")["webhooks"]
    target = webhook["clientConfig"]["service"]
    (service,) = [s for s in of_kind(docs, "Service") if s["metadata"]["name"] == target["name"]]
    (port,) = [p for p in service["spec"]["ports"] if p["port"] == target["port"]]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports[port["targetPort"]] == settings.listen_port == 9443
    assert service["spec"]["publishNotReadyAddresses"] is True
    assert settings.hosts[0] == f"{target['name']}.{target['namespace']}.svc"


def test_the_configuration_ships_empty_and_the_operator_may_touch_only_it(
    helm: Helm, control_plane: ControlPlane
) -> None:
    docs = helm.render()
    (stub,) = of_kind(docs, "ValidatingWebhookConfiguration")
    assert "webhooks" not in stub
    name = stub["metadata"]["name"]
    rules = [
        rule
        for role in of_kind(docs, "ClusterRole")
        for rule in role["rules"]
        if RULE in rule["resources"]
    ]
    assert rules == [
        {
            "apiGroups": ["admissionregistration.k8s.io"],
            "resources": [RULE],
            "resourceNames": [name],
            "verbs": ["get", "patch"],
        }
    ]
    dry = control_plane.kubectl("apply", "--dry-run=server", "-f", "-", input=json.dumps(stub))
    assert "created (server dry run)" in dry.stdout


def test_off_renders_nothing_of_it(helm: Helm) -> None:
    for values in (
        ("--set", "edgeAgent.evictionWebhook.enabled=false"),
        ("--set", "edgeAgent.enabled=false"),
    ):
        docs = helm.render(*values)
        assert of_kind(docs, "ValidatingWebhookConfiguration") == []
        names = [e["name"] for e in operator_container(docs)["env"]]
        assert not [n for n in names if n.startswith("FOG_EVICTION_WEBHOOK")]
        assert "webhook" not in {p["name"] for p in operator_container(docs)["ports"]}
        assert not [
            s for s in of_kind(docs, "Service") if s["metadata"]["name"].endswith("-webhook")
        ]
