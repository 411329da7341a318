"""Probes on fixture host roots: laptop on battery, server, missing sensors, garbage in files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fogcompute_edge_agent.probing import HostRoot, ProbeErrors, Prober
from fogcompute_edge_agent.probing.cgroups import harvest_cpu_usec, pod_cgroup_candidates
from fogcompute_edge_agent.probing.cpu import parse_proc_stat
from fogcompute_edge_agent.readings import Unknown
from fogcompute_testbed.hostroots import FixtureHost


def prober_for(root: Path) -> tuple[Prober, ProbeErrors]:
    errors = ProbeErrors()
    return Prober(host=HostRoot(root=root, errors=errors)), errors


def two_rounds(host: FixtureHost, prober: Prober):  # type: ignore[no-untyped-def]
    prober.round()
    host.tick(1.0)
    return prober.round()


def test_laptop_on_battery(tmp_path: Path) -> None:
    host = FixtureHost(tmp_path, cpus=8, foreign_load_percent=10).laptop(
        on_ac=False, battery=73, idle_seconds=400
    )
    prober, errors = prober_for(tmp_path)
    r = two_rounds(host, prober)
    assert r.power_source == "Battery"
    assert r.battery_percent == 73
    assert r.has_battery
    assert r.temperature_celsius == 32.0  # the hotter of the zone (32) and hwmon (31)
    assert isinstance(r.user_idle_seconds, int)
    assert 399 <= r.user_idle_seconds <= 410
    assert r.cpu_count == 8
    assert r.foreign_cpu_percent == pytest.approx(10.0, abs=0.2)
    assert r.memory_bytes == 8 * 1024**3
    assert r.gpus == 0
    assert errors.total() == 0


def test_laptop_on_ac_with_gpu(tmp_path: Path) -> None:
    host = FixtureHost(tmp_path).laptop(on_ac=True, battery=95)
    host.add_gpu(0)
    host.write("sys/class/drm/card0-HDMI-A-1/status", "connected\n")
    prober, _ = prober_for(tmp_path)
    r = two_rounds(host, prober)
    assert r.power_source == "AC"
    assert r.gpus == 1


def test_server_without_battery_is_absent_not_invented(tmp_path: Path) -> None:
    host = FixtureHost(tmp_path).server()
    prober, errors = prober_for(tmp_path)
    r = two_rounds(host, prober)
    assert r.power_source == Unknown("absent", r.power_source.why)  # type: ignore[union-attr]
    assert isinstance(r.battery_percent, Unknown)
    assert r.battery_percent.kind == "absent"
    assert not r.has_battery
    assert isinstance(r.user_idle_seconds, Unknown)
    assert r.user_idle_seconds.kind == "absent"
    assert r.temperature_celsius == 35.0
    assert errors.total() == 0


def test_missing_thermal_zones(tmp_path: Path) -> None:
    host = FixtureHost(tmp_path).server()
    (tmp_path / "sys/class/thermal/thermal_zone0/temp").unlink()
    (tmp_path / "sys/class/thermal/thermal_zone0/type").unlink()
    (tmp_path / "sys/class/thermal/thermal_zone0").rmdir()
    prober, _ = prober_for(tmp_path)
    r = two_rounds(host, prober)
    assert isinstance(r.temperature_celsius, Unknown)
    assert r.temperature_celsius.kind == "absent"
    assert "no thermal zones" in r.temperature_celsius.why


def test_first_round_has_no_foreign_cpu_yet(tmp_path: Path) -> None:
    FixtureHost(tmp_path).server()
    prober, _ = prober_for(tmp_path)
    first = prober.round()
    assert isinstance(first.foreign_cpu_percent, Unknown)
    assert first.foreign_cpu_percent.kind == "pending"


@pytest.mark.parametrize(
    ("rel", "garbage", "reading", "probe"),
    [
        ("proc/stat", "not a stat file\n", "foreign_cpu_percent", "cpu"),
        ("proc/meminfo", "MemTotal: lots kB\n", "memory_bytes", "memory"),
        ("proc/loadavg", "\n", "load1", "cpu"),
        ("sys/class/thermal/thermal_zone0/temp", "hot\n", "temperature_celsius", "thermal"),
        ("sys/class/thermal/thermal_zone0/temp", "999999\n", "temperature_celsius", "thermal"),
        ("sys/class/power_supply/BAT0/capacity", "-3\n", "battery_percent", "power"),
    ],
)
def test_garbage_is_one_counted_error_and_unknown(
    tmp_path: Path, rel: str, garbage: str, reading: str, probe: str
) -> None:
    host = FixtureHost(tmp_path)
    # The laptop's hwmon sensor would stand in for a broken thermal zone: use the server there.
    host.laptop(on_ac=False, battery=50) if probe == "power" else host.server()
    prober, errors = prober_for(tmp_path)
    prober.round()
    host.write(rel, garbage)
    r = prober.round()
    value = getattr(r, reading)
    assert isinstance(value, Unknown)
    assert value.kind == "malformed"
    assert errors.counts[(probe, "malformed")] == 1
    assert errors.total() == 1


def test_one_broken_sensor_leaves_the_others(tmp_path: Path) -> None:
    host = FixtureHost(tmp_path).laptop()
    host.write("sys/class/thermal/thermal_zone0/temp", "hot\n")
    prober, errors = prober_for(tmp_path)
    assert prober.round().temperature_celsius == 31.0
    assert errors.counts[("thermal", "malformed")] == 1


def test_a_crashing_probe_is_counted_not_raised(tmp_path: Path) -> None:
    FixtureHost(tmp_path).server()
    prober, errors = prober_for(tmp_path)

    def broken() -> None:
        raise RuntimeError("driver bug")

    prober.idle_source = broken  # type: ignore[assignment]
    r = prober.round()
    assert isinstance(r.user_idle_seconds, Unknown)
    assert errors.counts[("idle", "crashed")] == 1


def test_empty_root_gives_unknowns_without_errors(tmp_path: Path) -> None:
    prober, errors = prober_for(tmp_path)
    r = prober.round()
    assert set(r.unknowns()) >= {"cpu", "memory", "power", "temperature", "idle", "foreignCpu"}
    assert errors.total() == 0


def test_harvest_pods_cgroups_are_not_foreign(tmp_path: Path) -> None:
    host = FixtureHost(tmp_path, cpus=4, foreign_load_percent=50).server()
    uid = "0b3c8a8e-1111-2222-3333-444455556666"
    cgroup = tmp_path / pod_cgroup_candidates(uid)[2]  # systemd, burstable
    cgroup.mkdir(parents=True)
    (cgroup / "cpu.stat").write_text("usage_usec 1000000\nuser_usec 900000\n")
    prober, _ = prober_for(tmp_path)
    prober.round(harvest_pod_uids=[uid])
    host.tick(1.0)  # 400 jiffies, 200 busy
    (cgroup / "cpu.stat").write_text("usage_usec 2000000\n")  # one CPU-second = 100 jiffies
    r = prober.round(harvest_pod_uids=[uid])
    assert r.foreign_cpu_percent == pytest.approx(25.0, abs=0.5)
    usage = harvest_cpu_usec(HostRoot(root=tmp_path, errors=ProbeErrors()), [uid, "missing"])
    assert (usage.usec, usage.found, usage.missing) == (2_000_000, 1, 1)


def test_proc_stat_parsing_counts_cores() -> None:
    times = parse_proc_stat("cpu  10 0 5 80 5 0 0 0 0 0\ncpu0 5 0 2 40 3\ncpu1 5 0 3 40 2\n")
    assert (times.total, times.busy, times.count) == (100, 15, 2)


def test_unreadable_file_is_counted(tmp_path: Path) -> None:
    FixtureHost(tmp_path).server()
    target = tmp_path / "proc/meminfo"
    target.unlink()
    target.mkdir()  # reading a directory fails with IsADirectoryError, an OSError
    prober, errors = prober_for(tmp_path)
    r = prober.round()
    assert isinstance(r.memory_bytes, Unknown)
    assert errors.counts[("memory", "unreadable")] == 1


def test_idle_from_terminals_when_no_input_devices(tmp_path: Path) -> None:
    FixtureHost(tmp_path).server()
    pts = tmp_path / "dev/pts/0"
    pts.parent.mkdir(parents=True)
    pts.touch()
    then = os.stat(pts).st_mtime - 90
    os.utime(pts, (then, then))
    prober, _ = prober_for(tmp_path)
    r = prober.round()
    assert isinstance(r.user_idle_seconds, int)
    assert 89 <= r.user_idle_seconds <= 95


def test_short_intervals_repeat_the_last_foreign_value(tmp_path: Path) -> None:
    host = FixtureHost(tmp_path, cpus=2, foreign_load_percent=20).server()
    prober, _ = prober_for(tmp_path)
    prober.round()
    assert isinstance(prober.round().foreign_cpu_percent, Unknown)  # nothing advanced yet
    host.tick(1.0)
    assert prober.round().foreign_cpu_percent == pytest.approx(20.0, abs=0.5)
    host.foreign_load_percent = 90
    host.tick(0.1)  # too short a window to judge: the last value stands
    assert prober.round().foreign_cpu_percent == pytest.approx(20.0, abs=0.5)
    host.tick(1.0)  # the window since the last baseline now covers 1.1 s
    assert prober.round().foreign_cpu_percent == pytest.approx(90.0, abs=0.5)
