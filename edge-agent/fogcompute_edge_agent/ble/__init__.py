"""The BLE bridge: nearby peripherals into the EdgeDevice status, their messages into the mixnet.

Everything but ``bleakbackend`` and ``wiring`` works without bleak; the radio sits behind
``BleBackend``.
"""

from fogcompute_edge_agent.ble.advertising import (
    ACK_CHAR,
    MESSAGE_CHAR,
    PLATFORM_SERVICE,
    Advertisement,
    Message,
    from_bleak,
)
from fogcompute_edge_agent.ble.backend import BleBackend, FakeBackend
from fogcompute_edge_agent.ble.bridging import BleBridge
from fogcompute_edge_agent.ble.forwarding import Forwarder, SpoolDirectory
from fogcompute_edge_agent.ble.peripherals import PeripheralTable, hashed_address
from fogcompute_edge_agent.ble.storing import MessageQueue, Queued

__all__ = [
    "ACK_CHAR",
    "MESSAGE_CHAR",
    "PLATFORM_SERVICE",
    "Advertisement",
    "BleBackend",
    "BleBridge",
    "FakeBackend",
    "Forwarder",
    "Message",
    "MessageQueue",
    "PeripheralTable",
    "Queued",
    "SpoolDirectory",
    "from_bleak",
    "hashed_address",
]
