"""BLE smoke test for a machine with a radio: the agent's real bleak backend and bridge, no cluster.

Run on a Linux machine with BlueZ and an adapter (see edge-agent/README.md):

    .venv/bin/python edge-agent/scripts/ble_smoke.py --seconds 10 --cycles 3 --spool /tmp/fog-spool

Each cycle scans (passive by default; ``--active`` for adapters or kernels without BlueZ's
advertisement monitor), prints the peripheral table as it would appear in EdgeDevice status
(addresses hashed unless ``--show-addresses``), connects to peripherals that offer the platform
GATT service, stores and acknowledges their messages, and forwards them to ``--spool``.
Exits 0 when at least one peripheral was heard, 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from pathlib import Path

from fogcompute_edge_agent.ble import (
    BleBridge,
    MessageQueue,
    PeripheralTable,
    SpoolDirectory,
    bridging,
)
from fogcompute_edge_agent.ble.bleakbackend import BleakBackend
from fogcompute_edge_agent.ble.wiring import address_key
from fogcompute_edge_agent.observing import AgentMetrics
from fogcompute_edge_agent.specs import BleSettings


async def smoke(args: argparse.Namespace) -> int:
    bridging.SCAN_SECONDS = args.seconds
    state = Path(args.state or tempfile.mkdtemp(prefix="fog-ble-smoke-"))
    spool = Path(args.spool) if args.spool else state / "spool"
    bridge = BleBridge(
        backend=BleakBackend(adapter=args.adapter, passive=not args.active),
        table=PeripheralTable(key=address_key(state)),
        queue=MessageQueue(state / "queue.sqlite3"),
        forwarder=SpoolDirectory(spool),
        metrics=AgentMetrics(),
        settings=lambda: BleSettings(enabled=True, show_addresses=args.show_addresses),
    )
    heard = 0
    for cycle in range(args.cycles):
        await bridge.cycle()
        rows = list(bridge.peripherals())
        heard = max(heard, len(rows))
        print(json.dumps({"cycle": cycle, "peripherals": rows}, indent=2), flush=True)
    print(f"queue: {len(bridge.queue)} waiting, drops {bridge.queue.drops()}; spool: {spool}")
    return 0 if heard else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="scan length per cycle")
    parser.add_argument("--cycles", type=int, default=3)
    parser.add_argument("--adapter", default=None, help="hci0, hci1 ... (default: BlueZ's)")
    parser.add_argument("--active", action="store_true", help="active instead of passive scans")
    parser.add_argument("--show-addresses", action="store_true")
    parser.add_argument("--spool", default=None, help="default: STATE/spool")
    parser.add_argument("--state", default=None, help="queue and hash key (default: a temp dir)")
    return asyncio.run(smoke(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
