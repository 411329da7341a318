"""The eviction webhook's configuration, parsed once from the environment at startup.

Read by the admission handlers' startup activity; a wrong value stops the operator with a
message naming the variable. Variables (defaults in brackets):
FOG_EVICTION_WEBHOOK [false] serve the webhook at all; FOG_EVICTION_WEBHOOK_AGENT the edge
agent's username (``system:serviceaccount:<namespace>:<name>``, required when on);
FOG_EVICTION_WEBHOOK_LISTEN [0.0.0.0:9443] where to listen; how the API server reaches it,
exactly one of FOG_EVICTION_WEBHOOK_URL (``https://127.0.0.1:<port>``, a host process) and
FOG_EVICTION_WEBHOOK_SERVICE (``<namespace>/<name>:<port>``, the chart's Service);
FOG_EVICTION_WEBHOOK_CONFIGURATION [fog-compute-edge-agent-eviction] the
ValidatingWebhookConfiguration the operator keeps.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

DEFAULT_CONFIGURATION = "fog-compute-edge-agent-eviction"
DEFAULT_LISTEN = "0.0.0.0:9443"
_SERVICE_ACCOUNT = re.compile(r"system:serviceaccount:[a-z0-9.-]+:[a-z0-9.-]+")
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})


@dataclass(frozen=True)
class ServiceRef:
    namespace: str
    name: str
    port: int

    @property
    def hosts(self) -> tuple[str, ...]:
        base = f"{self.name}.{self.namespace}"
        return (f"{base}.svc", f"{base}.svc.cluster.local", base)


@dataclass(frozen=True)
class WebhookSettings:
    enabled: bool = False
    agent_user: str = ""
    listen_host: str = "0.0.0.0"  # noqa: S104  (in a pod the API server calls the pod IP)
    listen_port: int = 9443
    url: str = ""
    service: ServiceRef | None = None
    configuration: str = DEFAULT_CONFIGURATION

    @property
    def hosts(self) -> tuple[str, ...]:
        """The names the API server calls us by: the serving certificate's SANs."""
        if self.service is not None:
            return self.service.hosts
        return (urlsplit(self.url).hostname or "",)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> WebhookSettings:
        raw = environ.get("FOG_EVICTION_WEBHOOK", "").strip().lower()
        if raw not in _TRUE | _FALSE:
            raise ValueError(f"FOG_EVICTION_WEBHOOK={raw!r} is not a boolean; use true or false")
        if raw in _FALSE:
            return cls()
        host, port = _listen(environ.get("FOG_EVICTION_WEBHOOK_LISTEN", DEFAULT_LISTEN))
        url, service = _target(environ)
        return cls(
            enabled=True,
            agent_user=_agent(environ.get("FOG_EVICTION_WEBHOOK_AGENT", "")),
            listen_host=host,
            listen_port=port,
            url=url,
            service=service,
            configuration=environ.get("FOG_EVICTION_WEBHOOK_CONFIGURATION", "").strip()
            or DEFAULT_CONFIGURATION,
        )


def _agent(raw: str) -> str:
    user = raw.strip()
    if not _SERVICE_ACCOUNT.fullmatch(user):
        raise ValueError(
            f"FOG_EVICTION_WEBHOOK_AGENT={raw!r} is not a ServiceAccount username; set "
            "system:serviceaccount:<namespace>:<name> of the edge agent"
        )
    return user


def _port(raw: str, *, variable: str) -> int:
    if not raw.isdigit() or not 0 < int(raw) <= 65535:
        raise ValueError(f"{variable}: port {raw!r} is not a TCP port; use 1 to 65535")
    return int(raw)


def _listen(raw: str) -> tuple[str, int]:
    host, colon, port = raw.strip().rpartition(":")
    if not colon or not host:
        raise ValueError(f"FOG_EVICTION_WEBHOOK_LISTEN={raw!r} is not host:port (0.0.0.0:9443)")
    return host, _port(port, variable="FOG_EVICTION_WEBHOOK_LISTEN")


def _target(environ: Mapping[str, str]) -> tuple[str, ServiceRef | None]:
    url = environ.get("FOG_EVICTION_WEBHOOK_URL", "").strip()
    raw = environ.get("FOG_EVICTION_WEBHOOK_SERVICE", "").strip()
    if bool(url) == bool(raw):
        raise ValueError(
            "set exactly one of FOG_EVICTION_WEBHOOK_URL (https://host:port, a host process) "
            "and FOG_EVICTION_WEBHOOK_SERVICE (<namespace>/<name>:<port>, in a cluster)"
        )
    if url:
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname or parts.port is None:
            raise ValueError(f"FOG_EVICTION_WEBHOOK_URL={url!r} must be https://<host>:<port>")
        return url.rstrip("/"), None
    namespace, slash, rest = raw.partition("/")
    name, colon, port = rest.partition(":")
    if not (slash and colon and namespace and name):
        raise ValueError(f"FOG_EVICTION_WEBHOOK_SERVICE={raw!r} is not <namespace>/<name>:<port>")
    return "", ServiceRef(namespace, name, _port(port, variable="FOG_EVICTION_WEBHOOK_SERVICE"))
