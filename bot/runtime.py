"""When each stage runs: sources are read, articles ingested, alerts delivered."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from bot.article import Article
from bot.config import Settings
from bot.pipeline import Ingested, ingest
from bot.sources.seeds import SeedProblem, scan_seeds
from bot.storage.db import open_database

log = logging.getLogger(__name__)


class Runtime:
    """The running bot's stages over one database, one settings object and one rule book."""

    def __init__(self, settings: Settings, engine: Engine | None = None) -> None:
        self.settings = settings
        self.engine = engine or open_database(settings.database_url)
        self._reported: dict[Path, str] = {}

    def read_seed_folder(self) -> list[Article]:
        """Every article in the seed folder; each broken file is logged once per reason."""
        articles, problems = scan_seeds(
            self.settings.seeds_dir, timezone=self.settings.seeds_timezone
        )
        self._report_seed_problems(problems)
        return articles

    def _report_seed_problems(self, problems: Sequence[SeedProblem]) -> None:
        for problem in problems:
            if self._reported.get(problem.path) != problem.reason:
                self._reported[problem.path] = problem.reason
                log.warning("skipped seed file %s: %s", problem.path, problem.reason)

    def ingest(self, articles: Sequence[Article], *, alert: bool = True) -> list[Ingested]:
        """Record, match and queue the new articles among these."""
        return ingest(self.engine, articles, alert=alert)

    async def poll_feeds(self) -> list[Ingested]:
        """Poll every enabled feed once and ingest what is new (a first poll only records)."""
        return []

    async def run_once(self) -> int:
        """One pass over every source, then deliver what was queued."""
        fresh = self.ingest(await asyncio.to_thread(self.read_seed_folder))
        fresh += await self.poll_feeds()
        for item in fresh:
            print(_article_line(item.article), flush=True)
        log.info("one pass done: %d new article(s)", len(fresh))
        return 0


def _article_line(article: Article) -> str:
    when = (article.published or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    tickers = " ".join(f"${symbol}" for symbol in sorted(article.tickers)) or "-"
    return (
        f"NEW  {article.title}\n"
        f"     {article.source} · {when} · {article.link or article.id}\n"
        f"     tickers: {tickers}"
    )
