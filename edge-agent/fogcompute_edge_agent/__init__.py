"""The edge agent: device probes, harvest policy, status reports, revocation, BLE bridge.

Flow: ``probing`` reads the host into ``readings``; ``harvesting`` judges them (pure policy, then
hysteresis); ``agent`` reports the status through ``reporting`` and evicts harvest pods through
``revoking`` when the device stops being harvestable; ``ble`` bridges nearby peripherals.
Never imports the operator (an import-linter contract says so).
"""

from fogcompute_edge_agent.readings import DeviceReadings, Reading, Unknown

__all__ = ["DeviceReadings", "Reading", "Unknown"]
