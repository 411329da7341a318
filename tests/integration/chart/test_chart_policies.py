"""NetworkPolicies, the operator's PodDisruptionBudget and Pod Security: rendered with the
project's helm, then checked by the real API server (server-side dry run; PodSecurity admission
judges each workload's pod template against the restricted profile)."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import yaml
from chart_rendering import CHART, Helm, find_helm, of_kind
from fogcompute_testbed.controlplane import ControlPlane

NP = ("--set", "networkPolicy.enabled=true")
BUNDLED = ("--set", "economics.database.bundled.enabled=true")


@pytest.fixture(scope="module")
def helm(tmp_path_factory: pytest.TempPathFactory) -> Helm:
    return find_helm(tmp_path_factory.mktemp("helm"))


def named(docs: list[dict[str, Any]], kind: str, suffix: str) -> dict[str, Any]:
    (doc,) = [d for d in of_kind(docs, kind) if d["metadata"]["name"].endswith(suffix)]
    return doc


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return selector.items() <= labels.items()


def pod_of(docs: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    (workload,) = of_kind(docs, kind)
    template: dict[str, Any] = workload["spec"]["template"]
    return template


def ports(rule: dict[str, Any]) -> set[tuple[str, Any]]:
    return {(p["protocol"], p["port"]) for p in rule.get("ports", ())}


def test_no_network_policy_by_default_and_one_budget(helm: Helm) -> None:
    docs = helm.render()
    assert of_kind(docs, "NetworkPolicy") == []
    (budget,) = of_kind(docs, "PodDisruptionBudget")
    assert budget["spec"]["maxUnavailable"] == 1
    assert budget["spec"]["unhealthyPodEvictionPolicy"] == "AlwaysAllow"
    assert selects(
        budget["spec"]["selector"]["matchLabels"], pod_of(docs, "Deployment")["metadata"]["labels"]
    )
    assert (
        of_kind(helm.render("--set", "podDisruptionBudget.enabled=false"), "PodDisruptionBudget")
        == []
    )


def test_the_operator_receives_only_on_its_probe_metrics_and_webhook_ports(helm: Helm) -> None:
    docs = helm.render(*NP, *BUNDLED, "--set", "networkPolicy.apiServer.cidrs={10.0.0.10/32}")
    policy = named(docs, "NetworkPolicy", "-operator")
    pod = pod_of(docs, "Deployment")
    (container,) = pod["spec"]["containers"]
    ingress, webhook = policy["spec"]["ingress"]

    assert selects(policy["spec"]["podSelector"]["matchLabels"], pod["metadata"]["labels"])
    assert policy["spec"]["policyTypes"] == ["Ingress", "Egress"]
    assert ports(ingress) == {("TCP", "metrics"), ("TCP", "health")}
    assert {p["name"] for p in container["ports"]} == {"metrics", "health", "webhook"}
    assert "from" not in ingress  # the kubelet's probes come from the node
    # The edge agent's eviction webhook: called by the API server only.
    assert ports(webhook) == {("TCP", "webhook")}
    assert webhook["from"] == [{"ipBlock": {"cidr": "10.0.0.10/32"}}]
    off = helm.render(*NP, *BUNDLED, "--set", "edgeAgent.evictionWebhook.enabled=false")
    assert len(named(off, "NetworkPolicy", "-operator")["spec"]["ingress"]) == 1


def test_the_operator_sends_only_to_dns_the_api_server_and_its_database(helm: Helm) -> None:
    docs = helm.render(*NP, *BUNDLED)
    egress = named(docs, "NetworkPolicy", "-operator")["spec"]["egress"]
    postgres = pod_of(docs, "StatefulSet")

    assert [ports(rule) for rule in egress] == [
        {("UDP", 53), ("TCP", 53)},
        {("TCP", 443), ("TCP", 6443)},
        {("TCP", 5432)},
    ]
    (peer,) = egress[2]["to"]
    assert selects(peer["podSelector"]["matchLabels"], postgres["metadata"]["labels"])
    assert not selects(
        peer["podSelector"]["matchLabels"], pod_of(docs, "Deployment")["metadata"]["labels"]
    )


def test_cidrs_narrow_the_api_server_and_an_external_database(helm: Helm) -> None:
    docs = helm.render(
        *NP,
        "--set", "economics.database.existingSecret=ledger-dsn",
        "--set-json", 'networkPolicy.apiServer.cidrs=["10.0.0.10/32"]',
        "--set-json", 'networkPolicy.database={"cidrs":["10.1.0.0/16"],"port":6432}',
    )  # fmt: skip
    egress = named(docs, "NetworkPolicy", "-operator")["spec"]["egress"]

    assert egress[1]["to"] == [{"ipBlock": {"cidr": "10.0.0.10/32"}}]
    assert ports(egress[2]) == {("TCP", 6432)}
    assert egress[2]["to"] == [{"ipBlock": {"cidr": "10.1.0.0/16"}}]
    assert [d["metadata"]["name"] for d in of_kind(docs, "NetworkPolicy")] == [
        "rel-fog-compute-operator", "rel-fog-compute-edge-agent"
    ]  # fmt: skip


def test_without_a_database_the_operator_reaches_none(helm: Helm) -> None:
    egress = named(helm.render(*NP), "NetworkPolicy", "-operator")["spec"]["egress"]
    assert [ports(rule) for rule in egress] == [
        {("UDP", 53), ("TCP", 53)},
        {("TCP", 443), ("TCP", 6443)},
    ]


def test_the_bundled_database_takes_only_the_operator(helm: Helm) -> None:
    docs = helm.render(*NP, *BUNDLED)
    policy = named(docs, "NetworkPolicy", "-ledger-postgres")
    (ingress,) = policy["spec"]["ingress"]
    (source,) = ingress["from"]

    assert selects(
        policy["spec"]["podSelector"]["matchLabels"],
        pod_of(docs, "StatefulSet")["metadata"]["labels"],
    )
    assert selects(
        source["podSelector"]["matchLabels"], pod_of(docs, "Deployment")["metadata"]["labels"]
    )
    assert not selects(
        source["podSelector"]["matchLabels"], pod_of(docs, "DaemonSet")["metadata"]["labels"]
    )
    assert ports(ingress) == {("TCP", 5432)}
    assert policy["spec"]["egress"] == []


def test_the_edge_agent_takes_metrics_and_mixnet_traffic_only(helm: Helm) -> None:
    docs = helm.render(*NP, "--set-json", 'networkPolicy.metricsFrom=[{"namespaceSelector":{}}]')
    policy = named(docs, "NetworkPolicy", "-edge-agent")
    pod = pod_of(docs, "DaemonSet")
    (container,) = pod["spec"]["containers"]
    metrics, mixnet = policy["spec"]["ingress"]

    assert selects(policy["spec"]["podSelector"]["matchLabels"], pod["metadata"]["labels"])
    assert ports(metrics) == {("TCP", "metrics")}
    assert "metrics" in {p["name"] for p in container["ports"]}
    assert metrics["from"] == [{"namespaceSelector": {}}]
    assert ports(mixnet) == {("UDP", 9001)}
    assert ports(policy["spec"]["egress"][-1]) == {("UDP", 9001)}
    assert (
        of_kind(helm.render(*NP, "--set", "edgeAgent.enabled=false"), "NetworkPolicy")[-1][
            "metadata"
        ]["name"]
        == "rel-fog-compute-operator"
    )


@pytest.mark.parametrize(
    "bad",
    [
        ("--set", "podDisruptionBudget.maxUnavailable=0"),
        ("--set", "podDisruptionBudget.maxUnavailable=0%"),
        ("--set-json", 'networkPolicy.apiServer.cidrs=["10.0.0.10"]'),
        ("--set-json", "networkPolicy.apiServer.ports=[]"),
    ],
    ids=["budget-0", "budget-0%", "cidr-without-prefix", "no-api-port"],
)
def test_the_schema_refuses_values_that_would_block_or_break(
    helm: Helm, bad: tuple[str, str]
) -> None:
    failed = helm.run("template", "rel", str(CHART), *bad, check=False)
    assert failed.returncode != 0
    assert bad[1].split("=")[0].rsplit(".", 1)[-1] in failed.stderr


def server_dry_run(plane: ControlPlane, namespace: str, docs: list[dict[str, Any]]) -> str:
    body = yaml.safe_dump_all(
        [{**d, "metadata": {**d["metadata"], "namespace": namespace}} for d in docs]
    )
    result = plane.kubectl("apply", "--dry-run=server", "-n", namespace, "-f", "-", input=body)
    return result.stderr


def test_the_api_server_accepts_the_policies_and_the_budget(
    helm: Helm, control_plane: ControlPlane, namespace: str
) -> None:
    docs = helm.render(
        *NP, *BUNDLED, "--set-json", 'networkPolicy.apiServer.cidrs=["10.0.0.10/32"]'
    )
    objects = of_kind(docs, "NetworkPolicy") + of_kind(docs, "PodDisruptionBudget")

    assert len(objects) == 4
    server_dry_run(control_plane, namespace, objects)


def test_operator_and_database_pass_the_restricted_pod_security_profile(
    helm: Helm, control_plane: ControlPlane, namespace: str
) -> None:
    control_plane.kubectl(
        "label", "namespace", namespace, "pod-security.kubernetes.io/warn=restricted"
    )
    docs = helm.render(*BUNDLED)

    for kind in ("Deployment", "StatefulSet"):
        warnings = server_dry_run(control_plane, namespace, of_kind(docs, kind))
        assert "would violate PodSecurity" not in warnings, f"{kind}: {warnings}"


def test_the_edge_agent_needs_a_privileged_namespace_for_its_host_paths(
    helm: Helm, control_plane: ControlPlane, namespace: str
) -> None:
    """It reads /proc, /sys and /dev of its host through hostPath volumes, which both the
    baseline and the restricted profiles forbid: the README says to label its namespace."""
    control_plane.kubectl(
        "label", "namespace", namespace, "pod-security.kubernetes.io/warn=baseline"
    )
    warnings = server_dry_run(control_plane, namespace, of_kind(helm.render(), "DaemonSet"))

    # hostPath is its only violation of the baseline profile (no privilege, host namespace, port).
    assert re.search(
        r'would violate PodSecurity "baseline:latest": hostPath volumes \(volumes [^)]*\)$',
        warnings,
        re.MULTILINE,
    ), warnings


def until(what: str, probe: Callable[[], tuple[Any, Any]], *, timeout: float) -> Any:
    """``probe`` returns (the awaited value or None, what it saw); one bounded wait."""
    deadline, seen = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        value, seen = probe()
        if value is not None:
            return value
        time.sleep(0.5)
    pytest.fail(f"waited {timeout:.0f}s for {what}; last seen: {seen!r}")


def evict(plane: ControlPlane, namespace: str, pod: str) -> Any:
    eviction = {
        "apiVersion": "policy/v1",
        "kind": "Eviction",
        "metadata": {"name": pod, "namespace": namespace},
    }
    path = f"/api/v1/namespaces/{namespace}/pods/{pod}/eviction"
    return plane.kubectl(
        "create", "--raw", path, "-f", "-", input=json.dumps(eviction), check=False
    )


def ready_operator_pod(plane: ControlPlane, namespace: str, release: str) -> str:
    selector = f"app.kubernetes.io/instance={release},app.kubernetes.io/component=operator"

    def probe() -> tuple[str | None, Any]:
        found = plane.kubectl("get", "pods", "-n", namespace, "-l", selector, "-o", "json")
        pods = json.loads(found.stdout)["items"]
        for pod in pods:
            conditions = pod["status"].get("conditions") or []
            ready = any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)
            if ready and not pod["metadata"].get("deletionTimestamp"):
                return pod["metadata"]["name"], pods
        return None, [(p["metadata"]["name"], p["status"].get("phase")) for p in pods]

    return str(until(f"a Ready operator pod of {release}", probe, timeout=120))


def disruptions_allowed(plane: ControlPlane, namespace: str, name: str, want: int) -> None:
    def probe() -> tuple[bool | None, Any]:
        found = plane.kubectl("get", "pdb", name, "-n", namespace, "-o", "json")
        status = json.loads(found.stdout).get("status") or {}
        return (True if status.get("disruptionsAllowed") == want else None), status

    until(f"PodDisruptionBudget {name} to allow {want} disruption(s)", probe, timeout=60)


def test_the_budget_lets_a_drain_evict_the_operator_where_zero_would_block_it(
    control_plane: ControlPlane, crds: list[str], namespace: str
) -> None:
    """Installed for real (kwok nodes run the pod): the eviction a node drain sends goes through
    with the chart's budget, and is refused (429) once the budget is edited to maxUnavailable 0,
    which is why the schema refuses 0."""
    del crds
    release = f"pdb-{uuid.uuid4().hex[:6]}"
    control_plane.helm(
        "install", release, str(CHART), "--namespace", namespace,
        "--set", "crds.enabled=false,peering.installCRD=false,edgeAgent.enabled=false",
        "--set", f"peering.name={release}",
        "--set", "tolerations[0].key=kwok.x-k8s.io/node,tolerations[0].operator=Exists",
    )  # fmt: skip
    budget = f"{release}-fog-compute-operator"
    try:
        first = ready_operator_pod(control_plane, namespace, release)
        disruptions_allowed(control_plane, namespace, budget, 1)
        assert evict(control_plane, namespace, first).returncode == 0

        second = ready_operator_pod(control_plane, namespace, release)
        assert second != first
        control_plane.kubectl(
            "patch", "pdb", budget, "-n", namespace, "--type=merge",
            "-p", '{"spec": {"maxUnavailable": 0}}',
        )  # fmt: skip
        disruptions_allowed(control_plane, namespace, budget, 0)
        blocked = evict(control_plane, namespace, second)
        assert blocked.returncode != 0
        assert "disruption budget" in blocked.stderr
    finally:
        control_plane.helm("uninstall", release, "--namespace", namespace, check=False)
