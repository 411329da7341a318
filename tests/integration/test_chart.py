"""The Helm chart against the real control plane: lint, render, install, RBAC by impersonation.

The session's ``crds`` fixture applied the six CRDs with kubectl, so installs here either leave
CRDs to it (crds.enabled=false) or take them over explicitly (--take-ownership).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "charts" / "fog-compute"
KINDS = ("mixnodes", "circuits", "fogjobs", "edgedevices", "stakes", "proposals")
FOG_CRDS = {f"{plural}.fogcompute.io" for plural in KINDS}
PEERING_CRD = "clusterkopfpeerings.kopf.dev"
KWOK_TOLERATION = [
    "--set",
    "tolerations[0].key=kwok.x-k8s.io/node,tolerations[0].operator=Exists,"
    "tolerations[0].effect=NoSchedule",
]
RUNNING_TIMEOUT = 120.0


def render(control_plane: Any, *args: str) -> list[dict[str, Any]]:
    result = control_plane.helm("template", "rel", str(CHART), "--namespace", "fog", *args)
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def of_kind(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [doc for doc in docs if doc["kind"] == kind]


def operator_cluster_role(docs: list[dict[str, Any]]) -> dict[str, Any]:
    """The operator's ClusterRole (the edge agent, on by default, has its own)."""
    (role,) = [
        doc
        for doc in of_kind(docs, "ClusterRole")
        if doc["metadata"]["labels"].get("app.kubernetes.io/component") != "edge-agent"
    ]
    return role


def crds_by_name(docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {doc["metadata"]["name"]: doc for doc in of_kind(docs, "CustomResourceDefinition")}


def test_helm_lint_passes_strictly(control_plane: Any) -> None:
    result = control_plane.helm("lint", str(CHART), "--strict")
    assert "0 chart(s) failed" in result.stdout


def test_the_deployment_is_one_restricted_replica_with_probes(control_plane: Any) -> None:
    (deployment,) = of_kind(render(control_plane), "Deployment")
    spec = deployment["spec"]
    pod = spec["template"]["spec"]
    (container,) = pod["containers"]
    security = container["securityContext"]

    assert spec["replicas"] == 1
    assert spec["strategy"] == {"type": "Recreate"}
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == 65532
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert security["runAsNonRoot"] is True
    assert security["runAsUser"] == 65532
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"] == {"drop": ["ALL"]}
    assert security["seccompProfile"] == {"type": "RuntimeDefault"}
    assert container["command"] == ["kopf"]
    assert container["args"][:3] == ["run", "-m", "fogcompute_operator.handlers"]
    assert "--liveness=http://0.0.0.0:8080/healthz" in container["args"]
    assert "--peering=fog-compute" in container["args"]
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "health"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "metrics"}
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    assert ports == {"metrics": 8000, "health": 8080, "webhook": 9443}
    assert container["resources"]["requests"]
    (service,) = [
        s
        for s in of_kind(render(control_plane), "Service")
        if s["metadata"]["name"].endswith("-metrics")
    ]
    assert service["spec"]["ports"][0]["targetPort"] == "metrics"


def test_peering_off_runs_standalone(control_plane: Any) -> None:
    docs = render(control_plane, "--set", "peering.enabled=false")
    (deployment,) = of_kind(docs, "Deployment")
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    env = {item["name"]: item.get("value") for item in container["env"]}

    assert "--standalone" in container["args"]
    assert env["FOG_PEERING"] == "false"
    assert PEERING_CRD not in crds_by_name(docs)
    role = operator_cluster_role(docs)
    assert not [rule for rule in role["rules"] if "kopf.dev" in rule["apiGroups"]]


def test_crds_render_unchanged_with_keep_by_default(control_plane: Any) -> None:
    crds = crds_by_name(render(control_plane))

    assert set(crds) == FOG_CRDS | {PEERING_CRD}
    for path in sorted((CHART / "files").glob("*/*.yaml")):
        source = yaml.safe_load(path.read_text())
        rendered = crds[source["metadata"]["name"]]
        annotations = rendered["metadata"].pop("annotations")
        assert annotations == {"helm.sh/resource-policy": "keep"}, path.name
        assert rendered == source, f"{path.name} changed on its way through the template"


@pytest.mark.parametrize(
    ("values", "expected", "kept"),
    [
        (["--set", "crds.keep=false"], FOG_CRDS | {PEERING_CRD}, False),
        (["--set", "crds.enabled=false"], {PEERING_CRD}, True),
        (["--set", "peering.installCRD=false"], FOG_CRDS, True),
        (["--set", "crds.enabled=false", "--set", "peering.enabled=false"], set(), True),
    ],
    ids=["no-keep", "crds-off", "peering-crd-off", "all-off"],
)
def test_crd_toggles(control_plane: Any, values: list[str], expected: set[str], kept: bool) -> None:
    crds = crds_by_name(render(control_plane, *values))

    assert set(crds) == expected
    for crd in crds.values():
        annotations = crd["metadata"].get("annotations") or {}
        assert ("helm.sh/resource-policy" in annotations) is kept


def test_rbac_has_no_wildcards_and_one_named_secret(control_plane: Any) -> None:
    docs = render(control_plane, "--set", "rbac.podNamespaces={jobs-a,jobs-b}")
    roles = of_kind(docs, "ClusterRole") + of_kind(docs, "Role")
    rules = [rule for role in roles for rule in role["rules"]]

    for rule in rules:
        assert "*" not in rule["verbs"] + rule["resources"] + rule["apiGroups"], rule
    cluster_role = operator_cluster_role(docs)
    assert not [r for r in cluster_role["rules"] if "secrets" in r["resources"]]
    assert not [r for r in cluster_role["rules"] if "pods" in r["resources"]]
    namespaces = {"jobs-a", "jobs-b", "fog-system"}
    assert {r["metadata"]["namespace"] for r in of_kind(docs, "Role")} == namespaces
    assert {b["metadata"]["namespace"] for b in of_kind(docs, "RoleBinding")} == namespaces
    (mixnet,) = [r for r in of_kind(docs, "Role") if r["metadata"]["namespace"] == "fog-system"]
    secret_rules = [r for r in mixnet["rules"] if "secrets" in r["resources"]]
    # Reading is by name; create cannot be limited by name, and is the only other verb.
    assert {(tuple(r["verbs"]), tuple(r.get("resourceNames") or ())) for r in secret_rules} == {
        (("get",), ("fog-mixnet-keys",)),
        (("create",), ()),
    }


@pytest.mark.parametrize(
    ("values", "field"),
    [
        (["--set", "operator.logLevel=LOUD"], "/operator/logLevel"),
        (["--set", "replicas=2"], "replicas"),
        (["--set", "peering.name=Not_A_Name"], "/peering/name"),
        (["--set", "operator.metricsPort=70000"], "/operator/metricsPort"),
        (["--set", "crds.keep=maybe"], "/crds/keep"),
    ],
    ids=["enum", "unknown-key", "pattern", "range", "type"],
)
def test_the_values_schema_names_the_wrong_field(
    control_plane: Any, values: list[str], field: str
) -> None:
    result = control_plane.helm("template", "rel", str(CHART), *values, check=False)

    assert result.returncode != 0
    assert field in result.stderr


@pytest.fixture
def release(control_plane: Any, namespace: str) -> Iterator[str]:
    name = f"fog-{uuid.uuid4().hex[:6]}"
    try:
        yield name
    finally:
        control_plane.helm("uninstall", name, "--namespace", namespace, check=False)


def running_pod(control_plane: Any, *, namespace: str, release: str) -> dict[str, Any]:
    selector = f"app.kubernetes.io/instance={release},app.kubernetes.io/component=operator"
    deadline = time.monotonic() + RUNNING_TIMEOUT
    seen: Any = None
    while time.monotonic() < deadline:
        result = control_plane.kubectl("get", "pods", "-n", namespace, "-l", selector, "-o", "json")
        pods = json.loads(result.stdout)["items"]
        seen = [(p["metadata"]["name"], p["spec"].get("nodeName"), p["status"]) for p in pods]
        for pod in pods:
            if pod["spec"].get("nodeName") and pod["status"].get("phase") == "Running":
                return dict(pod)
        time.sleep(0.5)
    events = control_plane.kubectl("get", "events", "-n", namespace, check=False).stdout
    pytest.fail(
        f"waited {RUNNING_TIMEOUT:.0f}s for the operator pod of {release} to be scheduled and "
        f"Running; pods seen: {seen!r}\nevents:\n{events}"
    )


def can_i(control_plane: Any, account: str, *args: str) -> bool:
    result = control_plane.kubectl("auth", "can-i", *args, f"--as={account}", check=False)
    answer = result.stdout.strip()
    assert answer in ("yes", "no"), f"kubectl auth can-i {args}: {answer} {result.stderr}"
    return answer == "yes"


def test_install_schedules_a_running_pod_and_grants_only_what_the_operator_needs(
    control_plane: Any, crds: list[str], namespace: str, release: str
) -> None:
    assert set(crds) >= FOG_CRDS
    control_plane.helm(
        "install",
        release,
        str(CHART),
        "--namespace",
        namespace,
        "--set",
        "crds.enabled=false",
        "--set",
        "peering.installCRD=false",
        "--set",
        f"peering.name={release}",
        *KWOK_TOLERATION,
    )

    pod = running_pod(control_plane, namespace=namespace, release=release)
    nodes = json.loads(control_plane.kubectl("get", "nodes", "-o", "json").stdout)["items"]
    assert pod["spec"]["nodeName"] in {node["metadata"]["name"] for node in nodes}
    assert pod["spec"]["securityContext"]["runAsUser"] == 65532
    assert pod["spec"]["containers"][0]["securityContext"]["readOnlyRootFilesystem"] is True

    # can-i resolves resource names through discovery: kopf's peering CRD must be served.
    control_plane.kubectl("apply", "-f", str(CHART / "files" / "kopf" / f"{PEERING_CRD}.yaml"))
    control_plane.kubectl("wait", "--for=condition=Established", f"crd/{PEERING_CRD}")
    account = f"system:serviceaccount:{namespace}:{release}-fog-compute"
    allowed = [
        ("list", "fogjobs.fogcompute.io", "--all-namespaces"),
        ("watch", "mixnodes.fogcompute.io"),
        ("patch", "fogjobs.fogcompute.io", "--subresource=status", "-n", namespace),
        ("update", "stakes.fogcompute.io", "--subresource=status", "-n", namespace),
        ("create", "pods", "-n", "default"),
        ("delete", "pods", "-n", namespace),
        ("create", "events", "-n", namespace),
        ("list", "nodes"),
        ("patch", "clusterkopfpeerings.kopf.dev"),
        ("watch", "customresourcedefinitions.apiextensions.k8s.io"),
    ]
    refused = [
        ("get", "secrets", "--all-namespaces"),
        ("get", "secrets", "-n", namespace),
        ("create", "clusterrolebindings.rbac.authorization.k8s.io"),
        ("delete", "nodes"),
        ("delete", "fogjobs.fogcompute.io", "-n", namespace),
        ("create", "deployments.apps", "-n", namespace),
        ("delete", "customresourcedefinitions.apiextensions.k8s.io"),
    ]
    assert [a for a in allowed if not can_i(control_plane, account, *a)] == []
    assert [r for r in refused if can_i(control_plane, account, *r)] == []


def test_crds_from_the_chart_install_and_survive_uninstall_with_keep(
    control_plane: Any, crds: list[str], namespace: str, release: str
) -> None:
    # The session applied these CRDs with kubectl; the release takes them over, as an upgrade
    # from a manual install would, and must leave them behind when it is uninstalled.
    control_plane.helm(
        "install",
        release,
        str(CHART),
        "--namespace",
        namespace,
        "--take-ownership",
        "--set",
        f"peering.name={release}",
        *KWOK_TOLERATION,
    )
    wanted = sorted(FOG_CRDS | {PEERING_CRD})
    for name in wanted:
        crd = json.loads(control_plane.kubectl("get", "crd", name, "-o", "json").stdout)
        annotations = crd["metadata"].get("annotations") or {}
        assert annotations.get("meta.helm.sh/release-name") == release, name
        assert annotations.get("helm.sh/resource-policy") == "keep", name

    control_plane.helm("uninstall", release, "--namespace", namespace)

    remaining = control_plane.kubectl("get", "crd", *wanted, "-o", "name", check=False)
    assert remaining.returncode == 0, remaining.stderr
    assert len(remaining.stdout.split()) == len(wanted)
    established = control_plane.kubectl(
        "wait", "--for=condition=Established", "--timeout=30s", *[f"crd/{n}" for n in crds]
    )
    assert established.returncode == 0
