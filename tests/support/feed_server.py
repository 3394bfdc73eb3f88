"""A programmable loopback HTTP server for feed tests: real sockets on 127.0.0.1.

    with FeedServer() as server:
        server.route("/rss", Reply(body=b"<rss ...>", headers={"ETag": '"v1"'}))
        server.route("/flaky", [Reply(status=500), Reply(status=500), Reply(body=...)])
        url = server.url("/rss")
        ...
        server.count("/rss"); server.requests_for("/rss")[-1].headers["if-none-match"]

It runs its own asyncio loop in a daemon thread, so sync tests, async tests and benches
can all use it; a slow or endless answer never blocks the test's own loop.
"""

from __future__ import annotations

import asyncio
import gzip as _gzip
import threading
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.utils import formatdate
from http import HTTPStatus

__all__ = ["FeedServer", "Reply", "Request", "gzip_bomb", "rss"]


@dataclass(frozen=True, slots=True)
class Request:
    """One request the server received."""

    method: str
    path: str  # with the query string
    headers: dict[str, str]  # names lower-cased


@dataclass(slots=True)
class Reply:
    """How to answer a request.

    `body` is sent whole; `stream` (called per request) yields the body in pieces, sent
    chunked unless `content_length` is given. `delay` waits before the status line,
    `chunk_delay` between pieces (a slow server). `gzip` compresses `body`.
    `etag`/`last_modified` make the server answer 304 to a matching conditional request.
    """

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    stream: Callable[[], Iterable[bytes]] | None = None
    chunk_delay: float = 0.0
    content_length: int | None = None
    gzip: bool = False
    etag: str | None = None
    last_modified: str | None = None


Handler = Callable[[Request], Reply]


class FeedServer:
    """A threaded asyncio HTTP/1.1 server with routes programmed per path."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self.requests: list[Request] = []
        self.fallback: Handler | None = None  # answers paths with no route (default: 404)
        self._routes: dict[str, list[Reply] | Handler] = {}
        self._served: defaultdict[str, int] = defaultdict(int)
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()

    # --- set-up -----------------------------------------------------------------------------

    def start(self) -> FeedServer:
        """Start listening (port 0 picks a free port) and return self."""
        self._thread = threading.Thread(target=self._run, name="feed-server", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("feed server did not start")
        return self

    def stop(self) -> None:
        """Stop the server and its thread."""
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
        self._loop = self._thread = None

    def __enter__(self) -> FeedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def url(self, path: str = "/") -> str:
        """The absolute URL of a path on this server."""
        return f"http://{self.host}:{self.port}{path}"

    def route(self, path: str, reply: Reply | list[Reply] | Handler) -> None:
        """Answer `path` with a reply, with replies in turn (the last repeats), or a handler."""
        with self._lock:
            if isinstance(reply, Reply):
                self._routes[path] = [reply]
            elif isinstance(reply, list):
                self._routes[path] = list(reply)
            else:
                self._routes[path] = reply
            self._served.pop(path, None)

    def redirect_chain(self, prefix: str, hops: int, target: str, status: int = 302) -> str:
        """Routes `prefix/0` -> `prefix/1` -> ... -> `target`; returns the first path."""
        for hop in range(hops):
            location = f"{prefix}/{hop + 1}" if hop + 1 < hops else target
            self.route(f"{prefix}/{hop}", Reply(status=status, headers={"Location": location}))
        return f"{prefix}/0"

    # --- what happened ----------------------------------------------------------------------

    def requests_for(self, path: str) -> list[Request]:
        """The requests received for a path (without query string), oldest first."""
        with self._lock:
            return [r for r in self.requests if r.path.split("?")[0] == path]

    def count(self, path: str) -> int:
        """How many requests a path received."""
        return len(self.requests_for(path))

    def reset(self) -> None:
        """Forget recorded requests (routes stay)."""
        with self._lock:
            self.requests.clear()

    # --- serving ----------------------------------------------------------------------------

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        self._server = loop.run_until_complete(
            asyncio.start_server(self._connection, self.host, self.port, backlog=2048)
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            self._server.close()
            for task in asyncio.all_tasks(loop):
                task.cancel()
            loop.run_until_complete(asyncio.sleep(0))
            loop.close()

    def _reply_for(self, request: Request) -> Reply:
        path = request.path.split("?")[0]
        with self._lock:
            self.requests.append(request)
            route = self._routes.get(path)
            served = self._served[path]
            self._served[path] = served + 1
        if route is None:
            return self.fallback(request) if self.fallback else Reply(status=404, body=b"not found")
        if callable(route):
            return route(request)
        return route[min(served, len(route) - 1)]

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                request = _parse_request(head)
                length = int(request.headers.get("content-length", "0") or 0)
                if length:
                    await reader.readexactly(length)
                keep_alive = await self._answer(request, writer)
                if not keep_alive:
                    break
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        except asyncio.CancelledError:
            pass
        finally:
            writer.close()

    async def _answer(self, request: Request, writer: asyncio.StreamWriter) -> bool:
        reply = self._reply_for(request)
        if reply.delay:
            await asyncio.sleep(reply.delay)
        status, headers, body = reply.status, dict(reply.headers), reply.body
        if reply.etag:
            headers.setdefault("ETag", reply.etag)
        if reply.last_modified:
            headers.setdefault("Last-Modified", reply.last_modified)
        if _not_modified(reply, request):
            status, body = 304, b""
        elif reply.gzip and reply.stream is None:
            body = _gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        chunked = status != 304 and reply.stream is not None and reply.content_length is None
        if status == 304:
            headers.pop("Content-Length", None)
        elif reply.stream is not None and reply.content_length is not None:
            headers["Content-Length"] = str(reply.content_length)
        elif chunked:
            headers["Transfer-Encoding"] = "chunked"
        else:
            headers.setdefault("Content-Length", str(len(body)))
        headers.setdefault("Date", formatdate(usegmt=True))
        headers.setdefault("Content-Type", "application/rss+xml; charset=utf-8")
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "Unknown"
        lines = [f"HTTP/1.1 {status} {phrase}"] + [f"{k}: {v}" for k, v in headers.items()]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        if status == 304 or request.method == "HEAD":
            await writer.drain()
            return True
        if reply.stream is None:
            writer.write(body)
            await writer.drain()
            return True
        for piece in reply.stream():
            if not piece:
                continue
            writer.write(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
            await writer.drain()
            if reply.chunk_delay:
                await asyncio.sleep(reply.chunk_delay)
        if chunked:
            writer.write(b"0\r\n\r\n")
        await writer.drain()
        return True


def _parse_request(head: bytes) -> Request:
    lines = head.decode("latin-1").split("\r\n")
    method, path, _version = [*lines[0].split(" "), "", "", ""][:3]
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    return Request(method, path, headers)


def _not_modified(reply: Reply, request: Request) -> bool:
    if reply.status != 200:
        return False
    if reply.etag and request.headers.get("if-none-match") == reply.etag:
        return True
    return bool(
        reply.last_modified
        and not reply.etag
        and request.headers.get("if-modified-since") == reply.last_modified
    )


def gzip_bomb(decoded_size: int) -> bytes:
    """A small gzip body that expands to `decoded_size` zero bytes."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b"\0" * (1 << 20)
    parts = [packer.compress(block) for _ in range(decoded_size >> 20)]
    parts.append(packer.compress(b"\0" * (decoded_size & ((1 << 20) - 1))))
    parts.append(packer.flush())
    return b"".join(parts)


def rss(
    items: Iterable[tuple[str, str]], *, title: str = "Test feed", ttl: int | None = None
) -> bytes:
    """A small RSS 2.0 document with (title, link) items."""
    body = "".join(
        f"<item><title>{t}</title><link>{link}</link><guid>{link}</guid>"
        f"<pubDate>Wed, 12 Feb 2025 21:33:29 +0000</pubDate></item>"
        for t, link in items
    )
    ttl_tag = f"<ttl>{ttl}</ttl>" if ttl is not None else ""
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>'
        f"<link>https://example.com/</link>{ttl_tag}{body}</channel></rss>"
    ).encode()
