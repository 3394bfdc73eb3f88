"""Fan-out bench: one alert to many subscribed chats through the ledger and the sender.

    .venv/bin/python bench/fanout.py [--chats 1000] [--unlimited-chats 10000]

1. Limits on: the Bot API double enforces Telegram's limits (30/s overall, 1/s per chat,
   20/min per group); figures: messages/s reached (target >= 95 % of 30/s) and 429s (target 0).
   10,000 chats at 30/s take ~6 minutes, so the default is 1,000 chats; pass --chats 10000.
2. Limits off: the sender's own throughput with a transport that does nothing (target
   >= 2,000 msg/s), and for reference the same through python-telegram-bot and the double.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import sys
import tempfile
import time
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Engine
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.article import Article
from bot.delivery.limiter import NoLimits, TokenBucketLimiter
from bot.delivery.sender import Sender
from bot.delivery.transports import NullTransport
from bot.pipeline import FixedRules, Ingest, Ledger
from bot.rules import Match, Topic
from bot.storage import subscriptions as subs
from bot.storage.db import open_database
from bot.telegram.transport import TelegramTransport
from tests.books import Always
from tests.bot_api_double import BotApiDouble

TOPICS = {"oil": Topic("oil", "Crude oil", "Oil markets", "🛢️", "rules/oil.yaml")}
OIL = Match("oil", "geopolitics-crude", "high", "active", ("Russia", "crude", "$USO"))
ARTICLE = Article(
    id="https://example.com/fanout",
    title="Trump, Putin agree to start negotiations over Russia and Ukraine",
    summary="WTI crude oil futures sharply extended losses after the call. " * 5,
    link="https://example.com/fanout",
    source="bench",
    published=datetime(2025, 2, 12, 21, 33, tzinfo=UTC),
    tickers=frozenset({"USO", "CL1:COM"}),
)


def _database(folder: Path, name: str, chats: int) -> Engine:
    engine = open_database(f"sqlite:///{folder / name}")
    now = datetime.now(UTC)
    with engine.begin() as connection:
        for chat_id in range(1, chats + 1):  # private chats: the overall limit is what binds
            subs.remember_chat(connection, chat_id, "private", now=now)
        connection.execute(
            subs.subscriptions.insert(),
            [
                {"chat_id": c, "kind": "topic", "value": "oil", "created": now}
                for c in range(1, chats + 1)
            ],
        )
    return engine


def _enqueue(engine: Engine) -> float:
    started = time.perf_counter()
    Ingest(engine, FixedRules(Always(TOPICS, (OIL,))), Ledger())([ARTICLE])
    return time.perf_counter() - started


def _serve_double(channel: Connection, enforce_limits: bool) -> None:
    """The Bot API double in its own process, as Telegram is: no GIL shared with the sender."""
    with BotApiDouble(enforce_limits=enforce_limits) as api:
        channel.send((api.token, api.url))
        channel.recv()  # the bench is done
        times = [r.at for r in api.requests if r.method == "sendMessage" and r.status == 200]
        channel.send((times, api.count("sendMessage", 429), api.violations))


class _RemoteDouble:
    """Starts the double in a child process; `results()` collects what it saw."""

    def __init__(self, *, enforce_limits: bool) -> None:
        self._channel, child = multiprocessing.Pipe()
        context = multiprocessing.get_context("spawn")
        self._process = context.Process(target=_serve_double, args=(child, enforce_limits))
        self._process.start()
        self.token, self.url = self._channel.recv()

    def results(self) -> tuple[list[float], int, int]:
        self._channel.send("done")
        times, floods, violations = self._channel.recv()
        self._process.join(10)
        return times, floods, violations


def _bot(token: str, url: str) -> Bot:
    """A Bot with a connection pool as large as the sender's concurrency (as the app has)."""
    return Bot(token, base_url=f"{url}/bot", request=HTTPXRequest(connection_pool_size=64))


async def _limited(folder: Path, chats: int) -> None:
    engine = _database(folder, "limited.db", chats)
    enqueue_seconds = _enqueue(engine)
    double = _RemoteDouble(enforce_limits=True)
    async with _bot(double.token, double.url) as bot:
        sender = Sender(engine, TelegramTransport(bot), TokenBucketLimiter())
        started = time.perf_counter()
        sent = await sender.drain()
        elapsed = time.perf_counter() - started
    times, floods, violations = double.results()
    rate = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0
    print(f"limits ON  ({chats:,} chats; Telegram's limits enforced by the double)")
    print(f"  ledger write for {chats:,} chats   {enqueue_seconds * 1000:8.1f} ms")
    print(f"  sent                              {sent:8,d}    in {elapsed:.1f} s")
    print(f"  messages/s                        {rate:8.2f}    target >= 28.50 (95 % of 30)")
    print(f"  share of the 30/s allowed         {rate / 30:8.1%}    target >= 95.0 %")
    print(f"  429 answers received              {floods:8d}    target 0")
    print(f"  limit violations seen by double   {violations:8d}    target 0")


async def _unlimited(folder: Path, chats: int) -> None:
    engine = _database(folder, "unlimited.db", chats)
    enqueue_seconds = _enqueue(engine)
    transport = NullTransport()
    sender = Sender(engine, transport, NoLimits(), batch_size=500, concurrency=64)
    started = time.perf_counter()
    sent = await sender.drain()
    own = sent / (time.perf_counter() - started)
    print(f"limits OFF ({chats:,} chats)")
    print(f"  ledger write for {chats:,} chats  {enqueue_seconds * 1000:8.1f} ms")
    print(f"  sender's own throughput           {own:8.0f} msg/s    target >= 2,000 msg/s")
    print("    (ledger claims and sent-marks on SQLite, limiter, scheduling; no-op transport)")

    engine = _database(folder, "http.db", chats)
    _enqueue(engine)
    double = _RemoteDouble(enforce_limits=False)
    async with _bot(double.token, double.url) as bot:
        sender = Sender(engine, TelegramTransport(bot), NoLimits(), batch_size=500, concurrency=16)
        started = time.perf_counter()
        sent = await sender.drain()
        http = sent / (time.perf_counter() - started)
    double.results()
    print(f"  through PTB + HTTP to the double  {http:8.0f} msg/s    (reference: a local server)")


def main() -> None:
    """Run both parts and print figures beside their targets."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=1000, help="chats for the limited run")
    parser.add_argument("--unlimited-chats", type=int, default=10_000)
    parser.add_argument("--skip-limited", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        if not args.skip_limited:
            print(f"(the limited run takes about {args.chats / 29:.0f} s)", flush=True)
            asyncio.run(_limited(Path(folder), args.chats))
        asyncio.run(_unlimited(Path(folder), args.unlimited_chats))


if __name__ == "__main__":
    main()
