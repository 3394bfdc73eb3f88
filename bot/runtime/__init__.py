"""When each stage runs: the scheduler, the watchers, rule reload, start and clean stop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import signal
import time
from collections.abc import Coroutine, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine

from bot.alerts.render import shorten
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
from bot.sources.seeds import SeedError, SeedProblem, read_seed, scan_seeds, seed_paths
from bot.storage.db import open_database
from bot.wording import count

log = logging.getLogger(__name__)

STOP_GRACE_SECONDS = 7.0
HOUSEKEEPING_INTERVAL = 3600.0
FIRST_POLL_SPREAD = 10.0  # new feeds' first polls are spread over this many seconds


def log_new_articles(fresh: Sequence[Ingested]) -> None:
    """One log line per new article (a giant title shortened: the log stays readable)."""
    for item in fresh:
        log.info(
            "new article from %s: %s (%s)",
            item.article.origin,
            shorten(item.article.title, 200),
            count(len(item.matches), "rule match", "rule matches"),
        )


class Runtime:
    """The running bot: one database, one settings object, one live rule book."""

    def __init__(self, settings: Settings, engine: Engine | None = None) -> None:
        self.settings = settings
        self.engine = engine or open_database(settings.database_url)
        self.rules = RuleReloader(settings.rules_dir)
        self._seeds_dir = settings.seeds_dir.resolve()
        self.started = time.monotonic()
        self.feeds: list[FeedSpec] = []
        self.feed_problems: list[str] = []
        self.stop_event = asyncio.Event()
        self.exit_code = 0  # set by a stage that stops the bot for good (a rejected token)
        self.ready = asyncio.Event()  # set once run_forever is watching, scheduling and polling
        self._reported_seeds: dict[Path, str] = {}
        self._seeds_read_at: datetime | None = None
        # (mtime, size) of each seed file as last read, so a rescan reads only what changed.
        self._seed_marks: dict[Path, tuple[int, int]] = {}
        self._background: set[asyncio.Task[object]] = set()
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
        articles: list[Article] = []
        problems: list[SeedProblem] = []
        for path in sorted(paths):
            before = _mark(path)
            article: Article | None = None
            try:
                article = read_seed(path, timezone=self.settings.seeds_timezone)
            except SeedError as error:
                problem = SeedProblem(path, str(error))
            if _mark(path) != before:
                # Changed while being read: still being written. Its next change event (or
                # the rescan, which sees a different mark) reads it again.
                self._seed_marks.pop(path, None)
                continue
            self._seed_marks[path] = before
            if article is not None:
                articles.append(article)
                self._reported_seeds.pop(path, None)  # fixed: a new break is told again
            else:
                problems.append(problem)
        self._report_seed_problems(problems)
        self._seeds_read_at = datetime.now(UTC)
        return articles

    def changed_seed_files(self) -> list[Path]:
        """Seed files new or changed since they were last read (deleted ones are forgotten)."""
        paths = list(seed_paths(self._seeds_dir))
        present = set(paths)
        for gone in [path for path in self._seed_marks if path not in present]:
            del self._seed_marks[gone]
            self._reported_seeds.pop(gone, None)
        return [path for path in paths if self._seed_marks.get(path) != _mark(path)]

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
        """Rescan the seed folder for files new or changed since read (behind the watcher)."""

        def read() -> list[Article]:
            return self.read_seed_files(self.changed_seed_files())

        return self._log_fresh(await self.ingest(await asyncio.to_thread(read)))

    async def _on_seed_change(self, changed: set[Path], _deleted: set[Path]) -> None:
        paths = sorted(path for path in changed if _visible_in(path, self._seeds_dir))
        if paths:
            articles = await asyncio.to_thread(self.read_seed_files, paths)
            self._log_fresh(await self.ingest(articles))

    @staticmethod
    def _log_fresh(fresh: list[Ingested]) -> list[Ingested]:
        log_new_articles(fresh)
        return fresh

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
        handled = self._handle_signals(loop)
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        tasks: list[asyncio.Task[object]] = []
        try:
            await self.reload_rules()
            self.load_feeds()
            await self.delivery.start(self.stop_event)
            tasks = [
                asyncio.create_task(
                    watch_files(self._seeds_dir, (".md",), self._on_seed_change, self.stop_event),
                    name="watch-seeds",
                ),
                asyncio.create_task(
                    watch_files(
                        self.settings.rules_dir,
                        (".yaml", ".yml"),
                        self._on_rules_change,
                        self.stop_event,
                    ),
                    name="watch-rules",
                ),
                asyncio.create_task(self._watch_feeds_file(), name="watch-feeds-file"),
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
            self.ready.set()
            await self.stop_event.wait()
            log.info("stopping")
        finally:
            self.stop_event.set()
            if self.scheduler.running:
                self.scheduler.shutdown(wait=False)  # cancels feed polls under way
            try:
                await asyncio.wait_for(self.delivery.stop(), STOP_GRACE_SECONDS)
            except TimeoutError:
                log.warning(
                    "delivery did not stop within %gs; unsent alerts stay queued",
                    STOP_GRACE_SECONDS,
                )
            for task in [*tasks, *self._background]:
                task.cancel()
            await asyncio.gather(*tasks, *self._background, return_exceptions=True)
            await self.close()
            for signum in handled:
                loop.remove_signal_handler(signum)
        log.info("stopped")
        return self.exit_code

    def _handle_signals(self, loop: asyncio.AbstractEventLoop) -> list[int]:
        """SIGTERM and SIGINT stop the bot, SIGHUP reloads the rules; returns those handled."""
        handled: list[int] = []
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(signum, self._stop_on_signal, signum)
                handled.append(signum)
            loop.add_signal_handler(signal.SIGHUP, self._reload_on_signal)
            handled.append(signal.SIGHUP)
        return handled

    def _stop_on_signal(self, signum: int) -> None:
        log.info("%s received", signal.Signals(signum).name)
        self.stop_event.set()

    def _reload_on_signal(self) -> None:
        log.info("SIGHUP received: reloading rules")
        self._in_background(self.reload_rules())

    def _in_background(self, work: Coroutine[object, object, object]) -> None:
        task = asyncio.create_task(work)
        self._background.add(task)  # held, or the task may be collected before it finishes
        task.add_done_callback(self._background.discard)

    async def _watch_feeds_file(self) -> None:
        feeds_file = self.settings.feeds_file.resolve()
        if not feeds_file.parent.is_dir():
            return

        async def changed(paths: set[Path], deleted: set[Path]) -> None:
            if feeds_file in {p.resolve() for p in paths | deleted}:
                await self._on_feeds_change(paths, deleted)

        # Not recursive: feeds.yaml usually sits at the top of a checkout (.venv, .git...).
        await watch_files(
            feeds_file.parent, (feeds_file.name,), changed, self.stop_event, recursive=False
        )

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
            next_run_time=datetime.now(UTC) + timedelta(minutes=5),
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
            existing = self.scheduler.get_job(job_id)
            if existing is not None and existing.args[0] == spec:
                continue  # unchanged: keep its place in the schedule
            if due is None:  # never polled: first polls spread out, not all in one burst
                due = now + timedelta(seconds=random.uniform(0, FIRST_POLL_SPREAD))
            self.scheduler.add_job(
                self.poll_feed_job,
                IntervalTrigger(seconds=spec.interval, jitter=_jitter(spec)),
                args=[spec],
                id=job_id,
                max_instances=1,
                coalesce=True,
                replace_existing=True,
                next_run_time=max(due, now),
                misfire_grace_time=None,
            )

    async def poll_feed_job(self, spec: FeedSpec) -> None:
        """The scheduler's job for one feed: poll it, then wait for its floor before the next."""
        result = await self.poller.poll(spec)
        # Retry-After, max-age, ttl and back-off set the floor; jitter only ever adds to it,
        # so feeds with the same interval do not stay in step.
        job = self.scheduler.get_job(f"feed:{spec.name}")
        if job is not None and result.state.next_poll is not None:
            extra = timedelta(seconds=random.uniform(0, _jitter(spec)))
            job.modify(next_run_time=result.state.next_poll + extra)

    async def housekeeping(self) -> None:
        """Prune old deliveries, summarise feed errors, tell admins of feeds failing a day."""
        pruned = await self.delivery.prune(older_than=timedelta(days=30))
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
            state = self.poller.states[name]
            since = state.failing_since
            assert since is not None
            # One notice per failing spell: the id names the feed and when it started failing,
            # so hourly housekeeping, restarts and other instances never repeat it.
            await self.delivery.tell_admins(
                f"Feed {name} has been failing since {since:%Y-%m-%d %H:%M} UTC "
                f"({state.failures} attempts): {state.last_error}",
                notice_id=f"notice:feed-failing:{name}:{since:%Y%m%dT%H%M%S}",
            )

    async def status_text(self) -> str:
        """The admins' `/status`."""
        counts = await asyncio.to_thread(self.delivery.counts)
        return status_text(
            feeds=self.feeds,
            states=self.poller.states,
            feed_problems=self.feed_problems,
            seed_folder=str(self.settings.seeds_dir),
            seed_files=len(self._seed_marks),
            seeds_read_at=self._seeds_read_at,
            seed_problems=[
                f"{path.name}: {reason}" for path, reason in sorted(self._reported_seeds.items())
            ],
            topics=len(self.rules.book.topics),
            rule_problems=[str(problem) for problem in self.rules.problems],
            deliveries=counts,
            uptime=time.monotonic() - self.started,
        )

    async def close(self) -> None:
        """Release the Telegram bot, the HTTP client and the database."""
        await self.delivery.close()
        await self._client.aclose()
        self.engine.dispose()


def _mark(path: Path) -> tuple[int, int]:
    """What tells a seed file changed: its modification time and size."""
    try:
        stat = path.stat()
    except OSError:
        return (0, -1)
    return (stat.st_mtime_ns, stat.st_size)


def _visible_in(path: Path, folder: Path) -> bool:
    """Whether a watcher's path is a seed file the rescan would read too (no hidden parts)."""
    try:
        parts = path.relative_to(folder).parts
    except ValueError:
        return False
    return not any(part.startswith((".", "~", "#")) for part in parts)


def _jitter(spec: FeedSpec) -> float:
    """Seconds of random delay added to a feed's polls (a tenth of its interval, at most 30)."""
    return min(30.0, spec.interval / 10)
