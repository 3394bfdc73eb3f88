"""The runtime core, the same in every mode: settings, database, rules, sources, ingest, upkeep."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection, Engine
from telegram.ext import Application

from bot.config import Settings
from bot.delivery.digests import release_digests
from bot.delivery.limiter import Limiter
from bot.delivery.sender import Sender
from bot.pipeline import Ingested, build_ingest
from bot.rules import Topic
from bot.runtime.feed_polling import FeedPoller
from bot.runtime.file_events import watch_files
from bot.runtime.measures import (
    refresh_gauges,
)
from bot.runtime.notices import Notices
from bot.runtime.rule_reload import Reload, RuleReloader
from bot.runtime.seed_intake import SeedIntake
from bot.runtime.status import DeliveryCounts, Health, delivery_counts, status_text
from bot.runtime.supervision import Failing, Supervision, describe
from bot.runtime.watch_book import LiveWatches
from bot.sources.feeds_config import FeedSpec, read_feeds_file
from bot.sources.fetch import make_client
from bot.storage.db import in_transaction, open_database
from bot.storage.deliveries import prune_finished
from bot.storage.watches import prune_removed
from bot.telegram.app import build_application
from bot.telegram.handlers import BotHooks
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
        self.feeds: list[FeedSpec] = []
        self.feed_problems: list[str] = []
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
        self._sender: Sender | None = None
        self._client = make_client()
        self.poller = FeedPoller(
            self.engine,
            self._client,
            self.ingest,
            self.notices,
            max_new=settings.feed_max_new,
        )
        self.seed_intake = SeedIntake(
            settings.seeds_dir, self.ingest, timezone=settings.seeds_timezone
        )
        self.seeds = self.seed_intake.folder

    def _deliveries_written(self) -> None:
        self.deliveries_queued()  # read at each call: the driver sets it after wiring

    # -- supervision -------------------------------------------------------------------------

    async def _tell_admins(self, text: str, notice_id: str) -> None:
        await self.notices.tell_admins(text, notice_id=notice_id)

    def supervise_sender(self, sender: Sender | None) -> None:
        """The sender this process runs now (None: none): its health shows in `/status`."""
        self._sender = sender
        self.supervision.watch("sender (delivery ledger)", self._sender_health)

    def _sender_health(self) -> tuple[datetime | None, str | None]:
        sender = self._sender
        return (None, None) if sender is None else (sender.failing_since, sender.last_error)

    # -- Telegram ----------------------------------------------------------------------------

    def telegram_application(self, limiter: Limiter) -> Application:
        """The bot's Application, its `/status` and `/reload` wired to this runtime.

        The `limiter` is the sender's: command answers and alerts share Telegram's limits.
        """
        return build_application(
            self.settings,
            self.engine,
            rulebook=lambda: self.rules.book,
            hooks=BotHooks(
                status_text=self.status_text,
                reload=self._reload_command,
                release_digests=self.release_digests,
                watches_changed=self.watches.changed,
            ),
            limiter=limiter,
        )

    def rules_topics(self) -> Mapping[str, Topic]:
        """The topics of the rules in force now (they reload at runtime)."""
        return self.rules.book.topics

    async def _reload_command(self) -> str:
        result = await self.reload_rules()
        return "\n".join([result.summary()] + [f"⚠ {problem}" for problem in result.problems])

    # -- sources -----------------------------------------------------------------------------

    def load_feeds(self) -> None:
        """Read feeds.yaml; bad entries are logged and left out, the rest are polled."""
        found = read_feeds_file(
            self.settings.feeds_file, default_interval=self.settings.feed_interval
        )
        for problem in found.problems:
            if problem not in self.feed_problems:
                log.error("feeds file problem: %s", problem)
        self.feeds = [spec for spec in found.feeds if spec.enabled]
        self.feed_problems = found.problems
        self.ingest.ledger.source_names = found.display_names()

    def feed_named(self, name: str) -> FeedSpec | None:
        """The enabled feed of this name, if feeds.yaml has one."""
        return next((spec for spec in self.feeds if spec.name == name), None)

    async def ingest_seed_folder(self) -> list[Ingested]:
        """Rescan the seed folder for files new or changed since read (behind the watcher)."""
        return await self.seed_intake.rescan()

    def watchers(
        self, stop: asyncio.Event, *, feeds_reloaded: Callable[[], None] = _nothing
    ) -> list[Coroutine[object, object, None]]:
        """Watch the seed folder, the rule files and feeds.yaml until `stop`."""

        guard = self.supervision.guard

        async def rules(_changed: set[Path], _deleted: set[Path]) -> None:
            await guard("rule watcher", self.reload_rules())

        feeds_file = self.settings.feeds_file.resolve()

        async def feeds(changed: set[Path], deleted: set[Path]) -> None:
            if feeds_file in {path.resolve() for path in changed | deleted}:
                self.load_feeds()
                log.info("feeds file reloaded: %s", count(len(self.feeds), "feed"))
                feeds_reloaded()

        def kept(
            name: str, folder: Path, start: Callable[[], Coroutine[object, object, None]]
        ) -> Coroutine[object, object, None]:
            if not folder.is_dir():
                return start()  # says it does not watch; the periodic rescan still runs
            return self.supervision.keep_running(name, start, stop)

        watches = [
            self.watches.follow(stop),
            kept(
                "seed watcher",
                self.seeds.folder,
                lambda: self.seed_intake.watch(stop, guard),
            ),
            kept(
                "rule watcher",
                self.settings.rules_dir,
                lambda: watch_files(self.settings.rules_dir, (".yaml", ".yml"), rules, stop),
            ),
        ]
        if feeds_file.parent.is_dir():
            # Not recursive: feeds.yaml usually sits at the top of a checkout (.venv, .git...).
            watches.append(
                kept(
                    "feeds.yaml watcher",
                    feeds_file.parent,
                    lambda: watch_files(
                        feeds_file.parent, (feeds_file.name,), feeds, stop, recursive=False
                    ),
                )
            )
        return watches

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

        def prune(connection: Connection) -> int:
            prune_removed(connection, datetime.now(UTC) - KEEP_WATCH_TOMBSTONES)
            return prune_finished(connection, created_before=datetime.now(UTC) - KEEP_DELIVERIES)

        pruned = await in_transaction(self.engine, prune)
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
        await self._client.aclose()
        self.engine.dispose()
