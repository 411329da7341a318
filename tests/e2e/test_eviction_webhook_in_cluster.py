"""End to end: the chart's operator pod serves the edge agent's eviction webhook.

The API server calls the operator on host-0 through the chart's ``<release>-webhook`` Service
(the test bed routes Services to endpoints, ``--enable-aggregator-routing``), trusting the
self-signed certificate the operator wrote into the configuration. A token bound to the
DaemonSet's agent pod on host-0 (so it carries the node claim host-0) is refused the eviction
of a pod on the kwok node fog-0, with the webhook's message; the agent's own evictions on host-0
going through are ``test_real_node``'s revocation test.
"""

from __future__ import annotations

import json
import time
from typing import Any

from e2e_support import get_json
from fogcompute_testbed.agents import write_token_kubeconfig
from fogcompute_testbed.controlplane import ControlPlane
from fogcompute_testbed.nodeconfig import NODE_NAME
from fogcompute_testbed.release import ChartRelease

OTHER = "fog-0"


def _component_pod(plane: ControlPlane, release: ChartRelease, component: str) -> dict[str, Any]:
    selector = f"app.kubernetes.io/instance={release.name},app.kubernetes.io/component={component}"
    (pod,) = get_json(plane, "pods", "-n", release.namespace, "-l", selector)["items"]
    return dict(pod)


def test_the_operator_pod_refuses_an_agent_eviction_on_another_node(
    control_plane: ControlPlane, release: ChartRelease, namespace: str
) -> None:
    plane = control_plane
    (configuration,) = [
        c
        for c in get_json(plane, "validatingwebhookconfigurations")["items"]
        if c["metadata"].get("labels", {}).get("app.kubernetes.io/instance") == release.name
    ]
    (webhook,) = configuration["webhooks"]  # written by the operator pod at its startup
    assert webhook["clientConfig"]["service"]["name"] == f"{release.name}-webhook"
    agent = _component_pod(plane, release, "edge-agent")
    assert agent["spec"]["nodeName"] == NODE_NAME
    token = plane.kubectl(
        "create",
        "token",
        agent["spec"]["serviceAccountName"],
        "-n",
        release.namespace,
        "--duration=1h",
        "--bound-object-kind=Pod",
        f"--bound-object-name={agent['metadata']['name']}",
    ).stdout.strip()
    kubeconfig = write_token_kubeconfig(
        plane, path=plane.state_dir / "webhook-e2e" / "agent.yaml", token=token, user="agent"
    )
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "elsewhere", "namespace": namespace},
        "spec": {
            "nodeName": OTHER,
            "tolerations": [{"operator": "Exists"}],
            "containers": [{"name": "work", "image": "busybox:1.36"}],
        },
    }
    plane.kubectl("apply", "-f", "-", input=json.dumps(pod))
    eviction = {
        "apiVersion": "policy/v1",
        "kind": "Eviction",
        "metadata": {"name": "elsewhere", "namespace": namespace},
    }
    path = f"/api/v1/namespaces/{namespace}/pods/elsewhere/eviction"
    # The Service's endpoint is published with the pod; allow the first call a moment.
    deadline = time.monotonic() + 60
    while True:
        refused = plane.kubectl(
            "create",
            "--raw",
            path,
            "-f",
            "-",
            input=json.dumps(eviction),
            kubeconfig=kubeconfig,
            check=False,
        )
        if "may evict only" in refused.stderr or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert refused.returncode != 0
    assert (
        f"the edge agent on node {NODE_NAME} may evict only pods on node {NODE_NAME}; "
        f"pod {namespace}/elsewhere runs on node {OTHER}"
    ) in refused.stderr, refused.stderr
    operator = _component_pod(plane, release, "operator")["metadata"]["name"]
    log = plane.kubectl("logs", "-n", release.namespace, operator).stdout
    assert "eviction refused" in log
