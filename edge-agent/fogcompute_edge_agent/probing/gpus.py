"""GPU presence: display-class DRM cards in /sys/class/drm and NVIDIA device nodes in /dev.

Part of one probing round. Counts ``cardN`` entries whose PCI class is a display controller
(``0x03....``) and ``/dev/nvidiaN`` nodes, and reports the larger count (an NVIDIA card with its
driver loaded appears in both).
"""

from __future__ import annotations

import re

from fogcompute_edge_agent.probing.hostfs import HostRoot
from fogcompute_edge_agent.readings import Reading

__all__ = ["read_gpus"]

_CARD = re.compile(r"^card\d+$")
_NVIDIA = re.compile(r"^nvidia\d+$")


def read_gpus(host: HostRoot) -> Reading[int]:
    drm = 0
    for card in host.entries("sys/class/drm"):
        if not _CARD.match(card):
            continue
        pci_class = host.read(f"sys/class/drm/{card}/device/class", probe="gpu")
        if pci_class is not None and pci_class.strip().startswith("0x03"):
            drm += 1
    nvidia = sum(1 for name in host.entries("dev") if _NVIDIA.match(name))
    return max(drm, nvidia)
