"""The host side of the test bed's real node: can this machine run it, and clean up after it.

``unsupported_reason`` is asked before ``node`` starts anything: a real node needs root, runc,
overlayfs and a cgroup hierarchy; without them the test bed runs kwok nodes only and says why in
one line. ``clean_node`` undoes everything a node leaves on the host, also after a SIGKILL: it
kills the containers in the node's cgroup root and the shims naming its state directory, lazily
unmounts what lies under the node's folder (overlay snapshots, network namespaces, volumes),
deletes the bridge and removes the cgroups. It only touches names derived from the state
directory (``NodeLayout``), never another node's.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import shlex
import shutil
import signal
import subprocess
import time
from pathlib import Path

from fogcompute_testbed.nodeconfig import NodeLayout

__all__ = [
    "CGROUP_FS",
    "cgroup_v1",
    "clean_node",
    "host_routes",
    "make_bridge",
    "make_cgroup_roots",
    "route_service_to_apiserver",
    "unsupported_reason",
]

CGROUP_FS = Path("/sys/fs/cgroup")


def cgroup_v1() -> bool:
    """True on a v1 (or hybrid) cgroup layout, False on the unified v2 hierarchy."""
    return not (CGROUP_FS / "cgroup.controllers").exists()


def _cgroup_dirs(layout: NodeLayout) -> list[Path]:
    name = layout.cgroup_root.strip("/")
    if not cgroup_v1():
        return [CGROUP_FS / name]
    return [
        entry / name
        for entry in sorted(CGROUP_FS.iterdir())
        if entry.is_dir() and not entry.is_symlink() and (entry / "cgroup.procs").exists()
    ]


def unsupported_reason(*, runc: str | None = None) -> str | None:
    """Why this machine cannot run the real node, or None when it can."""
    if os.geteuid() != 0:
        return "not running as root (the kubelet and runc need it)"
    if (runc or shutil.which("runc")) is None:
        return "runc is not installed (hack/ensure-system.sh installs it as root on Debian)"
    if shutil.which("ip") is None:
        return "the ip command (iproute2) is missing"
    try:
        filesystems = Path("/proc/filesystems").read_text()
    except OSError:
        return "/proc/filesystems is unreadable"
    if "overlay" not in filesystems:
        return "the kernel has no overlay filesystem"
    if cgroup_v1():
        missing = [c for c in ("cpu", "memory", "pids") if not (CGROUP_FS / c).is_dir()]
        if missing:
            return f"no cgroup v1 controllers {', '.join(missing)} under {CGROUP_FS}"
    elif not os.access(CGROUP_FS, os.W_OK):
        return f"{CGROUP_FS} is not writable"
    return None


def make_cgroup_roots(layout: NodeLayout) -> None:
    """Create the node's cgroup root in every hierarchy (the kubelet insists it exists)."""
    for folder in _cgroup_dirs(layout):
        folder.mkdir(exist_ok=True)


def host_routes() -> list[ipaddress.IPv4Network]:
    """IPv4 networks the host already routes (a node's subnet must not overlap them)."""
    out = subprocess.run(
        ["ip", "-4", "route", "show"], capture_output=True, text=True, check=False
    ).stdout
    nets: list[ipaddress.IPv4Network] = []
    for line in out.splitlines():
        first = line.split(" ", 1)[0]
        if first == "default":
            continue
        with contextlib.suppress(ValueError):
            nets.append(ipaddress.IPv4Network(first, strict=False))
    return nets


def make_bridge(layout: NodeLayout) -> None:
    """Create the node's bridge with its gateway address (the kubelet's node IP) before the
    kubelet starts; the CNI bridge plugin later reuses it."""
    name = layout.bridge
    if _run("ip", "link", "show", name, check=False).returncode != 0:
        _run("ip", "link", "add", "name", name, "type", "bridge")
    _run("ip", "addr", "replace", f"{layout.gateway}/{layout.subnet.prefixlen}", "dev", name)
    _run("ip", "link", "set", name, "up")


def route_service_to_apiserver(layout: NodeLayout, *, service_ip: str, api_port: int) -> bool:
    """Make the ``kubernetes`` Service's ClusterIP reach the API server on loopback from pods on
    the node's bridge (the test bed runs no Service proxy): a DNAT rule tagged with the node's
    name, and ``route_localnet`` on the bridge. False when iptables is missing."""
    if shutil.which("iptables") is None:
        return False
    Path(f"/proc/sys/net/ipv4/conf/{layout.bridge}/route_localnet").write_text("1")
    _run(
        *("iptables", "-w", "-t", "nat", "-A", "PREROUTING", "-i", layout.bridge),
        *("-d", f"{service_ip}/32", "-p", "tcp", "--dport", "443"),
        *("-m", "comment", "--comment", f"fog-{layout.tag}"),
        *("-j", "DNAT", "--to-destination", f"127.0.0.1:{api_port}"),
    )
    return True


def _drop_nat_rules(layout: NodeLayout) -> None:
    if shutil.which("iptables") is None:
        return
    rules = _run("iptables", "-w", "-t", "nat", "-S", "PREROUTING", check=False).stdout
    for rule in rules.splitlines():
        if f"fog-{layout.tag}" in rule and rule.startswith("-A "):
            _run("iptables", "-w", "-t", "nat", "-D", *shlex.split(rule)[1:], check=False)


def _run(*argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(list(argv), capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        raise OSError(f"{' '.join(argv)} failed ({result.returncode}): {result.stderr.strip()}")
    return result


def _pids_naming(needle: str) -> list[int]:
    pids: list[int] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if needle.encode() in cmdline:
            pids.append(int(entry.name))
    return pids


def _pids_in(folder: Path) -> list[int]:
    pids: list[int] = []
    if not folder.is_dir():
        return pids
    for procs in folder.rglob("cgroup.procs"):
        with contextlib.suppress(OSError, ValueError):
            pids += [int(p) for p in procs.read_text().split()]
    return pids


def _kill(pids: list[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def _mounts_under(root: Path) -> list[str]:
    prefix = str(root.resolve())
    points: list[str] = []
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/mountinfo").read_text().splitlines():
            point = line.split(" ")[4].encode().decode("unicode_escape")
            if point == prefix or point.startswith(prefix + "/"):
                points.append(point)
    return points


def _remove_cgroup_tree(folder: Path) -> None:
    if not folder.is_dir():
        return
    for child in sorted(
        (p for p in folder.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True
    ):
        with contextlib.suppress(OSError):
            child.rmdir()
    with contextlib.suppress(OSError):
        folder.rmdir()


def clean_node(layout: NodeLayout, *, timeout: float = 15.0) -> None:
    """Kill, unmount and delete everything ``layout``'s node left on the host; safe to repeat."""
    root = layout.root.resolve()
    # The daemons and shims (their command lines name the node's folder), then the containers.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pids = _pids_naming(str(root))
        for folder in _cgroup_dirs(layout):
            pids += _pids_in(folder)
        if not pids:
            break
        _kill(pids)
        time.sleep(0.2)
    for point in sorted(_mounts_under(root), key=len, reverse=True):
        _run("umount", "-l", point, check=False)
    _drop_nat_rules(layout)
    _run("ip", "link", "del", layout.bridge, check=False)
    for folder in _cgroup_dirs(layout):
        _remove_cgroup_tree(folder)
    _remove_container_log_links(root)
    if root.exists():
        shutil.rmtree(root, ignore_errors=True)


def _remove_container_log_links(root: Path) -> None:
    """The kubelet links every container's log into /var/log/containers; drop ours."""
    folder = Path("/var/log/containers")
    if not folder.is_dir():
        return
    for link in folder.iterdir():
        with contextlib.suppress(OSError):
            if link.is_symlink() and os.readlink(link).startswith(str(root)):
                link.unlink()
