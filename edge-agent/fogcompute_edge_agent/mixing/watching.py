"""Waits for a MixNode placed on this node, and only then loads and runs the mixnode host.

Started by ``cli`` beside the agent's loop. Every ``settings.interval`` seconds it lists the
MixNodes (``mixapi``) until one names this node in ``spec.nodeName`` with ``spec.enabled`` not
false; then it imports ``hosting`` (which loads the Sphinx layer, keys and the native
extension: most of the agent's memory when it hosts one) and hands over to ``MixnodeHost.run``
for the rest of the agent's life. A node that never hosts a mixnode never loads any of it. A
failed listing is logged and retried next round; nothing here raises out of ``run``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fogcompute_edge_agent.mixing.mixapi import KubeMixApi, MixApi, placed_on
from fogcompute_edge_agent.mixing.settings import MixingSettings

if TYPE_CHECKING:
    from fogcompute_edge_agent.mixing.hosting import MixnodeHost

__all__ = ["MixnodeWatch", "watch_from_environ"]

log = logging.getLogger(__name__)


def wants_hosting(mixnodes: list[dict[str, Any]], *, node: str) -> str | None:
    """The name of the enabled MixNode placed on ``node``, or None."""
    mixnode = placed_on(mixnodes, node=node)
    if mixnode is None or not (mixnode.get("spec") or {}).get("enabled", True):
        return None
    return str((mixnode.get("metadata") or {}).get("name"))


@dataclass
class MixnodeWatch:
    node: str
    api: MixApi
    settings: MixingSettings
    state_dir: Path
    host: MixnodeHost | None = None

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                placed = wants_hosting(await self.api.mixnodes(), node=self.node)
            except Exception as exc:  # the API server may be away: retry next round
                log.debug("MixNode listing failed", extra={"error": str(exc)[:300]})
                placed = None
            if placed is not None:
                log.info("hosting the node's mixnode", extra={"node": self.node, "mixnode": placed})
                await self._start_host().run(stop)
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.settings.interval)

    def _start_host(self) -> MixnodeHost:
        from fogcompute_edge_agent.mixing.hosting import MixnodeHost  # the heavy part, now

        self.host = MixnodeHost(
            node=self.node, api=self.api, settings=self.settings, state_dir=self.state_dir
        )
        return self.host

    async def close(self) -> None:
        if self.host is not None:
            await self.host.close()
            return
        closing = getattr(self.api, "close", None)
        if closing is not None:
            await closing()


def watch_from_environ(
    *, node: str, credentials: Any, state_dir: Path, environ: Mapping[str, str]
) -> MixnodeWatch | None:
    """The watch the agent's ``cli`` starts, or None when FOG_EDGE_MIXNODE=false.

    Raises ValueError naming the variable when a setting is wrong."""
    settings = MixingSettings.from_environ(environ)
    if not settings.enabled:
        return None
    return MixnodeWatch(
        node=node, api=KubeMixApi(credentials), settings=settings, state_dir=state_dir
    )
