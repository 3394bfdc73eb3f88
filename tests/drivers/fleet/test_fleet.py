"""Three `newsbot run --fleet` processes on one PostgreSQL, the Bot API double and 20 feeds.

One alert fans out to 200 chats while the sending process is killed with SIGKILL: every
chat gets it, only sends in flight may repeat, and the double counts no broken limit for
the fleet as a whole. Each feed is polled once per interval by the fleet, not per process.
"""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from bot.drivers.fleet.leader import APPLICATION_NAME
from bot.storage.db import open_database
from bot.storage.leader_lock import LEADER_LOCK
from bot.storage.subscriptions import TOPIC, remember_chat, subscribe
from tests.support.bot_api_double import BotApiDouble
from tests.support.crude_alert import MARK, RULES, SEED
from tests.support.databases import fresh_postgres_database
from tests.support.feed_server import FeedServer, Reply, Request, rss

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(420)]

PROCESSES = 3
CHATS_BY_COMMAND = range(1001, 1101)  # 100 chats subscribe with a real /subscribe update
CHATS_BY_ROW = range(2001, 2101)  # 100 more written straight into the database
FEEDS = 20
INTERVAL = 30.0  # the production floor; nothing in the bot is shortened for this test
FEED_WINDOW = 75.0  # from the first feed request: polls at ~0, ~30 and ~60 s
ALERT_BEFORE_KILL = 40
IN_FLIGHT_BOUND = 20  # the sender's concurrency (16) plus the marks not yet written


def _newsbot() -> list[str]:
    script = Path(sys.executable).with_name("newsbot")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot"]


def _until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.1)


class FeedClock:
    """The feed server's answers, with the time of every request per feed."""

    def __init__(self) -> None:
        self.times: dict[str, list[float]] = defaultdict(list)
        self._lock = threading.Lock()

    def reply(self, request: Request) -> Reply:
        """A small feed with an ETag (later polls get 304s)."""
        with self._lock:
            self.times[request.path].append(time.monotonic())
        number = request.path.rsplit("/", 1)[-1]
        items = [(f"Feed {number} item {i}", f"https://example.org/{number}/{i}") for i in range(3)]
        return Reply(body=rss(items, title=f"Feed {number}"), etag=f'"feed-{number}"')

    def first(self) -> float | None:
        with self._lock:
            return min((t[0] for t in self.times.values() if t), default=None)

    def snapshot(self) -> dict[str, list[float]]:
        with self._lock:
            return {path: list(times) for path, times in self.times.items()}


class Fleet:
    """The fleet's processes, their logs, and who leads."""

    def __init__(self, workdir: Path, env: dict[str, str], conninfo: str) -> None:
        self.workdir = workdir
        self.env = env
        self.conninfo = conninfo
        self.processes: list[subprocess.Popen[bytes]] = []
        self.logs: list[Path] = []

    def start(self, count: int) -> None:
        for number in range(count):
            log = self.workdir / f"process-{number}.log"
            self.logs.append(log)
            with log.open("wb") as out:
                self.processes.append(
                    subprocess.Popen(
                        [*_newsbot(), "run", "--fleet"],
                        cwd=self.workdir,
                        env=self.env,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                    )
                )

    def leader_pid(self) -> int | None:
        """The process holding the leader lock, from PostgreSQL's own view of the locks."""
        with psycopg.connect(self.conninfo, autocommit=True) as connection:
            row = connection.execute(
                "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a USING (pid)"
                " WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0"
                " AND l.objid = %s AND a.application_name LIKE %s"
                # Advisory locks are per database: another test's fleet on this server holds
                # the same key in its own database.
                " AND l.database ="
                " (SELECT oid FROM pg_database WHERE datname = current_database())",
                (LEADER_LOCK, f"{APPLICATION_NAME}:%"),
            ).fetchone()
        return int(row[0].rsplit(":", 1)[1]) if row else None

    def alive(self) -> list[subprocess.Popen[bytes]]:
        return [process for process in self.processes if process.poll() is None]

    def stop(self) -> list[int | None]:
        for process in self.alive():
            process.send_signal(signal.SIGTERM)
        codes = []
        for process in self.processes:
            try:
                codes.append(process.wait(timeout=40))
            except subprocess.TimeoutExpired:
                process.kill()
                codes.append(None)
        return codes

    def tails(self) -> str:
        parts = []
        for log in self.logs:
            text = log.read_text(errors="replace") if log.exists() else ""
            parts.append(f"--- {log.name} ---\n" + "\n".join(text.splitlines()[-40:]))
        return "\n".join(parts)


@pytest.fixture
def database_url() -> Iterator[str]:
    with fresh_postgres_database() as url:
        yield url


def test_three_processes_share_feeds_and_the_telegram_budget(
    tmp_path: Path, database_url: str
) -> None:
    rules_dir, seeds_dir = tmp_path / "rules", tmp_path / "seeds"
    rules_dir.mkdir()
    seeds_dir.mkdir()
    (rules_dir / "oil.yaml").write_text(RULES)
    clock = FeedClock()
    with BotApiDouble() as api, FeedServer() as feeds:
        lines = ["feeds:"]
        for number in range(FEEDS):
            feeds.route(f"/feed/{number}", clock.reply)
            lines += [f"  - name: feed-{number}", f"    url: {feeds.url(f'/feed/{number}')}"]
            lines.append(f"    interval: {int(INTERVAL)}s")
        (tmp_path / "feeds.yaml").write_text("\n".join(lines) + "\n")
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("NEWSBOT_") and key != "TELEGRAM_BOT_TOKEN"
        }
        env.update(
            TELEGRAM_BOT_TOKEN=api.token,
            NEWSBOT_TELEGRAM_API_URL=api.url,
            NEWSBOT_DATABASE_URL=database_url,
            NEWSBOT_RULES_DIR=str(rules_dir),
            NEWSBOT_SEEDS_DIR=str(seeds_dir),
            NEWSBOT_FEEDS_FILE=str(tmp_path / "feeds.yaml"),
        )
        fleet = Fleet(tmp_path, env, database_url)
        try:
            _run(fleet, api, clock, seeds_dir, database_url)
        except BaseException:
            print(fleet.tails())
            raise
        finally:
            codes = fleet.stop()
        survivors = [
            code for process, code in zip(fleet.processes, codes, strict=True) if code != -9
        ]
        assert survivors == [0] * (PROCESSES - 1), fleet.tails()


def _run(
    fleet: Fleet, api: BotApiDouble, clock: FeedClock, seeds_dir: Path, database_url: str
) -> None:
    fleet.start(PROCESSES)
    _until(lambda: api.count("getUpdates") > 0, 90, "a leader polling for updates")
    assert len(fleet.alive()) == PROCESSES, "a process died at start"

    # 100 chats subscribe through Telegram, 100 more are in the database already.
    for chat_id in CHATS_BY_COMMAND:
        api.push_update(api.command(chat_id, "/subscribe oil"))
    engine = open_database(database_url)
    with engine.begin() as connection:
        for chat_id in CHATS_BY_ROW:
            remember_chat(connection, chat_id, "private")
            subscribe(connection, chat_id, TOPIC, ["oil"])
    engine.dispose()
    _until(
        lambda: all(api.answers_to(chat_id) for chat_id in CHATS_BY_COMMAND),
        90,
        "an answer to every /subscribe",
    )

    def alerts() -> Counter[int]:
        return Counter(m["chat_id"] for m in api.messages() if MARK in m["text"])

    everyone = set(CHATS_BY_COMMAND) | set(CHATS_BY_ROW)
    (seeds_dir / "tanker.md").write_text(SEED)
    _until(lambda: len(alerts()) >= ALERT_BEFORE_KILL, 60, "the broadcast to begin")
    leader = fleet.leader_pid()
    assert leader is not None and leader in {p.pid for p in fleet.processes}
    os.kill(leader, signal.SIGKILL)
    killed_at = len(alerts())
    assert killed_at < len(everyone), "the broadcast ended before the kill: nothing was tested"

    _until(lambda: set(alerts()) >= everyone, 120, "every chat to get the alert")
    _until(lambda: fleet.leader_pid() not in (None, leader), 30, "a new leader")
    assert len(fleet.alive()) == PROCESSES - 1
    counts = alerts()
    assert set(counts) == everyone
    repeated = sum(count - 1 for count in counts.values())
    assert repeated <= IN_FLIGHT_BOUND, f"{repeated} alerts sent twice"
    # No chat or group ever got two messages within its limit.
    per_chat = [broken for broken in api.broken_limits if not broken.startswith("overall")]
    assert not per_chat, f"chat limits broken by the fleet: {per_chat}"
    # The overall 30/s: the limiter spaces sends at 97 % of it, but the double stamps each
    # request when its handler thread runs, and with three bot processes and PostgreSQL on
    # two cores its process is starved for tens of milliseconds, then reads several queued
    # requests at once (`overall: 31 in 1s`, a few per run, most while 100 /subscribe
    # answers leave). A 429 is waited out and every chat was served above: rare is the bar.
    assert api.violations <= len(everyone) // 20, (
        f"{api.violations} limits broken by the fleet: {api.broken_limits}"
    )
    print(f"killed the leader after {killed_at} alerts; {repeated} sent twice")

    # Feeds: polled once per interval by the whole fleet (three processes, one poll).
    _until(lambda: clock.first() is not None, 60, "the first feed poll")
    first = clock.first()
    assert first is not None
    _until(lambda: time.monotonic() > first + FEED_WINDOW, FEED_WINDOW + 30, "the feed window")
    times = clock.snapshot()
    assert sorted(times) == sorted(f"/feed/{n}" for n in range(FEEDS))
    short_gaps = {
        path: [round(b - a, 1) for a, b in itertools.pairwise(polls) if b - a < 28]
        for path, polls in times.items()
    }
    short_gaps = {path: gaps for path, gaps in short_gaps.items() if gaps}
    # One poll may have been in flight in the killed process: its job is retried, once.
    assert len(short_gaps) <= 1 and all(len(g) == 1 for g in short_gaps.values()), short_gaps
    print("polls per feed:", sorted(Counter(len(p) for p in times.values()).items()))
    for path, polls in times.items():
        in_window = [t for t in polls if t <= first + FEED_WINDOW]
        assert 2 <= len(in_window) <= 3 + (path in short_gaps), (path, len(in_window))
