"""The local control plane: etcd, kube-apiserver, controller-manager, scheduler and kwok.

``ControlPlane.start`` is what both ``make up`` and the session fixture of the integration tests
call. It builds (or reuses) the binaries, stops whatever a killed earlier run left in the same
state directory, starts each process on free loopback ports, creates fake nodes and waits until
every part answers. ``ControlPlane.external`` wraps a cluster that ``KUBECONFIG`` points at and
starts nothing.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import ssl
import subprocess
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from fogcompute_testbed.kubeconfigs import write_cert_kubeconfig, write_impersonating_kubeconfig
from fogcompute_testbed.node import (
    KUBELET_CLIENT_USER,
    KUBERNETES_SERVICE_IP,
    RealNode,
    clean_stale_node,
    start_real_node,
)
from fogcompute_testbed.pki import CertificateAuthority, write_service_account_key
from fogcompute_testbed.processes import (
    ManagedProcess,
    TestbedError,
    free_port,
    kill_stale,
    start_process,
    wait_for,
)
from fogcompute_testbed.toolchain import locate_binaries

__all__ = ["ControlPlane", "NodeSpec", "default_nodes"]

EDGE_LABEL = "fogcompute.io/edge"
START_TIMEOUT = float(os.environ.get("FOG_TESTBED_TIMEOUT", "120"))
# Names pods use for the API server (the ``kubernetes`` Service), in its serving certificate.
_SERVICE_NAMES = (
    "kubernetes",
    "kubernetes.default",
    "kubernetes.default.svc",
    "kubernetes.default.svc.cluster.local",
)


@dataclass(frozen=True)
class NodeSpec:
    """A fake node that kwok keeps Ready."""

    name: str
    cpu: str = "8"
    memory: str = "32Gi"
    pods: str = "110"
    edge: bool = False
    labels: tuple[tuple[str, str], ...] = ()


def default_nodes(*, nodes: int = 4, edge_nodes: int = 3) -> list[NodeSpec]:
    """``nodes`` ordinary fog nodes and ``edge_nodes`` smaller ones labelled as edge."""
    fog = [NodeSpec(name=f"fog-{i}") for i in range(nodes)]
    edge = [NodeSpec(name=f"edge-{i}", cpu="4", memory="8Gi", edge=True) for i in range(edge_nodes)]
    return fog + edge


def _node_manifest(spec: NodeSpec) -> dict[str, Any]:
    labels = {
        "kubernetes.io/hostname": spec.name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "type": "kwok",
        **dict(spec.labels),
    }
    if spec.edge:
        labels[EDGE_LABEL] = "true"
    capacity = {"cpu": spec.cpu, "memory": spec.memory, "pods": spec.pods}
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": spec.name,
            "labels": labels,
            "annotations": {"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
        },
        "status": {"capacity": capacity, "allocatable": capacity},
    }


@dataclass
class ControlPlane:
    """A running (or external) Kubernetes control plane and the tools to drive it."""

    admin_kubeconfig: Path
    bin_dir: Path
    state_dir: Path
    external: bool = False
    server: str = ""
    processes: list[ManagedProcess] = field(default_factory=list)
    node: RealNode | None = None
    _ca: CertificateAuthority | None = None

    # ----------------------------------------------------------------- construction
    @classmethod
    def from_environment(
        cls, *, state_dir: Path, nodes: Sequence[NodeSpec] = (), real_node: bool = False
    ) -> ControlPlane:
        """Use ``KUBECONFIG`` when set, otherwise start a local control plane in ``state_dir``
        (with the real node ``host-0`` beside the kwok nodes when ``real_node`` is set)."""
        kubeconfig = os.environ.get("KUBECONFIG")
        if kubeconfig:
            return cls.external_cluster(Path(kubeconfig), state_dir=state_dir)
        return cls.start(state_dir=state_dir, nodes=nodes or default_nodes(), real_node=real_node)

    @classmethod
    def external_cluster(cls, kubeconfig: Path, *, state_dir: Path) -> ControlPlane:
        state_dir.mkdir(parents=True, exist_ok=True)
        return cls(
            admin_kubeconfig=kubeconfig,
            bin_dir=locate_binaries(),
            state_dir=state_dir,
            external=True,
        )

    @classmethod
    def start(
        cls, *, state_dir: Path, nodes: Sequence[NodeSpec], real_node: bool = False
    ) -> ControlPlane:
        """Start every component in ``state_dir`` (wiped first) and wait until all are healthy."""
        bin_dir = locate_binaries()
        state_dir = state_dir.resolve()
        kill_stale(state_dir)
        clean_stale_node(state_dir)
        for stale in ("etcd", "pki", "kubeconfigs", "logs", "kwok"):
            shutil.rmtree(state_dir / stale, ignore_errors=True)
        state_dir.mkdir(parents=True, exist_ok=True)
        ca = CertificateAuthority(state_dir / "pki")
        port = free_port()
        plane = cls(
            admin_kubeconfig=state_dir / "kubeconfigs" / "admin.yaml",
            bin_dir=bin_dir,
            state_dir=state_dir,
            server=f"https://127.0.0.1:{port}",
            _ca=ca,
        )
        try:
            plane._start_etcd_and_apiserver(port)
            plane._start_controllers()
            plane.apply_nodes(nodes)
            plane._wait_healthy(nodes)
            if real_node:
                plane.node = start_real_node(
                    state_dir=state_dir,
                    server=plane.server,
                    ca=ca,
                    kubectl=plane.kubectl,
                    wait_ready=plane.wait_nodes_ready,
                    register=plane.processes.append,
                )
        except BaseException:
            plane.stop()
            raise
        return plane

    # ----------------------------------------------------------------- components
    def _run(self, name: str, argv: list[str]) -> ManagedProcess:
        proc = start_process(name, argv, state_dir=self.state_dir)
        self.processes.append(proc)
        return proc

    def _start_etcd_and_apiserver(self, api_port: int) -> None:
        assert self._ca is not None
        client_port, peer_port = free_port(), free_port()
        etcd_url = f"http://127.0.0.1:{client_port}"
        peer = f"http://127.0.0.1:{peer_port}"
        etcd = self._run(
            "etcd",
            [
                str(self.bin_dir / "etcd"),
                "--name=t0",
                f"--data-dir={self.state_dir / 'etcd'}",
                f"--listen-client-urls={etcd_url}",
                f"--advertise-client-urls={etcd_url}",
                f"--listen-peer-urls={peer}",
                f"--initial-advertise-peer-urls={peer}",
                f"--initial-cluster=t0={peer}",
                "--unsafe-no-fsync=true",
                "--log-level=warn",
            ],
        )
        wait_for(
            lambda: _http_ok(f"{etcd_url}/health", etcd),
            what=f"etcd to answer {etcd_url}/health",
            timeout=START_TIMEOUT,
        )
        pki = self.state_dir / "pki"
        serving = self._ca.issue(
            "apiserver",
            common_name="kube-apiserver",
            server=True,
            extra_sans=[KUBERNETES_SERVICE_IP, *_SERVICE_NAMES],
        )
        sa_key = write_service_account_key(pki / "sa.key")
        admin = self._ca.issue("admin", common_name="fog-admin", organizations=["system:masters"])
        kubelet_client = self._ca.issue("apiserver-kubelet-client", common_name=KUBELET_CLIENT_USER)
        write_cert_kubeconfig(
            self.admin_kubeconfig,
            server=self.server,
            ca=self._ca.cert_path,
            cert=admin.cert,
            key=admin.key,
            user="fog-admin",
        )
        apiserver = self._run(
            "kube-apiserver",
            [
                str(self.bin_dir / "kube-apiserver"),
                f"--etcd-servers={etcd_url}",
                "--bind-address=127.0.0.1",
                f"--secure-port={api_port}",
                f"--cert-dir={pki}",
                f"--tls-cert-file={serving.cert}",
                f"--tls-private-key-file={serving.key}",
                f"--client-ca-file={self._ca.cert_path}",
                "--authorization-mode=Node,RBAC",
                "--enable-admission-plugins=NodeRestriction",
                # No kube-proxy here: call webhook Services (the operator's eviction webhook)
                # at an endpoint's pod IP, which the host reaches on the node's bridge.
                "--enable-aggregator-routing=true",
                f"--kubelet-client-certificate={kubelet_client.cert}",
                f"--kubelet-client-key={kubelet_client.key}",
                f"--kubelet-certificate-authority={self._ca.cert_path}",
                "--kubelet-preferred-address-types=InternalIP,Hostname",
                f"--service-account-issuer={self.server}/",
                f"--service-account-key-file={sa_key}",
                f"--service-account-signing-key-file={sa_key}",
                "--service-cluster-ip-range=10.0.0.0/24",
                "--allow-privileged=true",
                "--enable-priority-and-fairness=false",
                "--max-requests-inflight=1000",
                "--max-mutating-requests-inflight=500",
                "--v=1",
            ],
        )
        wait_for(
            lambda: self._api_ok("/readyz", apiserver),
            what=f"kube-apiserver at {self.server}/readyz",
            timeout=START_TIMEOUT,
        )

    def _component_kubeconfig(self, name: str, user: str, groups: Sequence[str] = ()) -> Path:
        assert self._ca is not None
        cert = self._ca.issue(name, common_name=user, organizations=groups)
        return write_cert_kubeconfig(
            self.state_dir / "kubeconfigs" / f"{name}.yaml",
            server=self.server,
            ca=self._ca.cert_path,
            cert=cert.cert,
            key=cert.key,
            user=user,
        )

    def _start_controllers(self) -> None:
        assert self._ca is not None
        pki = self.state_dir / "pki"
        kcm_config = self._component_kubeconfig("kcm", "system:kube-controller-manager")
        kcm_port = free_port()
        kcm = self._run(
            "kube-controller-manager",
            [
                str(self.bin_dir / "kube-controller-manager"),
                f"--kubeconfig={kcm_config}",
                f"--authentication-kubeconfig={kcm_config}",
                f"--authorization-kubeconfig={kcm_config}",
                "--leader-elect=false",
                "--bind-address=127.0.0.1",
                f"--secure-port={kcm_port}",
                f"--cert-dir={pki / 'kcm'}",
                f"--root-ca-file={self._ca.cert_path}",
                f"--service-account-private-key-file={pki / 'sa.key'}",
                "--use-service-account-credentials=true",
                "--controllers=*,-nodeipam,-service-lb-controller,-cloud-node-lifecycle",
                "--concurrent-gc-syncs=10",
                "--kube-api-qps=200",
                "--kube-api-burst=400",
            ],
        )
        sched_config = self._component_kubeconfig("scheduler", "system:kube-scheduler")
        sched_port = free_port()
        scheduler = self._run(
            "kube-scheduler",
            [
                str(self.bin_dir / "kube-scheduler"),
                f"--kubeconfig={sched_config}",
                f"--authentication-kubeconfig={sched_config}",
                f"--authorization-kubeconfig={sched_config}",
                "--leader-elect=false",
                "--bind-address=127.0.0.1",
                f"--secure-port={sched_port}",
                f"--cert-dir={pki / 'scheduler'}",
            ],
        )
        stages = self.state_dir / "kwok" / "stages.yaml"
        stages.parent.mkdir(parents=True, exist_ok=True)
        stages.write_text(_stage_documents())
        kwok_port = free_port()
        kwok = self._run(
            "kwok",
            [
                str(self.bin_dir / "kwok"),
                f"--kubeconfig={self.admin_kubeconfig}",
                f"--config={stages}",
                "--manage-all-nodes=false",
                "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
                "--node-lease-duration-seconds=40",
                f"--server-address=127.0.0.1:{kwok_port}",
                "--cidr=10.0.0.1/24",
                "--node-ip=10.0.0.1",
            ],
        )
        for proc, port in ((kcm, kcm_port), (scheduler, sched_port)):
            url = f"https://127.0.0.1:{port}/healthz"
            wait_for(
                functools.partial(_https_ok, url, proc),
                what=f"{proc.name} at {url}",
                timeout=START_TIMEOUT,
            )
        wait_for(
            lambda: _http_ok(f"http://127.0.0.1:{kwok_port}/healthz", kwok),
            what=f"kwok at http://127.0.0.1:{kwok_port}/healthz",
            timeout=START_TIMEOUT,
        )

    def _wait_healthy(self, nodes: Sequence[NodeSpec]) -> None:
        self.wait_nodes_ready([n.name for n in nodes])
        self.wait_default_service_account("default")

    def _check_processes(self) -> None:
        for proc in self.processes:
            proc.check_alive()

    def _api_ok(self, path: str, proc: ManagedProcess) -> bool | None:
        proc.check_alive()
        assert self._ca is not None
        ctx = ssl.create_default_context(cafile=str(self._ca.cert_path))
        admin = self.state_dir / "pki"
        ctx.load_cert_chain(str(admin / "admin.crt"), str(admin / "admin.key"))
        with urllib.request.urlopen(f"{self.server}{path}", context=ctx, timeout=5) as resp:  # noqa: S310
            return True if resp.status == 200 else None

    # ----------------------------------------------------------------- public surface
    def apply_nodes(self, nodes: Sequence[NodeSpec]) -> None:
        """Create (or update) fake nodes; kwok marks them Ready."""
        docs = {"apiVersion": "v1", "kind": "List", "items": [_node_manifest(n) for n in nodes]}
        self.kubectl("apply", "-f", "-", input=json.dumps(docs))

    def wait_nodes_ready(self, names: Sequence[str], *, timeout: float = START_TIMEOUT) -> None:
        """Wait until every named node is Ready and free of the node controller's
        ``node.kubernetes.io/*`` taints (kube-scheduler skips a node that still has them)."""
        wanted = set(names)

        def ready() -> bool | None:
            self._check_processes()
            items = json.loads(self.kubectl("get", "nodes", "-o", "json").stdout)["items"]
            good = {n["metadata"]["name"] for n in items if _schedulable(n)}
            return True if wanted <= good else None

        wait_for(ready, what=f"{len(wanted)} nodes to be Ready and untainted", timeout=timeout)

    def wait_default_service_account(self, namespace: str) -> None:
        """Wait for kube-controller-manager's default ServiceAccount: pods are refused before it."""

        def exists() -> bool | None:
            self._check_processes()
            got = self.kubectl("get", "serviceaccount", "default", "-n", namespace, check=False)
            return True if got.returncode == 0 else None

        wait_for(
            exists,
            what=f"the default ServiceAccount of namespace {namespace}",
            timeout=START_TIMEOUT,
        )

    def create_namespace(self, name: str) -> None:
        """Create ``name`` and wait until pods can be created in it."""
        self.kubectl("create", "namespace", name)
        self.wait_default_service_account(name)

    def kubectl(
        self,
        *args: str,
        input: str | None = None,  # noqa: A002 - mirrors subprocess.run
        check: bool = True,
        kubeconfig: Path | None = None,
        timeout: float = 120,
    ) -> subprocess.CompletedProcess[str]:
        """Run kubectl against this control plane (as admin unless ``kubeconfig`` is given)."""
        return self._tool(
            "kubectl", args, input=input, check=check, kubeconfig=kubeconfig, timeout=timeout
        )

    def helm(
        self, *args: str, check: bool = True, timeout: float = 300
    ) -> subprocess.CompletedProcess[str]:
        """Run helm against this control plane as admin."""
        return self._tool("helm", args, input=None, check=check, kubeconfig=None, timeout=timeout)

    def _tool(
        self,
        tool: str,
        args: Sequence[str],
        *,
        input: str | None,  # noqa: A002
        check: bool,
        kubeconfig: Path | None,
        timeout: float,
    ) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "KUBECONFIG": str(kubeconfig or self.admin_kubeconfig)}
        env.setdefault("HELM_CACHE_HOME", str(self.state_dir / "helm" / "cache"))
        env.setdefault("HELM_CONFIG_HOME", str(self.state_dir / "helm" / "config"))
        env.setdefault("HELM_DATA_HOME", str(self.state_dir / "helm" / "data"))
        result = subprocess.run(
            [str(self.bin_dir / tool), *args],
            input=input,
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout,
            check=False,
        )
        if check and result.returncode != 0:
            raise TestbedError(
                f"{tool} {' '.join(args)} failed ({result.returncode}): {result.stderr.strip()}"
            )
        return result

    def kubeconfig_for(self, user: str, groups: Sequence[str] = ()) -> Path:
        """A kubeconfig for an ordinary user: a client certificate here, impersonation outside."""
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in user)
        path = self.state_dir / "kubeconfigs" / f"user-{safe}.yaml"
        if self.external:
            return write_impersonating_kubeconfig(
                path, admin=self.admin_kubeconfig, user=user, groups=groups
            )
        assert self._ca is not None
        cert = self._ca.issue(f"user-{safe}", common_name=user, organizations=groups)
        return write_cert_kubeconfig(
            path, server=self.server, ca=self._ca.cert_path, cert=cert.cert, key=cert.key, user=user
        )

    def log_of(self, name: str) -> Path:
        return self.state_dir / "logs" / f"{name}.log"

    def stop(self) -> None:
        """Stop every process this control plane started, newest first (the real node first)."""
        if self.node is not None:
            self.node.stop()
            self.node = None
        for proc in reversed(self.processes):
            proc.stop()
        self.processes.clear()


def _schedulable(node: dict[str, Any]) -> bool:
    ready = any(
        c["type"] == "Ready" and c["status"] == "True"
        for c in node.get("status", {}).get("conditions", [])
    )
    tainted = any(
        t["key"].startswith("node.kubernetes.io/") for t in node["spec"].get("taints", [])
    )
    return ready and not tainted


def _stage_documents() -> str:
    """kwok's default node and pod stages plus fog-compute's own pod outcome stages."""
    folder = resources.files("fogcompute_testbed") / "stages"
    docs = [
        yaml.safe_load(entry.read_text())
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".yaml")
    ]
    return yaml.safe_dump_all(docs, sort_keys=False)


def _http_ok(url: str, proc: ManagedProcess) -> bool | None:
    proc.check_alive()
    with urllib.request.urlopen(url, timeout=5) as resp:  # noqa: S310 - loopback URL we built
        return True if resp.status == 200 else None


def _https_ok(url: str, proc: ManagedProcess) -> bool | None:
    proc.check_alive()
    # The controllers serve a self-signed certificate on loopback: only liveness is checked.
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with urllib.request.urlopen(url, context=ctx, timeout=5) as resp:  # noqa: S310
        return True if resp.status == 200 else None
