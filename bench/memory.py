"""Memory bench: the running bot with 1,000 feeds, 10,000 rules and 100,000 subscriptions.

Run: .venv/bin/python bench/memory.py [--feeds 1000] [--rules 10000] [--subscriptions 100000]
         [--cycles 100] [--database-url URL]
Target (product spec): under 200 MB resident; no growth from cycle 50 to cycle 100 beyond noise.

The single process runs (`run_forever`, Telegram included) in this process; the feeds' HTTP server
and the Bot API double run in a child process so their memory is not counted. Each cycle
polls every feed once (`poller.poll_all`): most answer 304, two a cycle have new items.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import multiprocessing
import multiprocessing.connection
import multiprocessing.sharedctypes
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert

from bot.config import Settings
from bot.drivers.single import SingleProcess
from bot.storage.db import open_database
from bot.storage.models import subscriptions
from tests.support.bot_api_double import BotApiDouble
from tests.support.feed_server import FeedServer, Reply, Request, rss

TARGET_MB = 200.0
RULES_PER_FILE = 100
CHANGE_EVERY = 500  # a feed gets new items once every this many cycles (2 feeds a cycle)
WORDS = [f"zq{n:04d}" for n in range(5000)]  # made-up words: matches are exactly as planned


def _resident_mb() -> tuple[float, float]:
    """Resident and peak resident memory of this process, in MB (Linux)."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    return (int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024)


def _feed_reply(cycle: multiprocessing.sharedctypes.Synchronized) -> object:  # type: ignore[type-arg]
    def reply(request: Request) -> Reply:
        number = int(request.path.rsplit("/", 1)[-1])
        version = (cycle.value + number) // CHANGE_EVERY
        items = [
            (
                f"{WORDS[(number * 7 + i) % len(WORDS)]} report {number}-{i}",
                f"https://example.com/{number}/{i}",
            )
            for i in range(version * 3, version * 3 + 10)  # each version brings 3 new items
        ]
        return Reply(body=rss(items, title=f"Feed {number}"), etag=f'"{number}-{version}"')

    return reply


def _serve(
    out: multiprocessing.connection.Connection,
    cycle: multiprocessing.sharedctypes.Synchronized,  # type: ignore[type-arg]
) -> None:
    with FeedServer() as server, BotApiDouble() as api:
        server.fallback = _feed_reply(cycle)  # type: ignore[assignment]
        out.send((server.url("/feed/"), api.url, api.token))
        out.recv()  # until the bench says stop


def _write_rules(folder: Path, count: int, rng: random.Random) -> None:
    for start in range(0, count, RULES_PER_FILE):
        lines = [f"title: Topic {start // RULES_PER_FILE}", "rules:"]
        for index in range(start, min(count, start + RULES_PER_FILE)):
            words = ", ".join(rng.sample(WORDS, 2))
            lines += [f"  - name: r{index}", "    fields: [title]", f"    any: [{words}]"]
        (folder / f"t{start // RULES_PER_FILE:04d}.yaml").write_text("\n".join(lines) + "\n")


def _subscribe(database_url: str, count: int, topics: int) -> None:
    engine = open_database(database_url)
    now = datetime.now(UTC)
    rows = [
        {
            "chat_id": 1 + index // 2,
            "kind": "topic",
            "value": f"t{(index // 2 + (index % 2) * 37) % topics:04d}",
            "created": now,
        }
        for index in range(count)
    ]
    with engine.begin() as connection:
        for start in range(0, len(rows), 10_000):
            connection.execute(insert(subscriptions), rows[start : start + 10_000])
    engine.dispose()


async def _bench(options: argparse.Namespace, root: Path) -> int:
    cycle = multiprocessing.Value("i", 0)
    ours, theirs = multiprocessing.Pipe()
    child = multiprocessing.Process(target=_serve, args=(theirs, cycle), daemon=True)
    child.start()
    feed_base, api_url, token = ours.recv()

    rules, seeds = root / "rules", root / "seeds"
    rules.mkdir()
    seeds.mkdir()
    _write_rules(rules, options.rules, random.Random(7))
    feeds = "".join(
        f"  - name: feed-{n}\n    url: {feed_base}{n}\n    interval: 24h\n"
        for n in range(options.feeds)
    )
    (root / "feeds.yaml").write_text("feeds:\n" + feeds)
    database_url = options.database_url or f"sqlite:///{root / 'bench.db'}"
    topics = -(-options.rules // RULES_PER_FILE)
    _subscribe(database_url, options.subscriptions, topics)

    settings = Settings(
        telegram_bot_token=token,
        telegram_api_url=api_url,
        database_url=database_url,
        rules_dir=rules,
        seeds_dir=seeds,
        feeds_file=root / "feeds.yaml",
    )
    single = SingleProcess(settings)
    runtime = single.runtime
    running = asyncio.create_task(single.run_forever())
    await asyncio.wait_for(single.ready.wait(), 120)
    print(
        f"running: {len(runtime.feeds)} feeds, {options.rules} rules in "
        f"{len(runtime.rules.book.topics)} topics, {options.subscriptions} subscriptions"
    )
    # The scheduler's first polls (spread over a few seconds) record what is there.
    started = time.monotonic()
    while not all(runtime.poller.state(spec).polled_ok_before for spec in runtime.feeds):
        if time.monotonic() - started > 120:
            raise SystemExit("the first polls did not finish")
        await asyncio.sleep(0.2)
    gc.collect()
    print(f"after the first polls: {_resident_mb()[0]:.1f} MB resident")

    marks: dict[int, float] = {}
    new_articles = 0
    began = time.monotonic()
    for number in range(1, options.cycles + 1):
        cycle.value = number
        results = await runtime.poller.poll_all(runtime.feeds, concurrency=50)
        new_articles += sum(len(r.articles) for r in results if r.status == "ok")
        if number in (1, options.cycles // 2, options.cycles) or number % 10 == 0:
            gc.collect()
            marks[number] = _resident_mb()[0]
            statuses = {s: sum(r.status == s for r in results) for s in ("not_modified", "ok")}
            print(
                f"cycle {number:3d}: {marks[number]:6.1f} MB resident; "
                f"{statuses['not_modified']} x 304, {statuses['ok']} x 200; "
                f"{single.sender.sent} alerts sent so far"
            )
    took = time.monotonic() - began
    single.stop_event.set()
    await asyncio.wait_for(running, 30)
    ours.send("stop")
    child.join(10)

    resident, peak = marks[options.cycles], _resident_mb()[1]
    half = marks[options.cycles // 2]
    growth = resident - half
    print(f"{options.cycles} cycles in {took:.1f}s; {new_articles} items read from 200 answers")
    print(f"resident after cycle {options.cycles}: {resident:.1f} MB (target < {TARGET_MB:.0f} MB)")
    print(f"peak resident: {peak:.1f} MB")
    print(
        f"growth from cycle {options.cycles // 2} to {options.cycles}: {growth:+.1f} MB "
        "(target: none beyond noise, a few MB)"
    )
    return 0 if resident < TARGET_MB and growth < 5 else 1


def main() -> int:
    """Parse the options and run the bench in a temporary folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=1000)
    parser.add_argument("--rules", type=int, default=10_000)
    parser.add_argument("--subscriptions", type=int, default=100_000)
    parser.add_argument("--cycles", type=int, default=100)
    parser.add_argument("--database-url", default=None, help="default: a SQLite file")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="newsbot-memory-") as tmp:
        return asyncio.run(_bench(options, Path(tmp)))


if __name__ == "__main__":
    raise SystemExit(main())
