"""The chart's admission policy: an agent's bound token writes only its own node's EdgeDevice."""

from __future__ import annotations

import json
from pathlib import Path

from fogcompute_testbed.agents import (
    AGENT_NAMESPACE,
    AGENT_SERVICE_ACCOUNT,
    bound_token_kubeconfig,
    install_agent_authorization,
    write_token_kubeconfig,
)
from fogcompute_testbed.controlplane import ControlPlane


def status_patch(plane: ControlPlane, name: str, kubeconfig: Path) -> tuple[int, str]:
    body = {
        "apiVersion": "fogcompute.io/v1alpha1",
        "kind": "EdgeDevice",
        "metadata": {"name": name},
        "status": {"agentVersion": "authz-test"},
    }
    result = control_patch(plane, name, kubeconfig, body)
    return result.returncode, result.stderr


def control_patch(plane: ControlPlane, name: str, kubeconfig: Path, body: dict[str, object]):  # type: ignore[no-untyped-def]
    return plane.kubectl(
        "apply",
        "--server-side",
        "--field-manager=authz-test",
        "--force-conflicts",
        "--subresource=status",
        "-f",
        "-",
        input=json.dumps(body),
        kubeconfig=kubeconfig,
        check=False,
    )


def ensure_devices(plane: ControlPlane, *names: str) -> None:
    for name in names:
        doc = {
            "apiVersion": "fogcompute.io/v1alpha1",
            "kind": "EdgeDevice",
            "metadata": {"name": name},
            "spec": {"nodeName": name},
        }
        plane.kubectl("apply", "--server-side", "-f", "-", input=json.dumps(doc))


def test_bound_token_writes_only_its_own_node(control_plane: ControlPlane, crds: list[str]) -> None:
    plane = control_plane
    install_agent_authorization(plane)
    ensure_devices(plane, "edge-1", "edge-2")
    kubeconfig = bound_token_kubeconfig(
        plane, node="edge-2", path=plane.state_dir / "authz" / "edge-2.yaml"
    )
    code, err = status_patch(plane, "edge-2", kubeconfig)
    assert code == 0, err
    code, err = status_patch(plane, "edge-1", kubeconfig)
    assert code != 0
    assert "the edge agent on node edge-2 may write only EdgeDevice edge-2, not edge-1" in err
    created = plane.kubectl(
        "create",
        "-f",
        "-",
        kubeconfig=kubeconfig,
        check=False,
        input=json.dumps(
            {
                "apiVersion": "fogcompute.io/v1alpha1",
                "kind": "EdgeDevice",
                "metadata": {"name": "edge-1x"},
                "spec": {"nodeName": "edge-1x"},
            }
        ),
    )
    assert created.returncode != 0
    assert "may write only EdgeDevice edge-2" in created.stderr


def test_a_token_without_a_node_claim_is_refused(
    control_plane: ControlPlane, crds: list[str]
) -> None:
    plane = control_plane
    install_agent_authorization(plane)
    ensure_devices(plane, "edge-2")
    token = plane.kubectl(
        "create", "token", AGENT_SERVICE_ACCOUNT, "-n", AGENT_NAMESPACE, "--duration=1h"
    ).stdout.strip()
    kubeconfig = write_token_kubeconfig(
        plane, path=plane.state_dir / "authz" / "unbound.yaml", token=token, user="unbound"
    )
    code, err = status_patch(plane, "edge-2", kubeconfig)
    assert code != 0
    assert "has no node-name claim" in err


def test_rbac_gives_the_agent_nothing_else(control_plane: ControlPlane, crds: list[str]) -> None:
    plane = control_plane
    install_agent_authorization(plane)
    user = f"system:serviceaccount:{AGENT_NAMESPACE}:{AGENT_SERVICE_ACCOUNT}"
    listing = plane.kubectl("auth", "can-i", "--list", f"--as={user}").stdout
    resources = {line.split()[0] for line in listing.splitlines()[1:] if line.split()}
    for forbidden in ("secrets", "fogjobs.fogcompute.io", "nodes", "deployments.apps", "pods/exec"):
        assert forbidden not in resources, listing
    for verb, resource in (("delete", "pods"), ("patch", "edgedevices"), ("update", "pods")):
        check = plane.kubectl("auth", "can-i", verb, resource, f"--as={user}", check=False)
        assert check.stdout.strip() == "no", (verb, resource)
    evict = ("auth", "can-i", "create", "pods", "--subresource=eviction", f"--as={user}")
    assert plane.kubectl(*evict, check=False).stdout.strip() == "yes"
    status = ("auth", "can-i", "patch", "edgedevices", "--subresource=status", f"--as={user}")
    assert plane.kubectl(*status, check=False).stdout.strip() == "yes"
