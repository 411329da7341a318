"""The BLE bridge's logic with a fake backend, and bleak's own data types through ``from_bleak``."""

from __future__ import annotations

import re
from pathlib import Path

from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData
from fogcompute_api.edgedevices import BlePeripheral
from fogcompute_edge_agent.ble import (
    PLATFORM_SERVICE,
    Advertisement,
    BleBridge,
    FakeBackend,
    Message,
    MessageQueue,
    PeripheralTable,
    SpoolDirectory,
    from_bleak,
    hashed_address,
)
from fogcompute_edge_agent.ble.bleakbackend import strongest
from fogcompute_edge_agent.observing import AgentMetrics
from fogcompute_edge_agent.reporting import rfc3339
from fogcompute_edge_agent.specs import BleSettings

KEY = b"k" * 32
PHONE = Advertisement("11:22:33:44:55:66", "phone", -60)
SENSOR = Advertisement("AA:BB:CC:DD:EE:01", "sensor", -70, (PLATFORM_SERVICE,))


def test_bleak_types_convert() -> None:
    device = BLEDevice("aa:bb:cc:dd:ee:01", "dev-name", details=None)
    adv = AdvertisementData(
        local_name="sensor",
        manufacturer_data={},
        service_data={},
        service_uuids=[PLATFORM_SERVICE.upper()],
        tx_power=None,
        rssi=-42,
        platform_data=(),
    )
    ad = from_bleak(device, adv)
    assert ad == Advertisement("AA:BB:CC:DD:EE:01", "sensor", -42, (PLATFORM_SERVICE,))
    assert ad.speaks_platform
    nameless = AdvertisementData(None, {}, {}, [], None, -90, ())
    assert from_bleak(device, nameless).name == "dev-name"


def test_strongest_advertisement_is_kept() -> None:
    found: dict[str, Advertisement] = {}
    for rssi in (-80, -50, -70):
        strongest(found, Advertisement("AA:BB:CC:DD:EE:01", None, rssi))
    assert found["AA:BB:CC:DD:EE:01"].rssi == -50


def test_hashed_addresses_fit_the_model_and_hide_the_address() -> None:
    shown = hashed_address(PHONE.address, key=KEY)
    assert re.fullmatch(r"([0-9A-F]{2}:){5}[0-9A-F]{2}", shown)
    assert shown != PHONE.address
    assert shown == hashed_address(PHONE.address.lower(), key=KEY)
    assert shown != hashed_address(PHONE.address, key=b"other")


def test_table_expires_after_missed_scans_and_is_bounded() -> None:
    table = PeripheralTable(key=KEY, expire_after=2, limit=2)
    table.observe([PHONE, SENSOR], now=1.0)
    assert len(table) == 2
    table.observe([SENSOR], now=2.0)
    rows = {r["name"]: r for r in table.status(rfc3339=rfc3339)}
    assert rows["phone"]["missedScans"] == 1
    table.observe([SENSOR], now=3.0)
    assert [r["name"] for r in table.status(rfc3339=rfc3339)] == ["sensor"]
    others = [Advertisement(f"00:00:00:00:00:0{i}", None, -40 - i) for i in range(3)]
    table.observe(others, now=4.0)
    assert len(table) == 2
    assert table.dropped == 2
    for row in table.status(rfc3339=rfc3339):
        BlePeripheral.model_validate(row)


def test_show_addresses_keeps_real_ones() -> None:
    table = PeripheralTable(key=KEY)
    table.observe([Advertisement(PHONE.address.lower(), "phone", -60)], now=1.0)
    assert table.status(rfc3339=rfc3339, show_addresses=True)[0]["address"] == PHONE.address
    assert table.status(rfc3339=rfc3339)[0]["address"] == hashed_address(PHONE.address, key=KEY)


class Refusing:
    def deliver(self, message: object) -> bool:
        return False


async def test_spec_show_addresses_decides_hashing_at_each_report(tmp_path: Path) -> None:
    """spec.ble.showAddresses (default false) is read each time: status rows and queue sources."""
    spec = {"ble": BleSettings(enabled=True)}
    backend = FakeBackend(
        scans=[[PHONE, SENSOR], [PHONE, SENSOR]],
        inbox={SENSOR.address: [Message(1, b"first")]},
    )
    queue = MessageQueue(tmp_path / "q.db")
    bridge = BleBridge(
        backend=backend,
        table=PeripheralTable(key=KEY),
        queue=queue,
        forwarder=SpoolDirectory(tmp_path / "spool"),
        metrics=AgentMetrics(),
        settings=lambda: spec["ble"],
    )
    await bridge.cycle()
    hidden = {row["address"] for row in bridge.peripherals()}
    assert hidden == {
        hashed_address(PHONE.address, key=KEY),
        hashed_address(SENSOR.address, key=KEY),
    }

    spec["ble"] = BleSettings(enabled=True, show_addresses=True)
    assert {row["address"] for row in bridge.peripherals()} == {PHONE.address, SENSOR.address}
    for row in bridge.peripherals():
        BlePeripheral.model_validate(row)
    backend.inbox[SENSOR.address] = [Message(2, b"second")]
    bridge.forwarder = Refusing()  # keep the second message queued, to read its source
    await bridge.cycle()
    assert [m.source for m in queue.peek()] == [SENSOR.address]

    spec["ble"] = BleSettings(enabled=True)
    assert {row["address"] for row in bridge.peripherals()} == hidden


async def test_bridge_stores_before_ack_and_forwards(tmp_path: Path) -> None:
    backend = FakeBackend(
        scans=[[PHONE, SENSOR]],
        inbox={SENSOR.address: [Message(1, b"hello"), Message(2, b"x" * 100), Message(3, b"bye")]},
    )
    queue = MessageQueue(tmp_path / "q.db", max_message_bytes=50)
    spool = tmp_path / "spool"
    bridge = BleBridge(
        backend=backend,
        table=PeripheralTable(key=KEY),
        queue=queue,
        forwarder=SpoolDirectory(spool),
        metrics=AgentMetrics(),
        settings=lambda: BleSettings(enabled=True),
        clock=lambda: 100.0,
    )
    await bridge.cycle()
    # message 2 is too large: not stored, so not acked, and the peripheral keeps it
    assert backend.acked[SENSOR.address] == [1]
    assert [p.read_bytes() for p in sorted(spool.iterdir())] == [b"hello"]
    assert queue.drops() == {"too_large": 1}
    assert len(bridge.peripherals()) == 2
    assert {p["speaksPlatform"] for p in bridge.peripherals()} == {True, False}


async def test_unreachable_peripheral_and_failed_forwarding_keep_messages(tmp_path: Path) -> None:
    class Refusing:
        def deliver(self, message: object) -> bool:
            return False

    backend = FakeBackend(scans=[[SENSOR]], inbox={SENSOR.address: [Message(1, b"a")]})
    backend.unreachable.add(SENSOR.address)
    queue = MessageQueue(tmp_path / "q.db")
    bridge = BleBridge(
        backend=backend,
        table=PeripheralTable(key=KEY),
        queue=queue,
        forwarder=Refusing(),
        metrics=AgentMetrics(),
        settings=lambda: BleSettings(enabled=True),
    )
    await bridge.cycle()
    assert backend.acked == {}
    backend.unreachable.clear()
    backend.scans.append([SENSOR])
    await bridge.cycle()
    assert backend.acked[SENSOR.address] == [1]
    assert len(queue) == 1  # stored, acked, not yet forwarded
