"""The chart's bundled PostgreSQL on the real node: its local volume and the chart values for it.

``release.run_chart_for_up`` (``make up``) and the end-to-end tier's release call
``bundled_ledger_values`` before ``helm install``. The test bed has no volume provisioner, so this
makes what a cluster's provisioner would: a ``local`` PersistentVolume in a folder under the
node's own directory (removed with the node by ``make down``), bound only to ``host-0`` by node
affinity, behind a StorageClass that binds when the pod is scheduled. The chart then runs the
StatefulSet from the offline image (``pgimage``), never pulled, and gives the operator the DSN
Secret it generated; the password never leaves the cluster's Secret. The economics settings are
``make up``'s demo ones (``ledgerdb.DEMO_ECONOMICS``) so the sample Stake bonds at once;
``sample_stake_line`` waits (bounded) for that and says how it stands for ``make up`` to print.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any, Protocol

import yaml

from fogcompute_testbed.ledgerdb import DEMO_ECONOMICS
from fogcompute_testbed.nodeconfig import NODE_NAME
from fogcompute_testbed.toolchain import repo_root

__all__ = [
    "LEDGER_VOLUME",
    "SAMPLE_STAKE",
    "STORAGE_CLASS",
    "bundled_ledger_values",
    "demo_genesis",
    "local_volume",
    "sample_stake_line",
]

STORAGE_CLASS = "fog-testbed-local"
SAMPLE_STAKE = repo_root() / "samples" / "stake.yaml"
LEDGER_VOLUME = "fog-testbed-ledger"
_CAPACITY = "1Gi"


class _Cluster(Protocol):
    state_dir: Path

    def kubectl(
        self,
        *args: str,
        input: str | None = ...,  # noqa: A002 - mirrors subprocess.run
        check: bool = ...,
        timeout: float = ...,
    ) -> Any: ...


def demo_genesis() -> dict[str, int]:
    """``make up``'s genesis balances as the chart's ``economics.genesis`` map."""
    pairs = (item.split("=", 1) for item in DEMO_ECONOMICS["FOG_ECONOMICS_GENESIS"].split(","))
    return {account: int(amount) for account, amount in pairs}


def local_volume(*, path: Path) -> list[dict[str, Any]]:
    """The StorageClass and the ``local`` PersistentVolume on ``host-0`` at ``path``."""
    storage_class = {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": {"name": STORAGE_CLASS},
        "provisioner": "kubernetes.io/no-provisioner",
        "volumeBindingMode": "WaitForFirstConsumer",
        "reclaimPolicy": "Retain",
    }
    volume = {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {"name": LEDGER_VOLUME},
        "spec": {
            "capacity": {"storage": _CAPACITY},
            "accessModes": ["ReadWriteOnce"],
            "persistentVolumeReclaimPolicy": "Retain",
            "storageClassName": STORAGE_CLASS,
            "volumeMode": "Filesystem",
            "local": {"path": str(path)},
            "nodeAffinity": {
                "required": {
                    "nodeSelectorTerms": [
                        {
                            "matchExpressions": [
                                {
                                    "key": "kubernetes.io/hostname",
                                    "operator": "In",
                                    "values": [NODE_NAME],
                                }
                            ]
                        }
                    ]
                }
            },
        },
    }
    return [storage_class, volume]


def _ensure_volume(cluster: _Cluster) -> None:
    """Create the volume once per cluster; a new cluster starts from an empty folder (the old
    data's password belongs to a Secret that is gone with the old cluster's etcd)."""
    existing = cluster.kubectl("get", "pv", LEDGER_VOLUME, "--ignore-not-found", "-o", "name")
    if str(existing.stdout).strip():
        return
    path = cluster.state_dir.resolve() / "node" / "local-volumes" / "ledger"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True, mode=0o700)
    items = local_volume(path=path)
    cluster.kubectl(
        "apply", "-f", "-", input=json.dumps({"apiVersion": "v1", "kind": "List", "items": items})
    )


def bundled_ledger_values(cluster: _Cluster) -> dict[str, Any]:
    """Make the local volume and return the chart's ``economics`` values for the bundled
    database on ``host-0``."""
    _ensure_volume(cluster)
    return {
        "economics": {
            "database": {
                "bundled": {
                    "enabled": True,
                    "pullPolicy": "Never",
                    "nodeSelector": {"kubernetes.io/hostname": NODE_NAME},
                    "persistence": {
                        "enabled": True,
                        "storage": _CAPACITY,
                        "storageClassName": STORAGE_CLASS,
                    },
                }
            },
            "epochSeconds": int(DEMO_ECONOMICS["FOG_ECONOMICS_EPOCH_SECONDS"]),
            "genesis": demo_genesis(),
        }
    }


def sample_stake_line(cluster: _Cluster, *, timeout_s: int = 180) -> str:
    """Wait (bounded) for ``samples/stake.yaml``'s Stake to bond in the bundled ledger and say
    how it stands, for ``make up`` to print."""
    name = yaml.safe_load(SAMPLE_STAKE.read_text())["metadata"]["name"]
    waited = cluster.kubectl(
        *("wait", "--for=jsonpath={.status.phase}=Bonded", f"stake/{name}"),
        f"--timeout={timeout_s}s",
        check=False,
        timeout=timeout_s + 30,
    )
    if waited.returncode == 0:
        bonded = cluster.kubectl("get", f"stake/{name}", "-o", "jsonpath={.status.bonded}").stdout
        return f"sample Stake {name} Bonded ({bonded} base units) in the bundled ledger"
    return f"sample Stake {name} not Bonded after {timeout_s}s: kubectl describe stake {name}"
