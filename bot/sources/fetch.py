"""Polling one feed over HTTP: conditional GET, size caps, polite intervals, back-off on errors."""

from __future__ import annotations

import asyncio
import random
import re
import zlib
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Literal

import httpx

from bot.article import Article
from bot.control_chars import without_controls
from bot.sources.feeds import FeedParseError, SkippedItem, parse_feed
from bot.sources.feeds_config import FeedSpec
from bot.storage.feeds import FeedState

USER_AGENT = "newsbot/0.1 (+https://github.com/newsbot)"
MAX_REDIRECTS = 5
MAX_BYTES = 5 * 1024 * 1024
MAX_NEXT_POLL = 24 * 3600.0
MAX_BACKOFF = 6 * 3600.0
_MAX_AGE = re.compile(r"(?:^|[,\s])max-age\s*=\s*\"?(\d+)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class PollResult:
    """The outcome of one poll: the new state to store and the articles read."""

    spec: FeedSpec
    state: FeedState
    articles: list[Article] = field(default_factory=list)
    status: Literal["ok", "not_modified", "error"] = "ok"
    error: str | None = None
    first_poll: bool = False  # this was the feed's first successful poll: record, do not alert
    skipped: list[SkippedItem] = field(default_factory=list)  # items that could not be read


class _FetchError(Exception):
    """A poll failed; the message is the one-line reason, `retry_after` the server's wish."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


def make_client(*, timeout: float = 20.0) -> httpx.AsyncClient:
    """The shared HTTP client for feeds: real User-Agent, time-outs, at most 5 redirects."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout),
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"},
        limits=httpx.Limits(max_connections=100, max_keepalive_connections=50),
    )


async def poll_feed(
    client: httpx.AsyncClient,
    spec: FeedSpec,
    state: FeedState,
    *,
    now: datetime | None = None,
    max_bytes: int = MAX_BYTES,
    total_timeout: float | None = None,
) -> PollResult:
    """Poll one feed once; never raises for network, HTTP or parse problems.

    `total_timeout` bounds the whole poll (a server that drips bytes never trips a read
    time-out); by default three times the client's read time-out.
    """
    now = now or datetime.now(UTC)
    deadline = total_timeout if total_timeout is not None else _default_deadline(client)
    try:
        async with asyncio.timeout(deadline):
            response, body = await _fetch(client, spec.url, state, max_bytes)
        if response.status_code == 304:
            new_state = _success(state, now, spec, response, None, keep_validators=True)
            return PollResult(spec, new_state, [], "not_modified", None, not state.polled_ok_before)
        content_type = response.headers.get("content-type")
        parsed = await asyncio.to_thread(
            parse_feed, body, source=spec.name, url=str(response.url), content_type=content_type
        )
    except TimeoutError:
        return _failure(spec, state, now, f"timed out after {deadline:g}s")
    except _FetchError as error:
        return _failure(spec, state, now, str(error), error.retry_after)
    except FeedParseError as error:
        return _failure(spec, state, now, str(error))
    except Exception as error:  # a poll must never take the scheduler down
        return _failure(spec, state, now, _one_line(f"unexpected {type(error).__name__}: {error}"))
    new_state = _success(state, now, spec, response, parsed.ttl, keep_validators=False)
    return PollResult(
        spec, new_state, parsed.articles, "ok", None, not state.polled_ok_before, parsed.skipped
    )


async def _fetch(
    client: httpx.AsyncClient, url: str, state: FeedState, max_bytes: int
) -> tuple[httpx.Response, bytes]:
    headers = {"Accept-Encoding": "gzip, deflate"}
    if state.etag:
        headers["If-None-Match"] = state.etag
    if state.last_modified:
        headers["If-Modified-Since"] = state.last_modified
    try:
        async with client.stream("GET", url, headers=headers, follow_redirects=True) as response:
            if response.status_code == 304:
                return response, b""
            if response.status_code >= 400 or response.status_code < 200:
                reason = f"HTTP {response.status_code} {response.reason_phrase}".strip()
                retry = (
                    _retry_after(response.headers.get("retry-after"))
                    if response.status_code in (429, 503)
                    else None
                )
                raise _FetchError(reason, retry)
            if response.status_code >= 300:
                raise _FetchError(
                    f"HTTP {response.status_code}: redirect without a usable Location"
                )
            body = await _read_capped(response, max_bytes)
            return response, body
    except httpx.TooManyRedirects:
        raise _FetchError(f"too many redirects (more than {MAX_REDIRECTS})") from None
    except httpx.TimeoutException as error:
        raise _FetchError(f"timed out ({_timeout_kind(error)})") from None
    except httpx.HTTPError as error:
        raise _FetchError(_one_line(f"{type(error).__name__}: {error}")) from None


async def _read_capped(response: httpx.Response, max_bytes: int) -> bytes:
    """The decoded body, stopped as soon as it (or its compressed form) passes `max_bytes`."""
    too_big = f"body over {_megabytes(max_bytes)}"
    length = response.headers.get("content-length", "")
    if length.isdigit() and int(length) > max_bytes:
        raise _FetchError(too_big)
    decoder = _Decoder(response.headers.get("content-encoding", ""))
    chunks: list[bytes] = []
    raw_size = size = 0
    async for raw in response.aiter_raw():
        raw_size += len(raw)
        if raw_size > max_bytes:
            raise _FetchError(too_big)
        for chunk in decoder.feed(raw, max_bytes - size + 1):
            size += len(chunk)
            if size > max_bytes:
                raise _FetchError(too_big)
            chunks.append(chunk)
    for chunk in decoder.flush(max_bytes - size + 1):
        size += len(chunk)
        if size > max_bytes:
            raise _FetchError(too_big)
        chunks.append(chunk)
    return b"".join(chunks)


class _Decoder:
    """Incremental gzip/deflate decoding whose output per call is bounded (gzip bombs)."""

    def __init__(self, content_encoding: str) -> None:
        codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        if len(codings) > 1 or (codings and codings[0] not in ("gzip", "x-gzip", "deflate")):
            raise _FetchError(f"unsupported Content-Encoding {content_encoding!r}")
        self._kind = codings[0] if codings else ""
        self._zlib = self._new()
        self._first = True

    def _new(self) -> zlib._Decompress | None:
        if self._kind in ("gzip", "x-gzip"):
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        if self._kind == "deflate":
            return zlib.decompressobj()
        return None

    def feed(self, data: bytes, limit: int) -> list[bytes]:
        """Decoded pieces of `data`, stopping once `limit` bytes were produced."""
        if self._zlib is None:
            return [data]
        if self._first and self._kind == "deflate" and data and (data[0] & 0x0F) != 8:
            self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)  # raw deflate, as some servers send
        self._first = False
        out: list[bytes] = []
        produced = 0
        pending = data
        try:
            while pending and produced < limit:
                piece = self._zlib.decompress(pending, max(1, min(limit - produced, 1 << 16)))
                produced += len(piece)
                if piece:
                    out.append(piece)
                pending = self._zlib.unconsumed_tail
                if self._zlib.eof:
                    pending = self._zlib.unused_data.lstrip(b"\x00")
                    self._zlib = self._new()  # a further gzip member, if any
                    if self._zlib is None:
                        break
        except zlib.error as error:
            raise _FetchError(f"bad {self._kind} body: {error}") from None
        return out

    def flush(self, limit: int) -> list[bytes]:
        """What the decoder still holds at the end of the body."""
        if self._zlib is None:
            return []
        try:
            rest = self._zlib.flush()
        except zlib.error as error:
            raise _FetchError(f"bad {self._kind} body: {error}") from None
        return [rest[: limit + 1]] if rest else []


def _success(
    state: FeedState,
    now: datetime,
    spec: FeedSpec,
    response: httpx.Response,
    ttl: float | None,
    *,
    keep_validators: bool,
) -> FeedState:
    etag = response.headers.get("etag")
    last_modified = response.headers.get("last-modified")
    if keep_validators:
        etag = etag or state.etag
        last_modified = last_modified or state.last_modified
    delay = next_interval(spec.interval, max_age=_max_age(response), ttl=ttl)
    return replace(
        state,
        etag=etag,
        last_modified=last_modified,
        last_poll=now,
        last_success=now,
        next_poll=now + timedelta(seconds=delay),
        failures=0,
        last_error=None,
        failing_since=None,
        polled_ok_before=True,
    )


def _failure(
    spec: FeedSpec,
    state: FeedState,
    now: datetime,
    reason: str,
    retry_after: float | None = None,
) -> PollResult:
    reason = without_controls(reason, one_line=True)  # a server's text, shown to admins
    failures = state.failures + 1
    delay = backoff_interval(spec.interval, failures, retry_after=retry_after)
    new_state = replace(
        state,
        last_poll=now,
        next_poll=now + timedelta(seconds=delay),
        failures=failures,
        last_error=reason,
        failing_since=state.failing_since or now,
    )
    return PollResult(spec, new_state, [], "error", reason, False)


def next_interval(
    interval: float, *, max_age: float | None = None, ttl: float | None = None
) -> float:
    """Seconds to the next poll after a success: the interval, raised by the feed's own hints."""
    hint = max(max_age or 0.0, ttl or 0.0)
    return max(interval, min(hint, MAX_NEXT_POLL))


def backoff_interval(
    interval: float,
    failures: int,
    *,
    retry_after: float | None = None,
    rng: random.Random | None = None,
) -> float:
    """Seconds to the next poll after `failures` failures in a row: exponential, jittered."""
    jitter = (rng or random).uniform(0.8, 1.2)
    delay = min(interval * 2 ** max(0, failures - 1), MAX_BACKOFF) * jitter
    delay = max(delay, interval)
    if retry_after is not None:
        delay = max(delay, min(retry_after, MAX_NEXT_POLL))
    return float(delay)


def _retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds asked for by a `Retry-After` header: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _max_age(response: httpx.Response) -> float | None:
    header = response.headers.get("cache-control", "")
    match = _MAX_AGE.search(header)
    return float(match.group(1)) if match else None


def _default_deadline(client: httpx.AsyncClient) -> float:
    read = client.timeout.read
    return 3 * read if read else 60.0


def _timeout_kind(error: httpx.TimeoutException) -> str:
    kinds = {
        httpx.ConnectTimeout: "connect",
        httpx.ReadTimeout: "read",
        httpx.WriteTimeout: "write",
        httpx.PoolTimeout: "pool",
    }
    return kinds.get(type(error), "network")


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


def _one_line(text: str) -> str:
    return " ".join(text.split())[:300]
