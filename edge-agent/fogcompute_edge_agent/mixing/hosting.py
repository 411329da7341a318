"""Hosting this node's mixnode: keys, directory file, daemon, and the MixNode status.

Started by the agent beside its main loop. Every ``interval`` seconds (and right after each
epoch boundary) one round:

1. find the MixNode whose ``spec.nodeName`` is this node; none (or ``spec.enabled`` false):
   stop the daemon if it runs, and wait;
2. keys: ``keys.ensure_keys`` for the current and the next two epochs (generated here, 0600,
   never sent); the daemon picks new keys up at the next boundary. Two ahead, because the
   operator builds the directory of epoch N at its boundary from reports made during N-1:
   only a report that already holds N+1's key lets that directory carry it, so clients
   holding N's directory can still build packets in the first moments of N+1;
3. directory: the newest published epoch (no later than the current one) from the operator's
   ConfigMap, signature checked (``routing.open_signed_directory``), written as the daemon's
   routing file when it changed (by rename: the daemon re-reads it), with this node added
   while the published directory does not hold it yet;
4. daemon: started if it is not running (restarted after a crash);
5. measure: once the daemon serves, one measurement packet through every MixNode that
   publishes a current key and back through this node (``measuring``);
6. status: ``statuses.build_status`` with the daemon's counters, health and the measurement
   counts, applied with the mixnode's own field manager.

A failing round is logged and retried next round; it never stops the agent.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fogcompute_mixnode.directory import (
    Directory,
    NodeEntry,
    RecipientEntry,
    load_directory,
    save_directory,
)
from fogcompute_mixnode.directory.signed import directory_from_epoch
from fogcompute_mixnode.keyfiles import NodeKeys
from fogcompute_mixnode.routing import open_signed_directory
from fogcompute_mixnode.sphinx import NodeId

from fogcompute_edge_agent.mixing.daemon import MixnodeDaemon, daemon_argv
from fogcompute_edge_agent.mixing.keys import ensure_keys
from fogcompute_edge_agent.mixing.measuring import Measurer, Target, target_of
from fogcompute_edge_agent.mixing.mixapi import MixApi, placed_on
from fogcompute_edge_agent.mixing.settings import MixingSettings
from fogcompute_edge_agent.mixing.statuses import build_status, counters_from_metrics, ready_workers

log = logging.getLogger(__name__)


def newest_directory(data: dict[str, str], *, epoch: int) -> tuple[int, Directory] | None:
    """The routing table of the newest signed directory of an epoch <= ``epoch``."""
    found = []
    for key, text in data.items():
        middle = key.removeprefix("epoch-").removesuffix(".json")
        if middle.isdigit() and int(middle) <= epoch:
            found.append((int(middle), text))
    for number, text in sorted(found, reverse=True):
        try:
            opened = open_signed_directory(json.loads(text))
        except ValueError as exc:
            log.warning("directory does not open", extra={"epoch": number, "error": str(exc)})
            continue
        return number, directory_from_epoch(opened.directory)
    return None


def with_own_entry(
    directory: Directory,
    *,
    keys: NodeKeys,
    settings: MixingSettings,
    layer: int,
    recipients: tuple[RecipientEntry, ...] = (),
) -> Directory:
    """``directory`` with this node in it (a node not yet published still routes its loops)
    and ``recipients`` (the agent's measurement socket) as the only recipients."""
    if any(n.node_id == keys.node_id for n in directory.nodes):
        return Directory(nodes=directory.nodes, recipients=recipients)
    own = NodeEntry(
        node_id=NodeId(keys.node_id),
        host=settings.host,
        port=settings.port,
        layer=layer,
        public_keys=keys.public_keys(),
    )
    return Directory(nodes=(*directory.nodes, own), recipients=recipients)


@dataclass
class MixnodeHost:
    node: str
    api: MixApi
    settings: MixingSettings
    state_dir: Path
    clock: Callable[[], float] = time.time
    daemon: MixnodeDaemon | None = None
    hosted: str | None = None
    directory_epoch: int | None = None
    rounds_failed: int = 0
    measurer: Measurer | None = None
    recipients: tuple[RecipientEntry, ...] = ()  # mailboxes this node delivers to as an exit
    _written: str = field(default="", repr=False)
    _file_recipients: tuple[RecipientEntry, ...] = field(default=(), repr=False)

    @property
    def key_file(self) -> Path:
        return self.state_dir / "mixnode" / "node.key"

    @property
    def directory_file(self) -> Path:
        return self.state_dir / "mixnode" / "directory.json"

    async def close(self) -> None:
        if self.measurer is not None:
            self.measurer.close()
        closing = getattr(self.api, "close", None)
        if closing is not None:
            await closing()

    async def run(self, stop: asyncio.Event) -> None:
        try:
            while not stop.is_set():
                try:
                    await self.step()
                except Exception as exc:  # the API server may be away: retry next round
                    self.rounds_failed += 1
                    log.warning("mixnode round failed", extra={"error": str(exc)[:300]})
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self._wait())
        finally:
            if self.daemon is not None:
                await self.daemon.stop()
            if self.measurer is not None:
                self.measurer.close()

    def _wait(self) -> float:
        s = self.settings
        to_boundary = s.epoch_seconds - ((self.clock() - s.epoch_genesis) % s.epoch_seconds)
        return max(0.05, min(s.interval, to_boundary + 0.2))

    async def step(self) -> dict[str, Any] | None:
        """One round; the status applied, or None when no MixNode is placed here."""
        everyone = await self.api.mixnodes()
        mixnode = placed_on(everyone, node=self.node)  # 1.
        enabled = mixnode is not None and (mixnode.get("spec") or {}).get("enabled", True)
        if mixnode is None or not enabled:
            if self.daemon is not None:
                await self.daemon.stop()
            self.hosted = None
            return None
        self.hosted = str(mixnode["metadata"]["name"])
        epoch = self.settings.epoch_at(self.clock())
        keys = ensure_keys(self.key_file, epochs=(epoch, epoch + 1, epoch + 2))  # 2.
        status_layer = (mixnode.get("status") or {}).get("layer")
        layer = (mixnode.get("spec") or {}).get("layer", status_layer)
        measurer = await self._measurer()
        recipients = (*self.recipients, *self._static_recipients())
        if measurer is not None:
            recipients = (*recipients, measurer.recipient_entry())
        await self._refresh_directory(
            keys, epoch=epoch, layer=int(layer or 0), recipients=recipients
        )  # 3.
        daemon = self._daemon()
        await daemon.start()  # 4. (no-op while it runs)
        text = await daemon.metrics()
        workers = ready_workers(text or "")
        health = "Serving" if text and workers >= self.settings.workers else "Starting"
        if not daemon.running:
            health = "Down"
        measurements = None
        if measurer is not None:
            measurer.expire()
            if health == "Serving":
                own = Target(
                    name=self.hosted,
                    node_id=keys.node_id,
                    host=self.settings.host,
                    port=self.settings.port,
                    public_key=keys.public_keys()[epoch],
                )
                found = [target_of(m, epoch=epoch) for m in everyone]
                measurer.send_round([t for t in found if t is not None], own=own, epoch=epoch)
            measurements = measurer.measurements()
        status = build_status(
            keys=keys,
            epoch=epoch,
            address=f"{self.settings.host}:{self.settings.port}",
            workers=self.settings.workers,
            counters=counters_from_metrics(text) if text else None,
            health=health,
            now=datetime.fromtimestamp(self.clock(), UTC),
            measurements=measurements,
        )
        await self.api.apply_mixnode_status(name=self.hosted, status=status)  # 6.
        return status

    def _static_recipients(self) -> tuple[RecipientEntry, ...]:
        """FOG_EDGE_MIXNODE_RECIPIENTS' mailboxes, read each round; the last good read when
        the file does not load (logged), so a half-edited file never drops a mailbox."""
        path = self.settings.recipients_file
        if path is None:
            return ()
        try:
            self._file_recipients = load_directory(path).recipients
        except Exception as exc:  # any malformed file: keep the last good list, say why
            error = str(exc)[:300]
            log.warning("recipients file does not load", extra={"path": str(path), "error": error})
        return self._file_recipients

    async def _measurer(self) -> Measurer | None:
        if not self.settings.measure:
            return None
        if self.measurer is None:
            self.measurer = Measurer(
                host=self.settings.host, deadline=self.settings.measure_deadline, clock=self.clock
            )
        await self.measurer.start()
        return self.measurer

    async def _refresh_directory(
        self,
        keys: NodeKeys,
        *,
        epoch: int,
        layer: int,
        recipients: tuple[RecipientEntry, ...],
    ) -> None:
        published = newest_directory(await self.api.directory_data(), epoch=epoch)
        directory = Directory(nodes=())
        if published is not None:
            self.directory_epoch, directory = published
        directory = with_own_entry(
            directory, keys=keys, settings=self.settings, layer=layer, recipients=recipients
        )
        path = self.directory_file
        temporary = path.with_name(f".{path.name}.tmp")
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        save_directory(directory, temporary)
        text = temporary.read_text()
        if text == self._written and path.exists():
            temporary.unlink()
            return
        os.replace(temporary, path)
        self._written = text

    def _daemon(self) -> MixnodeDaemon:
        if self.daemon is None:
            argv = daemon_argv(self.settings, key_file=self.key_file, directory=self.directory_file)
            self.daemon = MixnodeDaemon(
                argv=argv,
                log_file=self.state_dir / "mixnode" / "daemon.log",
                metrics_port=self.settings.metrics_port,
            )
        return self.daemon
