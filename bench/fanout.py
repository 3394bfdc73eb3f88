"""Fan-out bench: one alert to many subscribed chats through the ledger and the sender.

    .venv/bin/python bench/fanout.py [--chats 1000] [--unlimited-chats 10000]

1. Limits on: the Bot API double enforces Telegram's limits (30/s overall, 1/s per chat,
   20/min per group); figures: messages/s reached (target >= 95 % of 30/s) and 429s (target 0).
   10,000 chats at 30/s take ~6 minutes, so the default is 1,000 chats; pass --chats 10000.
2. Limits off: the sender's own throughput with a transport that does nothing (target
   >= 2,000 msg/s), and for reference the same through python-telegram-bot and the double.
3. Paid broadcast, NEWSBOT_PAID_BROADCAST=critical. --paid-chats 100000: a critical alert
   to every chat on the paid lane with a no-op transport (target: all within 2 minutes, no
   second above 1,000). --paid-http-chats 10000: the same through python-telegram-bot and
   the double (which counts violations), then a normal alert to --normal-chats on the free
   lane (target <= 30/s); 0 violations. Stars estimated (0.1 beyond 30 in a second).
   Through PTB and the double one machine sends ~200-250 msg/s (see part 2's reference),
   below the paid lane's 1,000/s: the HTTP stack, not the lane, bounds that run.

    .venv/bin/python bench/fanout.py --skip-limited --unlimited-chats 0 \
        --paid-chats 100000 --paid-http-chats 10000
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
from tests.support.books import Always
from tests.support.bot_api_double import BotApiDouble

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


def _serve_double(channel: Connection, enforce_limits: bool, paid: bool = False) -> None:
    """The Bot API double in its own process, as Telegram is: no GIL shared with the sender.

    `paid`: only messages sent with (True) or without (False) allow_paid_broadcast count.
    """
    with BotApiDouble(enforce_limits=enforce_limits) as api:
        channel.send((api.token, api.url))
        while channel.recv() == "lane":  # times of one lane so far: paid, then free
            lane = channel.recv()
            times = [
                r.at
                for r in api.requests
                if r.method == "sendMessage"
                and r.status == 200
                and bool(r.params.get("allow_paid_broadcast")) == lane
            ]
            channel.send((times, api.count("sendMessage", 429), api.violations))
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

    def lane(self, paid: bool) -> tuple[list[float], int, int]:
        """Send times of one lane so far, 429s and violations."""
        self._channel.send("lane")
        self._channel.send(paid)
        times, floods, violations = self._channel.recv()
        return times, floods, violations

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


FLASH = Match("oil", "hormuz", "critical", "active", ("Hormuz",))
GOLD = Match("gold", "safe-haven", "normal", "active", ("gold",))
FLASH_ARTICLE = Article(
    id="https://example.com/flash",
    title="Iran closes the Strait of Hormuz to tankers",
    summary="Iran said it closed the Strait of Hormuz to tanker traffic. " * 5,
    link="https://example.com/flash",
    source="bench",
    published=datetime(2025, 2, 12, 21, 33, tzinfo=UTC),
)
ROUTINE_ARTICLE = Article(
    id="https://example.com/routine",
    title="Gold edges up as the dollar slips",
    summary="Bullion rose in quiet trade. " * 5,
    link="https://example.com/routine",
    source="bench",
    published=datetime(2025, 2, 12, 21, 40, tzinfo=UTC),
)


class _StampingTransport(NullTransport):
    """Accepts every message, noting when: the paid lane's own pace, no HTTP in the way."""

    def __init__(self) -> None:
        super().__init__()
        self.times: list[float] = []

    async def send(self, chat_id: int, text: str, *, silent: bool) -> int | None:
        """Note the moment and count the message."""
        self.times.append(time.monotonic())
        return await super().send(chat_id, text, silent=silent)


def _paid_database(folder: Path, name: str, chats: int, normal_chats: int) -> Engine:
    engine = _database(folder, name, chats)
    if not normal_chats:
        return engine
    now = datetime.now(UTC)
    with engine.begin() as connection:
        connection.execute(
            subs.subscriptions.insert(),
            [
                {"chat_id": c, "kind": "topic", "value": "gold", "created": now}
                for c in range(1, normal_chats + 1)
            ],
        )
    return engine


PAID_TOPICS = {**TOPICS, "gold": Topic("gold", "Gold", "Gold", "🥇", "rules/gold.yaml")}


def _flash(engine: Engine, article: Article, match: Match) -> float:
    started = time.perf_counter()
    Ingest(engine, FixedRules(Always(PAID_TOPICS, (match,))), Ledger())([article])
    return time.perf_counter() - started


async def _paid_lane(folder: Path, chats: int) -> None:
    """The paid lane's own pace: the sender and the limiter, a transport that does nothing."""
    engine = _paid_database(folder, "lane.db", chats, 0)
    enqueue_seconds = _flash(engine, FLASH_ARTICLE, FLASH)
    transport = _StampingTransport()
    sender = Sender(
        engine,
        transport,
        TokenBucketLimiter(),
        paid_from="critical",
        batch_size=500,
        concurrency=64,
    )
    started = time.perf_counter()
    sent = await sender.drain()
    elapsed = time.perf_counter() - started
    times = sorted(transport.times)
    print(f"paid lane, no-op transport (NEWSBOT_PAID_BROADCAST=critical; {chats:,} chats)")
    print(f"  ledger write for {chats:,} chats     {enqueue_seconds:8.1f} s")
    print(
        f"  critical alert: sent                {sent:8,d}    in {elapsed:.1f} s"
        "    target: all within 120 s"
    )
    print(f"  messages/s                          {_rate(times):8.1f}    limit 1,000")
    print(f"  most messages in one second         {_busiest_second(times):8d}    limit 1,000")
    stars = 0.1 * sum(max(0, n - 30) for n in _per_second(times))
    print(f"  Stars (0.1 beyond 30 in a second)   {stars:8.1f}")


async def _paid(folder: Path, chats: int, normal_chats: int) -> None:
    """Both lanes through python-telegram-bot and the double (its own process)."""
    engine = _paid_database(folder, "paid.db", chats, normal_chats)
    enqueue_seconds = _flash(engine, FLASH_ARTICLE, FLASH)
    double = _RemoteDouble(enforce_limits=True)
    async with _bot(double.token, double.url) as bot:
        sender = Sender(
            engine,
            TelegramTransport(bot),
            TokenBucketLimiter(),
            paid_from="critical",
            batch_size=500,
            concurrency=64,
        )
        started = time.perf_counter()
        flash_sent = await sender.drain()
        flash_seconds = time.perf_counter() - started
        paid_times, _, _ = double.lane(paid=True)
        _flash(engine, ROUTINE_ARTICLE, GOLD)
        started = time.perf_counter()
        routine_sent = await sender.drain()
        routine_seconds = time.perf_counter() - started
        free_times, floods, violations = double.lane(paid=False)
    double.results()
    paid_times.sort()
    free_times.sort()
    stars = 0.1 * sum(max(0, n - 30) for n in _per_second(paid_times))
    print(f"paid broadcast through PTB and the double ({chats:,} chats)")
    print(f"  ledger write for {chats:,} chats     {enqueue_seconds:8.1f} s")
    print(f"  critical alert: sent                {flash_sent:8,d}    in {flash_seconds:.1f} s")
    print(f"  paid lane messages/s                {_rate(paid_times):8.1f}    limit 1,000")
    print(f"  all allow_paid_broadcast            {len(paid_times) == flash_sent!s:>8}")
    print(f"  Stars (0.1 beyond 30 in a second)   {stars:8.1f}")
    print(f"  normal alert: sent                  {routine_sent:8,d}    in {routine_seconds:.1f} s")
    print(f"  free lane messages/s                {_rate(free_times):8.2f}    target <= 30")
    print(f"  most free messages in one second    {_busiest_second(free_times):8d}    limit 30")
    print(f"  429 answers received                {floods:8d}    target 0")
    print(f"  limit violations seen by double     {violations:8d}    target 0")


def _rate(times: list[float]) -> float:
    return (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0


def _per_second(times: list[float]) -> list[int]:
    """Messages in each one-second step from the first."""
    if not times:
        return []
    counts: dict[int, int] = {}
    for at in times:
        step = int(at - times[0])
        counts[step] = counts.get(step, 0) + 1
    return list(counts.values())


def _busiest_second(times: list[float]) -> int:
    """The most messages in any sliding window of one second."""
    busiest, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= 1.0:
            start += 1
        busiest = max(busiest, end - start + 1)
    return busiest


def main() -> None:
    """Run both parts and print figures beside their targets."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=1000, help="chats for the limited run")
    parser.add_argument("--unlimited-chats", type=int, default=10_000)
    parser.add_argument("--skip-limited", action="store_true")
    parser.add_argument("--paid-chats", type=int, default=0, help="paid lane, no-op transport")
    parser.add_argument("--paid-http-chats", type=int, default=0, help="paid lane through PTB")
    parser.add_argument("--normal-chats", type=int, default=300, help="free lane, PTB run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        if not args.skip_limited:
            print(f"(the limited run takes about {args.chats / 29:.0f} s)", flush=True)
            asyncio.run(_limited(Path(folder), args.chats))
        if args.unlimited_chats:
            asyncio.run(_unlimited(Path(folder), args.unlimited_chats))
        if args.paid_chats:
            asyncio.run(_paid_lane(Path(folder), args.paid_chats))
        if args.paid_http_chats:
            asyncio.run(_paid(Path(folder), args.paid_http_chats, args.normal_chats))


if __name__ == "__main__":
    main()
