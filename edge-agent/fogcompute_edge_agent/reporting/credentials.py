"""How the agent reaches the API server: a kubeconfig file or the pod's ServiceAccount.

Read by ``kubeapi.KubeApi`` before each request batch. In a pod the bound ServiceAccount token
is a projected file that the kubelet rotates, so ``Credentials.token()`` re-reads it (at most
once a minute). Supports the kubeconfig fields the test bed and ordinary clusters use: server,
CA (file or data), client certificate (file or data), token or tokenFile. Never logs a secret.
"""

from __future__ import annotations

import base64
import os
import ssl
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Credentials", "CredentialsError", "from_kubeconfig", "in_cluster"]

SA_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")
_TOKEN_TTL = 60.0


class CredentialsError(ValueError):
    """The kubeconfig or the pod's ServiceAccount files are unusable; the message says which."""


@dataclass
class Credentials:
    server: str
    ssl_context: ssl.SSLContext
    token_file: Path | None = None
    static_token: str | None = None
    _cached: tuple[float, str] | None = field(default=None, repr=False)

    def token(self) -> str | None:
        if self.static_token is not None:
            return self.static_token
        if self.token_file is None:
            return None
        now = time.monotonic()
        if self._cached is None or now - self._cached[0] > _TOKEN_TTL:
            self._cached = (now, self.token_file.read_text().strip())
        return self._cached[1]

    def headers(self) -> dict[str, str]:
        token = self.token()
        return {"Authorization": f"Bearer {token}"} if token else {}


def in_cluster(sa_dir: Path = SA_DIR) -> Credentials:
    host, port = (
        os.environ.get("KUBERNETES_SERVICE_HOST"),
        os.environ.get("KUBERNETES_SERVICE_PORT"),
    )
    if not host or not port:
        raise CredentialsError(
            "not in a pod (KUBERNETES_SERVICE_HOST unset) and no --kubeconfig given; "
            "pass --kubeconfig or set KUBECONFIG"
        )
    context = ssl.create_default_context(cafile=str(sa_dir / "ca.crt"))
    server = f"https://[{host}]:{port}" if ":" in host else f"https://{host}:{port}"
    return Credentials(server=server, ssl_context=context, token_file=sa_dir / "token")


def from_kubeconfig(path: Path) -> Credentials:
    import yaml  # only here: an agent in a pod never reads a kubeconfig

    try:
        config: dict[str, Any] = yaml.safe_load(path.read_text())
        current = config["current-context"]
        context = _named(config["contexts"], current)["context"]
        cluster = _named(config["clusters"], context["cluster"])["cluster"]
        user = _named(config.get("users", []), context["user"])["user"]
    except (OSError, KeyError, TypeError, yaml.YAMLError) as exc:
        raise CredentialsError(f"kubeconfig {path}: cannot read {exc}; fix the file") from exc
    base = path.parent
    ctx = ssl.create_default_context()
    if "certificate-authority-data" in cluster:
        ctx.load_verify_locations(
            cadata=base64.b64decode(cluster["certificate-authority-data"]).decode()
        )
    elif "certificate-authority" in cluster:
        ctx.load_verify_locations(cafile=str(base / cluster["certificate-authority"]))
    if cluster.get("insecure-skip-tls-verify"):
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    _load_client_cert(ctx, user, base)
    token_file = Path(base / user["tokenFile"]) if "tokenFile" in user else None
    return Credentials(
        server=str(cluster["server"]).rstrip("/"),
        ssl_context=ctx,
        token_file=token_file,
        static_token=user.get("token"),
    )


def _named(entries: list[dict[str, Any]], name: str) -> dict[str, Any]:
    for entry in entries:
        if entry.get("name") == name:
            return entry
    raise KeyError(name)


def _load_client_cert(ctx: ssl.SSLContext, user: dict[str, Any], base: Path) -> None:
    if "client-certificate" in user and "client-key" in user:
        ctx.load_cert_chain(str(base / user["client-certificate"]), str(base / user["client-key"]))
    elif "client-certificate-data" in user and "client-key-data" in user:
        # ssl loads chains from files only: write both to a private temporary directory.
        with tempfile.TemporaryDirectory() as tmp:
            cert, key = Path(tmp) / "c.pem", Path(tmp) / "k.pem"
            cert.write_bytes(base64.b64decode(user["client-certificate-data"]))
            key.write_bytes(base64.b64decode(user["client-key-data"]))
            key.chmod(0o600)
            ctx.load_cert_chain(str(cert), str(key))
