"""When an EdgeDevice's agent counts as silent: the one rule the scheduler and the EdgeDevice
controller share. Pure.

A device is silent when its agent's last report (``status.lastReportTime``) is older than its
silence bound, or when it never reported. The bound is the device's
``spec.reporting.staleAfterSeconds`` capped by the operator's
``FOG_EDGEDEVICE_HEARTBEAT_TIMEOUT_SECONDS`` (default 45 s, like a Node's lease): a device may
ask to be called silent sooner, never later than the operator allows. The scheduler takes a
silent device out of harvesting in the very round it notices; the EdgeDevice controller turns
the same rule into the Ready condition and the evictions.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Final

from fogcompute_operator.controlling import env_number

DEFAULT_HEARTBEAT_TIMEOUT_SECONDS: Final = 45.0
HEARTBEAT_TIMEOUT_VARIABLE: Final = "FOG_EDGEDEVICE_HEARTBEAT_TIMEOUT_SECONDS"


def heartbeat_timeout_from_environ(environ: Mapping[str, str]) -> float:
    """``FOG_EDGEDEVICE_HEARTBEAT_TIMEOUT_SECONDS`` (default 45, at least 1)."""
    return env_number(
        environ, HEARTBEAT_TIMEOUT_VARIABLE, DEFAULT_HEARTBEAT_TIMEOUT_SECONDS, minimum=1.0
    )


def silence_bound(device: Mapping[str, Any], *, timeout_seconds: float) -> float:
    """Seconds without a report after which ``device`` is silent."""
    reporting = (device.get("spec") or {}).get("reporting") or {}
    asked = reporting.get("staleAfterSeconds")
    return timeout_seconds if asked is None else min(float(asked), timeout_seconds)


def last_report(device: Mapping[str, Any]) -> datetime | None:
    raw = (device.get("status") or {}).get("lastReportTime")
    if not raw:
        return None
    try:
        return datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        return None


def silent_at(device: Mapping[str, Any], *, timeout_seconds: float) -> datetime | None:
    """When ``device`` goes (or went) silent; None when it never reported."""
    reported = last_report(device)
    if reported is None:
        return None
    return reported + timedelta(seconds=silence_bound(device, timeout_seconds=timeout_seconds))


def is_silent(device: Mapping[str, Any], *, now: datetime, timeout_seconds: float) -> bool:
    when = silent_at(device, timeout_seconds=timeout_seconds)
    return when is None or now >= when
