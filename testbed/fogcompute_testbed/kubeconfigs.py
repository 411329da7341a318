"""Kubeconfig files for the testbed's users.

Client-certificate users on the local control plane; on an external cluster (``KUBECONFIG`` set)
an ordinary user is the admin's credentials plus impersonation, which the API server authorises
exactly like that user.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

__all__ = ["write_cert_kubeconfig", "write_impersonating_kubeconfig"]


def _dump(path: Path, config: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    path.chmod(0o600)
    return path


def write_cert_kubeconfig(
    path: Path, *, server: str, ca: Path, cert: Path, key: Path, user: str
) -> Path:
    """A kubeconfig that authenticates with a client certificate."""
    return _dump(
        path,
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {
                    "name": "fog-testbed",
                    "cluster": {"server": server, "certificate-authority": str(ca)},
                }
            ],
            "users": [
                {"name": user, "user": {"client-certificate": str(cert), "client-key": str(key)}}
            ],
            "contexts": [
                {"name": "fog-testbed", "context": {"cluster": "fog-testbed", "user": user}}
            ],
            "current-context": "fog-testbed",
        },
    )


def write_impersonating_kubeconfig(
    path: Path, *, admin: Path, user: str, groups: Sequence[str] = ()
) -> Path:
    """Copy ``admin``'s current context and impersonate ``user`` (and ``groups``)."""
    config: dict[str, Any] = yaml.safe_load(admin.read_text())
    current = config.get("current-context")
    contexts = {c["name"]: c["context"] for c in config.get("contexts", [])}
    user_name = contexts[current]["user"] if current in contexts else None
    for entry in config.get("users", []):
        if entry["name"] == user_name:
            entry["user"]["as"] = user
            if groups:
                entry["user"]["as-groups"] = list(groups)
    return _dump(path, config)
