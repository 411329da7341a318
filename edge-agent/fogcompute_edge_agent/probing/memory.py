"""Memory probe: MemTotal and MemAvailable from /proc/meminfo, in bytes.

Part of one probing round (``sampling``); pure parsing, no policy.
"""

from __future__ import annotations

from fogcompute_edge_agent.probing.hostfs import HostRoot
from fogcompute_edge_agent.readings import Reading, Unknown

__all__ = ["parse_meminfo", "read_memory"]


def parse_meminfo(text: str) -> dict[str, int]:
    """Fields of /proc/meminfo in bytes (the file gives kB)."""
    values: dict[str, int] = {}
    for line in text.splitlines():
        key, sep, rest = line.partition(":")
        if not sep:
            continue
        parts = rest.split()
        if not parts:
            continue
        number = int(parts[0])
        unit = parts[1] if len(parts) > 1 else ""
        values[key.strip()] = number * 1024 if unit == "kB" else number
    return values


def read_memory(host: HostRoot) -> tuple[Reading[int], Reading[int]]:
    """(total bytes, available bytes)."""
    text = host.read("proc/meminfo", probe="memory")
    if text is None:
        gone = Unknown("absent", "/proc/meminfo is missing")
        return gone, gone
    try:
        fields = parse_meminfo(text)
        total, available = fields["MemTotal"], fields["MemAvailable"]
        if total <= 0 or not 0 <= available <= total:
            raise ValueError(f"MemTotal {total}, MemAvailable {available}")
    except (ValueError, KeyError) as exc:
        host.malformed("proc/meminfo", probe="memory", why=f"{type(exc).__name__}: {exc}")
        bad = Unknown("malformed", f"/proc/meminfo: {exc}")
        return bad, bad
    return total, available
