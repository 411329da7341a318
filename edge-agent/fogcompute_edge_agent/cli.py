"""``fog-edge-agent``, ``python -m fogcompute_edge_agent``: flags and environment to an agent.

Entry point of the DaemonSet's container and of the test bed's agent processes. Parses flags
(each with a ``FOG_EDGE_*`` environment variable; the node name also from ``NODE_NAME``), sets up
JSON logs, credentials (``--kubeconfig`` or the pod's ServiceAccount), metrics and the optional
BLE bridge, then runs ``Agent`` until SIGTERM or SIGINT. A bad flag exits with status 2 and a
message naming it.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from importlib import metadata
from pathlib import Path

from fogcompute_edge_agent.agent import Agent, PeripheralSource
from fogcompute_edge_agent.mixing.watching import watch_from_environ
from fogcompute_edge_agent.observing import AgentMetrics, configure_logging
from fogcompute_edge_agent.observing.serving import start_server
from fogcompute_edge_agent.probing import HostRoot, ProbeErrors, Prober
from fogcompute_edge_agent.probing.harvestcpu import STATE_FILE, HarvestCpuCounter
from fogcompute_edge_agent.probing.logind import LogindIdle
from fogcompute_edge_agent.reporting import CredentialsError, KubeApi, from_kubeconfig, in_cluster
from fogcompute_edge_agent.revoking import HARVEST_SELECTOR, Revoker
from fogcompute_edge_agent.settings import AgentSettings
from fogcompute_edge_agent.specs import BleSettings

__all__ = ["main", "parse_settings"]

log = logging.getLogger(__name__)


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(f"FOG_EDGE_{name}", default)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="fog-edge-agent", description=__doc__.splitlines()[0])
    p.add_argument(
        "--node-name",
        default=_env("NODE_NAME", os.environ.get("NODE_NAME")),
        help="the Kubernetes Node this agent runs on (env FOG_EDGE_NODE_NAME or NODE_NAME)",
    )
    p.add_argument(
        "--host-root",
        default=_env("HOST_ROOT", "/host"),
        help="where the host's /proc, /sys and /dev are mounted (default /host)",
    )
    p.add_argument(
        "--kubeconfig",
        default=_env("KUBECONFIG", os.environ.get("KUBECONFIG")),
        help="kubeconfig file; default: the pod's ServiceAccount",
    )
    p.add_argument("--state-dir", default=_env("STATE_DIR", "/var/lib/fog-edge-agent"))
    p.add_argument(
        "--spool-dir",
        default=_env("SPOOL_DIR"),
        help="where BLE messages are forwarded (default STATE_DIR/spool)",
    )
    p.add_argument("--probe-interval", type=float, default=float(_env("PROBE_INTERVAL", "1") or 1))
    p.add_argument(
        "--report-interval",
        type=float,
        default=None,
        help="override spec.reporting.reportIntervalSeconds",
    )
    p.add_argument("--metrics-host", default=_env("METRICS_HOST", "0.0.0.0"))  # noqa: S104
    p.add_argument(
        "--metrics-port",
        type=int,
        default=int(_env("METRICS_PORT", "9102") or 9102),
        help="port of /metrics, /healthz and /readyz; 0 turns them off",
    )
    p.add_argument("--ble-backend", choices=("none", "bleak"), default=_env("BLE_BACKEND", "none"))
    p.add_argument("--evict-selector", default=_env("EVICT_SELECTOR", HARVEST_SELECTOR))
    p.add_argument(
        "--logind",
        action="store_true",
        default=_env("LOGIND", "") == "true",
        help="idle time from logind over the system D-Bus (DBUS_SYSTEM_BUS_ADDRESS or /run/dbus)",
    )
    p.add_argument("--log-level", default=_env("LOG_LEVEL", "INFO"))
    return p


def parse_settings(argv: list[str] | None = None) -> AgentSettings:
    parser = _parser()
    args = parser.parse_args(argv)
    if not args.node_name:
        parser.error("--node-name is required (or set NODE_NAME from the downward API)")
    if args.probe_interval <= 0:
        parser.error(f"--probe-interval must be positive, got {args.probe_interval}")
    host_root = Path(args.host_root)
    if not host_root.is_dir():
        parser.error(f"--host-root {host_root} is not a directory; mount the host's trees there")
    state = Path(args.state_dir)
    return AgentSettings(
        node=args.node_name,
        host_root=host_root,
        kubeconfig=Path(args.kubeconfig) if args.kubeconfig else None,
        state_dir=state,
        spool_dir=Path(args.spool_dir) if args.spool_dir else state / "spool",
        probe_interval=args.probe_interval,
        report_interval=args.report_interval,
        metrics_host=args.metrics_host,
        metrics_port=args.metrics_port,
        ble_backend=args.ble_backend,
        evict_selector=args.evict_selector,
        log_level=args.log_level,
        logind=args.logind,
    )


def _version() -> str:
    try:
        return f"fog-edge-agent/{metadata.version('fog-compute')}"
    except metadata.PackageNotFoundError:
        return "fog-edge-agent/unknown"


def _bridge(
    settings: AgentSettings, metrics: AgentMetrics, agent: Agent
) -> PeripheralSource | None:
    if settings.ble_backend == "none":
        return None
    from fogcompute_edge_agent.ble.wiring import bleak_bridge  # bleak is imported only if used

    def ble_settings() -> BleSettings:
        assert agent.spec is not None
        return agent.spec.ble

    return bleak_bridge(settings=settings, metrics=metrics, ble_settings=ble_settings)


def _logind(settings: AgentSettings) -> LogindIdle | None:
    if not settings.logind:
        return None
    # Where the chart mounts the host's socket, and where bleak looks for it too.
    address = os.environ.get("DBUS_SYSTEM_BUS_ADDRESS") or "unix:path=/run/dbus/system_bus_socket"
    return LogindIdle(bus_address=address)


async def run(settings: AgentSettings) -> int:
    metrics = AgentMetrics()
    errors = ProbeErrors(listener=metrics.probe_error)
    logind = _logind(settings)
    try:
        creds = from_kubeconfig(settings.kubeconfig) if settings.kubeconfig else in_cluster()
    except CredentialsError as exc:
        log.error(str(exc))
        return 2
    api = KubeApi(creds)
    agent = Agent(
        node=settings.node,
        api=api,
        prober=Prober(
            host=HostRoot(root=settings.host_root, errors=errors),
            idle_source=logind.reading if logind is not None else None,
            harvest_cpu=HarvestCpuCounter.load(settings.state_dir / STATE_FILE),
        ),
        metrics=metrics,
        version=_version(),
        probe_interval=settings.probe_interval,
        report_interval=settings.report_interval,
        revoker=Revoker(
            api=api,
            node=settings.node,
            metrics=metrics,
            selector=settings.evict_selector or HARVEST_SELECTOR,
        ),
    )
    agent.ble = _bridge(settings, metrics, agent)
    try:  # the node's mixnode, loaded once a MixNode is placed here (mixing.watching)
        mixing = watch_from_environ(
            node=settings.node,
            credentials=creds,
            state_dir=settings.state_dir,
            environ=dict(os.environ),
        )
    except ValueError as exc:
        log.error(str(exc))
        return 2
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    server = None
    if settings.metrics_port:
        interval = settings.probe_interval
        server = await start_server(
            registry=metrics.registry,
            host=settings.metrics_host,
            port=settings.metrics_port,
            alive=lambda: loop.time() - agent.last_round < max(30.0, 10 * interval),
            ready=lambda: agent.reporter.reports_ok > 0,
        )
    log.info(
        "edge agent started", extra={"node": settings.node, "host_root": str(settings.host_root)}
    )
    try:
        extra = [m.run(stop) for m in (mixing, logind) if m is not None]
        await asyncio.gather(agent.run(stop), *extra)
    finally:
        if server is not None:
            server.close()
            await server.wait_closed()
        await api.close()
        if mixing is not None:
            await mixing.close()
    log.info("edge agent stopped", extra={"node": settings.node})
    return 0


def main(argv: list[str] | None = None) -> int:
    settings = parse_settings(argv)
    configure_logging(settings.log_level)
    return asyncio.run(run(settings))


if __name__ == "__main__":
    sys.exit(main())
