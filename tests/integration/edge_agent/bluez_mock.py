"""A BlueZ stand-in for bleak: python-dbusmock's ``bluez5`` template on a private D-Bus.

Used by ``test_edge_bluez.py``. dbusmock runs under the system Python (Debian's
python3-dbusmock and python3-dbus, installed by hack/ensure-system.sh); bleak, in the project's
venv, reaches it through ``DBUS_SYSTEM_BUS_ADDRESS``. Two gaps of the template are filled here:
the adapter gets the ``Roles`` property bleak requires, and devices are added with correctly
typed ``ManufacturerData``/``ServiceData`` dictionaries (the template's ``AddDevice`` sends
arrays, which bleak rejects).
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SYSTEM_PYTHON = "/usr/bin/python3"

_ADAPTER = """
import sys, dbus
bus = dbus.bus.BusConnection(sys.argv[1])
mock = dbus.Interface(bus.get_object("org.bluez", "/"), "org.bluez.Mock")
mock.AddAdapter("hci0", "fog-host")
adapter = dbus.Interface(
    bus.get_object("org.bluez", "/org/bluez/hci0"), "org.freedesktop.DBus.Mock"
)
roles = dbus.Array(["central", "peripheral"], signature="s")
adapter.AddProperty("org.bluez.Adapter1", "Roles", roles)
"""

_DEVICE = """
import sys, dbus
bus = dbus.bus.BusConnection(sys.argv[1])
address, name, rssi, uuids = sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5:]
path = "/org/bluez/hci0/dev_" + address.replace(":", "_")
props = {
    "Address": dbus.String(address), "AddressType": dbus.String("public"),
    "Name": dbus.String(name), "Alias": dbus.String(name),
    "Adapter": dbus.ObjectPath("/org/bluez/hci0"),
    "Paired": dbus.Boolean(False), "Connected": dbus.Boolean(False),
    "Trusted": dbus.Boolean(False), "Blocked": dbus.Boolean(False),
    "LegacyPairing": dbus.Boolean(False), "ServicesResolved": dbus.Boolean(False),
    "RSSI": dbus.Int16(rssi), "UUIDs": dbus.Array(uuids, signature="s"),
    "ManufacturerData": dbus.Dictionary({}, signature="qv"),
    "ServiceData": dbus.Dictionary({}, signature="sv"),
}
root = dbus.Interface(bus.get_object("org.bluez", "/"), "org.freedesktop.DBus.Mock")
root.AddObject(path, "org.bluez.Device1", props, [])
added = dbus.Dictionary({"org.bluez.Device1": props}, signature="sa{sv}")
root.EmitSignal(
    "org.freedesktop.DBus.ObjectManager", "InterfacesAdded", "oa{sa{sv}}",
    [dbus.ObjectPath(path), added],
)
"""


class BluezMock:
    def __init__(self, address: str) -> None:
        self.address = address

    def add_device(self, address: str, name: str, rssi: int, *uuids: str) -> None:
        subprocess.run(
            [SYSTEM_PYTHON, "-c", _DEVICE, self.address, address, name, str(rssi), *uuids],
            check=True,
            capture_output=True,
            timeout=30,
        )


@contextmanager
def bluez_mock(folder: Path) -> Iterator[BluezMock]:
    """A private bus with a mocked BlueZ and one adapter; sets DBUS_SYSTEM_BUS_ADDRESS inside."""
    socket = folder / "bus.sock"
    address = f"unix:path={socket}"
    daemon_log = (folder / "dbus.log").open("wb")
    mock_log = (folder / "mock.log").open("wb")
    daemon = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", f"--address={address}"],
        stdout=subprocess.DEVNULL,
        stderr=daemon_log,
    )
    env = {**os.environ, "DBUS_SYSTEM_BUS_ADDRESS": address}
    mock = None
    old = os.environ.get("DBUS_SYSTEM_BUS_ADDRESS")
    try:
        deadline = time.monotonic() + 10
        while not socket.exists():
            assert time.monotonic() < deadline, f"dbus-daemon did not create {socket}"
            time.sleep(0.05)
        mock = subprocess.Popen(
            [SYSTEM_PYTHON, "-m", "dbusmock", "--system", "--template", "bluez5"],
            env=env,
            stdout=mock_log,
            stderr=subprocess.STDOUT,
        )
        last = ""
        while time.monotonic() < deadline + 10:
            done = subprocess.run(
                [SYSTEM_PYTHON, "-c", _ADAPTER, address],
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode == 0:
                break
            last = done.stderr
            time.sleep(0.2)
        else:
            raise AssertionError(f"the BlueZ mock did not come up: {last[-500:]}")
        os.environ["DBUS_SYSTEM_BUS_ADDRESS"] = address
        yield BluezMock(address)
    finally:
        if old is None:
            os.environ.pop("DBUS_SYSTEM_BUS_ADDRESS", None)
        else:
            os.environ["DBUS_SYSTEM_BUS_ADDRESS"] = old
        for proc in (mock, daemon):
            if proc is not None:
                proc.terminate()
                proc.wait(10)
        daemon_log.close()
        mock_log.close()
