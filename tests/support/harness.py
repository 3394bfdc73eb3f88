"""The bot assembled against the Bot API double: Application, sender, ledger and seeds."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from telegram.ext import Application

from bot.config import Settings
from bot.delivery.limiter import NoLimits, TokenBucketLimiter
from bot.delivery.sender import Sender
from bot.knowledge.rule_sets import load_rules
from bot.pipeline import build_ingest
from bot.rules import RuleBook
from bot.sources.seeds import scan_seeds
from bot.storage.db import open_database
from bot.telegram.app import build_application, run_bot, shutdown_application
from bot.telegram.handlers import BotHooks
from bot.telegram.transport import TelegramTransport
from tests.support.bot_api_double import BotApiDouble
from tests.support.waiting import until

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "seeds" / "000_062cbf74e09447a5.md"
SEED_TITLE = "Trump, Putin agree to"
OPERATOR = 999


def rulebook() -> RuleBook:
    """The starter rules shipped in `rules/`."""
    book, problems = load_rules(ROOT / "rules")
    assert not problems, problems
    return book


class Harness:
    """One bot process: polling the double for commands, sending alerts from the ledger."""

    def __init__(
        self,
        api: BotApiDouble,
        database_url: str,
        seeds: Path,
        *,
        limits: bool = True,
        max_tickers: int = 200,
        paid_broadcast: str = "off",
    ) -> None:
        self.api = api
        self.limits = limits
        self.settings = Settings(
            telegram_bot_token=api.token,
            telegram_api_url=api.url,
            database_url=database_url,
            admin_ids=frozenset({OPERATOR}),
            max_tickers=max_tickers,
            paid_broadcast=paid_broadcast,
        )
        self.engine: Engine = open_database(database_url)
        self.book = rulebook()
        # The runtime's pipeline, reading this harness's book (a test may swap it).
        self.ingest = build_ingest(
            self.engine,
            self,
            stories=self.settings.stories,
            default_zone=self.settings.default_timezone,
        )
        self.seeds = seeds
        self.hooks = BotHooks(status_text=lambda: "queue: 0 <ok>", reload=lambda: "rules reloaded")
        self.app: Application | None = None  # type: ignore[type-arg]
        self.sender: Sender | None = None
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def __aenter__(self) -> Harness:
        limiter = TokenBucketLimiter() if self.limits else NoLimits()
        self.app = build_application(
            self.settings,
            self.engine,
            rulebook=lambda: self.book,
            hooks=self.hooks,
            limiter=limiter,
        )
        self._tasks.append(asyncio.create_task(run_bot(self.app, self._stop, poll_timeout=1)))
        await self.until(lambda: self.app is not None and self.app.running, "the bot to start")
        self.sender = Sender(
            self.engine,
            TelegramTransport(self.app.bot),
            limiter,
            paid_from=self.settings.paid_from,
        )
        self.ingest.wake = self.sender.wake
        self._tasks.append(asyncio.create_task(self.sender.run(self._stop)))
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._stop.set()
        await asyncio.wait_for(asyncio.gather(*self._tasks), 15)
        if self.app is not None:
            await shutdown_application(self.app)

    async def until(self, condition: Callable[[], bool], what: str, timeout: float = 10) -> None:
        """Wait for a condition the bot brings about, failing with what was awaited."""
        await until(condition, what, timeout)

    async def send(self, update: dict[str, Any], *, answers_in: int | None = None) -> str | None:
        """Push an update; with `answers_in`, wait for the bot's answer there and return it."""
        before = len(self.api.messages(answers_in)) if answers_in is not None else 0
        update_id = self.api.push_update(update)
        if answers_in is None:
            await self.until(lambda: self._confirmed(update_id), "the update to be handled")
            return None
        await self.until(
            lambda: len(self.api.messages(answers_in)) > before, f"an answer in chat {answers_in}"
        )
        return str(self.api.messages(answers_in)[-1]["text"])

    def _confirmed(self, update_id: int) -> bool:
        # PTB confirms an update with the next getUpdates offset once it was processed.
        offsets = [int(p.get("offset") or 0) for p in self.api.calls("getUpdates")]
        return any(offset > update_id for offset in offsets)

    async def command(self, chat_id: int, text: str, **kwargs: Any) -> str:
        """A user's command in a chat; returns the bot's answer."""
        answer = await self.send(self.api.command(chat_id, text, **kwargs), answers_in=chat_id)
        assert answer is not None
        return answer

    def drop_seed(self, source: Path = SEED) -> None:
        """Write a seed file into the watched folder."""
        shutil.copy(source, self.seeds / source.name)

    async def scan(self) -> int:
        """What the runtime does for the seed folder: ingest new articles, wake the sender."""
        articles, problems = await asyncio.to_thread(scan_seeds, self.seeds)
        assert not problems
        return len(await self.ingest.off_loop(articles))

    def alerts_to(self, chat_id: int) -> list[dict[str, Any]]:
        """The alerts (not command answers) the chat received."""
        return [m for m in self.api.messages(chat_id) if SEED_TITLE in str(m["text"])]
