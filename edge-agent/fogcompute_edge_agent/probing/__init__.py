"""Probes of the host machine: CPU, memory, power, heat, idleness, GPUs, harvest cgroups.

Each probe reads through ``HostRoot`` (a configurable root over /proc, /sys and /dev) and
returns a value or an ``Unknown`` with why; ``Prober.round`` runs them all once.
"""

from fogcompute_edge_agent.probing.hostfs import HostRoot, ProbeErrors
from fogcompute_edge_agent.probing.sampling import IdleSource, Prober

__all__ = ["HostRoot", "IdleSource", "ProbeErrors", "Prober"]
