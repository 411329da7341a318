"""Power probe: AC or battery, and the battery level, from /sys/class/power_supply.

Part of one probing round. A supply of type ``Mains`` or ``USB`` that is online means AC; a
system battery (type ``Battery``, not ``scope=Device`` like a mouse's) gives the level. A machine
with no power_supply entries at all (a server, a VM) reports the source as unknown with kind
``absent`` and ``has_battery`` false: it is not invented to be AC, and the policy decides what a
battery-less machine means.
"""

from __future__ import annotations

from dataclasses import dataclass

from fogcompute_edge_agent.probing.hostfs import HostRoot
from fogcompute_edge_agent.readings import PowerSourceReading, Reading, Unknown

__all__ = ["PowerState", "read_power"]

_BASE = "sys/class/power_supply"


@dataclass(frozen=True)
class PowerState:
    source: PowerSourceReading
    battery_percent: Reading[int]
    has_battery: bool


def _attr(host: HostRoot, supply: str, name: str) -> str | None:
    text = host.read(f"{_BASE}/{supply}/{name}", probe="power")
    return None if text is None else text.strip()


def read_power(host: HostRoot) -> PowerState:
    mains_online: list[bool] = []
    levels: list[int] = []
    discharging = False
    batteries = 0
    for supply in host.entries(_BASE):
        kind = _attr(host, supply, "type")
        if kind in ("Mains", "USB"):
            online = _attr(host, supply, "online")
            if online in ("0", "1"):
                mains_online.append(online == "1")
            elif online is not None:
                host.malformed(f"{_BASE}/{supply}/online", probe="power", why=repr(online))
        elif kind == "Battery" and _attr(host, supply, "scope") != "Device":
            batteries += 1
            discharging |= _attr(host, supply, "status") == "Discharging"
            level = _battery_level(host, supply)
            if level is not None:
                levels.append(level)
    source = _source(mains_online, batteries=batteries, discharging=discharging)
    if batteries == 0:
        battery: Reading[int] = Unknown("absent", "no system battery in /sys/class/power_supply")
    elif not levels:
        battery = Unknown("malformed", "the battery's capacity could not be read")
    else:
        battery = min(levels)
    return PowerState(source=source, battery_percent=battery, has_battery=batteries > 0)


def _battery_level(host: HostRoot, supply: str) -> int | None:
    text = _attr(host, supply, "capacity")
    if text is None:
        return None
    try:
        level = int(text)
    except ValueError:
        host.malformed(f"{_BASE}/{supply}/capacity", probe="power", why=repr(text))
        return None
    if not 0 <= level <= 100:
        host.malformed(f"{_BASE}/{supply}/capacity", probe="power", why=f"{level} out of 0..100")
        return None
    return level


def _source(mains: list[bool], *, batteries: int, discharging: bool) -> PowerSourceReading:
    if any(mains):
        return "AC"
    if mains:
        return "Battery" if batteries else Unknown("malformed", "mains offline and no battery")
    if batteries:
        # No mains entry (some laptops expose only the battery): its status tells.
        return "Battery" if discharging else "AC"
    return Unknown("absent", "no power_supply entries (a machine without battery or mains sensor)")
