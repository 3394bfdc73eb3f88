"""Entity finding speed: microseconds an article, on real articles, at the shipped size.

Reads ../shared/corpus/en-news.tar.gz in place with the reader `match` uses, then times
`EntityFinder.find` (boilerplate cut, one folding of the fields joined, one Hyperscan pass)
and the whole of `article_moves` (with instrument ranking) per article. Target: 50 µs an article
on average. Pin it to one core on a shared machine:

    taskset -c 1 .venv/bin/python bench/entities.py [--articles N] [--repeat R]
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.cli.corpus_reading import read_items  # noqa: E402
from bot.knowledge.finder import BODY_CAP, shipped_finder  # noqa: E402
from bot.knowledge.instruments import article_moves  # noqa: E402
from bot.rules.analysis import word_stream  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "en-news.tar.gz"
TARGET_US = 50.0


def main() -> None:
    """Print median and mean microseconds an article beside the target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="time each article R times and keep the fastest: the machine is shared, and a "
        "preempted run measures the neighbours, not the code",
    )
    args = parser.parse_args()
    started = time.perf_counter()
    finder = shipped_finder()
    built = time.perf_counter() - started
    articles = [
        item.article
        for item in itertools.islice(read_items([CORPUS]), args.articles)
        if item.article is not None
    ]
    entities = len(finder.knowledge.entities)
    print(f"{len(articles)} articles; {entities} entities, loaded and compiled in {built:.2f} s")
    # `streams` is the project's text folding alone (bot/rules/analysis.py) over the same
    # text: the floor any finder built on it pays.
    for label, run in (
        ("streams", lambda a: [word_stream(t) for t in (a.title, a.summary, a.body[:BODY_CAP])]),
        ("find", lambda a: finder.find(a.title, a.summary, a.body)),
        ("find+rank", lambda a: article_moves(a, finder)),
    ):
        for article in articles[:200]:  # warm caches and scratch space
            run(article)
        times = []
        clock = time.perf_counter_ns
        for article in articles:
            best = None
            for _ in range(args.repeat):
                start = clock()
                run(article)
                took = clock() - start
                best = took if best is None else min(best, took)
            times.append((best or 0) / 1000)
        median, mean = statistics.median(times), statistics.fmean(times)
        p95 = statistics.quantiles(times, n=20)[-1]
        verdict = "ok" if mean <= TARGET_US else "OVER"
        print(
            f"{label:<10} median {median:6.1f} µs  mean {mean:6.1f} µs  p95 {p95:6.1f} µs"
            f"  (target: mean <= {TARGET_US:.0f} µs) {verdict}"
        )


if __name__ == "__main__":
    main()
