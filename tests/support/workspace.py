"""Helpers for runtime tests: a workspace of real files, commands, the bot as a task."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.drivers.single import SingleProcess
from tests.support.bot_api_double import BotApiDouble
from tests.support.waiting import until

ROOT = Path(__file__).resolve().parents[2]
NEWSBOT = ROOT / ".venv" / "bin" / "newsbot"
ADMIN = 4242

OIL = """\
title: Crude oil
description: Crude oil and the geopolitics that moves it.
emoji: "🛢️"
rules:
  - name: crude
    priority: high
    fields: [title]
    any: [crude oil, Brent]
"""

BROKEN_OIL = OIL.replace("any: [crude oil, Brent]", "any: [crude oil, Brent")


def topic_yaml(title: str, words: list[str], *, rule: str = "words") -> str:
    """A one-rule topic file matching any of these words in the title."""
    return (
        f"title: {title}\ndescription: {title} news.\nrules:\n"
        f"  - name: {rule}\n    priority: high\n    fields: [title]\n"
        f"    any: [{', '.join(words)}]\n"
    )


def seed_text(title: str, link: str, *, body: str = "Markets moved.") -> str:
    """A seed article: front matter and a markdown body."""
    return (
        f'---\ntitle: "{title}"\ndate: "2025-02-12 21:33:29"\nlink: "{link}"\n'
        f'summary: "A summary."\ncategories:\n  - "seekalpha"\n---\n\n{body}\n'
    )


@dataclass
class Workspace:
    """A bot's files: rules, seeds, feeds.yaml and a database, all in a temporary folder."""

    root: Path
    database_url: str

    @property
    def rules(self) -> Path:
        return self.root / "rules"

    @property
    def seeds(self) -> Path:
        return self.root / "seeds"

    @property
    def feeds_file(self) -> Path:
        return self.root / "feeds.yaml"

    def settings(self, api: BotApiDouble | None, **overrides: Any) -> Settings:
        """Settings for a Runtime in this process, talking to the double when given."""
        values: dict[str, Any] = {
            "database_url": self.database_url,
            "rules_dir": self.rules,
            "seeds_dir": self.seeds,
            "feeds_file": self.feeds_file,
            "admin_ids": frozenset({ADMIN}),
            "telegram_bot_token": api.token if api else None,
            "telegram_api_url": api.url if api else "https://api.telegram.org",
            "cache_dir": self.root / "cache",
            **overrides,
        }
        return Settings(**values)

    def env(self, api: BotApiDouble, **extra: str) -> dict[str, str]:
        """The environment of a `newsbot run` subprocess talking to the double."""
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSBOT_", "TELEGRAM_"))}
        return {
            **keep,
            "TELEGRAM_BOT_TOKEN": api.token,
            "NEWSBOT_TELEGRAM_API_URL": api.url,
            "NEWSBOT_DATABASE_URL": self.database_url,
            "NEWSBOT_RULES_DIR": str(self.rules),
            "NEWSBOT_SEEDS_DIR": str(self.seeds),
            "NEWSBOT_FEEDS_FILE": str(self.feeds_file),
            "NEWSBOT_ADMIN_IDS": str(ADMIN),
            "NEWSBOT_CACHE_DIR": str(self.root / "cache"),
            **extra,
        }

    def write_seed(self, name: str, title: str, link: str | None = None) -> Path:
        """A new seed file, written in one go."""
        path = self.seeds / name
        path.write_text(seed_text(title, link or f"https://example.com/news/{path.stem}"))
        return path


async def command(api: BotApiDouble, chat_id: int, text: str, **kwargs: Any) -> str:
    """A user's command in a chat; returns the bot's answer there."""
    before = len(api.messages(chat_id))
    api.push_update(api.command(chat_id, text, **kwargs))
    await until(lambda: len(api.messages(chat_id)) > before, f"an answer to {text!r}")
    return str(api.messages(chat_id)[before]["text"])


@contextlib.asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[SingleProcess]:
    """The single process's `run_forever` as a task of this loop, ready (polling Telegram)."""
    single = SingleProcess(settings)
    task = asyncio.create_task(single.run_forever())
    try:
        await until(lambda: single.ready.is_set() or task.done(), "the runtime to start")
        if task.done():
            task.result()
        application = single.application
        if application is not None:
            await until(
                lambda: application.updater is not None and application.updater.running,
                "the bot to poll Telegram",
            )
        yield single
    finally:
        single.stop_event.set()
        assert await asyncio.wait_for(task, 15) == 0


class BotProcess:
    """`newsbot run` as a real process, its stderr kept in a file."""

    def __init__(self, env: dict[str, str], cwd: Path, *args: str, name: str = "bot") -> None:
        """Start `newsbot` with these arguments (`run` when none)."""
        self.log_path = cwd / f"{name}.stderr.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [str(NEWSBOT), *(args or ("run",))],
            env=env,
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=self._log,
        )

    @property
    def stderr(self) -> str:
        """Everything the process logged so far."""
        return self.log_path.read_text(errors="replace")

    def wait_for_log(self, text: str, timeout: float = 60.0, *, count: int = 1) -> None:
        """Block until the log holds this text `count` times (or the process died).

        The default is generous: starting a process (imports, rules compiled) takes seconds
        on a loaded machine running the suite in parallel; a bot that never logs still fails.
        """
        deadline = time.monotonic() + timeout
        while self.stderr.count(text) < count:
            if self.process.poll() is not None:
                raise AssertionError(f"newsbot exited {self.process.returncode}:\n{self.stderr}")
            if time.monotonic() > deadline:
                raise AssertionError(f"no {text!r} in the log after {timeout:g}s:\n{self.stderr}")
            time.sleep(0.02)

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 15.0) -> tuple[int, float]:
        """Send a signal; returns the exit code and how long the process took to exit."""
        started = time.monotonic()
        self.process.send_signal(signum)
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"newsbot ignored signal {signum}:\n{self.stderr}") from None
        finally:
            self._log.close()
        return code, time.monotonic() - started

    def kill(self) -> None:
        """Make sure the process is gone (test clean-up)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._log.close()


def make_workspace(root: Path, database_url: str, rules: str = OIL) -> Workspace:
    """A bot's files in a folder: one topic file (oil by default), no seeds, no feeds."""
    space = Workspace(root, database_url)
    space.rules.mkdir()
    space.seeds.mkdir()
    (space.rules / "oil.yaml").write_text(rules)
    space.feeds_file.write_text("feeds: []\n")
    return space
