"""The agent's Prometheus metrics, in a registry of its own (served by ``serving``).

Written by the agent's loop, the reporter, the revoker, the probes' error counter and the BLE
bridge; nothing here decides anything. Names start with ``fog_edge_``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from fogcompute_edge_agent.readings import DeviceReadings, Unknown

__all__ = ["AgentMetrics"]

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass
class AgentMetrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r = self.registry
        self.reading = Gauge(
            "fog_edge_reading",
            "Latest value of each reading (absent when unknown).",
            ["reading"],
            registry=r,
        )
        self.reading_unknown = Gauge(
            "fog_edge_reading_unknown", "1 when the reading is unknown.", ["reading"], registry=r
        )
        self.harvestable = Gauge("fog_edge_harvestable", "1 when harvestable now.", registry=r)
        self.report_seconds = Histogram(
            "fog_edge_report_seconds",
            "Status apply round trip.",
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.reports = Counter(
            "fog_edge_reports", "Status reports by result.", ["result"], registry=r
        )
        self.evictions = Counter(
            "fog_edge_evictions", "Evictions requested, by result.", ["result"], registry=r
        )
        self.revocation_seconds = Histogram(
            "fog_edge_revocation_seconds",
            "From the reading that ended harvestability to every eviction accepted.",
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.probe_errors = Counter(
            "fog_edge_probe_errors",
            "Probe errors by probe and kind.",
            ["probe", "kind"],
            registry=r,
        )
        self.ble_peripherals = Gauge("fog_edge_ble_peripherals", "Peripherals listed.", registry=r)
        self.ble_messages = Counter(
            "fog_edge_ble_messages",
            "Messages from peripherals, by outcome.",
            ["outcome"],
            registry=r,
        )
        self.queue_drops = Counter(
            "fog_edge_queue_dropped", "Store-and-forward drops by reason.", ["reason"], registry=r
        )

    def probe_error(self, probe: str, kind: str) -> None:
        self.probe_errors.labels(probe=probe, kind=kind).inc()

    def observe(self, readings: DeviceReadings, *, harvestable: bool) -> None:
        values = {
            "cpu_count": readings.cpu_count,
            "load1": readings.load1,
            "memory_bytes": readings.memory_bytes,
            "memory_available_bytes": readings.memory_available_bytes,
            "battery_percent": readings.battery_percent,
            "temperature_celsius": readings.temperature_celsius,
            "user_idle_seconds": readings.user_idle_seconds,
            "foreign_cpu_percent": readings.foreign_cpu_percent,
            "gpus": readings.gpus,
        }
        for name, value in values.items():
            unknown = isinstance(value, Unknown)
            self.reading_unknown.labels(reading=name).set(1 if unknown else 0)
            if not isinstance(value, Unknown):
                self.reading.labels(reading=name).set(float(value))
        on_ac = readings.power_source == "AC"
        self.reading.labels(reading="on_ac").set(1 if on_ac else 0)
        self.harvestable.set(1 if harvestable else 0)
