"""Latency bench: a seed file written to the watched folder, to `sendMessage` at the Bot API.

Run: .venv/bin/python bench/latency.py [--files 50] [--gap 0.25] [--database-url URL]
Target (issue 16): p50 under 30 ms, p99 under 100 ms (the product spec asks 200 ms and 1 s).

`newsbot run` runs as a real process against the Bot API double (served from this process).
Ten chats each follow one of ten topics; file i is an article of topic i % 10, so no chat
gets more than Telegram's one message a second and the rate limits never hide the latency.
Stories are off (the files of a topic would be one story, later files edits of its alert);
the story stage's own cost is timed by bench/stories.py.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.bot_api_double import BotApiDouble
from tests.support.workspace import seed_text, topic_yaml

ROOT = Path(__file__).resolve().parents[1]
TOPICS = 10
# Issue 16 tightened the product spec's 200 ms and 1 s.
P50_TARGET, P99_TARGET = 0.030, 0.100


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
            for number in range(options.files):
                marker = f"bench{number:03d}"
                text = seed_text(
                    f"keyword{number % TOPICS} moves markets, {marker}",
                    f"https://example.com/bench/{marker}",
                )
                path = seeds / f"{marker}.md"
                with path.open("w") as file:
                    file.write(text)
                written[marker] = time.monotonic()
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
        return 0 if p50 <= P50_TARGET and p99 <= P99_TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
