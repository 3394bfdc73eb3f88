"""Feed polls: fetch, ingest what is new, remember the feed's state; one feed at a time each."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import Engine

from bot.article import Article
from bot.pipeline import Ingest, Ingested
from bot.runtime.measures import count_ingested, count_poll, saw_new_item
from bot.runtime.notices import Notices
from bot.runtime.silent_feeds import SilentFeeds
from bot.runtime.supervision import describe
from bot.sources.feed_cap import CappedPoll, cap_new_items, flood_notice, flood_notice_id
from bot.sources.feeds_config import FeedSpec, read_feeds_file
from bot.sources.fetch import PollResult, make_client, poll_feed
from bot.storage.articles import unseen_ids
from bot.storage.db import in_transaction
from bot.storage.feeds import FeedState, load_feed_state, load_feed_states, save_feed_state

log = logging.getLogger(__name__)

DEFAULT_MAX_NEW = 200
FAILING_REPORT_AFTER = timedelta(days=1)
# How httpx's failures to reach a host read in a poll's error (bot/sources/fetch.py).
_UNREACHABLE = ("ConnectError", "ConnectTimeout", "timed out (connect)")


class FeedPoller:
    """Polls feeds on behalf of a scheduler and keeps each feed's state in the database.

    The states in memory are this process's view; in a fleet other processes poll too, so the
    fleet refreshes them from the database (`refresh`, `load_stored`).
    """

    def __init__(
        self,
        engine: Engine,
        ingest: Ingest,
        notices: Notices,
        *,
        max_new: int = DEFAULT_MAX_NEW,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self._engine = engine
        self._client = client or make_client()
        # The enabled feeds of feeds.yaml (`load_feeds`); replaced in place, so a holder of
        # this list sees each reload.
        self.feeds: list[FeedSpec] = []
        self.feed_problems: list[str] = []
        self._ingest = ingest
        self._max_new = max_new
        self._notices = notices
        self.silent_feeds = SilentFeeds(engine, notices)
        self._unreachable_told = False  # one line for every feed that cannot be reached
        with engine.connect() as connection:
            self._states: dict[str, FeedState] = load_feed_states(connection)

    def load_feeds(self, path: Path, *, default_interval: float) -> None:
        """Read feeds.yaml; bad entries are logged and left out, the rest are polled."""
        found = read_feeds_file(path, default_interval=default_interval)
        for problem in found.problems:
            if problem not in self.feed_problems:
                log.error("feeds file problem: %s", problem)
        self.feeds[:] = [spec for spec in found.feeds if spec.enabled]
        self.feed_problems[:] = found.problems
        self._ingest.ledger.source_names = found.display_names()

    def feed_named(self, name: str) -> FeedSpec | None:
        """The enabled feed of this name, if feeds.yaml has one."""
        return next((spec for spec in self.feeds if spec.name == name), None)

    async def aclose(self) -> None:
        """Release the HTTP client."""
        await self._client.aclose()

    @property
    def states(self) -> Mapping[str, FeedState]:
        """Every known feed state, by feed name (read-only)."""
        return self._states

    def state(self, spec: FeedSpec) -> FeedState:
        """The feed's last known state (a fresh one for a new feed)."""
        return self.state_named(spec.name)

    def state_named(self, name: str) -> FeedState:
        """The last known state of the feed of this name (a fresh one for a new feed)."""
        return self._states.get(name) or FeedState()

    def remember(self, name: str, state: FeedState) -> None:
        """Take this as the feed's state (learnt elsewhere: another process, an operator)."""
        self._states[name] = state

    async def refresh(self) -> None:
        """Read every feed's state from the database (polls by other processes included)."""

        def read() -> dict[str, FeedState]:
            with self._engine.connect() as connection:
                return load_feed_states(connection)

        self._states |= await asyncio.to_thread(read)

    async def load_stored(self, name: str) -> FeedState:
        """Read one feed's state from the database and take it as this process's view."""

        def read() -> FeedState:
            with self._engine.connect() as connection:
                return load_feed_state(connection, name)

        state = await asyncio.to_thread(read)
        self._states[name] = state
        return state

    async def poll(self, spec: FeedSpec) -> PollResult:
        """Poll one feed now; a first successful poll records its items without alerting."""
        result = await poll_feed(self._client, spec, self.state(spec))
        for skipped in result.skipped:
            log.warning("feed %s: %s; skipped, the other items are read", spec.name, skipped)
        fresh: list[Ingested] = []
        if articles := _first_of_each_id(spec, result.articles):
            if result.first_poll:
                fresh = await self._ingest.off_loop(articles, alert=False)
            else:
                fresh = await self._ingest_capped(spec, articles)
            if result.first_poll:
                log.info(
                    "feed %s: first poll, %d item(s) recorded, none alerted", spec.name, len(fresh)
                )
            elif fresh:
                log.info("feed %s: %d new article(s)", spec.name, len(fresh))
        if result.status == "error":
            self._log_failure(spec, result)
        else:
            self._unreachable_told = False
        self._states[spec.name] = result.state
        await in_transaction(self._engine, save_feed_state, spec.name, spec.url, result.state)
        await self._polled(spec, result, fresh)
        return result

    def _log_failure(self, spec: FeedSpec, result: PollResult) -> None:
        """A failed poll's warning; feeds never reached that cannot be reached share one line.

        Offline, every default feed fails its first poll the same way: one line says so, the
        others go to the debug log until a feed answers again.
        """
        error = result.error or ""
        if result.state.polled_ok_before or not error.startswith(_UNREACHABLE):
            log.warning(
                "feed %s: %s (attempt %d, next poll %s)",
                spec.name,
                error,
                result.state.failures,
                _clock(result.state.next_poll),
            )
            return
        if self._unreachable_told:
            log.debug("feed %s unreachable too: %s", spec.name, error)
            return
        self._unreachable_told = True
        log.warning(
            "feeds cannot be reached (no network?), %s first: %s; each is retried on its "
            "schedule, and this is said again only after a feed answers",
            spec.name,
            error,
        )

    async def _ingest_capped(self, spec: FeedSpec, articles: list[Article]) -> list[Ingested]:
        """Ingest a poll's items, alerting at most `max_new` new ones; the rest are recorded."""
        if len(articles) <= self._max_new:
            return await self._ingest.off_loop(articles)
        capped = await asyncio.to_thread(self._cap, articles)
        fresh = await self._ingest.off_loop(capped.alerted)
        if not capped.recorded_only:
            return fresh
        recorded = await self._ingest.off_loop(capped.recorded_only, alert=False)
        log.warning(
            "feed %s brought %d new items in one poll: %d alerted, %d recorded without alerts "
            "(NEWSBOT_FEED_MAX_NEW)",
            spec.name,
            len(fresh) + len(recorded),
            len(fresh),
            len(recorded),
        )
        if recorded:
            await self._flooded(spec.name, len(fresh), len(recorded))
        return fresh + recorded

    async def _flooded(self, name: str, alerted: int, recorded: int) -> None:
        """Tell admins, once per feed a day, of a poll that brought more new items than the cap."""
        try:
            await self._notices.tell_admins(
                flood_notice(name, alerted, recorded),
                notice_id=flood_notice_id(name, datetime.now(UTC)),
            )
        except Exception as error:  # the items are recorded; the notice is not worth a retry
            log.error("feed %s: the admins' notice was not written (%s)", name, describe(error))

    async def _polled(self, spec: FeedSpec, result: PollResult, fresh: list[Ingested]) -> None:
        """Count the poll; a feed that answered has its silence (or recovery) judged."""
        count_poll(spec.name, result.status)
        count_ingested(spec.name, len(result.articles), fresh, alerted=not result.first_poll)
        if result.status == "error":
            return  # a failing feed is reported as failing, not as silent
        try:
            latest = await self.silent_feeds.after_poll(spec.name, brought_new=bool(fresh))
        except Exception as error:  # the poll itself is saved: judge again on the next one
            log.warning("feed %s: silence not judged (%s)", spec.name, type(error).__name__)
            return
        if latest is not None:
            saw_new_item(spec.name, latest)

    def _cap(self, articles: list[Article]) -> CappedPoll:
        with self._engine.connect() as connection:
            unseen = unseen_ids(connection, (article.id for article in articles))
        return cap_new_items(articles, unseen, self._max_new)

    async def poll_all(
        self, specs: Sequence[FeedSpec], *, concurrency: int = 20
    ) -> list[PollResult]:
        """Poll every given feed once, a bounded number at a time."""
        gate = asyncio.Semaphore(concurrency)

        async def one(spec: FeedSpec) -> PollResult:
            async with gate:
                return await self.poll(spec)

        return list(await asyncio.gather(*(one(spec) for spec in specs)))

    def failing_for_a_day(
        self, specs: Sequence[FeedSpec], now: datetime | None = None
    ) -> list[str]:
        """Names of the feeds that have failed without a success for over a day."""
        moment = now or datetime.now(UTC)
        return [
            spec.name
            for spec in specs
            if (since := self.state(spec).failing_since) and moment - since > FAILING_REPORT_AFTER
        ]


def _first_of_each_id(spec: FeedSpec, articles: list[Article]) -> list[Article]:
    """The poll's articles, an item the feed lists twice (same id) kept once and logged."""
    kept: dict[str, Article] = {}
    for article in articles:
        if article.id in kept:
            log.info(
                "feed %s: item %r skipped: the same item as an earlier one of this poll (id %s)",
                spec.name,
                article.title,
                article.id,
            )
        else:
            kept[article.id] = article
    return list(kept.values())


def _clock(moment: datetime | None) -> str:
    return moment.strftime("%H:%M:%S UTC") if moment else "soon"
