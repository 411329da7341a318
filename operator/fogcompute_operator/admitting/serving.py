"""The eviction webhook's HTTPS endpoint: one POST path, one decision per AdmissionReview.

Started by the admission handlers' startup on the runtime (a ``Component``) when
``FOG_EVICTION_WEBHOOK`` is on: it makes its serving certificate (``certificates``), listens,
then points the webhook configuration at itself with that certificate as the CA
(``webhooks``). Each review: parse (``evictions.parse_request``), read the pod the Eviction
names, decide (``evictions.decide_eviction``), answer. The pod comes from the runtime's pod
informer when it holds it bound to a node (``spec.nodeName`` never changes once set, and
FogJob pod names carry the attempt, so a name is not reused on another node), else from one
GET. A malformed review is answered 400 and counted in the log; it never stops the server.
Must not import kopf.
"""

from __future__ import annotations

import json
import logging
import ssl
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from aiohttp import web

from fogcompute_operator.admitting.certificates import self_signed
from fogcompute_operator.admitting.evictions import (
    EvictionRequest,
    Verdict,
    decide_eviction,
    parse_request,
    review_response,
)
from fogcompute_operator.admitting.metering import EvictionMetrics, Result
from fogcompute_operator.admitting.settings import WebhookSettings
from fogcompute_operator.admitting.webhooks import PATH, ensure_configuration
from fogcompute_operator.controlling.caching import Informer
from fogcompute_operator.kube import PODS, Body, KubeApi, ObjectKey, split_key
from fogcompute_operator.observing import object_extra

logger = logging.getLogger("fogcompute_operator.admitting")
MAX_REVIEW_BYTES = 1 << 20
UNAVAILABLE = 503


class PodReader:
    """A pod by key: the informer's copy when it is bound to a node, else one GET."""

    def __init__(self, *, api: KubeApi, informer: Informer | None) -> None:
        self._api = api
        self._informer = informer

    async def read(self, key: ObjectKey) -> Body | None:
        cached = self._informer.get(key) if self._informer is not None else None
        if cached is not None and (cached.get("spec") or {}).get("nodeName"):
            return cached
        return await self._api.get(PODS, key)


class EvictionWebhook:
    """The HTTPS server (a runtime ``Component``)."""

    def __init__(
        self,
        *,
        settings: WebhookSettings,
        api: KubeApi,
        pods: PodReader,
        clock: Callable[[], datetime],
        metrics: EvictionMetrics,
    ) -> None:
        self._settings = settings
        self._api = api
        self._pods = pods
        self._clock = clock
        self._metrics = metrics
        self._runner: web.AppRunner | None = None
        self.malformed = 0

    def build_app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_REVIEW_BYTES)
        app.add_routes([web.post(PATH, self.handle_review)])
        return app

    async def handle_review(self, request: web.Request) -> web.Response:
        started = time.perf_counter()
        try:
            review = json.loads(await request.read())
            parsed = parse_request(review)
        except (ValueError, TypeError) as exc:  # MalformedReviewError, JSONDecodeError, non-UTF-8
            self.malformed += 1
            self._metrics.observe(result="malformed", seconds=time.perf_counter() - started)
            logger.warning("malformed AdmissionReview", extra={"error": str(exc)})
            return web.Response(status=400, text=f"{exc}\n")
        verdict = await self.review(parsed)
        result: Result = "allowed" if verdict.allowed else "refused"
        self._metrics.observe(result=result, seconds=time.perf_counter() - started)
        return web.json_response(review_response(uid=parsed.uid, verdict=verdict))

    async def review(self, request: EvictionRequest) -> Verdict:
        """The verdict on one parsed review (the pod read, then the pure decision)."""
        namespace, name = split_key(request.pod)
        extra = {**object_extra(namespace=namespace, name=name, kind="Pod")}
        try:
            pod = await self._pods.read(request.pod) if request.is_eviction else None
        except Exception as exc:  # the API server's error: refuse (fail closed), say why
            logger.exception("eviction review could not read the pod", extra=extra)
            return Verdict(
                allowed=False,
                code=UNAVAILABLE,
                message=f"the operator could not read pod {request.pod} ({exc}); retry",
            )
        verdict = decide_eviction(request=request, agent_user=self._settings.agent_user, pod=pod)
        if not verdict.allowed:
            extra["node_claim"] = request.node_claim
            logger.warning(f"eviction refused: {verdict.message}", extra=extra)
        return verdict

    def _tls(self) -> tuple[ssl.SSLContext, bytes]:
        """The server's TLS context and the CA PEM; the key lives on disk only while ``ssl``
        loads it (it takes files), then only in memory."""
        with tempfile.TemporaryDirectory(prefix="fog-webhook-") as workdir:
            cert = self_signed(
                hosts=self._settings.hosts, now=self._clock(), directory=Path(workdir)
            )
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.minimum_version = ssl.TLSVersion.TLSv1_2
            context.load_cert_chain(cert.cert_path, cert.key_path)
        return context, cert.cert_pem

    async def start(self) -> None:
        context, ca_pem = self._tls()
        runner = web.AppRunner(self.build_app(), handle_signals=False, access_log=None)
        await runner.setup()
        host, port = self._settings.listen_host, self._settings.listen_port
        try:
            await web.TCPSite(runner, host, port, ssl_context=context).start()
        except OSError as exc:
            await runner.cleanup()
            raise OSError(
                exc.errno,
                f"eviction webhook cannot listen on {host}:{port} ({exc.strerror}); "
                "free the port or set FOG_EVICTION_WEBHOOK_LISTEN",
            ) from exc
        try:
            await ensure_configuration(self._api, self._settings, ca_pem=ca_pem)
        except BaseException:
            await runner.cleanup()  # free the port for the startup's retry
            raise
        self._runner = runner
        logger.info(
            "eviction webhook serving",
            extra={"listen": f"{host}:{port}", "configuration": self._settings.configuration},
        )

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
