"""The operator's eviction webhook: an agent's bound token evicts only pods on its own node.

The operator runs as a real ``kopf run`` process on loopback with the webhook on; the API server
calls it at ``https://127.0.0.1:<port>`` (the configuration the operator wrote, with its own
self-signed certificate as the caBundle). The agent's ServiceAccount, RBAC and admission policy
come from the chart. Evictions go through the real Eviction API with a ServiceAccount token
bound to a placeholder agent pod on ``edge-0`` (so it carries the node-name claim).
"""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fogcompute_testbed.agents import (
    AGENT_NAMESPACE,
    AGENT_SERVICE_ACCOUNT,
    bound_token_kubeconfig,
    install_agent_authorization,
    write_token_kubeconfig,
)
from fogcompute_testbed.controlplane import ControlPlane
from operator_cluster import FogOperator

AGENT_USER = f"system:serviceaccount:{AGENT_NAMESPACE}:{AGENT_SERVICE_ACCOUNT}"
CONFIGURATION = "fog-test-edge-agent-eviction"
OWN, OTHER = "edge-0", "edge-1"
POLICY_SYNC_SECONDS = 30.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def webhook_operator(
    control_plane: ControlPlane, crds: list[str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FogOperator]:
    del crds
    install_agent_authorization(control_plane)
    port = _free_port()
    op = FogOperator(control_plane=control_plane, workdir=tmp_path_factory.mktemp("webhook-op"))
    op.env = {
        "FOG_EVICTION_WEBHOOK": "true",
        "FOG_EVICTION_WEBHOOK_AGENT": AGENT_USER,
        "FOG_EVICTION_WEBHOOK_LISTEN": f"127.0.0.1:{port}",
        "FOG_EVICTION_WEBHOOK_URL": f"https://127.0.0.1:{port}",
        "FOG_EVICTION_WEBHOOK_CONFIGURATION": CONFIGURATION,
    }
    op.start()
    try:
        yield op
    finally:
        op.stop()
        # failurePolicy Fail: left behind, it would refuse every later test's agent evictions.
        control_plane.kubectl(
            "delete", "validatingwebhookconfiguration", CONFIGURATION, "--ignore-not-found"
        )


def place_pod(plane: ControlPlane, namespace: str, name: str, node: str) -> None:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "nodeName": node,
            "tolerations": [{"operator": "Exists"}],
            "containers": [{"name": "work", "image": "busybox:1.36"}],
        },
    }
    plane.kubectl("apply", "-f", "-", input=json.dumps(pod))


def evict(
    plane: ControlPlane, namespace: str, name: str, kubeconfig: Path | None = None
) -> subprocess.CompletedProcess[str]:
    eviction = {
        "apiVersion": "policy/v1",
        "kind": "Eviction",
        "metadata": {"name": name, "namespace": namespace},
    }
    path = f"/api/v1/namespaces/{namespace}/pods/{name}/eviction"
    result: subprocess.CompletedProcess[str] = plane.kubectl(
        "create",
        "--raw",
        path,
        "-f",
        "-",
        input=json.dumps(eviction),
        kubeconfig=kubeconfig,
        check=False,
    )
    return result


def test_the_operator_configured_the_webhook(
    control_plane: ControlPlane, webhook_operator: FogOperator
) -> None:
    del webhook_operator
    body = json.loads(
        control_plane.kubectl(
            "get", "validatingwebhookconfiguration", CONFIGURATION, "-o", "json"
        ).stdout
    )
    (webhook,) = body["webhooks"]
    assert webhook["failurePolicy"] == "Fail"
    assert webhook["clientConfig"]["caBundle"]
    assert webhook["matchConditions"][0]["expression"] == (
        f"request.userInfo.username == '{AGENT_USER}'"
    )


def refused_count(operator: FogOperator) -> float:
    for line in operator.metrics().splitlines():
        if line.startswith('fogcompute_eviction_reviews_total{result="refused"}'):
            return float(line.split()[-1])
    raise AssertionError("no fogcompute_eviction_reviews_total on /metrics")


def test_a_bound_token_evicts_only_on_its_own_node(
    control_plane: ControlPlane, webhook_operator: FogOperator, namespace: str
) -> None:
    refused_before = refused_count(webhook_operator)
    plane = control_plane
    place_pod(plane, namespace, "mine", OWN)
    place_pod(plane, namespace, "theirs", OTHER)
    kubeconfig = bound_token_kubeconfig(
        plane, node=OWN, path=plane.state_dir / "webhook" / f"{OWN}.yaml"
    )
    refused = evict(plane, namespace, "theirs", kubeconfig)
    assert refused.returncode != 0
    assert (
        f"the edge agent on node {OWN} may evict only pods on node {OWN}; "
        f"pod {namespace}/theirs runs on node {OTHER}"
    ) in refused.stderr
    assert plane.kubectl("get", "pod", "theirs", "-n", namespace, check=False).returncode == 0
    assert refused_count(webhook_operator) == refused_before + 1
    accepted = evict(plane, namespace, "mine", kubeconfig)
    assert accepted.returncode == 0, accepted.stderr
    # Anyone else goes nowhere near the webhook (matchConditions): the admin evicts freely.
    assert evict(plane, namespace, "theirs").returncode == 0


def test_a_token_without_a_node_claim_is_refused_by_the_webhook_too(
    control_plane: ControlPlane, webhook_operator: FogOperator, namespace: str
) -> None:
    del webhook_operator
    plane = control_plane
    place_pod(plane, namespace, "any", OWN)
    token = plane.kubectl(
        "create", "token", AGENT_SERVICE_ACCOUNT, "-n", AGENT_NAMESPACE, "--duration=1h"
    ).stdout.strip()
    kubeconfig = write_token_kubeconfig(
        plane, path=plane.state_dir / "webhook" / "unbound.yaml", token=token, user="unbound"
    )
    refused = evict(plane, namespace, "any", kubeconfig)
    assert refused.returncode != 0
    assert "has no node-name claim" in refused.stderr  # the chart's policy says it first
    # Without the policy, the webhook alone still refuses it.
    names = plane.kubectl("get", "validatingadmissionpolicybinding", "-o", "name").stdout.split()
    (binding,) = [n for n in names if n.endswith("-edge-agent-own-node")]
    plane.kubectl("delete", binding)
    try:
        # The API server drops a deleted binding from its policy cache a moment later.
        deadline = time.monotonic() + POLICY_SYNC_SECONDS
        refused = evict(plane, namespace, "any", kubeconfig)
        while "ValidatingAdmissionPolicy" in refused.stderr and time.monotonic() < deadline:
            time.sleep(0.2)
            refused = evict(plane, namespace, "any", kubeconfig)
        assert refused.returncode != 0
        assert "so the pods it may evict are unknown" in refused.stderr, (
            f"waited {POLICY_SYNC_SECONDS:.0f}s for the webhook's answer; saw {refused.stderr}"
        )
    finally:
        install_agent_authorization(plane)
        # A re-created binding is enforced a moment later: wait, so later tests find it active.
        deadline = time.monotonic() + POLICY_SYNC_SECONDS
        while "ValidatingAdmissionPolicy" not in refused.stderr and time.monotonic() < deadline:
            time.sleep(0.2)
            refused = evict(plane, namespace, "any", kubeconfig)
        assert "ValidatingAdmissionPolicy" in refused.stderr, refused.stderr


def test_zz_with_the_operator_down_the_agents_evictions_are_refused(
    control_plane: ControlPlane, webhook_operator: FogOperator, namespace: str
) -> None:
    """failurePolicy Fail, on purpose: an operator that cannot answer is no open door. The
    file's last test: it stops the module's operator."""
    plane = control_plane
    place_pod(plane, namespace, "mine", OWN)
    kubeconfig = bound_token_kubeconfig(
        plane, node=OWN, path=plane.state_dir / "webhook" / f"{OWN}-down.yaml"
    )
    webhook_operator.stop()
    refused = evict(plane, namespace, "mine", kubeconfig)
    assert refused.returncode != 0
    assert "failed calling webhook" in refused.stderr, refused.stderr
    assert evict(plane, namespace, "mine").returncode == 0  # the admin is not held up
