"""The harvest policy as a table: each case a machine state, a policy, and the verdict."""

from __future__ import annotations

from typing import Any

import pytest
from edge_builders import ABSENT, BROKEN, PENDING, readings
from fogcompute_edge_agent.harvesting import judge
from fogcompute_edge_agent.readings import Unknown
from fogcompute_edge_agent.specs import HarvestPolicy

DEFAULT = HarvestPolicy()
BATTERY_OK = HarvestPolicy(allow_battery=True)

CASES: list[tuple[str, dict[str, Any], HarvestPolicy, bool, str]] = [
    ("idle laptop on AC", {}, DEFAULT, True, "Eligible"),
    ("on battery, battery not allowed", {"power_source": "Battery"}, DEFAULT, False, "OnBattery"),
    (
        "on battery 95 %, allowed",
        {"power_source": "Battery", "battery_percent": 95},
        BATTERY_OK,
        True,
        "Eligible",
    ),
    (
        "on battery 90 %, allowed (bound)",
        {"power_source": "Battery", "battery_percent": 90},
        BATTERY_OK,
        True,
        "Eligible",
    ),
    (
        "on battery 89 %, allowed",
        {"power_source": "Battery", "battery_percent": 89},
        BATTERY_OK,
        False,
        "BatteryLow",
    ),
    (
        "battery level unknown",
        {"power_source": "Battery", "battery_percent": BROKEN},
        BATTERY_OK,
        False,
        "BatteryUnknown",
    ),
    ("battery low but on AC", {"battery_percent": 10}, DEFAULT, True, "Eligible"),
    ("40 degC (bound)", {"temperature_celsius": 40.0}, DEFAULT, True, "Eligible"),
    ("40.5 degC", {"temperature_celsius": 40.5}, DEFAULT, False, "TooHot"),
    (
        "hot but the policy allows 60",
        {"temperature_celsius": 55.0},
        HarvestPolicy(max_temperature_celsius=60),
        True,
        "Eligible",
    ),
    ("user idle 180 s (bound)", {"user_idle_seconds": 180}, DEFAULT, True, "Eligible"),
    ("user idle 179 s", {"user_idle_seconds": 179}, DEFAULT, False, "UserActive"),
    (
        "user active, policy wants 0 s",
        {"user_idle_seconds": 0},
        HarvestPolicy(min_idle_seconds=0),
        True,
        "Eligible",
    ),
    ("foreign CPU 25 % (bound)", {"foreign_cpu_percent": 25.0}, DEFAULT, True, "Eligible"),
    ("foreign CPU 25.1 %", {"foreign_cpu_percent": 25.1}, DEFAULT, False, "ForeignLoad"),
    ("foreign CPU pending", {"foreign_cpu_percent": PENDING}, DEFAULT, False, "ForeignLoadUnknown"),
    ("foreign CPU absent", {"foreign_cpu_percent": ABSENT}, DEFAULT, False, "ForeignLoadUnknown"),
    (
        "server: no battery, no mains sensor",
        {"power_source": ABSENT, "battery_percent": ABSENT, "has_battery": False},
        DEFAULT,
        True,
        "Eligible",
    ),
    ("mains sensor broken", {"power_source": BROKEN}, DEFAULT, False, "PowerUnknown"),
    ("no sensors: heat not judged", {"temperature_celsius": ABSENT}, DEFAULT, True, "Eligible"),
    (
        "thermal garbage blocks",
        {"temperature_celsius": BROKEN},
        DEFAULT,
        False,
        "TemperatureUnknown",
    ),
    ("headless: no local user", {"user_idle_seconds": ABSENT}, DEFAULT, True, "Eligible"),
    (
        "idle unreadable blocks",
        {"user_idle_seconds": Unknown("unreadable", "EACCES")},
        DEFAULT,
        False,
        "IdleUnknown",
    ),
    (
        "battery and hot: first reason is power",
        {"power_source": "Battery", "temperature_celsius": 70.0},
        DEFAULT,
        False,
        "OnBattery",
    ),
]


@pytest.mark.parametrize(
    ("name", "changes", "policy", "eligible", "reason"), CASES, ids=[c[0] for c in CASES]
)
def test_policy_table(
    name: str, changes: dict[str, Any], policy: HarvestPolicy, eligible: bool, reason: str
) -> None:
    verdict = judge(readings(**changes), policy=policy)
    assert (verdict.eligible, verdict.reason) == (eligible, reason), verdict.message


def test_every_failed_rule_is_in_the_message() -> None:
    verdict = judge(
        readings(power_source="Battery", temperature_celsius=70.0, user_idle_seconds=3),
        policy=DEFAULT,
    )
    assert "on battery" in verdict.message
    assert "70.0 degC > 40 degC" in verdict.message
    assert "user idle 3 s < 180 s" in verdict.message


def test_disabled_device_is_never_eligible() -> None:
    verdict = judge(readings(), policy=DEFAULT, enabled=False)
    assert (verdict.eligible, verdict.reason) == (False, "HarvestDisabled")
