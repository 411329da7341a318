"""The test bed's real node, ``host-0``: containerd 2.x, runc and a kubelet beside the kwok nodes.

``ControlPlane.start(real_node=True)`` calls ``start_real_node`` once the API server and the
controllers answer. It builds (or reuses) the node's binaries (``hack/build-node.sh``) and the
offline images (``images``), cleans whatever a killed earlier node left (``nodehost``), starts
containerd on its own socket and folders, imports the images, and starts a kubelet that
registers ``host-0`` (labelled ``fogcompute.io/real-node`` and ``fogcompute.io/edge``) with a
client certificate from the test bed's CA, serves ``kubectl logs``/``exec`` with a serving
certificate from the same CA, gives pods addresses on the node's own CNI bridge, and resolves
their Service names through the node's CoreDNS on the bridge's gateway (``clusterdns``).
``RealNode.stop`` is run by ``ControlPlane.stop``: it stops the processes, then unmounts and
deletes everything the node made on the host.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from fogcompute_testbed.clusterdns import start_cluster_dns
from fogcompute_testbed.images import ImageArchive, build_images
from fogcompute_testbed.kubeconfigs import write_cert_kubeconfig
from fogcompute_testbed.nodeconfig import (
    NODE_LABELS,
    NODE_NAME,
    NodeLayout,
    cni_conflist,
    containerd_config,
    kubelet_config,
    pick_subnet,
)
from fogcompute_testbed.nodehost import (
    cgroup_v1,
    clean_node,
    host_routes,
    make_bridge,
    make_cgroup_roots,
    route_service_to_apiserver,
    unsupported_reason,
)
from fogcompute_testbed.pki import CertificateAuthority
from fogcompute_testbed.processes import (
    ManagedProcess,
    TestbedError,
    free_port,
    start_process,
    wait_for,
)
from fogcompute_testbed.toolchain import repo_root

__all__ = [
    "KUBELET_CLIENT_USER",
    "KUBERNETES_SERVICE_IP",
    "NODE_LABELS",
    "RealNode",
    "clean_stale_node",
    "locate_node_binaries",
    "start_real_node",
    "want_real_node",
]

KUBELET_CLIENT_USER = "kube-apiserver-kubelet-client"
# The ``kubernetes`` Service's ClusterIP: the first address of the API server's
# --service-cluster-ip-range (10.0.0.0/24); pods on host-0 reach the API server through it.
KUBERNETES_SERVICE_IP = "10.0.0.1"
NODE_BINARIES = ("kubelet", "containerd", "containerd-shim-runc-v2", "ctr", "pause", "coredns")
START_TIMEOUT = float(os.environ.get("FOG_TESTBED_TIMEOUT", "120"))

Kubectl = Callable[..., subprocess.CompletedProcess[str]]


@dataclass
class RealNode:
    """A running real node: its layout, binaries, processes and imported images."""

    layout: NodeLayout
    bin_dir: Path
    images: tuple[ImageArchive, ...]
    processes: list[ManagedProcess] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return NODE_NAME

    def ctr(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """Run ``ctr`` against this node's containerd in the CRI namespace ``k8s.io``."""
        argv = [str(self.bin_dir / "ctr"), "--address", str(self.layout.socket), "-n", "k8s.io"]
        result = subprocess.run(
            [*argv, *args], capture_output=True, text=True, timeout=timeout, check=False
        )
        if result.returncode != 0:
            raise TestbedError(f"ctr {' '.join(args)} failed: {result.stderr.strip()}")
        return result

    def stop(self) -> None:
        """Stop the kubelet and containerd, then undo everything the node made on the host."""
        for proc in reversed(self.processes):
            proc.stop()
        self.processes.clear()
        clean_node(self.layout)


def want_real_node() -> bool:
    """``make up`` starts host-0 unless ``FOG_REAL_NODE=0`` (it still falls back to kwok only,
    saying why, where the machine cannot run it)."""
    return os.environ.get("FOG_REAL_NODE", "1") != "0"


def locate_node_binaries() -> Path:
    """The folder with the node's binaries (``FOG_NODE_BIN_DIR``, or built by build-node.sh)."""
    explicit = os.environ.get("FOG_NODE_BIN_DIR")
    if explicit:
        folder = Path(explicit)
    else:
        script = repo_root() / "hack" / "build-node.sh"
        result = subprocess.run(
            ["bash", str(script)], capture_output=True, text=True, check=False, timeout=3600
        )
        if result.returncode != 0:
            raise TestbedError(f"building the real node failed:\n{result.stderr.strip()}")
        folder = Path(result.stdout.strip().splitlines()[-1])
    missing = [b for b in NODE_BINARIES if not os.access(folder / b, os.X_OK)]
    if missing:
        raise TestbedError(f"{folder} lacks {', '.join(missing)}: rerun hack/build-node.sh")
    return folder


def clean_stale_node(state_dir: Path) -> bool:
    """Undo what a killed node in ``state_dir`` left behind; True when there was one."""
    layout = NodeLayout(state_dir=state_dir.resolve(), subnet=pick_subnet(state_dir, taken=()))
    existed = layout.root.exists()
    if existed:
        clean_node(layout)
    return existed


def start_real_node(
    *,
    state_dir: Path,
    server: str,
    ca: CertificateAuthority,
    kubectl: Kubectl,
    wait_ready: Callable[[Sequence[str]], None],
    register: Callable[[ManagedProcess], None] = lambda _proc: None,
) -> RealNode | None:
    """Start ``host-0``; None (after one line saying why) when this machine cannot run it.

    ``register`` also hands containerd and the kubelet to the caller's process list, so its
    liveness checks (and their log tails) cover them."""
    runc = shutil.which("runc")
    reason = unsupported_reason(runc=runc)
    if reason is not None:
        print(f"fog-compute: no real node on this machine ({reason}); kwok nodes only", flush=True)
        return None
    assert runc is not None
    state_dir = state_dir.resolve()
    timings: dict[str, float] = {}
    started = time.monotonic()
    bin_dir = locate_node_binaries()
    timings["build_node_s"] = time.monotonic() - started
    started = time.monotonic()
    images = build_images(node_bin_dir=bin_dir)
    timings["build_images_s"] = time.monotonic() - started
    clean_stale_node(state_dir)
    layout = NodeLayout(state_dir=state_dir, subnet=pick_subnet(state_dir, taken=host_routes()))
    node = RealNode(layout=layout, bin_dir=bin_dir, images=images, timings=timings)
    try:
        _prepare_host(layout, bin_dir=bin_dir, runc=Path(runc))
        port = urlsplit(server).port or 443
        route_service_to_apiserver(layout, service_ip=KUBERNETES_SERVICE_IP, api_port=port)
        _start_containerd(node, state_dir=state_dir)
        register(node.processes[-1])
        started = time.monotonic()
        for image in images:
            node.ctr("images", "import", str(image.archive))
        timings["import_images_s"] = time.monotonic() - started
        _authorize_apiserver(kubectl)
        dns = start_cluster_dns(
            folder=layout.root / "dns",
            state_dir=state_dir,
            binary=bin_dir / "coredns",
            listen=layout.gateway,
            server=server,
            ca=ca,
            kubectl=kubectl,
        )
        node.processes.append(dns)
        register(dns)
        _start_kubelet(node, state_dir=state_dir, server=server, ca=ca)
        register(node.processes[-1])
        started = time.monotonic()
        wait_ready([NODE_NAME])
        timings["node_ready_s"] = time.monotonic() - started
    except BaseException:
        node.stop()
        raise
    return node


def _prepare_host(layout: NodeLayout, *, bin_dir: Path, runc: Path) -> None:
    for folder in (layout.containerd_dir, layout.kubelet_dir, layout.cni_conf_dir):
        folder.mkdir(parents=True, exist_ok=True)
    layout.pod_logs_dir.mkdir(parents=True, exist_ok=True)
    make_cgroup_roots(layout)
    make_bridge(layout)
    portmap = shutil.which("iptables") is not None
    conflist = layout.cni_conf_dir / "10-fog.conflist"
    conflist.write_text(json.dumps(cni_conflist(layout, portmap=portmap), indent=2))
    (layout.containerd_dir / "config.toml").write_text(
        containerd_config(layout, cni_bin_dir=bin_dir / "cni", runc=runc)
    )


def _node_env(bin_dir: Path) -> dict[str, str]:
    path = f"{bin_dir}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    return {"PATH": path, "HOME": os.environ.get("HOME", "/root"), "LANG": "C.UTF-8"}


def _start_containerd(node: RealNode, *, state_dir: Path) -> None:
    layout = node.layout
    proc = start_process(
        "containerd",
        [str(node.bin_dir / "containerd"), "--config", str(layout.containerd_dir / "config.toml")],
        state_dir=state_dir,
        env=_node_env(node.bin_dir),
    )
    node.processes.append(proc)

    def answers() -> bool | None:
        proc.check_alive()
        if not layout.socket.exists():
            return None
        node.ctr("version", timeout=10)
        return True

    wait_for(answers, what=f"containerd on {layout.socket}", timeout=START_TIMEOUT)


def _authorize_apiserver(kubectl: Kubectl) -> None:
    """Let the API server's kubelet client use the kubelet API (logs, exec, port-forward)."""
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": "fog-testbed:apiserver-kubelet-client"},
        "roleRef": {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "ClusterRole",
            "name": "system:kubelet-api-admin",
        },
        "subjects": [
            {"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": KUBELET_CLIENT_USER}
        ],
    }
    kubectl("apply", "-f", "-", input=json.dumps(binding))


def _start_kubelet(
    node: RealNode, *, state_dir: Path, server: str, ca: CertificateAuthority
) -> None:
    layout = node.layout
    client = ca.issue(
        "kubelet-client", common_name=f"system:node:{NODE_NAME}", organizations=["system:nodes"]
    )
    serving = ca.issue(
        "kubelet-serving",
        common_name=NODE_NAME,
        server=True,
        extra_sans=[str(layout.gateway), NODE_NAME],
    )
    kubeconfig = write_cert_kubeconfig(
        layout.kubelet_dir / "kubeconfig.yaml",
        server=server,
        ca=ca.cert_path,
        cert=client.cert,
        key=client.key,
        user=f"system:node:{NODE_NAME}",
    )
    port, healthz = free_port(), free_port()
    config = kubelet_config(
        layout,
        port=port,
        healthz_port=healthz,
        client_ca=ca.cert_path,
        tls_cert=serving.cert,
        tls_key=serving.key,
        cgroup_v1=cgroup_v1(),
        cluster_dns=str(layout.gateway),
    )
    config_path = layout.kubelet_dir / "config.yaml"
    config_path.write_text(yaml.safe_dump(config, sort_keys=False))
    labels = ",".join(f"{k}={v}" for k, v in NODE_LABELS.items())
    proc = start_process(
        "kubelet",
        [
            str(node.bin_dir / "kubelet"),
            f"--config={config_path}",
            f"--kubeconfig={kubeconfig}",
            f"--root-dir={layout.kubelet_dir / 'root'}",
            f"--cert-dir={layout.kubelet_dir / 'pki'}",
            f"--hostname-override={NODE_NAME}",
            f"--node-ip={layout.gateway}",
            f"--node-labels={labels}",
            "--v=2",
        ],
        state_dir=state_dir,
        env=_node_env(node.bin_dir),
    )
    node.processes.append(proc)
