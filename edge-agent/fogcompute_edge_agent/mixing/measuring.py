"""Measurement packets through every MixNode, and back through this node to the agent.

Part of the agent's mixnode hosting; the operator's reliability monitor turns what this
publishes into each MixNode's score. Each round the host hands ``send_round`` the MixNodes
that publish an address, an identity and a key for the current epoch; for each target X one
Sphinx packet (built with the mixnet's own ``build_forward_packet``) takes the path X, then
this node's own mixnode, which delivers it to this agent's loopback socket (the agent adds
itself as a recipient to its own daemon's routing file, ``recipient_entry``); for X = this
node the path is this node alone. A packet back within ``deadline`` is ``ok`` for X, one not
back by then ``lost`` (measuring X and this node together: a broken own node shows as every
target failing, and its own score falls too). The cumulative counts per target go into this
node's MixNode ``status.measurements``. Packet ids are random and single-use; a frame that is
not ours is ignored.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from fogcompute_mixnode.delivering import KIND_MESSAGE, decode_frame
from fogcompute_mixnode.directory import RecipientEntry
from fogcompute_mixnode.sphinx import NodeId, PathHop, build_forward_packet

MAGIC = b"fog-measure/v1:"
ID_SIZE = 16


@dataclass(frozen=True)
class Target:
    """A MixNode as the measurement needs it (from its status)."""

    name: str
    node_id: bytes
    host: str
    port: int
    public_key: bytes


def target_of(mixnode: dict[str, Any], *, epoch: int) -> Target | None:
    """The MixNode's current-epoch hop, or None when it does not publish one."""
    status = mixnode.get("status") or {}
    address, identity = status.get("address"), status.get("identityKey")
    key = next(
        (k.get("publicKey") for k in status.get("keys") or () if k.get("epoch") == epoch), None
    )
    if not (isinstance(address, str) and isinstance(identity, str) and isinstance(key, str)):
        return None
    host, _, port = address.rpartition(":")
    try:
        return Target(
            name=str(mixnode["metadata"]["name"]),
            node_id=bytes.fromhex(identity),
            host=host.strip("[]"),
            port=int(port),
            public_key=bytes.fromhex(key),
        )
    except (KeyError, ValueError):
        return None


class _Receiver(asyncio.DatagramProtocol):
    def __init__(self, measurer: Measurer) -> None:
        self._measurer = measurer

    def datagram_received(self, data: bytes, addr: Any) -> None:
        del addr
        self._measurer.received(data)


class Measurer:
    def __init__(self, *, host: str, deadline: float, clock: Any) -> None:
        self._host = host
        self._deadline = deadline
        self._clock = clock
        self.recipient_id = secrets.token_bytes(32)
        self._pending: dict[bytes, tuple[str, float]] = {}
        self.counts: dict[str, list[int]] = {}
        self._transport: asyncio.DatagramTransport | None = None
        self.port = 0
        self.ignored = 0

    async def start(self) -> None:
        if self._transport is not None:
            return
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _Receiver(self), local_addr=(self._host, 0)
        )
        self._transport = transport
        self.port = int(transport.get_extra_info("sockname")[1])

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    def recipient_entry(self) -> RecipientEntry:
        # The box key is never used: the message is a random id, not a sealed body.
        return RecipientEntry(
            recipient_id=self.recipient_id, host=self._host, port=self.port, public_key=bytes(32)
        )

    def send_round(self, targets: Sequence[Target], *, own: Target, epoch: int) -> int:
        """One packet through each target; returns how many were sent."""
        if self._transport is None:
            return 0
        now = self._clock()
        sent = 0
        own_hop = PathHop(
            node_id=NodeId(own.node_id), public_key=own.public_key, epoch=epoch, delay_us=0
        )
        for target in targets:
            hop = PathHop(
                node_id=NodeId(target.node_id),
                public_key=target.public_key,
                epoch=epoch,
                delay_us=0,
            )
            path = [own_hop] if target.node_id == own.node_id else [hop, own_hop]
            packet_id = secrets.token_bytes(ID_SIZE)
            packet = build_forward_packet(
                path=path, recipient=self.recipient_id, message=MAGIC + packet_id
            )
            self._pending[packet_id] = (target.name, now)
            self.counts.setdefault(target.name, [0, 0])
            self._transport.sendto(packet, (target.host, target.port))
            sent += 1
        return sent

    def received(self, data: bytes) -> None:
        frame = decode_frame(data)
        if (
            frame is None
            or data[0] != KIND_MESSAGE
            or frame.recipient != self.recipient_id
            or not frame.body.startswith(MAGIC)
        ):
            self.ignored += 1
            return
        packet_id = frame.body[len(MAGIC) : len(MAGIC) + ID_SIZE]
        held = self._pending.pop(packet_id, None)
        if held is None:
            self.ignored += 1
            return
        name, sent_at = held
        self.counts[name][0 if self._clock() - sent_at <= self._deadline else 1] += 1

    def expire(self) -> None:
        now = self._clock()
        for packet_id, (name, sent_at) in list(self._pending.items()):
            if now - sent_at > self._deadline:
                del self._pending[packet_id]
                self.counts[name][1] += 1

    def measurements(self) -> list[dict[str, Any]]:
        return [
            {"mixNode": name, "ok": ok, "lost": lost}
            for name, (ok, lost) in sorted(self.counts.items())
        ][:256]
