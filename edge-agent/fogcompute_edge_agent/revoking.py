"""Revocation: evict this node's harvest pods when the device stops being harvestable.

Called by the agent's loop at once when the gate closes (``revoke``, timed from the probing round
whose reading closed it), and every report interval while it stays closed (``sweep``: pods the
scheduler placed from a stale view are evicted too). Harvest pods are the FogJob pods on this node
labelled ``fogcompute.io/harvest=true`` (labels from ``fogcompute_api.meta``). Evictions go
through the Eviction API so PodDisruptionBudgets are honoured; a blocked one (429) is retried by
the next sweep. The FogJob controller re-places the evicted pods.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from fogcompute_api.meta import LABEL_FOGJOB, LABEL_HARVEST

from fogcompute_edge_agent.observing.metrics import AgentMetrics
from fogcompute_edge_agent.reporting.kubeapi import ApiError, DeviceApi

__all__ = ["HARVEST_SELECTOR", "Revocation", "Revoker"]

log = logging.getLogger(__name__)

HARVEST_SELECTOR: Final = f"{LABEL_FOGJOB},{LABEL_HARVEST}=true"
_RESULTS: Final = {200: "accepted", 201: "accepted", 404: "gone", 429: "blocked"}


@dataclass(frozen=True)
class Revocation:
    """What one revocation did and how long it took."""

    pods: int
    accepted: int
    blocked: int
    failed: int
    seconds: float


class Revoker:
    def __init__(
        self, *, api: DeviceApi, node: str, metrics: AgentMetrics, selector: str = HARVEST_SELECTOR
    ) -> None:
        self._api, self._node, self._metrics, self._selector = api, node, metrics, selector
        self.last: Revocation | None = None

    async def harvest_pods(self) -> list[dict[str, Any]]:
        return await self._api.list_pods(node=self._node, label_selector=self._selector)

    async def revoke(self, *, started: float) -> Revocation:
        """List and evict every live harvest pod; ``started`` is a ``time.monotonic`` value."""
        try:
            pods = [p for p in await self.harvest_pods() if _live(p)]
        except (ApiError, OSError, TimeoutError) as exc:
            log.warning("cannot list harvest pods", extra={"node": self._node, "error": str(exc)})
            pods = []
        results = await asyncio.gather(*(self._evict(p) for p in pods))
        done = Revocation(
            pods=len(pods),
            accepted=results.count("accepted") + results.count("gone"),
            blocked=results.count("blocked"),
            failed=results.count("error"),
            seconds=time.monotonic() - started,
        )
        if pods and done.accepted == len(pods):
            self._metrics.revocation_seconds.observe(done.seconds)
        if pods:
            log.info(
                "harvest pods evicted",
                extra={
                    "node": self._node,
                    "pods": done.pods,
                    "accepted": done.accepted,
                    "blocked": done.blocked,
                    "failed": done.failed,
                    "seconds": round(done.seconds, 4),
                },
            )
        self.last = done
        return done

    async def _evict(self, pod: dict[str, Any]) -> str:
        meta = pod["metadata"]
        try:
            code = await self._api.evict(namespace=meta["namespace"], name=meta["name"])
        except (ApiError, OSError, TimeoutError) as exc:
            log.warning(
                "eviction failed",
                extra={"pod": f"{meta['namespace']}/{meta['name']}", "error": str(exc)[:300]},
            )
            result = "error"
        else:
            result = _RESULTS.get(code, "error")
        self._metrics.evictions.labels(result=result).inc()
        return result


def _live(pod: dict[str, Any]) -> bool:
    if pod.get("metadata", {}).get("deletionTimestamp"):
        return False
    return pod.get("status", {}).get("phase") not in ("Succeeded", "Failed")


def uids_of(pods: Sequence[dict[str, Any]]) -> list[str]:
    return [str(p["metadata"]["uid"]) for p in pods if p.get("metadata", {}).get("uid")]
