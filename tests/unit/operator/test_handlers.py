"""The handlers package: what importing it registers, and the kopf settings startup applies."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import kopf
import kubernetes
import pytest
from fogcompute_operator import handlers
from fogcompute_operator.controlling import Runtime
from fogcompute_operator.handlers import operating, peerings
from fogcompute_operator.observing import (
    ControllerMetrics,
    ObservingServer,
    Readiness,
    ServingConfig,
)
from operator_fakes import FakeKubeApi
from prometheus_client import CollectorRegistry


def activity_handlers() -> dict[str, str]:
    registry = kopf.get_default_registry()
    return {str(h.id): h.activity.value for h in registry._activities.get_all_handlers()}


def env(*, peering: bool = True, name: str = "fog-compute") -> handlers.OperatorEnv:
    return handlers.OperatorEnv(
        peering=handlers.PeeringChoice(enabled=peering, name=name),
        log_level=logging.INFO,
        serving=ServingConfig(),
        instance="operator-0",
    )


def test_importing_the_package_registers_startup_probe_and_cleanup() -> None:
    registered = activity_handlers()

    assert registered["fogcompute-startup"] == "startup"
    assert registered["metrics"] == "probe"
    assert registered["fogcompute-cleanup"] == "cleanup"


def test_startups_run_operator_first_then_each_kind_then_ready() -> None:
    registry = kopf.get_default_registry()
    startups = [
        str(h.id)
        for h in registry._activities.get_all_handlers()
        if h.activity is not None and h.activity.value == "startup"
    ]
    assert startups[0] == "fogcompute-startup"
    assert startups[-1] == "fogcompute-ready"
    assert {"fogjobs-startup", "edgedevices-startup"} <= set(startups[1:-1])


def test_ready_only_once_every_kind_startup_finished() -> None:
    readiness = Readiness()
    runtime = Runtime(api=FakeKubeApi(), metrics=ControllerMetrics.create(CollectorRegistry()))
    server = ObservingServer(config=ServingConfig(), metrics=runtime.metrics, readiness=readiness)
    memo = kopf.Memo()
    memo[operating.MEMO_KEY] = operating.Observing(
        server=server, readiness=readiness, runtime=runtime, peering="p", instance="i"
    )
    assert {"fogjobs-startup", "edgedevices-startup"} <= operating.mark_ready(memo)
    assert not readiness.ready
    for activity in ("fogjobs-startup", "edgedevices-startup"):
        operating.kind_started(memo, activity)
    missing = operating.mark_ready(memo)
    assert not missing & {"fogjobs-startup", "edgedevices-startup"}
    assert readiness.ready is (not missing)


def test_settings_use_our_finalizer_annotations_and_events() -> None:
    settings = kopf.OperatorSettings()

    handlers.apply_settings(settings, env=env())

    assert settings.persistence.finalizer == "fogcompute.io/finalizer"
    progress = settings.persistence.progress_storage
    diffbase = settings.persistence.diffbase_storage
    assert isinstance(progress, kopf.AnnotationsProgressStorage)
    assert isinstance(diffbase, kopf.AnnotationsDiffBaseStorage)
    assert progress.prefix == "fogcompute.io"
    assert diffbase.prefix == "fogcompute.io"
    assert settings.posting.enabled
    assert settings.posting.reporting_component == "fog-compute-operator"
    assert settings.posting.reporting_instance == "operator-0"


def test_settings_bound_every_network_wait() -> None:
    settings = kopf.OperatorSettings()

    handlers.apply_settings(settings, env=env())

    assert settings.networking.request_timeout == 60
    assert settings.networking.connect_timeout == 10
    assert tuple(settings.networking.error_backoffs)[-1] == 30  # type: ignore[arg-type]
    assert settings.watching.server_timeout is not None
    assert settings.watching.client_timeout is not None
    assert settings.watching.client_timeout > settings.watching.server_timeout
    assert settings.watching.connect_timeout == 10
    assert settings.execution.default_backoff == 10
    assert settings.process.ultimate_exiting_timeout == 25


@dataclass(frozen=True)
class PeeringCase:
    name: str
    cli_standalone: bool
    cli_peering: str | None
    env_enabled: bool
    mode: str
    standalone: bool
    peering_name: str


PEERING_CASES = [
    PeeringCase("default", False, None, True, "peering fog-compute", False, "fog-compute"),
    PeeringCase("env off", False, None, False, "standalone (FOG_PEERING=false)", True, "default"),
    PeeringCase("cli standalone", True, None, True, "standalone (command line)", True, "default"),
    PeeringCase("cli name", False, "blue", True, "peering blue (command line)", False, "blue"),
]


@pytest.mark.parametrize("case", PEERING_CASES, ids=lambda c: c.name)
def test_peering_follows_the_command_line_then_the_environment(case: PeeringCase) -> None:
    settings = kopf.OperatorSettings()
    if case.cli_standalone:  # what `kopf run --standalone` sets before startup
        settings.peering.standalone = True
    if case.cli_peering is not None:  # what `kopf run --peering=NAME` sets before startup
        settings.peering.name = case.cli_peering
        settings.peering.mandatory = True

    mode = handlers.apply_settings(settings, env=env(peering=case.env_enabled))

    assert mode == case.mode
    assert settings.peering.standalone is case.standalone
    assert settings.peering.name == case.peering_name
    assert settings.peering.mandatory is (not case.standalone)


@pytest.mark.parametrize(
    ("environ", "enabled", "name"),
    [
        ({}, True, "fog-compute"),
        ({"FOG_PEERING": "false"}, False, "fog-compute"),
        ({"FOG_PEERING": " On ", "FOG_PEERING_NAME": "ops"}, True, "ops"),
    ],
)
def test_environment_parses_peering(environ: dict[str, str], enabled: bool, name: str) -> None:
    parsed = handlers.OperatorEnv.from_environ(environ)
    assert parsed.peering == handlers.PeeringChoice(enabled=enabled, name=name)


def test_the_pod_name_reports_events() -> None:
    parsed = handlers.OperatorEnv.from_environ({"POD_NAME": "fog-compute-7d9"})
    assert parsed.instance == "fog-compute-7d9"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"FOG_PEERING": "maybe"}, r"FOG_PEERING='maybe' is not a boolean; use true or false"),
        ({"FOG_PEERING_NAME": " "}, r"FOG_PEERING_NAME is empty"),
        ({"FOG_LOG_LEVEL": "chatty"}, r"FOG_LOG_LEVEL='chatty' is not a log level"),
        ({"FOG_METRICS_PORT": "x"}, r"FOG_METRICS_PORT='x' is not a TCP port"),
    ],
)
def test_a_wrong_variable_is_named(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        handlers.OperatorEnv.from_environ(environ)


def test_the_probe_fails_before_startup_left_a_server() -> None:
    with pytest.raises(RuntimeError, match="metrics endpoint is not serving"):
        operating.probe_metrics(memo=kopf.Memo())


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (404, r"needs the CRD clusterkopfpeerings.kopf.dev.*peering.installCRD=true"),
        (403, r"may not create clusterkopfpeerings.kopf.dev 'fog'.*FOG_PEERING=false"),
        (500, r"creating clusterkopfpeerings.kopf.dev 'fog' failed: 500 boom"),
    ],
)
def test_peering_setup_failures_say_what_to_fix(status: int, message: str) -> None:
    error = kubernetes.client.ApiException(status=status, reason="boom")
    with pytest.raises(peerings.PeeringSetupError, match=message):
        peerings._explain(error, name="fog")


def test_an_existing_peering_object_is_not_an_error() -> None:
    error = kubernetes.client.ApiException(status=409, reason="AlreadyExists")
    assert peerings._explain(error, name="fog") is False


def test_no_handler_needs_kopfs_diff_base() -> None:
    """``configuring.EventsOnlyDiffBase`` skips kopf's per-event essence: only right while
    every handler watches events (no on.create/on.update/on.field handler, no daemon)."""
    registry = kopf.get_default_registry()
    settings = kopf.OperatorSettings()
    handlers.apply_settings(settings, env=env())

    assert registry._changing.get_all_handlers() == []
    assert registry._spawning.get_all_handlers() == []
    assert registry._watching.get_all_handlers()  # the informers' feed
    assert settings.persistence.diffbase_storage.build(body=kopf.Body({"spec": {"a": 1}})) == {}
