"""CPU time of the agent's harvest pods, read from their cgroups (cgroup v2 ``cpu.stat``).

Feeds ``harvestcpu.HarvestCpuCounter`` (``status.harvestCpuSeconds``) and, through it,
``cpu.CpuSampler``, so that harvest work does not count as the owner's (foreign) load.
The kubelet names pod cgroups by pod UID in one of two layouts: systemd
(``kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod<uid_>.slice``) or cgroupfs
(``kubepods/besteffort/pod<uid>``). A pod whose cgroup is not found is simply not subtracted
(its CPU counts as foreign, the conservative side); ``HarvestCgroups.missing`` says how many.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from fogcompute_edge_agent.probing.hostfs import HostRoot

__all__ = ["HarvestUsage", "harvest_cpu_usec", "pod_cgroup_candidates"]

_ROOT = "sys/fs/cgroup"
_QOS = ("", "burstable", "besteffort")


def pod_cgroup_candidates(uid: str) -> list[str]:
    """Host-relative directories where the kubelet may have put pod ``uid``'s cgroup."""
    under = uid.replace("-", "_")
    paths: list[str] = []
    for qos in _QOS:
        if qos:
            paths.append(
                f"{_ROOT}/kubepods.slice/kubepods-{qos}.slice/kubepods-{qos}-pod{under}.slice"
            )
            paths.append(f"{_ROOT}/kubepods/{qos}/pod{uid}")
        else:
            paths.append(f"{_ROOT}/kubepods.slice/kubepods-pod{under}.slice")
            paths.append(f"{_ROOT}/kubepods/pod{uid}")
    return paths


@dataclass(frozen=True)
class HarvestUsage:
    """Summed ``usage_usec`` of the harvest pods found, each pod's, and how many were not found."""

    usec: int
    found: int
    missing: int
    per_pod: dict[str, int] = field(default_factory=dict)


def harvest_cpu_usec(host: HostRoot, uids: Iterable[str]) -> HarvestUsage:
    per_pod: dict[str, int] = {}
    missing = 0
    for uid in uids:
        usec = _usage_of(host, uid)
        if usec is None:
            missing += 1
        else:
            per_pod[uid] = usec
    return HarvestUsage(
        usec=sum(per_pod.values()), found=len(per_pod), missing=missing, per_pod=per_pod
    )


def _usage_of(host: HostRoot, uid: str) -> int | None:
    for directory in pod_cgroup_candidates(uid):
        text = host.read(f"{directory}/cpu.stat", probe="cgroup")
        if text is None:
            continue
        for line in text.splitlines():
            key, _, value = line.partition(" ")
            if key == "usage_usec":
                try:
                    return int(value)
                except ValueError:
                    host.malformed(f"{directory}/cpu.stat", probe="cgroup", why="usage_usec")
                    return None
        host.malformed(f"{directory}/cpu.stat", probe="cgroup", why="no usage_usec line")
        return None
    return None
