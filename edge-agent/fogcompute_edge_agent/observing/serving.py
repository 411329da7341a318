"""HTTP endpoints of the agent: ``/metrics`` (Prometheus), ``/healthz`` and ``/readyz``.

Started by ``cli`` when a metrics port is set. Liveness is "the probing loop ran recently";
readiness is "a status report reached the API server at least once". A minimal HTTP/1.0
responder on ``asyncio.start_server`` (GET only, one request per connection, headers capped at
16 KiB and 5 s): an HTTP framework would cost the agent more memory than everything else it
serves. Serves nothing else.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

__all__ = ["start_server"]

_HEADER_LIMIT = 16 << 10
_READ_TIMEOUT = 5.0


async def start_server(
    *,
    registry: CollectorRegistry,
    host: str,
    port: int,
    alive: Callable[[], bool],
    ready: Callable[[], bool],
) -> asyncio.Server:
    def route(path: str) -> tuple[int, str, bytes]:
        if path == "/metrics":
            return 200, CONTENT_TYPE_LATEST, generate_latest(registry)
        if path == "/healthz":
            ok = alive()
            return (200 if ok else 503), "text/plain", b"ok" if ok else b"probing stalled"
        if path == "/readyz":
            ok = ready()
            return (200 if ok else 503), "text/plain", b"ok" if ok else b"no report yet"
        return 404, "text/plain", b"not found"

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), _READ_TIMEOUT)
            method, path, *_ = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ")
            code, kind, body = (
                route(path.split("?", 1)[0])
                if method == "GET"
                else (405, "text/plain", b"GET only")
            )
            writer.write(
                f"HTTP/1.0 {code} {'OK' if code == 200 else 'Error'}\r\nContent-Type: {kind}\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                + body
            )
            await writer.drain()
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ValueError):
            pass  # a broken or slow client gets nothing
        except OSError:
            pass  # the client went away
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    return await asyncio.start_server(handle, host, port, limit=_HEADER_LIMIT)
