"""Cluster DNS for the test bed's real node: CoreDNS answering ``cluster.local`` for host-0's pods.

``node.start_real_node`` calls ``start_cluster_dns`` after the node's bridge exists and before
the kubelet starts; the kubelet then writes the bridge's gateway address into every pod's
``resolv.conf`` (``clusterDNS``), so a pod reaches a Service by its DNS name the way it does in
any cluster. CoreDNS (built by ``hack/build-node.sh`` from ``hack/tools/coredns``, the real
kubernetes plugin) listens on the gateway's port 53 only, one per node: two test beds on one host
never share it. It reads Services and EndpointSlices as its own least-privilege user, with a
client certificate from the test bed's CA. The test bed runs no Service proxy, so a ClusterIP is
not reachable from pods (the ``kubernetes`` Service excepted, see ``nodehost``); a headless
Service's name resolves to the ready pods' own addresses, which is what the chart's bundled
PostgreSQL uses. Stopped with the node's other processes.
"""

from __future__ import annotations

import ipaddress
import json
import os
import socket
import struct
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fogcompute_testbed.kubeconfigs import write_cert_kubeconfig
from fogcompute_testbed.pki import CertificateAuthority
from fogcompute_testbed.processes import ManagedProcess, free_port, start_process, wait_for

__all__ = ["CLUSTER_DOMAIN", "COREDNS_USER", "corefile", "dns_rbac", "start_cluster_dns"]

CLUSTER_DOMAIN = "cluster.local"
COREDNS_USER = "fog-testbed:coredns"
_READY_TIMEOUT = float(os.environ.get("FOG_TESTBED_TIMEOUT", "120"))

Kubectl = Callable[..., subprocess.CompletedProcess[str]]


def corefile(*, listen: ipaddress.IPv4Address, kubeconfig: Path, ready_port: int) -> str:
    """The Corefile: the cluster domain from the API server, anything else to the host's
    resolver; ``ready`` on loopback says when the kubernetes plugin has synced."""
    return "\n".join(
        [
            ".:53 {",
            f"    bind {listen}",
            f"    ready 127.0.0.1:{ready_port}",
            "    errors",
            "    cache 5",
            f"    kubernetes {CLUSTER_DOMAIN} in-addr.arpa ip6.arpa {{",
            f"        kubeconfig {kubeconfig}",
            "        pods insecure",
            "        fallthrough in-addr.arpa ip6.arpa",
            "        ttl 5",
            "    }",
            "    forward . /etc/resolv.conf",
            "}",
            "",
        ]
    )


def dns_rbac() -> list[dict[str, Any]]:
    """What CoreDNS's kubernetes plugin reads, and nothing else (as CoreDNS's own manifests)."""
    role: dict[str, Any] = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": COREDNS_USER},
        "rules": [
            {
                "apiGroups": [""],
                "resources": ["endpoints", "services", "pods", "namespaces"],
                "verbs": ["list", "watch"],
            },
            {
                "apiGroups": ["discovery.k8s.io"],
                "resources": ["endpointslices"],
                "verbs": ["list", "watch"],
            },
        ],
    }
    binding: dict[str, Any] = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": COREDNS_USER},
        "roleRef": {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "ClusterRole",
            "name": COREDNS_USER,
        },
        "subjects": [
            {"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": COREDNS_USER}
        ],
    }
    return [role, binding]


def _answers(address: ipaddress.IPv4Address) -> bool:
    """One A query for the ``kubernetes`` Service's name, sent to ``address``:53."""
    name = f"kubernetes.default.svc.{CLUSTER_DOMAIN}"
    query = struct.pack(">HHHHHH", 0x4642, 0x0100, 1, 0, 0, 0)
    query += b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
    query += struct.pack(">HH", 1, 1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(1.0)
        try:
            sock.sendto(query, (str(address), 53))
            reply = sock.recv(512)
        except OSError:
            return False
    # Same id, a response, rcode 0 (NOERROR), at least one answer.
    ident, flags, _qd, answers = struct.unpack(">HHHH", reply[:8])
    return bool(ident == 0x4642 and flags & 0x8000 != 0 and flags & 0xF == 0 and answers > 0)


def start_cluster_dns(
    *,
    folder: Path,
    state_dir: Path,
    binary: Path,
    listen: ipaddress.IPv4Address,
    server: str,
    ca: CertificateAuthority,
    kubectl: Kubectl,
) -> ManagedProcess:
    """Start CoreDNS on ``listen``:53 and return once it answers for the ``kubernetes``
    Service."""
    folder.mkdir(parents=True, exist_ok=True)
    kubectl(
        "apply",
        "-f",
        "-",
        input=json.dumps({"apiVersion": "v1", "kind": "List", "items": dns_rbac()}),
    )
    cert = ca.issue("coredns", common_name=COREDNS_USER)
    kubeconfig = write_cert_kubeconfig(
        folder / "kubeconfig.yaml",
        server=server,
        ca=ca.cert_path,
        cert=cert.cert,
        key=cert.key,
        user=COREDNS_USER,
    )
    path = folder / "Corefile"
    path.write_text(corefile(listen=listen, kubeconfig=kubeconfig, ready_port=free_port()))
    proc = start_process(
        "coredns",
        [str(binary), "-conf", str(path), "-dns.port", "53"],
        state_dir=state_dir,
        env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": str(folder)},
        cwd=folder,
    )

    def answers() -> bool | None:
        proc.check_alive()
        return True if _answers(listen) else None

    wait_for(answers, what=f"cluster DNS (CoreDNS) on {listen}:53", timeout=_READY_TIMEOUT)
    return proc
