"""Latency bench: a seed file written to the watched folder, to `sendMessage` at the Bot API.

Run: .venv/bin/python bench/latency.py [--files 50] [--gap 0.25] [--database-url URL]
Target (issue 27): p50 under 15 ms, p99 under 50 ms (issue 16 asked 30 and 100 ms, the
product spec 200 ms and 1 s).

Where the time goes: the bot's JSON log says when each article was ingested (matched, stored,
its deliveries written and the sender woken), which splits each file's latency in two; the
stages before that are then timed one by one in this process on the same files (the file
event, read, parse, analysis, match, store), and what they leave of the first half is the
hand-offs between the watcher, the worker threads and the event loop.

`newsbot run` runs as a real process against the Bot API double (served from this process).
Ten chats each follow one of ten topics; file i is an article of topic i % 10, so no chat
gets more than Telegram's one message a second and the rate limits never hide the latency.
Stories are off (the files of a topic would be one story, later files edits of its alert);
the story stage's own cost is timed by bench/stories.py.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.pipeline import FixedRules, build_ingest
from bot.rules import load_rulebook
from bot.rules.analysed import analyse_article
from bot.runtime.file_events import watch_files
from bot.runtime.seed_intake import SEED_STEP_MS
from bot.sources.seeds import SEED_SUFFIXES, parse_seed
from bot.storage import subscriptions
from bot.storage.db import open_database
from tests.support.bot_api_double import BotApiDouble
from tests.support.workspace import seed_text, topic_yaml

ROOT = Path(__file__).resolve().parents[1]
TOPICS = 10
# Issue 27 tightened issue 16's 30 ms and 100 ms (the product spec's 200 ms and 1 s).
P50_TARGET, P99_TARGET = 0.015, 0.050
_T = TypeVar("_T")
EVENT_GAP = 0.05  # seconds between two files when timing the file event alone


def _wait(condition, what: str, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.005)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def main() -> int:
    """Start the bot, subscribe ten chats, write the files one by one, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=50)
    parser.add_argument("--gap", type=float, default=0.25, help="seconds between two files")
    parser.add_argument("--database-url", default=None, help="default: a SQLite file")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="newsbot-latency-") as tmp, BotApiDouble() as api:
        root = Path(tmp)
        rules, seeds = root / "rules", root / "seeds"
        rules.mkdir()
        seeds.mkdir()
        for topic in range(TOPICS):
            (rules / f"topic{topic}.yaml").write_text(
                topic_yaml(f"Topic {topic}", [f"keyword{topic}"])
            )
        (root / "feeds.yaml").write_text("feeds: []\n")
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("NEWSBOT_", "TELEGRAM_"))},
            "TELEGRAM_BOT_TOKEN": api.token,
            "NEWSBOT_TELEGRAM_API_URL": api.url,
            "NEWSBOT_DATABASE_URL": options.database_url or f"sqlite:///{root / 'bench.db'}",
            "NEWSBOT_RULES_DIR": str(rules),
            "NEWSBOT_SEEDS_DIR": str(seeds),
            "NEWSBOT_FEEDS_FILE": str(root / "feeds.yaml"),
            # Files of one topic share a template, so stories would fold them into edits of
            # one alert: each file is timed as an alert of its own (assign() costs ~1 ms).
            "NEWSBOT_STORIES": "false",
            "NEWSBOT_LOG_FORMAT": "json",  # millisecond times: when each article was ingested
        }
        log = (root / "bot.log").open("wb")
        bot = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "newsbot"), "run"], env=env, cwd=root, stderr=log
        )
        try:
            _wait(lambda: api.count("getUpdates") > 0, "the bot to poll Telegram")
            for topic in range(TOPICS):
                api.push_update(api.command(1000 + topic, f"/subscribe topic{topic}"))
            _wait(lambda: len(api.messages()) >= TOPICS, "the /subscribe answers")
            time.sleep(1.1)  # each chat's answer used its one message of this second

            written: dict[str, float] = {}
            written_wall: dict[str, float] = {}
            for number in range(options.files):
                marker = f"bench{number:03d}"
                path = seeds / f"{marker}.md"
                with path.open("w") as file:
                    file.write(_text(number))
                written[marker] = time.monotonic()
                written_wall[marker] = time.time()
                time.sleep(options.gap)
            _wait(lambda: len(api.messages()) >= TOPICS + options.files, "every alert", 30)
        finally:
            bot.terminate()
            bot.wait(15)
            log.close()

        received: dict[str, float] = {}
        for request in api.requests:
            if request.method == "sendMessage" and request.status == 200:
                text = str(request.params.get("text", ""))
                for marker in written:
                    if marker in text:
                        received.setdefault(marker, request.at)
        latencies = [received[marker] - at for marker, at in written.items()]
        p50, p99 = statistics.median(latencies), _percentile(latencies, 0.99)
        print(f"seed file written -> sendMessage received, {len(latencies)} files:")
        print(f"  p50 {p50 * 1000:7.1f} ms   (target <= {P50_TARGET * 1000:.0f} ms)")
        print(f"  p99 {p99 * 1000:7.1f} ms   (target <= {P99_TARGET * 1000:.0f} ms)")
        print(f"  min {min(latencies) * 1000:7.1f} ms, max {max(latencies) * 1000:7.1f} ms")
        print(f"  429s from the double: {api.violations}")
        ingested = _ingested_at(root / "bot.log")
        to_ingest = [ingested[m] - written_wall[m] for m in written if m in ingested]
        to_send = [
            latency - (ingested[m] - written_wall[m])
            for m, latency in zip(written, latencies, strict=True)
            if m in ingested
        ]
        _breakdown(root, options.files, to_ingest, to_send)
        return 0 if p50 <= P50_TARGET and p99 <= P99_TARGET else 1


def _text(number: int) -> str:
    marker = f"bench{number:03d}"
    return seed_text(
        f"keyword{number % TOPICS} moves markets, {marker}", f"https://example.com/bench/{marker}"
    )


def _ingested_at(log: Path) -> dict[str, float]:
    """When the bot logged each bench file's article as new (after its ingest), epoch seconds."""
    found: dict[str, float] = {}
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        if not line.startswith("{"):
            continue
        entry = json.loads(line)
        event = str(entry.get("event", ""))
        if event.startswith("new article from") and "bench" in event:
            marker = event.split("/")[-1].split(".md")[0]
            found[marker] = datetime.fromisoformat(entry["time"]).timestamp()
    return found


def _breakdown(root: Path, files: int, to_ingest: list[float], to_send: list[float]) -> None:
    """Print the medians of each stage before the ingest ends, timed here, and after it."""
    stages = _stages(root, files)
    before = sum(statistics.median(times) for times in stages.values())
    ingest_p50 = statistics.median(to_ingest)
    print(f"where the time goes (medians over {files} files, ms):")
    print(f"  written -> ingested, from the bot's log  {ingest_p50 * 1000:7.2f}")
    for name, times in stages.items():
        print(f"    {name:<36} {statistics.median(times) * 1000:7.2f}")
    print(f"    {'hand-offs (threads, event loop)':<36} {(ingest_p50 - before) * 1000:7.2f}")
    print(
        f"  ingested -> sendMessage (claim, render, send) {statistics.median(to_send) * 1000:5.2f}"
    )
    print("  (log times are whole milliseconds; stages timed in this process, same files)")


def _stages(root: Path, files: int) -> dict[str, list[float]]:
    """Each stage up to the ingest timed alone over the bench's files, in seconds."""
    times: dict[str, list[float]] = {"file event (watcher, debounce)": _file_events(root, files)}
    book, _ = load_rulebook(root / "rules")
    engine = open_database(f"sqlite:///{root / 'stages.db'}")
    with engine.begin() as connection:
        for topic in range(TOPICS):
            subscriptions.remember_chat(connection, 1000 + topic, "private")
            subscriptions.subscribe(
                connection, 1000 + topic, subscriptions.TOPIC, [f"topic{topic}"]
            )
    ingest = build_ingest(engine, FixedRules(book))
    folder = root / "stages"
    folder.mkdir()
    for name in ("read", "parse", "analysis", "match", "store (record, ledger)"):
        times[name] = []
    for number in range(files):
        path = folder / f"stage{number:03d}.md"
        path.write_text(_text(number).replace("bench", "stage"))
        data = _timed(times["read"], path.read_bytes)
        article = _timed(times["parse"], partial(parse_seed, data, origin=str(path)))
        analysed = _timed(times["analysis"], partial(analyse_article, article))
        _timed(times["match"], partial(book.match, article, analysed.streams))
        whole: list[float] = []
        _timed(whole, partial(ingest, [article]))
        # The ingest analyses and matches too: what is left is the database's part.
        times["store (record, ledger)"].append(
            whole[0] - times["analysis"][-1] - times["match"][-1]
        )
    engine.dispose()
    return times


def _timed(into: list[float], step: Callable[[], _T]) -> _T:
    began = time.perf_counter()
    result = step()
    into.append(time.perf_counter() - began)
    return result


def _file_events(root: Path, files: int) -> list[float]:
    """From a file's write to the watcher's batch, with the seed intake's debounce step."""
    folder = root / "events"
    folder.mkdir()
    seen: dict[Path, float] = {}

    async def run() -> list[float]:
        stop = asyncio.Event()

        async def batch(changed: set[Path], _deleted: set[Path]) -> None:
            for path in changed:
                seen.setdefault(path, time.perf_counter())

        watcher = asyncio.create_task(
            watch_files(folder, SEED_SUFFIXES, batch, stop, step_ms=SEED_STEP_MS)
        )
        await asyncio.sleep(0.5)  # the watcher is up
        delays = []
        for number in range(files):
            path = folder / f"event{number:03d}.md"
            path.write_text(_text(number))
            began = time.perf_counter()
            while path not in seen and time.perf_counter() - began < 5:
                await asyncio.sleep(0.0005)
            delays.append(seen.get(path, time.perf_counter()) - began)
            await asyncio.sleep(EVENT_GAP)
        stop.set()
        await watcher
        return delays

    return asyncio.run(run())


if __name__ == "__main__":
    raise SystemExit(main())
