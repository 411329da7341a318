"""Helpers the end-to-end tests share (this folder is on sys.path while they run): read an
object as JSON, and poll for a condition with a bound that names what was awaited."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from fogcompute_testbed.controlplane import ControlPlane


def get_json(plane: ControlPlane, *args: str) -> dict[str, Any]:
    """``kubectl get <args> -o json``, parsed."""
    out: dict[str, Any] = json.loads(plane.kubectl("get", *args, "-o", "json").stdout)
    return out


def wait_until(what: str, probe: Callable[[], Any], *, timeout: float = 240) -> Any:
    """``probe()`` until it returns something truthy; AssertionError naming ``what`` after
    ``timeout`` seconds, with the last thing seen."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = probe()
        if last:
            return last
        time.sleep(1)
    raise AssertionError(f"timed out waiting for {what}; last seen: {last!r}")
