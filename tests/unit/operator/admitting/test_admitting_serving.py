"""The webhook over real TLS on loopback, against the in-memory API: it points the webhook
configuration at itself with its own certificate as the CA, answers reviews, reads pods."""

from __future__ import annotations

import base64
import json
import socket
import ssl
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from fogcompute_operator.admitting import (
    VALIDATING_WEBHOOKS,
    EvictionWebhook,
    PodReader,
    WebhookSettings,
    WebhookSetupError,
    eviction_metrics,
    parse_request,
)
from fogcompute_operator.controlling.caching import Informer, InformerSpec
from fogcompute_operator.kube import PODS, Body, ObjectKey, Resource
from operator_fakes import FakeKubeApi
from prometheus_client import CollectorRegistry
from test_admitting_evictions import AGENT, pod_on, review

NOW = datetime(2026, 11, 28, tzinfo=UTC)
REGISTRY = CollectorRegistry()
METRICS = eviction_metrics(REGISTRY)


def counted(result: str) -> float:
    value = REGISTRY.get_sample_value("fogcompute_eviction_reviews_total", {"result": result})
    return value or 0.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def settings_on(port: int) -> WebhookSettings:
    return WebhookSettings.from_environ(
        {
            "FOG_EVICTION_WEBHOOK": "true",
            "FOG_EVICTION_WEBHOOK_AGENT": AGENT,
            "FOG_EVICTION_WEBHOOK_LISTEN": f"127.0.0.1:{port}",
            "FOG_EVICTION_WEBHOOK_URL": f"https://127.0.0.1:{port}",
        }
    )


def make_webhook(api: FakeKubeApi, settings: WebhookSettings) -> EvictionWebhook:
    pods = PodReader(api=api, informer=None)
    return EvictionWebhook(
        settings=settings, api=api, pods=pods, clock=lambda: NOW, metrics=METRICS
    )


@pytest.fixture
def api() -> FakeKubeApi:
    fake = FakeKubeApi()
    fake.objects[VALIDATING_WEBHOOKS] = {}
    return fake


@pytest.fixture
async def served(api: FakeKubeApi) -> AsyncIterator[tuple[EvictionWebhook, WebhookSettings]]:
    settings = settings_on(free_port())
    webhook = EvictionWebhook(
        settings=settings,
        api=api,
        pods=PodReader(api=api, informer=None),
        clock=lambda: NOW,
        metrics=METRICS,
    )
    await webhook.start()
    try:
        yield webhook, settings
    finally:
        await webhook.stop()


def configured(api: FakeKubeApi, name: str) -> dict[str, Any]:
    body: dict[str, Any] = api.objects[VALIDATING_WEBHOOKS][ObjectKey(name)]
    webhooks: list[dict[str, Any]] = body["webhooks"]
    assert len(webhooks) == 1
    return webhooks[0]


async def post(url: str, ca_pem: bytes, payload: bytes) -> tuple[int, Any]:
    context = ssl.create_default_context(cadata=ca_pem.decode())
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=payload, ssl=context) as answer,
    ):
        text = await answer.text()
        return answer.status, (json.loads(text) if answer.status == 200 else text)


async def test_it_configures_itself_and_answers_over_verified_tls(
    api: FakeKubeApi, served: tuple[EvictionWebhook, WebhookSettings]
) -> None:
    _, settings = served
    webhook = configured(api, settings.configuration)
    assert webhook["failurePolicy"] == "Fail"
    assert webhook["rules"][0]["resources"] == ["pods/eviction"]
    assert webhook["matchConditions"][0]["expression"] == f"request.userInfo.username == '{AGENT}'"
    url = webhook["clientConfig"]["url"]
    ca = base64.b64decode(webhook["clientConfig"]["caBundle"])
    api.store_pod(pod_on("edge-2"))
    before = counted("allowed"), counted("refused")
    status, answer = await post(url, ca, json.dumps(review(node="edge-2")).encode())
    assert status == 200
    assert answer["response"] == {"uid": "u-1", "allowed": True}
    status, answer = await post(url, ca, json.dumps(review(node="edge-1")).encode())
    assert answer["response"]["allowed"] is False
    assert "pod work/job-0-0 runs on node edge-2" in answer["response"]["status"]["message"]
    assert (counted("allowed"), counted("refused")) == (before[0] + 1, before[1] + 1)


async def test_the_ca_bundle_trusts_this_server_only(
    api: FakeKubeApi, served: tuple[EvictionWebhook, WebhookSettings]
) -> None:
    _, settings = served
    url = configured(api, settings.configuration)["clientConfig"]["url"]
    other = settings_on(free_port())
    second = EvictionWebhook(
        settings=other,
        api=api,
        pods=PodReader(api=api, informer=None),
        clock=lambda: NOW,
        metrics=METRICS,
    )
    await second.start()  # re-patches the same configuration with its own CA
    try:
        foreign_ca = base64.b64decode(
            configured(api, other.configuration)["clientConfig"]["caBundle"]
        )
        with pytest.raises(aiohttp.ClientConnectorCertificateError):
            await post(url, foreign_ca, json.dumps(review()).encode())
    finally:
        await second.stop()


async def test_a_malformed_review_is_answered_400_and_counted(
    api: FakeKubeApi, served: tuple[EvictionWebhook, WebhookSettings]
) -> None:
    webhook, settings = served
    client = configured(api, settings.configuration)["clientConfig"]
    ca = base64.b64decode(client["caBundle"])
    status, text = await post(client["url"], ca, b"{not json")
    assert status == 400
    status, text = await post(client["url"], ca, json.dumps({"request": {}}).encode())
    assert status == 400
    assert "request.userInfo" in text
    assert webhook.malformed == 2
    assert counted("malformed") >= 2
    assert eviction_metrics(REGISTRY) is METRICS  # a retried startup reuses the families


async def test_an_existing_configuration_is_repointed(api: FakeKubeApi) -> None:
    settings = settings_on(free_port())
    api.store(VALIDATING_WEBHOOKS, {"metadata": {"name": settings.configuration}, "webhooks": []})
    webhook = EvictionWebhook(
        settings=settings,
        api=api,
        pods=PodReader(api=api, informer=None),
        clock=lambda: NOW,
        metrics=METRICS,
    )
    await webhook.start()
    await webhook.stop()
    assert configured(api, settings.configuration)["clientConfig"]["url"].startswith(settings.url)
    assert api.calls["patch validatingwebhookconfigurations"] == 1


async def test_pods_come_from_the_informer_when_it_holds_them_bound(api: FakeKubeApi) -> None:
    informer = Informer(InformerSpec(PODS))
    informer.observe("ADDED", {**pod_on("edge-1"), "metadata": {"name": "a", "namespace": "w"}})
    informer.observe("ADDED", {"metadata": {"name": "b", "namespace": "w"}, "spec": {}})
    api.store_pod({**pod_on("edge-3"), "metadata": {"name": "b", "namespace": "w"}})
    reader = PodReader(api=api, informer=informer)
    assert (await reader.read(ObjectKey("w/a")) or {})["spec"]["nodeName"] == "edge-1"
    assert api.calls["get pods"] == 0
    assert (await reader.read(ObjectKey("w/b")) or {})["spec"]["nodeName"] == "edge-3"
    assert await reader.read(ObjectKey("w/c")) is None
    assert api.calls["get pods"] == 2


class BrokenPods(PodReader):
    async def read(self, key: ObjectKey) -> None:
        raise ConnectionError(f"API server away while reading {key}")


async def test_an_unreadable_pod_is_refused_with_the_reason(api: FakeKubeApi) -> None:
    webhook = EvictionWebhook(
        settings=settings_on(free_port()),
        api=api,
        pods=BrokenPods(api=api, informer=None),
        clock=lambda: NOW,
        metrics=METRICS,
    )
    verdict = await webhook.review(parse_request(review()))
    assert not verdict.allowed
    assert verdict.code == 503
    assert "could not read pod work/job-0-0 (API server away" in verdict.message


class ForbiddenApi(FakeKubeApi):
    async def get(self, resource: Resource, key: ObjectKey) -> Body | None:
        raise PermissionError(f"403 Forbidden: get {resource.plural} {key}")


async def test_a_configuration_it_may_not_read_is_an_error_naming_the_fix() -> None:
    api = ForbiddenApi()
    settings = settings_on(free_port())
    webhook = make_webhook(api, settings)
    with pytest.raises(WebhookSetupError, match=r"403 Forbidden.*get and patch it by name"):
        await webhook.start()
    retried = make_webhook(FakeKubeApiWithWebhooks(), settings)
    await retried.start()  # the failed start freed the port for kopf's retry
    await retried.stop()


class FakeKubeApiWithWebhooks(FakeKubeApi):
    def __init__(self) -> None:
        super().__init__()
        self.objects[VALIDATING_WEBHOOKS] = {}
