"""Idle time from logind: the agent's dbus-fast client against python-dbusmock's logind template
on a private bus, fed to a probing round in place of the input-device timestamps."""

from __future__ import annotations

import asyncio
import gc
import json
import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bluez_mock import SYSTEM_PYTHON
from fogcompute_edge_agent.probing import HostRoot, ProbeErrors, Prober
from fogcompute_edge_agent.probing.logind import LogindIdle, idle_from_hints
from fogcompute_edge_agent.readings import Unknown
from fogcompute_testbed.hostroots import FixtureHost

_USER_RETURNS = """
import sys, dbus
bus = dbus.bus.BusConnection(sys.argv[1])
mock = dbus.Interface(bus.get_object("org.freedesktop.login1", "/org/freedesktop/login1"),
                      "org.freedesktop.DBus.Mock")
mock.UpdateProperties("org.freedesktop.login1.Manager", {"IdleHint": False})
"""


@contextmanager
def logind_mock(folder: Path, *, idle_since: float) -> Iterator[str]:
    socket = folder / "bus.sock"
    address = f"unix:path={socket}"
    with (folder / "dbus.log").open("wb") as dlog, (folder / "mock.log").open("wb") as mlog:
        daemon = subprocess.Popen(
            ["dbus-daemon", "--session", "--nofork", f"--address={address}"],
            stdout=subprocess.DEVNULL,
            stderr=dlog,
        )
        params = {"IdleHint": True, "IdleSinceHint": int(idle_since * 1_000_000)}
        mock = subprocess.Popen(
            [
                SYSTEM_PYTHON,
                "-m",
                "dbusmock",
                "--system",
                "--template",
                "logind",
                "--parameters",
                json.dumps(params),
            ],
            env={**os.environ, "DBUS_SYSTEM_BUS_ADDRESS": address},
            stdout=mlog,
            stderr=subprocess.STDOUT,
        )
        try:
            yield address
        finally:
            for proc in (mock, daemon):
                proc.terminate()
                proc.wait(10)


def test_hints_to_idle_seconds() -> None:
    assert idle_from_hints(idle_hint=False, since_usec=5, now=100.0) == 0
    assert idle_from_hints(idle_hint=True, since_usec=40_000_000, now=100.0) == 60
    assert isinstance(idle_from_hints(idle_hint=True, since_usec=0, now=100.0), Unknown)


async def test_logind_idle_replaces_device_timestamps(tmp_path: Path) -> None:
    host = FixtureHost(tmp_path / "host").laptop(idle_seconds=5)  # devices say: 5 s idle
    with logind_mock(tmp_path, idle_since=time.time() - 900) as address:
        idle = LogindIdle(bus_address=address, interval=0.2)
        prober = Prober(
            host=HostRoot(root=host.root, errors=ProbeErrors()), idle_source=idle.reading
        )
        deadline = time.monotonic() + 20
        while idle.reading() is None:  # the mock's bus name appears a moment after start
            assert time.monotonic() < deadline, "logind mock never answered"
            await idle.refresh()
            await asyncio.sleep(0.1)
        reading = prober.round().user_idle_seconds
        assert isinstance(reading, int)
        assert 899 <= reading <= 905
        argv = [SYSTEM_PYTHON, "-c", _USER_RETURNS, address]
        await asyncio.to_thread(subprocess.run, argv, check=True, timeout=30)
        await idle.refresh()
        assert prober.round().user_idle_seconds == 0
    await idle.refresh()  # logind gone: the round falls back to the devices
    assert idle.reading() is None
    idle.close()
    await asyncio.sleep(0.1)  # let the closed transport's callbacks run
    # dbus-fast's compiled objects must be finalised here, not later inside another test's
    # ast.parse (CPython 3.11.7 then reports an "AST constructor recursion depth mismatch").
    gc.collect()
    fallback = prober.round().user_idle_seconds
    assert isinstance(fallback, int)
    assert fallback < 60
