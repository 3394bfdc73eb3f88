"""The seed folder into the pipeline: the periodic rescan and the watcher's batches."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from pathlib import Path

from bot.alerts.render import shorten
from bot.article import Article
from bot.pipeline import Ingest, Ingested
from bot.runtime.file_events import watch_files
from bot.runtime.measures import SEEDS_SOURCE, count_ingested
from bot.sources.seed_folder import SeedFolder
from bot.sources.seeds import SEED_SUFFIXES
from bot.wording import count

log = logging.getLogger(__name__)

# The seed watcher's debounce step (bench/latency.py: file written to sendMessage).
SEED_STEP_MS = 5


def log_new_articles(fresh: Sequence[Ingested]) -> None:
    """One log line per new article (a giant title shortened: the log stays readable)."""
    for item in fresh:
        log.info(
            "new article from %s: %s (%s)",
            item.article.origin,
            shorten(item.article.title, 200),
            count(len(item.matches), "rule match", "rule matches"),
        )


def log_known_articles(articles: Sequence[Article], fresh: Sequence[Ingested]) -> None:
    """One log line per seed read that holds an article already stored (a copy, an edit)."""
    new = {item.article.id for item in fresh}
    for article in articles:
        if article.id not in new:
            log.info(
                "seed %s holds an article already read (same link, or same source and title "
                "without one): not alerted again",
                article.origin,
            )


class SeedIntake:
    """Hands the seed files new or changed to the ingest, and confirms them once ingested."""

    def __init__(self, folder: Path, ingest: Ingest, *, timezone: str) -> None:
        self.folder = SeedFolder(folder, timezone=timezone)
        self._ingest = ingest

    async def rescan(self) -> list[Ingested]:
        """Rescan the seed folder for files new or changed since read (behind the watcher)."""
        first = self.folder.read_at is None

        articles, fresh = await self._read_and_ingest(self.folder.changed_files)
        if first and not self.folder.folder.is_dir():
            log.warning(
                "seed folder %s does not exist (NEWSBOT_SEEDS_DIR): no seed is read until it is "
                "created; the rescan looks again",
                self.folder.shown_as,
            )
        elif first:
            log.info(
                "seed folder %s: %s read, %d new, %d alerted before; watching for new files",
                self.folder.shown_as,
                count(len(articles), "article"),
                len(fresh),
                len(articles) - len(fresh),
            )
        return fresh

    async def take(self, paths: Sequence[Path]) -> list[Ingested]:
        """Read these seed files (a watcher's batch) and ingest what is new."""
        visible = [path for path in paths if self.folder.visible(path)]
        if not visible:
            return []
        # In a fleet every process sees the file; the one whose insert wins the id alerts it.
        _, fresh = await self._read_and_ingest(lambda: visible)
        return fresh

    async def _read_and_ingest(
        self, paths: Callable[[], Sequence[Path]]
    ) -> tuple[list[Article], list[Ingested]]:
        """Read the files and ingest their articles in one worker thread (one hand-off from
        the event loop and back on a seed's way to the alert, not two); confirm them after."""

        def read_and_ingest() -> tuple[list[Article], list[Ingested]]:
            articles = self.folder.read_files(paths())
            return articles, (self._ingest(articles) if articles else [])

        first = self.folder.read_at is None
        articles, fresh = await asyncio.to_thread(read_and_ingest)
        log_new_articles(fresh)
        if not first:  # the first scan counts them in its summary instead
            log_known_articles(articles, fresh)
        count_ingested(SEEDS_SOURCE, len(articles), fresh, alerted=True)
        self.folder.confirm(articles)  # only now: an ingest that failed is read again
        return articles, fresh

    def watch(
        self,
        stop: asyncio.Event,
        guard: Callable[[str, Awaitable[object]], Awaitable[None]],
    ) -> Coroutine[object, object, None]:
        """Watch the folder until `stop`, each batch of changed files ingested under `guard`."""

        async def batch(changed: set[Path], _deleted: set[Path]) -> None:
            # A batch that fails is read again by the periodic rescan (not confirmed), so it
            # shares the rescan's health: the next rescan that works clears it.
            await guard("seeds-rescan", self.take(sorted(changed)))

        # A short step: a seed file is handed over ~5 ms after its last write.
        return watch_files(self.folder.folder, SEED_SUFFIXES, batch, stop, step_ms=SEED_STEP_MS)
