"""The MixNode status the hosting agent publishes, from its keys and the daemon's metrics. Pure.

Called by the host loop before each server-side apply. The agent owns these fields of the
MixNode status (its own field manager): ``address``, ``identityKey`` (the Sphinx node id),
``epoch``, ``keys`` (public keys of the current and next epochs, and the previous one during its
grace), ``workers``, ``counters``, ``health``, ``measurements`` and ``lastHeartbeat``. The
operator owns the rest (layer, stake, reliability, conditions). ``counters_from_metrics`` reads
the daemon's Prometheus text; a line it does not know is ignored, a malformed value counts as
zero.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from fogcompute_mixnode.keyfiles import NodeKeys

_LINE = re.compile(r'^(fog_mixnode_[a-z_]+?)(?:_total)?(?:\{reason="([a-z_]+)"\})? ([0-9.e+]+)$')
_PLAIN = {
    "fog_mixnode_packets_received": "received",
    "fog_mixnode_packets_forwarded": "forwarded",
    "fog_mixnode_packets_delivered": "delivered",
    "fog_mixnode_loops_sent": "coverSent",
}
_DROPS = {
    "bad_mac": "badMac",
    "replay": "replay",
    "unknown_epoch": "unknownEpoch",
    "queue_full": "queueFull",
    "expired": "expired",
}


def counters_from_metrics(text: str) -> dict[str, Any]:
    """``status.counters`` from the daemon's /metrics; unknown drop reasons count as malformed."""
    counters: dict[str, Any] = dict.fromkeys(_PLAIN.values(), 0)
    dropped: dict[str, int] = dict.fromkeys([*_DROPS.values(), "malformed"], 0)
    for line in text.splitlines():
        match = _LINE.match(line.strip())
        if match is None:
            continue
        name, reason, raw = match.groups()
        try:
            value = int(float(raw))
        except ValueError:
            value = 0
        if name in _PLAIN and reason is None:
            counters[_PLAIN[name]] = value
        elif name == "fog_mixnode_packets_dropped" and reason is not None:
            key = _DROPS.get(reason, "malformed")
            dropped[key] += value
    counters["dropped"] = dropped
    return counters


def ready_workers(text: str) -> int:
    match = re.search(r"^fog_mixnode_workers_ready ([0-9.e+]+)$", text, re.MULTILINE)
    return int(float(match.group(1))) if match else 0


def build_status(
    *,
    keys: NodeKeys,
    epoch: int,
    address: str,
    workers: int,
    counters: Mapping[str, Any] | None,
    health: str,
    now: datetime,
    measurements: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The status document to apply: public keys for ``epoch - 1 .. epoch + 1`` held."""
    public = keys.public_keys()
    shown = [e for e in sorted(public) if epoch - 1 <= e <= epoch + 2][-4:]
    status: dict[str, Any] = {
        "address": address,
        "identityKey": keys.node_id.hex(),
        "epoch": epoch,
        "keys": [{"epoch": e, "publicKey": public[e].hex()} for e in shown],
        "workers": workers,
        "health": health,
        "lastHeartbeat": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    if counters is not None:
        status["counters"] = dict(counters)
    if measurements:
        status["measurements"] = measurements
    return status
