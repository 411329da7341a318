"""kopf's settings for fog-compute: our finalizer and annotations, peering, timeouts, Events.

Read once by the startup activity (``operating``) before any resource is watched; kopf reads
the settings object afterwards, so nothing here may be changed later. The environment is parsed
into a frozen ``OperatorEnv`` first, so a wrong value stops the operator with a message naming
the variable instead of running half-configured. The command line wins over the environment:
``kopf run --standalone`` stays standalone and ``--peering=NAME`` keeps its name.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import kopf

from fogcompute_operator.controlling.eventing import COMPONENT as EVENT_COMPONENT
from fogcompute_operator.observing import ServingConfig, parse_log_level

FINALIZER = "fogcompute.io/finalizer"
ANNOTATION_PREFIX = "fogcompute.io"
DEFAULT_PEERING_NAME = "fog-compute"
KOPF_DEFAULT_PEERING_NAME = "default"

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


@dataclass(frozen=True)
class PeeringChoice:
    """Whether to take part in kopf peering (one active operator), and under which name."""

    enabled: bool
    name: str


@dataclass(frozen=True)
class OperatorEnv:
    """The operator's configuration from its environment (the chart sets these variables)."""

    peering: PeeringChoice
    log_level: int
    serving: ServingConfig
    instance: str

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> OperatorEnv:
        """Parse ``FOG_PEERING``, ``FOG_PEERING_NAME``, ``FOG_LOG_LEVEL``, ``FOG_METRICS_*``."""
        name = environ.get("FOG_PEERING_NAME", DEFAULT_PEERING_NAME).strip()
        if not name:
            raise ValueError("FOG_PEERING_NAME is empty; unset it or name a ClusterKopfPeering")
        return cls(
            peering=PeeringChoice(enabled=_flag(environ, "FOG_PEERING", default=True), name=name),
            log_level=parse_log_level(environ.get("FOG_LOG_LEVEL", "INFO")),
            serving=ServingConfig.from_environ(environ),
            instance=environ.get("POD_NAME", "").strip() or socket.gethostname(),
        )


def _flag(environ: Mapping[str, str], variable: str, *, default: bool) -> bool:
    raw = environ.get(variable)
    if raw is None or not raw.strip():
        return default
    value = raw.strip().lower()
    if value in _TRUE | _FALSE:
        return value in _TRUE
    raise ValueError(f"{variable}={raw!r} is not a boolean; use true or false")


def apply_settings(settings: kopf.OperatorSettings, *, env: OperatorEnv) -> str:
    """Configure ``settings`` in place; returns the peering mode, for the startup log line."""
    _persist(settings)
    _post_events(settings, instance=env.instance)
    _time_out(settings)
    return _peer(settings, choice=env.peering)


def _persist(settings: kopf.OperatorSettings) -> None:
    settings.persistence.finalizer = FINALIZER
    # v1=False: a new project has no objects carrying kopf's older annotation keys to migrate.
    settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(
        prefix=ANNOTATION_PREFIX, v1=False
    )
    settings.persistence.diffbase_storage = EventsOnlyDiffBase(
        prefix=ANNOTATION_PREFIX, key="last-handled-configuration", v1=False
    )


class EventsOnlyDiffBase(kopf.AnnotationsDiffBaseStorage):
    """kopf's diff base for an operator with watching handlers only (``on.event``).

    kopf builds the "essence" of every object on every watch event (a deep copy of the whole
    body, pods' managedFields included) to detect changes for ``on.create``/``on.update``/
    ``on.field`` handlers and daemons. We register none (the runtime's informers see every
    event; ``test_handlers`` asserts the registry has no such handler), so the copy is pure
    cost: at a thousand FogJobs it was one of the operator's largest CPU items. The essence is
    empty instead. Adding a changing handler means going back to the parent class.
    """

    def build(
        self, *, body: kopf.Body, extra_fields: Iterable[Any] | None = None
    ) -> kopf.BodyEssence:
        del body, extra_fields
        return kopf.BodyEssence()


def _post_events(settings: kopf.OperatorSettings, *, instance: str) -> None:
    settings.posting.enabled = True
    settings.posting.level = logging.INFO
    settings.posting.reporting_component = EVENT_COMPONENT  # the runtime's Events say the same
    settings.posting.reporting_instance = instance
    settings.posting.event_name_prefix = "fogcompute-"
    settings.posting.default_backoffs = (1, 2, 4, 8)
    settings.posting.logging_backoffs = (1, 2)


def _time_out(settings: kopf.OperatorSettings) -> None:
    # Short API calls: fail a stuck request within a minute, retry with a capped backoff.
    settings.networking.request_timeout = 60
    settings.networking.connect_timeout = 10
    settings.networking.error_backoffs = (1, 2, 4, 8, 16, 30)
    # Watches: ask the server to end each stream after 10 minutes, give up on the client side
    # a little later, and pause between reconnects so a failing server is not hammered.
    settings.watching.server_timeout = 600
    settings.watching.client_timeout = 630
    settings.watching.connect_timeout = 10
    settings.watching.reconnect_backoff = 1.0
    # Handlers that raise an arbitrary exception are retried after this many seconds.
    settings.execution.default_backoff = 10
    # Stay inside the pod's terminationGracePeriodSeconds (30 s in the chart).
    settings.process.ultimate_exiting_timeout = 25


def _peer(settings: kopf.OperatorSettings, *, choice: PeeringChoice) -> str:
    settings.peering.stealth = True  # keep-alives every ~50 s would drown the log
    if settings.peering.standalone:
        return "standalone (command line)"
    if not choice.enabled:
        settings.peering.standalone = True
        return "standalone (FOG_PEERING=false)"
    if settings.peering.mandatory and settings.peering.name != KOPF_DEFAULT_PEERING_NAME:
        return f"peering {settings.peering.name} (command line)"
    settings.peering.name = choice.name
    settings.peering.mandatory = True
    return f"peering {choice.name}"
