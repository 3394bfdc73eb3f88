"""Fleet bench: 1 and 3 `newsbot run --fleet` processes on 3,000 local feeds and a big fan-out.

Run: .venv/bin/python bench/fleet.py [--feeds 3000] [--chats 10000] [--processes 1,3]

For each fleet size, on a fresh PostgreSQL database: the time for the fleet to poll every
feed once (the first cycle: fetch, parse, record), then one seed article fanned out to
every chat, in messages a second. The Bot API double runs with its limits OFF and the
sender's limiter is swapped for NoLimits (in this script's launcher only), so the figure
is the fleet's own delivery overhead, not Telegram's 30/s. There is one sender of record
whatever the fleet size, so the fan-out rate does not grow with processes: by design.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.storage.db import open_database
from bot.storage.models import chats, subscriptions
from tests.support.bot_api_double import BotApiDouble
from tests.support.crude_alert import MARK, RULES, SEED
from tests.support.databases import fresh_postgres_database
from tests.support.feed_server import FeedServer, Reply, Request, rss

INTERVAL_SECONDS = 30  # the production floor
# Bench only: the sender (and command answers) run without rate limits.
LAUNCHER = (
    "import sys; import bot.drivers.fleet.member as member; "
    "from bot.delivery.limiter import NoLimits; member.make_limiter = NoLimits; "
    "from bot.cli import main; sys.exit(main(sys.argv[1:]))"
)


class Feeds:
    """Answers every /feed/N with a small distinct feed and notes when each was first asked."""

    def __init__(self) -> None:
        self.first: dict[str, float] = {}
        self._lock = threading.Lock()

    def reply(self, request: Request) -> Reply:
        """Five items a feed, with an ETag."""
        with self._lock:
            self.first.setdefault(request.path, time.monotonic())
        number = request.path.rsplit("/", 1)[-1]
        items = [(f"Feed {number} item {i}", f"https://example.org/{number}/{i}") for i in range(5)]
        return Reply(body=rss(items, title=f"Feed {number}"), etag=f'"feed-{number}"')


def _wait(condition, timeout: float, what: str, every: float = 0.05) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(every)


def _subscribe_everyone(database_url: str, count: int) -> None:
    engine = open_database(database_url)
    now = datetime.now(UTC)
    with engine.begin() as connection:
        connection.execute(
            chats.insert(),
            [
                {"chat_id": 1000 + n, "chat_type": "private", "created": now, "updated": now}
                for n in range(count)
            ],
        )
        connection.execute(
            subscriptions.insert(),
            [
                {"chat_id": 1000 + n, "kind": "topic", "value": "oil", "created": now}
                for n in range(count)
            ],
        )
    engine.dispose()


def run_fleet(size: int, feeds: int, chats_count: int) -> tuple[float, float, float]:
    """One fleet of `size` processes: (poll-cycle seconds, messages a second, fan-out seconds)."""
    with (
        tempfile.TemporaryDirectory() as tmp,
        fresh_postgres_database() as database_url,
        BotApiDouble(enforce_limits=False) as api,
        FeedServer() as server,
    ):
        work = Path(tmp)
        (work / "rules").mkdir()
        (work / "seeds").mkdir()
        (work / "rules" / "oil.yaml").write_text(RULES)
        answers = Feeds()
        server.fallback = answers.reply
        lines = ["feeds:"]
        for n in range(feeds):
            lines += [f"  - name: feed-{n}", f"    url: {server.url(f'/feed/{n}')}"]
            lines.append(f"    interval: {INTERVAL_SECONDS}s")
        (work / "feeds.yaml").write_text("\n".join(lines) + "\n")
        _subscribe_everyone(database_url, chats_count)
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
        env.update(
            TELEGRAM_BOT_TOKEN=api.token,
            NEWSBOT_TELEGRAM_API_URL=api.url,
            NEWSBOT_DATABASE_URL=database_url,
            NEWSBOT_RULES_DIR=str(work / "rules"),
            NEWSBOT_SEEDS_DIR=str(work / "seeds"),
            NEWSBOT_FEEDS_FILE=str(work / "feeds.yaml"),
            NEWSBOT_LOG_LEVEL="WARNING",
        )
        processes = []
        for n in range(size):
            with (work / f"process-{n}.log").open("wb") as log:
                processes.append(
                    subprocess.Popen(
                        [sys.executable, "-c", LAUNCHER, "run", "--fleet"],
                        cwd=work,
                        env=env,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                    )
                )
        try:
            _wait(lambda: len(answers.first) == feeds, 600, "every feed's first poll")
            cycle = max(answers.first.values()) - min(answers.first.values())
            _wait(lambda: api.count("getUpdates") > 0, 60, "the leader")
            (work / "seeds" / "tanker.md").write_text(SEED)

            def alerts() -> list[float]:
                with api._lock:
                    return [
                        r.at
                        for r in api.requests
                        if r.method == "sendMessage" and MARK in str(r.params.get("text"))
                    ]

            # Looked at once a second: scanning the double's log holds its lock.
            _wait(lambda: len(alerts()) >= chats_count, 900, "every chat's alert", every=1.0)
            times = sorted(alerts())
            span = times[chats_count - 1] - times[0]
            rate = (chats_count - 1) / span if span > 0 else float("inf")
            return cycle, rate, span
        finally:
            for process in processes:
                process.send_signal(signal.SIGTERM)
            for process in processes:
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()


def main() -> None:
    """Run each fleet size and print the figures side by side."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=3000)
    parser.add_argument("--chats", type=int, default=10_000)
    parser.add_argument("--processes", default="1,3", help="fleet sizes, comma-separated")
    args = parser.parse_args()
    sizes = [int(size) for size in args.processes.split(",")]
    print(
        f"fleet bench: {args.feeds} local feeds, {args.chats} chats; Bot API double limits off, "
        f"sender limiter off; {os.cpu_count()} CPU(s)"
    )
    print(f"{'processes':>9}  {'poll cycle':>10}  {'feeds/s':>8}  {'fan-out':>8}  {'msg/s':>7}")
    for size in sizes:
        cycle, rate, span = run_fleet(size, args.feeds, args.chats)
        feeds_rate = args.feeds / cycle if cycle > 0 else float("inf")
        print(f"{size:>9}  {cycle:>9.1f}s  {feeds_rate:>8.0f}  {span:>7.1f}s  {rate:>7.0f}")
    print(
        "targets (single process, spec): 1,000 feeds a cycle under 10 s; sender overhead "
        "at least 2,000 msg/s with limits off"
    )


if __name__ == "__main__":
    main()
