"""What each offline image of the test bed's real node is: names, user, entrypoint, environment.

The operator, edge-agent and busybox specs mirror ``images/*.Dockerfile`` (the recipes for
registries and hosts with Docker); ``dockerfile_runtime`` reads a Dockerfile's final stage so a
test can check that both builds agree. Pure data and parsing; ``images`` does the building.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "BUSYBOX",
    "BUSYBOX_GROUP",
    "BUSYBOX_PASSWD",
    "BUSYBOX_VERSION",
    "EDGE_AGENT",
    "NONROOT_GROUP",
    "NONROOT_PASSWD",
    "OPERATOR",
    "PAUSE",
    "DockerfileRuntime",
    "ImageSpec",
    "dockerfile_runtime",
]

# The account of uid 65532 in the Python images (kopf's peering id asks getpass.getuser()).
NONROOT_PASSWD = "nonroot:x:65532:65532:nonroot:/tmp:/usr/sbin/nologin"  # noqa: S105 - no password
NONROOT_GROUP = "nonroot:x:65532:"
_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
_PYTHON_ENV = (
    ("PYTHONDONTWRITEBYTECODE", "1"),
    ("PYTHONUNBUFFERED", "1"),
    ("PIP_NO_CACHE_DIR", "1"),
    ("PIP_DISABLE_PIP_VERSION_CHECK", "1"),
    ("HOME", "/tmp"),  # noqa: S108 - the image's only writable path (an emptyDir)
)


@dataclass(frozen=True)
class ImageSpec:
    """One image: the names it is imported under and its runtime configuration."""

    key: str
    refs: tuple[str, ...]
    user: str
    entrypoint: tuple[str, ...]
    cmd: tuple[str, ...] = ()
    workdir: str = "/"
    env: tuple[tuple[str, str], ...] = ()
    exposed_ports: tuple[str, ...] = ()
    dockerfile: str | None = None
    extra: str | None = None
    labels: tuple[tuple[str, str], ...] = ()

    def config(self) -> dict[str, object]:
        """The ``config`` object of the OCI image configuration."""
        cfg: dict[str, object] = {
            "User": self.user,
            "Env": [f"PATH={_PATH}", *(f"{k}={v}" for k, v in self.env)],
            "Entrypoint": list(self.entrypoint),
            "WorkingDir": self.workdir,
            "Labels": dict(self.labels),
        }
        if self.cmd:
            cfg["Cmd"] = list(self.cmd)
        if self.exposed_ports:
            cfg["ExposedPorts"] = {p: {} for p in self.exposed_ports}
        return cfg


OPERATOR = ImageSpec(
    key="operator",
    refs=("ghcr.io/fog-compute/operator:0.1.0",),
    user="65532:65532",
    entrypoint=("kopf",),
    cmd=(
        "run",
        "-m",
        "fogcompute_operator.handlers",
        "--all-namespaces",
        "--log-format=json",
        "--liveness=http://0.0.0.0:8080/healthz",
    ),
    workdir="/tmp",  # noqa: S108 - as in the Dockerfile
    env=_PYTHON_ENV,
    exposed_ports=("8000/tcp", "8080/tcp"),
    dockerfile="operator.Dockerfile",
    extra="operator",
)
EDGE_AGENT = ImageSpec(
    key="edge-agent",
    refs=("ghcr.io/fog-compute/edge-agent:0.1.0",),
    user="65532:65532",
    entrypoint=("python", "-m", "fogcompute_edge_agent"),
    workdir="/tmp",  # noqa: S108 - as in the Dockerfile
    env=_PYTHON_ENV,
    dockerfile="edge-agent.Dockerfile",
    extra="edge-agent",
)
# Debian bookworm's busybox-static (1.35), named for what it is: the samples and tests run it,
# the offline build copies the host's package and refuses another upstream version, and
# images/busybox.Dockerfile builds the same image from the same package for a registry.
BUSYBOX_VERSION = "1.35"
BUSYBOX_PASSWD = (
    "root:x:0:0:root:/root:/bin/sh",
    "nobody:x:65534:65534:nobody:/home:/bin/false",
)
BUSYBOX_GROUP = ("root:x:0:", "nogroup:x:65534:")
BUSYBOX = ImageSpec(
    key="busybox",
    refs=(f"ghcr.io/fog-compute/busybox:{BUSYBOX_VERSION}-debian",),
    user="0:0",
    entrypoint=(),
    cmd=("sh",),
    dockerfile="busybox.Dockerfile",
    labels=(
        ("org.opencontainers.image.title", "busybox"),
        ("org.opencontainers.image.version", f"{BUSYBOX_VERSION}-debian"),
        ("org.opencontainers.image.source", "debian:bookworm busybox-static"),
    ),
)
PAUSE = ImageSpec(
    key="pause",
    refs=("fogcompute.io/testbed/pause:1",),
    user="65535:65535",
    entrypoint=("/pause",),
)


@dataclass(frozen=True)
class DockerfileRuntime:
    """The runtime settings of a Dockerfile's final stage."""

    user: str = ""
    workdir: str = ""
    entrypoint: tuple[str, ...] = ()
    cmd: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    exposed_ports: tuple[str, ...] = ()
    pip_compile: bool = False
    accounts: tuple[str, ...] = ()
    labels: dict[str, str] = field(default_factory=dict)


def _logical_lines(text: str) -> list[str]:
    lines: list[str] = []
    current = ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        lines.append(current + stripped)
        current = ""
    if current:
        lines.append(current)
    return lines


def _exec_form(value: str) -> tuple[str, ...]:
    if value.startswith("["):
        return tuple(str(v) for v in json.loads(value))
    return ("/bin/sh", "-c", value)


def dockerfile_runtime(path: Path) -> DockerfileRuntime:
    """Parse the last ``FROM`` stage of ``path``: USER, WORKDIR, ENTRYPOINT, CMD, ENV, LABEL,
    EXPOSE."""
    stage: list[str] = []
    for line in _logical_lines(path.read_text()):
        if line.split(" ", 1)[0].upper() == "FROM":
            stage = []
        stage.append(line)
    user = workdir = ""
    entrypoint: tuple[str, ...] = ()
    cmd: tuple[str, ...] = ()
    env: dict[str, str] = {}
    labels: dict[str, str] = {}
    ports: list[str] = []
    pip_compile = False
    accounts: list[str] = []
    for line in stage:
        word, _, rest = line.partition(" ")
        rest = rest.strip()
        match word.upper():
            case "USER":
                user = rest
            case "WORKDIR":
                workdir = rest
            case "ENTRYPOINT":
                entrypoint = _exec_form(rest)
            case "CMD":
                cmd = _exec_form(rest)
            case "ENV":
                for item in shlex.split(rest):
                    key, _, value = item.partition("=")
                    env[key] = value
            case "LABEL":
                for item in shlex.split(rest):
                    key, _, value = item.partition("=")
                    labels[key] = value
            case "EXPOSE":
                ports += [p if "/" in p else f"{p}/tcp" for p in rest.split()]
            case "RUN":
                pip_compile = pip_compile or ("pip install" in rest and "--compile" in rest)
                accounts += re.findall(r'echo "([^"]+)" >> /etc/(?:passwd|group)', rest)
    return DockerfileRuntime(
        user=user,
        workdir=workdir,
        entrypoint=entrypoint,
        cmd=cmd,
        env=env,
        exposed_ports=tuple(ports),
        pip_compile=pip_compile,
        accounts=tuple(accounts),
        labels=labels,
    )
