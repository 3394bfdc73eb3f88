"""Every chat's watches, live in this process: loaded at start, changes polled, merges behind."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.rules import RuleBook
from bot.rules.loader import SetSpec
from bot.rules.query import QueryError, shared_sets
from bot.rules.watches import WatchBook, WatchKey, compile_watches, hidden_keys
from bot.runtime.supervision import RETRY_CAP, describe
from bot.storage.watches import watch_changes
from bot.wording import count

log = logging.getLogger(__name__)

POLL_SECONDS = 0.25  # a change made by another process is live within this, plus a compile
MERGE_AT = 256  # changes kept in the small book before the big one is compiled anew
MERGE_WHEN_QUIET = 60.0  # seconds without a change after which the changes are merged


def _settle() -> None:
    """Keep the cyclic collector off the big book: it only grows old, never becomes a cycle.

    Without this, collections while matching walk millions of the book's objects (matching
    measured twice as slow with 100,000 watches). Frozen objects are still freed when the
    book is replaced: reference counting does not need the collector.
    """
    gc.freeze()


class LiveWatches:
    """The watch book of this process, kept within a second of the `watches` table.

    `book` is replaced, never changed, so matching threads read it without a lock.
    """

    def __init__(
        self,
        engine: Engine,
        rulebook: Callable[[], RuleBook],
        *,
        merge_at: int = MERGE_AT,
        cache: Path | None = None,
    ) -> None:
        self.engine = engine
        self.merge_at = merge_at
        # Where the big book's compiled key database is kept for the next start.
        self.cache = cache  # None: compiled every start
        self._rulebook = rulebook
        self.book = WatchBook()
        self.problems: dict[WatchKey, QueryError] = {}
        self._lock = threading.RLock()
        self._loaded = False
        self._queries: dict[WatchKey, str] = {}
        self._base: Mapping[WatchKey, str] = {}  # what the big book was compiled from
        self._changed: dict[WatchKey, int] = {}  # watch -> change number, since the big book
        self._changes = 0
        self._last_change = 0.0
        self._version = 0
        self._sets_of: RuleBook | None = None
        self._sets: Mapping[str, SetSpec] = {}
        self._sets_changed = False
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._failing_since: datetime | None = None
        self._last_error: str | None = None
        self._failures = 0

    # -- reading the database (blocking: call off the event loop) ----------------------------

    def current(self) -> WatchBook:
        """The watch book now, loading every watch first if nothing has yet."""
        if not self._loaded:
            self.load()
        return self.book

    def load(self) -> None:
        """Read and compile every watch (at start)."""
        with self._lock:
            if self._loaded:
                return
            started = time.perf_counter()
            with self.engine.connect() as connection:
                rows = watch_changes(connection, 0)
            for row in rows:
                if row.removed:
                    self._queries.pop((row.chat_id, row.name), None)
                else:
                    self._queries[(row.chat_id, row.name)] = row.query
            self._version = rows[-1].version if rows else 0
            self._sets = self._shared_sets()
            self._sets_changed = False
            base, self.problems = compile_watches(self._queries, self._sets, cache=self.cache)
            base.prepare()
            self._base = dict(self._queries)
            self.book = WatchBook(base)
            self._loaded = True
        _settle()
        self._log_problems()
        log.info(
            "%s loaded in %.1fs",
            count(len(self._queries), "watch", "watches"),
            time.perf_counter() - started,
        )

    def poll(self) -> int:
        """Take the changes other commands or processes made since; returns how many."""
        if not self._loaded:
            self.load()
            return 0
        with self.engine.connect() as connection:
            rows = watch_changes(connection, self._version)
        sets = self._shared_sets()
        with self._lock:
            if sets != self._sets:
                self._sets, self._sets_changed = sets, True
            if not rows:
                return 0
            for row in rows:
                key = (row.chat_id, row.name)
                if row.removed:
                    self._queries.pop(key, None)
                else:
                    self._queries[key] = row.query
                self._changes += 1
                self._changed[key] = self._changes
            self._version = rows[-1].version
            self._last_change = time.monotonic()
            self._rebuild_recent(self.book.base)
        return len(rows)

    def merge(self) -> None:
        """Compile every watch into a new big book, then keep only later changes apart."""
        with self._lock:
            snapshot = dict(self._queries)
            upto = self._changes
            sets = self._sets
            self._sets_changed = False
        started = time.perf_counter()
        base, problems = compile_watches(snapshot, sets, cache=self.cache)
        base.prepare()  # here, in the background, not in the first match after the merge
        with self._lock:
            self._base = snapshot
            self._changed = {key: n for key, n in self._changed.items() if n > upto}
            self._rebuild_recent(base, merged=problems)
        _settle()
        log.info(
            "watch book merged: %s in %.1fs",
            count(len(snapshot), "watch", "watches"),
            time.perf_counter() - started,
        )

    def _rebuild_recent(
        self, base: RuleBook, merged: dict[WatchKey, QueryError] | None = None
    ) -> None:
        recent_queries = {key: self._queries[key] for key in self._changed if key in self._queries}
        recent, bad = compile_watches(recent_queries, self._sets)
        problems = dict(merged if merged is not None else self.problems)
        for key in self._changed:
            problems.pop(key, None)
        self.problems = {**problems, **bad}
        hidden = hidden_keys(key for key in self._changed if key in self._base)
        self.book = WatchBook(base, recent, hidden)
        if bad:
            self._log_problems()

    def merge_due(self) -> bool:
        """Whether the small book should be folded into the big one now."""
        with self._lock:
            if self._sets_changed:
                return True
            if not self._changed:
                return False
            quiet = time.monotonic() - self._last_change >= MERGE_WHEN_QUIET
            return len(self._changed) >= self.merge_at or quiet

    def _shared_sets(self) -> Mapping[str, SetSpec]:
        book = self._rulebook()
        if book is not self._sets_of:  # parse the sets files only when the rules reloaded
            self._sets_of = book
            return shared_sets(book)
        return self._sets

    def _log_problems(self) -> None:
        for (chat_id, name), error in sorted(self.problems.items()):
            log.warning("watch %s of chat %d left out: %s", name, chat_id, error)

    # -- in the event loop -------------------------------------------------------------------

    def changed(self) -> None:
        """A command of this process changed a watch: take it in now (off the event loop), so
        that the answer the chat gets is true of the next article, then wake the follower."""
        if self._loaded:
            try:
                self.poll()
            except Exception as error:  # the follower retries it, and reports it if it lasts
                log.debug("watch change not taken in at once: %r", error)
        if self._wake is not None and self._loop is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def follow(self, stop: asyncio.Event) -> None:
        """Load every watch, then keep up with changes until `stop`; merge in the background.

        A failure (the database, or a bug) is logged, retried with back-off and shown by
        `health`; it never ends the following, so later changes still take effect.
        """
        self._wake = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        merging: asyncio.Task[None] | None = None
        while not stop.is_set():
            try:
                await asyncio.to_thread(self.poll)  # the first loads every watch
            except Exception as error:
                await self._pause(stop, self._failed(error))
                continue
            self._worked()
            if merging is not None and merging.done():
                if not merging.cancelled() and (failure := merging.exception()) is not None:
                    log.error("watch book not merged: %r", failure)
                merging = None
            if merging is None and self.merge_due():
                merging = asyncio.create_task(asyncio.to_thread(self.merge))
            await self._pause(stop, POLL_SECONDS)
        if merging is not None and not merging.done():
            merging.cancel()

    async def _pause(self, stop: asyncio.Event, seconds: float) -> None:
        """Wait `seconds`, less when a command of this process changed a watch or at `stop`."""
        assert self._wake is not None
        deadline = time.monotonic() + seconds
        while not stop.is_set() and (left := deadline - time.monotonic()) > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), min(left, POLL_SECONDS))
                break
        self._wake.clear()

    def _failed(self, error: Exception) -> float:
        """Note a failure to follow the watches; the seconds to wait before trying again."""
        self._failures += 1
        self._last_error = describe(error)
        if self._failing_since is None:
            self._failing_since = datetime.now(UTC)
            # A database error's traceback would carry its statement; a bug's is needed.
            trace = None if isinstance(error, SQLAlchemyError) else error
            log.error("watches not followed (%s); retrying", self._last_error, exc_info=trace)
        else:
            log.debug("watches still not followed (%s)", self._last_error)
        return min(RETRY_CAP, POLL_SECONDS * 2.0 ** min(self._failures, 16))

    def _worked(self) -> None:
        if self._failing_since is not None:
            log.warning("watches followed again")
        self._failing_since, self._last_error, self._failures = None, None, 0

    def health(self) -> tuple[datetime | None, str | None]:
        """Since when the watches are not followed, and the last error (None, None while
        they are): a `Supervision.watch` probe for `/status`."""
        return self._failing_since, self._last_error
