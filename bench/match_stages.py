"""Where matching time goes: CPU microseconds per article for each stage of `RuleBook.match`.

Uses bench/match.py's generated rule books over the archive's articles and times, with CPU
time (what a busy shared machine inflates least): the Hyperscan key pass over the three
word streams, the RE2 regex sets, gathering the candidate rules, and deciding them (the
rest of `match`: evaluation and the `Match` records).

    taskset -c 1 .venv/bin/python bench/match_stages.py [--articles N] [--sizes 10,10000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from match import CORPUS, _book, _load, _vocabulary  # noqa: E402

from bot.article import Article  # noqa: E402
from bot.rules import RuleBook  # noqa: E402
from bot.rules.analysis import FIELD_CAP  # noqa: E402
from bot.rules.engine import article_streams  # noqa: E402


def main() -> int:
    """Print the microseconds per article of each stage, per rule-book size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", default="10,10000,100000")
    args = parser.parse_args()
    if not CORPUS.exists():
        print(f"skipped: {CORPUS} not found")
        return 0
    articles = _load(CORPUS, args.articles)
    vocabulary = _vocabulary(articles)
    pairs = [(article, article_streams(article)) for article in articles]
    for size in (int(s) for s in args.sizes.split(",")):
        book = _book(size, vocabulary, random.Random(7))
        print(f"{size:,} rules")
        _stages(book, pairs, args.runs)
    return 0


def _stages(book: RuleBook, pairs: list[tuple[Article, tuple[str, str, str]]], runs: int) -> None:
    finder, regexes = book._automaton, book._regexes  # a bench looks inside
    contexts = [book.analyse(article, streams) for article, streams in pairs]

    def keys() -> None:
        for _, streams in pairs:
            finder.find(streams[0]), finder.find(streams[1]), finder.find(streams[2])

    def regex() -> None:
        if regexes is not None:
            for article, _ in pairs:
                for text in (article.title, article.summary, article.body):
                    regexes.find(text[:FIELD_CAP])

    def candidates() -> None:
        for ctx in contexts:
            book.candidates(ctx)

    def whole() -> None:
        for article, streams in pairs:
            book.match(article, streams)

    timed = {name: _cpu(run, runs) / len(pairs) * 1e6 for name, run in _named(locals()).items()}
    deciding = timed["whole"] - timed["keys"] - timed["regex"] - timed["candidates"]
    mean_candidates = statistics.mean(len(book.candidates(ctx)) for ctx in contexts)
    print(
        f"  key pass {timed['keys']:.1f} us, regexes {timed['regex']:.1f} us, candidates "
        f"{timed['candidates']:.1f} us ({mean_candidates:.1f} a article), deciding them "
        f"{deciding:.1f} us; match in all {timed['whole']:.1f} us "
        f"({1e6 / timed['whole']:,.0f} articles/s of CPU time)"
    )


def _named(scope: dict[str, object]) -> dict[str, Callable[[], None]]:
    return {name: scope[name] for name in ("keys", "regex", "candidates", "whole")}  # type: ignore[misc]


def _cpu(run: Callable[[], None], runs: int) -> float:
    times = []
    for _ in range(runs):
        begin = time.process_time()
        run()
        times.append(time.process_time() - begin)
    return statistics.median(times)


if __name__ == "__main__":
    raise SystemExit(main())
