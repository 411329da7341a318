"""The worker's UDP socket: SO_REUSEPORT binding, batched non-blocking receive, send.

Sits under ``working``: the kernel spreads datagrams over the workers sharing the port (by
source address and port), and each worker drains its socket in batches from one reader
callback instead of one event-loop turn per datagram. Must not interpret packets.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable

from fogcompute_mixnode.sphinx import PACKET_SIZE

Address = tuple[str, int]
BATCH = 64


def bind_reuseport(*, host: str, port: int, buffer_bytes: int) -> socket.socket:
    """A non-blocking UDP socket on (host, port) that other workers may share."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, buffer_bytes)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, buffer_bytes)
        sock.bind((host, port))
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


class DatagramPump:
    """Reads datagrams from ``sock`` into ``on_datagram``; sends with ``send``."""

    def __init__(
        self,
        *,
        sock: socket.socket,
        on_datagram: Callable[[bytes], None],
        on_send_error: Callable[[], None],
    ) -> None:
        self._sock = sock
        self._on_datagram = on_datagram
        self._on_send_error = on_send_error
        # One byte more than a packet, so an oversized datagram shows up as the wrong length.
        self._bufsize = PACKET_SIZE + 1

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        loop.add_reader(self._sock.fileno(), self._drain)

    def stop(self, loop: asyncio.AbstractEventLoop) -> None:
        loop.remove_reader(self._sock.fileno())
        self._sock.close()

    def send(self, datagram: bytes, address: Address) -> None:
        try:
            self._sock.sendto(datagram, address)
        except OSError:  # full buffer or unreachable: the packet is lost, and counted
            self._on_send_error()

    def _drain(self) -> None:
        recv = self._sock.recv
        handle = self._on_datagram
        for _ in range(BATCH):
            try:
                datagram = recv(self._bufsize)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:  # e.g. a queued ICMP error; the next read continues
                continue
            handle(datagram)
