"""The runtime core, the same in every mode: settings, database, rules, sources, ingest, upkeep."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from bot.config import Settings
from bot.delivery.digests import release_digests
from bot.pipeline import Ingested, build_ingest
from bot.runtime.feed_polling import FeedPoller
from bot.runtime.measures import refresh_gauges
from bot.runtime.notices import Notices
from bot.runtime.rule_reload import Reload, RuleReloader
from bot.runtime.seed_intake import SeedIntake
from bot.runtime.status import DeliveryCounts, Health, delivery_counts, status_text
from bot.runtime.supervision import Failing, SenderHealth, Supervision, describe
from bot.runtime.watch_book import LiveWatches
from bot.runtime.watchers import file_watchers
from bot.storage.db import in_transaction, open_database
from bot.storage.upkeep import prune_history
from bot.wording import count

log = logging.getLogger(__name__)

KEEP_DELIVERIES = timedelta(days=30)
KEEP_WATCH_TOMBSTONES = timedelta(days=1)  # every running process polled them long before


def _nothing() -> None:
    """No sender in this process to wake."""


class Runtime:
    """One process's bot without its scheduling: one database, one live rule book, the sources.

    A driver (bot/drivers) decides when each coroutine here runs and who sends.
    """

    def __init__(self, settings: Settings, engine: Engine | None = None) -> None:
        self.settings = settings
        self.engine = engine or open_database(settings.database_url)
        self.rules = RuleReloader(settings.rules_dir)
        self.watches = LiveWatches(self.engine, lambda: self.rules.book, cache=settings.cache_dir)
        self.started = time.monotonic()
        self.terminal = not settings.token  # no token: alerts go to this terminal
        # Called when deliveries were queued; the driver whose process sends sets it.
        self.deliveries_queued: Callable[[], None] = _nothing
        self.ingest = build_ingest(
            self.engine,
            self.rules,
            watches=self.watches,
            stories=settings.stories,
            terminal=self.terminal,
            default_zone=settings.default_timezone,
            wake=self._deliveries_written,
        )
        self.notices = Notices(
            self.engine,
            admin_ids=settings.admin_ids,
            terminal=self.terminal,
            queued=self._deliveries_written,
        )
        self.supervision = Supervision(self._tell_admins)
        self.supervision.watch("watch book", self.watches.health)
        self._sender: SenderHealth | None = None
        self.poller = FeedPoller(
            self.engine,
            self.ingest,
            self.notices,
            max_new=settings.feed_max_new,
        )
        # The poller's lists, replaced in place at each `load_feeds`.
        self.feeds = self.poller.feeds
        self.feed_problems = self.poller.feed_problems
        self.seed_intake = SeedIntake(
            settings.seeds_dir, self.ingest, timezone=settings.seeds_timezone
        )
        self.seeds = self.seed_intake.folder

    def _deliveries_written(self) -> None:
        self.deliveries_queued()  # read at each call: the driver sets it after wiring

    # -- supervision -------------------------------------------------------------------------

    async def _tell_admins(self, text: str, notice_id: str) -> None:
        await self.notices.tell_admins(text, notice_id=notice_id)

    def supervise_sender(self, sender: SenderHealth | None) -> None:
        """The sender this process runs now (None: none): its health shows in `/status`."""
        self._sender = sender
        self.supervision.watch("sender (delivery ledger)", self._sender_health)

    def _sender_health(self) -> tuple[datetime | None, str | None]:
        sender = self._sender
        return (None, None) if sender is None else (sender.failing_since, sender.last_error)

    # -- sources -----------------------------------------------------------------------------

    def load_feeds(self) -> None:
        """Read feeds.yaml; bad entries are logged and left out, the rest are polled."""
        self.poller.load_feeds(
            self.settings.feeds_file, default_interval=self.settings.feed_interval
        )

    async def ingest_seed_folder(self) -> list[Ingested]:
        """Rescan the seed folder for files new or changed since read (behind the watcher)."""
        return await self.seed_intake.rescan()

    def watchers(
        self, stop: asyncio.Event, *, feeds_reloaded: Callable[[], None] = _nothing
    ) -> list[Coroutine[object, object, None]]:
        """Watch the seed folder, the rule files and feeds.yaml until `stop`."""

        def reload_feeds() -> None:
            self.load_feeds()
            log.info("feeds file reloaded: %s", count(len(self.feeds), "feed"))
            feeds_reloaded()

        return file_watchers(
            stop,
            supervision=self.supervision,
            watches=self.watches,
            seed_intake=self.seed_intake,
            rules_dir=self.settings.rules_dir,
            reload_rules=self.reload_rules,
            feeds_file=self.settings.feeds_file,
            reload_feeds=reload_feeds,
        )

    # -- rules -------------------------------------------------------------------------------

    async def reload_rules(self) -> Reload:
        """Reload every rule file now; tell admins of new problems and subscribers of removals."""
        result = await asyncio.to_thread(self.rules.reload)
        log.info(result.summary())
        await self.notices.after_reload(result)
        return result

    # -- upkeep ------------------------------------------------------------------------------

    async def housekeeping(self) -> None:
        """Prune old deliveries, summarise feed errors, tell admins of feeds failing a day."""

        now = datetime.now(UTC)
        pruned = await in_transaction(
            self.engine,
            prune_history,
            deliveries_before=now - KEEP_DELIVERIES,
            tombstones_before=now - KEEP_WATCH_TOMBSTONES,
        )
        failing = [spec for spec in self.feeds if self.poller.state(spec).failures]
        summary = "; ".join(
            f"{spec.name} ×{state.failures}: {state.last_error}"
            for spec in failing
            if (state := self.poller.state(spec))
        )
        log.info(
            "housekeeping: %d old deliveries pruned; %d of %d feed(s) failing%s",
            pruned,
            len(failing),
            len(self.feeds),
            f" ({summary})" if summary else "",
        )
        for name in self.poller.failing_for_a_day(self.feeds):
            state = self.poller.state_named(name)
            since = state.failing_since
            assert since is not None
            # One notice per failing spell: the id names the feed and when it started failing,
            # so hourly housekeeping, restarts and other instances never repeat it.
            await self.notices.tell_admins(
                f"Feed {name} has been failing since {since:%Y-%m-%d %H:%M} UTC "
                f"({state.failures} attempts): {state.last_error}",
                notice_id=f"notice:feed-failing:{name}:{since:%Y%m%dT%H%M%S}",
            )

    async def release_digests(self) -> int:
        """Turn held alerts that are due (quiet hours over, a mute ended, a digest time) into
        digests in the ledger; returns how many chats get one."""

        written = await in_transaction(
            self.engine,
            release_digests,
            topics=self.rules.book.topics,
            now=datetime.now(UTC),
            source_names=self.ingest.ledger.source_names,
            default_zone=self.settings.default_timezone,
        )
        if written:
            log.info("digests written for %s", count(written, "chat"))
            self.deliveries_queued()
        return written

    async def refresh_gauges(self) -> None:
        """Read the delivery queue, held alerts, rule files in error and feeds' last new items
        into the metrics (NEWSBOT_METRICS_LISTEN)."""
        await asyncio.to_thread(
            refresh_gauges,
            self.engine,
            feeds=[spec.name for spec in self.feeds],
            rule_problems=self.rules.problems,
        )

    async def heartbeat(self) -> None:
        """Touch the heartbeat file (NEWSBOT_HEARTBEAT_FILE) for a supervisor's health check."""
        if self.settings.heartbeat_file is not None:
            with contextlib.suppress(OSError):
                self.settings.heartbeat_file.touch()

    async def status_text(self) -> str:
        """The admins' `/status`."""
        failing = self.supervision.failing()
        try:
            counts = await asyncio.to_thread(delivery_counts, self.engine)
        except Exception as error:  # the database is down: say so rather than not answer
            counts = DeliveryCounts()
            failing.append(Failing("database", datetime.now(UTC), describe(error)))
        sender = self._sender
        health = Health(failing, sender.unrecorded if sender is not None else 0)
        return status_text(
            feeds=self.feeds,
            states=self.poller.states,
            feed_problems=self.feed_problems,
            seed_folder=self.seeds.shown_as,
            seed_files=self.seeds.files_known,
            seeds_read_at=self.seeds.read_at,
            seed_problems=self.seeds.problems(),
            topics=len(self.rules.book.topics),
            rule_problems=[str(problem) for problem in self.rules.problems],
            deliveries=counts,
            uptime=time.monotonic() - self.started,
            health=health,
            paid_broadcast=self.settings.paid_broadcast,
        )

    async def close(self) -> None:
        """Release the HTTP client and the database (the driver closes its bot first)."""
        await self.poller.aclose()
        self.engine.dispose()
