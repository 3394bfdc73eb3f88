"""When each stage runs: the scheduler, the watchers, rule reload, start and clean stop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine

from bot.article import Article
from bot.config import Settings
from bot.pipeline import Ingested, ingest
from bot.runtime.delivery import Delivery
from bot.runtime.feed_polling import FeedPoller
from bot.runtime.rule_reload import Reload, RuleReloader
from bot.runtime.status import status_text
from bot.runtime.watch import watch_files
from bot.sources.feeds_config import FeedSpec, load_feeds_file
from bot.sources.fetch import make_client
from bot.sources.seeds import SeedError, SeedProblem, read_seed, scan_seeds
from bot.storage.db import open_database

log = logging.getLogger(__name__)

STOP_GRACE_SECONDS = 8.0
HOUSEKEEPING_INTERVAL = 3600.0


class Runtime:
    """The running bot: one database, one settings object, one live rule book."""

    def __init__(self, settings: Settings, engine: Engine | None = None) -> None:
        self.settings = settings
        self.engine = engine or open_database(settings.database_url)
        self.rules = RuleReloader(settings.rules_dir)
        self.started = time.monotonic()
        self.feeds: list[FeedSpec] = []
        self.feed_problems: list[str] = []
        self.stop_event = asyncio.Event()
        self._reported_seeds: dict[Path, str] = {}
        self._client = make_client()
        self.poller = FeedPoller(self.engine, self._client, self._ingest_blocking)
        self.delivery = Delivery(self, status=self.status_text)

    # -- sources -----------------------------------------------------------------------------

    def load_feeds(self) -> None:
        """Read feeds.yaml; bad entries are logged and left out, the rest are polled."""
        specs, problems = load_feeds_file(
            self.settings.feeds_file, default_interval=self.settings.feed_interval
        )
        for problem in problems:
            if problem not in self.feed_problems:
                log.error("feeds file problem: %s", problem)
        self.feeds = [spec for spec in specs if spec.enabled]
        self.feed_problems = problems

    def read_seed_folder(self) -> list[Article]:
        """Every article in the seed folder; each broken file is logged once per reason."""
        articles, problems = scan_seeds(
            self.settings.seeds_dir, timezone=self.settings.seeds_timezone
        )
        self._report_seed_problems(problems)
        return articles

    def read_seed_files(self, paths: Sequence[Path]) -> list[Article]:
        """The articles in these seed files, broken ones logged once per reason."""
        articles, problems = [], []
        for path in sorted(paths):
            try:
                articles.append(read_seed(path, timezone=self.settings.seeds_timezone))
            except SeedError as error:
                problems.append(SeedProblem(path, str(error)))
        self._report_seed_problems(problems)
        return articles

    def _report_seed_problems(self, problems: Sequence[SeedProblem]) -> None:
        for problem in problems:
            if self._reported_seeds.get(problem.path) != problem.reason:
                self._reported_seeds[problem.path] = problem.reason
                log.warning("skipped seed file %s: %s", problem.path, problem.reason)

    # -- pipeline ----------------------------------------------------------------------------

    def _ingest_blocking(self, articles: Sequence[Article], alert: bool = True) -> list[Ingested]:
        book = self.rules.book  # one rule book for the whole batch, even if a reload lands
        fresh = ingest(
            self.engine, articles, match=book.match, enqueue=self.delivery.enqueue, alert=alert
        )
        if any(item.matches for item in fresh):
            self.delivery.wake()
        return fresh

    async def ingest(self, articles: Sequence[Article], *, alert: bool = True) -> list[Ingested]:
        """Record, match and queue the new articles among these, off the event loop."""
        if not articles:
            return []
        return await asyncio.to_thread(self._ingest_blocking, articles, alert)

    async def ingest_seed_folder(self) -> list[Ingested]:
        """Rescan the whole seed folder (the fallback behind the file watcher)."""
        fresh = await self.ingest(await asyncio.to_thread(self.read_seed_folder))
        for item in fresh:
            log.info(
                "new article from %s: %s (%d match(es))",
                item.article.origin,
                item.article.title,
                len(item.matches),
            )
        return fresh

    async def _on_seed_change(self, changed: set[Path], _deleted: set[Path]) -> None:
        if changed:
            articles = await asyncio.to_thread(self.read_seed_files, sorted(changed))
            for item in await self.ingest(articles):
                log.info(
                    "new article from %s: %s (%d match(es))",
                    item.article.origin,
                    item.article.title,
                    len(item.matches),
                )

    # -- rules -------------------------------------------------------------------------------

    async def reload_rules(self) -> Reload:
        """Reload every rule file now; tell admins of new problems and subscribers of removals."""
        result = await asyncio.to_thread(self.rules.reload)
        log.info(result.summary())
        await self.delivery.after_reload(result)
        return result

    async def _on_rules_change(self, _changed: set[Path], _deleted: set[Path]) -> None:
        await self.reload_rules()

    async def _on_feeds_change(self, _changed: set[Path], _deleted: set[Path]) -> None:
        self.load_feeds()
        self._schedule_feeds()

    # -- one pass ----------------------------------------------------------------------------

    async def run_once(self) -> int:
        """One pass over every source, deliver what was queued, then exit."""
        try:
            await self.reload_rules()
            self.load_feeds()
            fresh = await self.ingest_seed_folder()
            results = await self.poller.poll_all(self.feeds)
            sent = await self.delivery.drain()
            log.info(
                "one pass done: %d new seed article(s), %d feed(s) polled, %d sent",
                len(fresh),
                len(results),
                sent,
            )
            return 0
        finally:
            await self.close()

    # -- running -----------------------------------------------------------------------------

    async def run_forever(self) -> int:
        """Run until SIGTERM or SIGINT, then stop cleanly within a few seconds."""
        if self.settings.fleet:
            from bot.fleet import run_fleet

            return await run_fleet(self)
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self.stop_event.set)
        loop.add_signal_handler(signal.SIGHUP, lambda: asyncio.ensure_future(self.reload_rules()))
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        tasks: list[asyncio.Task[object]] = []
        try:
            await self.reload_rules()
            self.load_feeds()
            await self.delivery.start(self.stop_event)
            tasks = [
                asyncio.create_task(
                    watch_files(
                        self.settings.seeds_dir, (".md",), self._on_seed_change, self.stop_event
                    )
                ),
                asyncio.create_task(
                    watch_files(
                        self.settings.rules_dir,
                        (".yaml", ".yml"),
                        self._on_rules_change,
                        self.stop_event,
                    )
                ),
                asyncio.create_task(self._watch_feeds_file()),
            ]
            await self.ingest_seed_folder()
            self._schedule_all()
            self.scheduler.start()
            log.info(
                "running: %d feed(s), %d topic(s); seeds in %s",
                len(self.feeds),
                len(self.rules.book.topics),
                self.settings.seeds_dir,
            )
            await self.stop_event.wait()
            log.info("stopping")
        finally:
            self.stop_event.set()
            if self.scheduler.running:
                self.scheduler.shutdown(wait=False)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.delivery.stop(), STOP_GRACE_SECONDS)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self.close()
        log.info("stopped")
        return 0

    async def _watch_feeds_file(self) -> None:
        feeds_file = self.settings.feeds_file.resolve()
        if not feeds_file.parent.is_dir():
            return

        async def changed(paths: set[Path], deleted: set[Path]) -> None:
            if feeds_file in {p.resolve() for p in paths | deleted}:
                await self._on_feeds_change(paths, deleted)

        await watch_files(feeds_file.parent, (feeds_file.name,), changed, self.stop_event)

    def _schedule_all(self) -> None:
        self.scheduler.add_job(
            self.ingest_seed_folder,
            IntervalTrigger(seconds=self.settings.seeds_rescan),
            id="seeds-rescan",
            max_instances=1,
            coalesce=True,
            replace_existing=True,
        )
        self.scheduler.add_job(
            self.housekeeping,
            IntervalTrigger(seconds=HOUSEKEEPING_INTERVAL, jitter=60),
            id="housekeeping",
            max_instances=1,
            coalesce=True,
            replace_existing=True,
        )
        if self.settings.heartbeat_file:
            self.scheduler.add_job(
                self._heartbeat,
                IntervalTrigger(seconds=15),
                id="heartbeat",
                next_run_time=datetime.now(UTC),
                replace_existing=True,
            )
        self._schedule_feeds()

    def _heartbeat(self) -> None:
        assert self.settings.heartbeat_file is not None
        self.settings.heartbeat_file.touch()

    def _schedule_feeds(self) -> None:
        if not getattr(self, "scheduler", None):
            return
        wanted = {f"feed:{spec.name}": spec for spec in self.feeds}
        for job in self.scheduler.get_jobs():
            if job.id.startswith("feed:") and job.id not in wanted:
                job.remove()
        now = datetime.now(UTC)
        for job_id, spec in wanted.items():
            due = self.poller.state(spec).next_poll
            self.scheduler.add_job(
                self._poll_and_reschedule,
                IntervalTrigger(seconds=spec.interval, jitter=min(30.0, spec.interval / 10)),
                args=[spec],
                id=job_id,
                max_instances=1,
                coalesce=True,
                replace_existing=True,
                next_run_time=max(due, now) if due else now + timedelta(seconds=1),
                misfire_grace_time=None,
            )

    async def _poll_and_reschedule(self, spec: FeedSpec) -> None:
        result = await self.poller.poll(spec)
        # Retry-After, max-age, ttl and back-off set the floor: the next poll waits for it.
        job = self.scheduler.get_job(f"feed:{spec.name}")
        if job is not None and result.state.next_poll is not None:
            job.modify(next_run_time=result.state.next_poll)

    async def housekeeping(self) -> None:
        """Prune old deliveries and report feeds that have failed for over a day."""
        pruned = await self.delivery.prune(older_than=timedelta(days=30))
        failing = self.poller.failing_for_a_day(self.feeds)
        errors = [s for s in self.feeds if self.poller.state(s).failures]
        log.info(
            "housekeeping: %d old deliveries pruned; %d of %d feed(s) failing%s",
            pruned,
            len(errors),
            len(self.feeds),
            f" (over a day: {', '.join(failing)})" if failing else "",
        )
        if failing:
            await self.delivery.tell_admins(
                "Feeds failing for over a day: " + ", ".join(sorted(failing))
            )

    async def status_text(self) -> str:
        """The admins' `/status`."""
        counts = await asyncio.to_thread(self.delivery.counts)
        return status_text(
            feeds=self.feeds,
            states=self.poller.states,
            feed_problems=self.feed_problems,
            seed_folder=str(self.settings.seeds_dir),
            topics=len(self.rules.book.topics),
            rule_problems=[str(problem) for problem in self.rules.problems],
            deliveries=counts,
            uptime=time.monotonic() - self.started,
        )

    async def close(self) -> None:
        """Release the HTTP client and the database."""
        await self._client.aclose()
        self.engine.dispose()
