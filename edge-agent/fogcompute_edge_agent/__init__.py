"""The edge agent: device probes, harvest policy, BLE bridge; hosts the node's mixnode."""
