"""Configuration files of the test bed's real node: containerd, the CNI chain and the kubelet.

Sits between ``node`` (which starts the processes) and the files those processes read. Pure: a
``NodeLayout`` in, text or dicts out, so the unit tests can check every setting that keeps two
nodes (``make up`` and the test suite) apart on one host: own directories, socket, bridge,
subnet, cgroup root and ports.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "NODE_LABELS",
    "NODE_NAME",
    "SANDBOX_IMAGE",
    "NodeLayout",
    "cni_conflist",
    "containerd_config",
    "kubelet_config",
    "pick_subnet",
]

NODE_NAME = "host-0"
# A real node and an edge node, as the issue asks: the chart's edge-agent DaemonSet runs on it and
# reports its EdgeDevice from the host's /proc and /sys. The scheduler then treats host-0 as a
# harvested device: FogJobs run there only with spec.allowHarvested while that EdgeDevice says
# harvestable (``release`` applies its policy).
NODE_LABELS = {"fogcompute.io/real-node": "true", "fogcompute.io/edge": "true"}
SANDBOX_IMAGE = "fogcompute.io/testbed/pause:1"
_SUBNET_BASE = ipaddress.IPv4Network("10.244.0.0/16")


def _digest(state_dir: Path) -> str:
    return hashlib.sha256(str(state_dir.resolve()).encode()).hexdigest()


def pick_subnet(
    state_dir: Path, *, taken: Iterable[ipaddress.IPv4Network]
) -> ipaddress.IPv4Network:
    """A /24 inside 10.244.0.0/16 chosen from the state directory's hash, skipping ``taken``."""
    used = list(taken)
    start = int(_digest(state_dir)[:4], 16) % 250 + 1
    for offset in range(250):
        third = (start + offset - 1) % 250 + 1
        candidate = ipaddress.IPv4Network(f"10.244.{third}.0/24")
        if not any(candidate.overlaps(net) for net in used):
            return candidate
    raise ValueError(f"no free /24 left in {_SUBNET_BASE}; remove stale routes (ip route)")


@dataclass(frozen=True)
class NodeLayout:
    """Where one real node keeps its files and which host names (bridge, cgroup) it owns."""

    state_dir: Path
    subnet: ipaddress.IPv4Network

    @property
    def root(self) -> Path:
        return self.state_dir / "node"

    @property
    def tag(self) -> str:
        """Eight hex digits naming this node's bridge and cgroup root, unique per state dir."""
        return _digest(self.state_dir)[:8]

    @property
    def bridge(self) -> str:
        return f"fog{self.tag}"

    @property
    def gateway(self) -> ipaddress.IPv4Address:
        """The bridge's address: the node's InternalIP, where the kubelet serves."""
        return next(self.subnet.hosts())

    @property
    def cgroup_root(self) -> str:
        return f"/fogcompute-{self.tag}"

    @property
    def containerd_dir(self) -> Path:
        return self.root / "containerd"

    @property
    def socket(self) -> Path:
        return self.containerd_dir / "containerd.sock"

    @property
    def kubelet_dir(self) -> Path:
        return self.root / "kubelet"

    @property
    def cni_conf_dir(self) -> Path:
        return self.root / "cni" / "net.d"

    @property
    def pod_logs_dir(self) -> Path:
        return self.root / "pod-logs"


def _q(value: str | Path) -> str:
    """A TOML basic string (JSON's escaping is a subset TOML accepts for these values)."""
    return json.dumps(str(value))


def containerd_config(layout: NodeLayout, *, cni_bin_dir: Path, runc: Path) -> str:
    """containerd 2.x configuration (version 3): every path under the node's own folder."""
    c = layout.containerd_dir
    cri_runtime = "plugins.'io.containerd.cri.v1.runtime'"
    runc_table = f"{cri_runtime}.containerd.runtimes.runc"
    return "\n".join(
        [
            "version = 3",
            f"root = {_q(c / 'root')}",
            f"state = {_q(c / 'state')}",
            "disabled_plugins = ["
            '"io.containerd.nri.v1.nri", "io.containerd.snapshotter.v1.btrfs", '
            '"io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", '
            '"io.containerd.snapshotter.v1.blockfile", "io.containerd.snapshotter.v1.erofs", '
            '"io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]',
            "",
            "[grpc]",
            f"  address = {_q(layout.socket)}",
            "[ttrpc]",
            f"  address = {_q(str(layout.socket) + '.ttrpc')}",
            "[debug]",
            '  address = ""',
            '  level = "info"',
            "[metrics]",
            '  address = ""',
            "",
            "[plugins.'io.containerd.internal.v1.opt']",
            f"  path = {_q(c / 'opt')}",
            "[plugins.'io.containerd.grpc.v1.cri']",
            '  stream_server_address = "127.0.0.1"',
            '  stream_server_port = "0"',
            "[plugins.'io.containerd.cri.v1.images']",
            '  snapshotter = "overlayfs"',
            "[plugins.'io.containerd.cri.v1.images'.pinned_images]",
            f"  sandbox = {_q(SANDBOX_IMAGE)}",
            f"[{cri_runtime}]",
            "  enable_selinux = false",
            "  netns_mounts_under_state_dir = true",
            # Sandboxed hosts (this one) lack CAP_SYS_RESOURCE: the kubelet's negative OOM
            # scores for pause and Guaranteed pods would make runc fail; clamp them instead.
            "  restrict_oom_score_adj = true",
            f"[{cri_runtime}.containerd]",
            '  default_runtime_name = "runc"',
            f"[{runc_table}]",
            '  runtime_type = "io.containerd.runc.v2"',
            f"[{runc_table}.options]",
            f"  BinaryName = {_q(runc)}",
            f"  Root = {_q(c / 'runc')}",
            "  SystemdCgroup = false",
            f"[{cri_runtime}.cni]",
            f"  bin_dirs = [{_q(cni_bin_dir)}]",
            f"  conf_dir = {_q(layout.cni_conf_dir)}",
            "  max_conf_num = 1",
            "",
        ]
    )


def cni_conflist(layout: NodeLayout, *, portmap: bool) -> dict[str, Any]:
    """bridge + host-local on the node's own bridge and /24, loopback, and portmap when usable."""
    plugins: list[dict[str, Any]] = [
        {
            "type": "bridge",
            "bridge": layout.bridge,
            "isGateway": True,
            "ipMasq": False,
            "hairpinMode": True,
            "ipam": {
                "type": "host-local",
                "ranges": [[{"subnet": str(layout.subnet), "gateway": str(layout.gateway)}]],
                "dataDir": str(layout.root / "cni" / "ipam"),
                # A default route via the bridge: the kubernetes Service's IP is reached that way.
                "routes": [{"dst": "0.0.0.0/0"}],
            },
        }
    ]
    if portmap:
        plugins.append({"type": "portmap", "capabilities": {"portMappings": True}})
    return {"cniVersion": "1.0.0", "name": f"fog-{layout.tag}", "plugins": plugins}


def kubelet_config(
    layout: NodeLayout,
    *,
    port: int,
    healthz_port: int,
    client_ca: Path,
    tls_cert: Path,
    tls_key: Path,
    cgroup_v1: bool,
    cluster_dns: str | None = None,
) -> dict[str, Any]:
    """KubeletConfiguration: cgroupfs, x509 + webhook auth, no image GC, tiny eviction floors;
    pods resolve through ``cluster_dns`` (the node's CoreDNS, ``clusterdns``) when given."""
    config: dict[str, Any] = {
        "apiVersion": "kubelet.config.k8s.io/v1beta1",
        "kind": "KubeletConfiguration",
        "address": str(layout.gateway),
        "port": port,
        "readOnlyPort": 0,
        "healthzBindAddress": "127.0.0.1",
        "healthzPort": healthz_port,
        "authentication": {
            "anonymous": {"enabled": False},
            "webhook": {"enabled": True},
            "x509": {"clientCAFile": str(client_ca)},
        },
        "authorization": {"mode": "Webhook"},
        "tlsCertFile": str(tls_cert),
        "tlsPrivateKeyFile": str(tls_key),
        "containerRuntimeEndpoint": f"unix://{layout.socket}",
        "cgroupDriver": "cgroupfs",
        "cgroupRoot": layout.cgroup_root,
        "cgroupsPerQOS": True,
        "failSwapOn": False,
        "podLogsDir": str(layout.pod_logs_dir),
        "clusterDomain": "cluster.local",
        "resolvConf": "/etc/resolv.conf",
        "maxPods": 40,
        "serializeImagePulls": False,
        # The images are imported, never pulled: the kubelet must not collect them.
        "imageGCHighThresholdPercent": 100,
        "imageGCLowThresholdPercent": 99,
        # A shared development disk is often fuller than the kubelet's defaults like.
        "evictionHard": {
            "memory.available": "50Mi",
            "nodefs.available": "1%",
            "nodefs.inodesFree": "1%",
            "imagefs.available": "1%",
        },
        "nodeStatusUpdateFrequency": "5s",
        "syncFrequency": "10s",
        "fileCheckFrequency": "20s",
        "shutdownGracePeriod": "0s",
    }
    if cgroup_v1:
        config["failCgroupV1"] = False
    if cluster_dns is not None:
        config["clusterDNS"] = [cluster_dns]
    return config
