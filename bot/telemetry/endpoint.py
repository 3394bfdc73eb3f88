"""`NEWSBOT_METRICS_LISTEN`: `GET /metrics` (Prometheus) and `GET /healthz` on one listener."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Mapping

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.telemetry.metrics import REGISTRY

log = logging.getLogger(__name__)

# Each part of the process the health check asks: None when healthy, else what is wrong.
HealthCheck = Callable[[], Awaitable[Mapping[str, str | None]]]
_MAX_REQUEST = 8192
_READ_TIMEOUT = 5.0


class MetricsEndpoint:
    """A small HTTP/1.1 server: metrics for Prometheus, health for Docker and load balancers."""

    def __init__(self, host: str, port: int, health: HealthCheck) -> None:
        self.host, self.port = host, port
        self._health = health
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        """Listen; OSError (a taken port) is the caller's to report."""
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        sockets = self._server.sockets or ()
        if sockets and self.port == 0:
            self.port = int(sockets[0].getsockname()[1])
        log.info("metrics and health at http://%s:%d/metrics, /healthz", self.host, self.port)

    async def stop(self) -> None:
        """Stop listening and close open connections."""
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2.0)
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), _READ_TIMEOUT)
            method, path = _request_line(head)
            if method != "GET":
                await _answer(writer, 405, b"method not allowed\n", "text/plain")
            elif path == "/metrics":
                await _answer(writer, 200, generate_latest(REGISTRY), CONTENT_TYPE_LATEST)
            elif path == "/healthz":
                status, body = await self._health_answer()
                await _answer(writer, status, body, "application/json")
            else:
                await _answer(writer, 404, b"not found: try /metrics or /healthz\n", "text/plain")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError):
            pass  # a client that sent no complete request gets no answer
        except ConnectionError:
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _health_answer(self) -> tuple[int, bytes]:
        try:
            parts = await asyncio.wait_for(self._health(), _READ_TIMEOUT)
        except Exception as error:  # a health check that fails is itself unhealthy
            parts = {"health check": f"{type(error).__name__}: {error}"}
        failing = {name: problem for name, problem in parts.items() if problem}
        body = {
            "status": "ok" if not failing else "failing",
            "parts": {name: problem or "ok" for name, problem in parts.items()},
        }
        return (200 if not failing else 503), (json.dumps(body) + "\n").encode()


def _request_line(head: bytes) -> tuple[str, str]:
    first = head.split(b"\r\n", 1)[0].decode("latin-1")
    method, _, rest = first.partition(" ")
    path = rest.partition(" ")[0].split("?", 1)[0]
    return method, path


async def _answer(writer: asyncio.StreamWriter, status: int, body: bytes, kind: str) -> None:
    reason = {200: "OK", 404: "Not Found", 405: "Method Not Allowed", 503: "Service Unavailable"}
    writer.write(
        (
            f"HTTP/1.1 {status} {reason.get(status, 'OK')}\r\n"
            f"Content-Type: {kind}\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n"
        ).encode()
        + body
    )
    await writer.drain()


def parse_listen(value: str) -> tuple[str, int]:
    """`127.0.0.1:9464` or `[::1]:9464` as host and port."""
    host, _, port = value.rpartition(":")
    return host.strip("[]"), int(port)
