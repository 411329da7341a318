"""The operator's runtime: built once at startup, handed to every controller and the scheduler.

One ``Runtime`` holds what every kind needs, kind-agnostic: the API seam, an informer per
watched kind (``caching``), the status writer (``statuses``), the finalizer writer
(``finalizing``), the background Event poster (``posting``), the controller metrics, the clock
and the instance name for Events. A kind package asks it for informers (``informer``), builds
its reconciler, gets a ``Controller`` (``controller``), says which changes queue which keys
(``watch``) and starts it (``run``); the scheduler is started the same way and asks for
reconciles by kind (``enqueue``). The handlers feed it kopf's watch events (``observe``) and
stop it at cleanup (``stop``: components in reverse order, then Events). A reconcile parses
its object with ``validated`` (a refused one is rejected: ``reject_invalid``). No kopf here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from fogcompute_api.conditions import ConditionStatus
from pydantic import BaseModel, ValidationError

from fogcompute_operator.controlling.caching import Informer, Informers, InformerSpec
from fogcompute_operator.controlling.eventing import EventNote, build_event
from fogcompute_operator.controlling.finalizing import Finalizers
from fogcompute_operator.controlling.posting import EventPoster
from fogcompute_operator.controlling.rejecting import reject_invalid
from fogcompute_operator.controlling.statuses import StatusWriter
from fogcompute_operator.controlling.working import Controller, Reconciler
from fogcompute_operator.kube import Body, KubeApi, ObjectKey, Resource, key_of
from fogcompute_operator.observing import ControllerMetrics, object_extra

logger = logging.getLogger("fogcompute_operator.runtime")
Clock = Callable[[], datetime]
Mapper = Callable[[Body], Iterable[ObjectKey]]
"""Which keys of a controller's kind a change of a watched object concerns."""
LISTABLE_WAIT_SECONDS = 30.0
M = TypeVar("M", bound=BaseModel)


def utc_now() -> datetime:
    return datetime.now(UTC)


class Component(Protocol):
    """Something the runtime starts and stops: a controller, the scheduler."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class Runtime:
    def __init__(
        self,
        *,
        api: KubeApi,
        metrics: ControllerMetrics,
        clock: Clock = utc_now,
        instance: str | None = None,
    ) -> None:
        self.api = api
        self.metrics = metrics
        self.clock = clock
        self.instance = instance or socket.gethostname()
        self.informers = Informers()
        self.statuses = StatusWriter(api=api, informers=self.informers)
        self.finalizers = Finalizers(api=api, informers=self.informers)
        self.events = EventPoster(api=api)
        self._components: list[Component] = []
        self._controllers: dict[Resource, Controller] = {}
        self._started = False

    def informer(self, spec: InformerSpec) -> Informer:
        """The informer of ``spec.resource`` (created on first use)."""
        return self.informers.register(spec)

    def observe(self, resource: Resource, event_type: str | None, body: Body) -> None:
        """A watch event from kopf; a kind nobody registered is ignored."""
        informer = self.informers.get(resource)
        if informer is not None:
            informer.observe(event_type, body)

    def controller(self, reconciler: Reconciler, *, workers: int) -> Controller:
        """The controller of ``reconciler``'s kind; changes of that kind queue their own key."""
        if reconciler.resource in self._controllers:
            raise ValueError(f"{reconciler.resource} already has a controller")
        controller = Controller(reconciler=reconciler, workers=workers, metrics=self.metrics)
        self._controllers[reconciler.resource] = controller
        self.watch(reconciler.resource, controller)
        return controller

    def enqueue(self, resource: Resource, key: ObjectKey, *, urgent: bool = False) -> None:
        """Ask the controller of ``resource`` to reconcile ``key`` soon (the scheduler's answers,
        other components' news); nothing when the kind has no controller."""
        controller = self._controllers.get(resource)
        if controller is not None:
            controller.enqueue(key, urgent=urgent)

    def watch(
        self,
        resource: Resource,
        controller: Controller,
        *,
        mapper: Mapper | None = None,
        urgent: bool = False,
        delay: float = 0.0,
    ) -> None:
        """Queue in ``controller`` the keys ``mapper`` names for every change of ``resource``
        (by default the changed object's own key), ``delay`` seconds later if asked: changes
        arriving within it coalesce into one reconcile (and one status write)."""
        informer = self.informers[resource]
        keys: Mapper = mapper if mapper is not None else (lambda body: (key_of(body),))

        def enqueue(body: Body, deleted: bool) -> None:
            del deleted
            for key in keys(body):
                controller.enqueue(key, urgent=urgent, delay=delay)

        informer.subscribe(enqueue)

    def post_event(self, resource: Resource, about: Body, note: EventNote) -> None:
        """Post ``note`` about ``about`` (an object of ``resource``) in the background."""
        event = build_event(resource, about, note=note, now=self.clock(), instance=self.instance)
        self.events.post(event)

    async def reject_invalid(
        self,
        resource: Resource,
        body: Body,
        exc: ValidationError,
        *,
        condition_type: str,
        condition_status: ConditionStatus = "False",
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        """An object the API server stored but the models refuse: the condition and an Event
        naming the fields (written once, other conditions kept) and one error log line."""
        rejection = reject_invalid(
            body,
            exc,
            condition_type=condition_type,
            condition_status=condition_status,
            extra=dict(extra or {}),
            now=self.clock(),
        )
        metadata = body.get("metadata") or {}
        logger.error(
            f"invalid {resource.kind}: {rejection.message}",
            extra=object_extra(
                namespace=metadata.get("namespace"),
                name=str(metadata.get("name", "")),
                kind=resource.kind,
            ),
        )
        if rejection.changed:
            written = await self.statuses.write(resource, body, rejection.status)
            self.post_event(resource, written or body, rejection.event)

    async def validated(
        self,
        resource: Resource,
        body: Body,
        model: type[M],
        *,
        condition_type: str,
        condition_status: ConditionStatus = "False",
        extra: Mapping[str, Any] | None = None,
    ) -> M | None:
        """``body`` as ``model``; None when the models refuse it, after ``reject_invalid``
        wrote the condition (and ``extra``) and the Event. A reconcile's first step: on
        None it stops, as there is nothing to decide on."""
        try:
            return model.model_validate(body)
        except ValidationError as exc:
            await self.reject_invalid(
                resource,
                body,
                exc,
                condition_type=condition_type,
                condition_status=condition_status,
                extra=extra,
            )
            return None

    async def until_listable(self, resource: Resource) -> None:
        """Wait (bounded) until ``resource`` can be listed: a watch opened while a new CRD's
        storage initialises logs an error and retries; waiting keeps the log clean."""
        for _ in range(int(LISTABLE_WAIT_SECONDS / 0.25)):
            if await self.api.listable(resource):
                return
            await asyncio.sleep(0.25)

    async def prime(self, *resources: Resource) -> None:
        """List each kind once into its informer unless done: a controller must not take an
        object not yet seen for one that is gone."""
        for resource in resources:
            informer = self.informers[resource]
            if not informer.primed:
                selector = informer.spec.label_selector
                informer.prime(await self.api.list(resource, label_selector=selector))

    async def run(self, component: Component) -> None:
        """Start ``component`` (and the Event poster with the first one); ``stop`` stops it."""
        if not self._started:
            self._started = True
            await self.events.start()
        await component.start()
        self._components.append(component)

    async def stop(self) -> None:
        while self._components:
            component = self._components.pop()
            with contextlib.suppress(Exception):
                await component.stop()
        await self.events.stop()
        self._started = False
