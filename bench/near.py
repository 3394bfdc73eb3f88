"""`NEAR` watches over common words on the corpus's longest articles (issue 28, point 6).

Reads ../shared/corpus/en-news.tar.gz in place, keeps the longest articles, and times, as
medians of `--runs` on one core:

- one `NEAR/50(...)` over the costliest pair of the 20 commonest words, on the longest article;
- 1,000 of them (20 watches x 50 chats, the limits), pairs of the 40 commonest words, on the
  longest article and on each of the `--articles` longest (median and worst);
- one `NEAR/50` whose items occur thousands of times but never within 50 words (generated).

Run: taskset -c 1 .venv/bin/python bench/near.py [--articles N] [--runs R]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.article import Article  # noqa: E402
from bot.cli.corpus_reading import read_items  # noqa: E402
from bot.rules.analysis import words  # noqa: E402
from bot.rules.engine import article_streams  # noqa: E402
from bot.rules.watches import WatchBook, compile_watches  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "en-news.tar.gz"
CHATS, PER_CHAT = 50, 20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=50, help="longest articles timed")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if not CORPUS.exists():
        print(f"skipped: {CORPUS} not found (the corpus sits beside the project's checkout)")
        return 0
    longest = _longest(args.articles)
    top = longest[0]
    common = [word for word, _ in Counter(words(top.body)).most_common(40)]
    print(f"longest article: {len(top.body):,} characters; commonest words: {common[:6]}")

    pairs = [(a, b) for a in common[:20] for b in common[:20] if a < b]
    quick = argparse.Namespace(runs=1)
    costs = {
        pair: _median(_book({(1, "near"): "NEAR/50({} {})".format(*pair)}), top, quick)
        for pair in pairs
    }
    slowest = max(costs, key=costs.__getitem__)
    one = _book({(1, "near"): "NEAR/50({} {})".format(*slowest)})
    print(
        f"one NEAR/50({' '.join(slowest)}), the costliest pair of the 20 commonest words, "
        f"longest article: {_median(one, top, args):.2f} ms "
        f"(median over the {len(pairs)} pairs: {statistics.median(costs.values()):.2f} ms)"
    )

    # Both items frequent, never within 50 words: every window start is looked at.
    body = "alpha filler " * 3_000 + "x " * 60 + "crude oil filler " * 3_000
    miss = Article(id="miss", title="", body=body)
    apart = _book({(1, "near"): 'NEAR/50(alpha "crude oil")'})
    print(
        f"one NEAR/50 that never holds, generated {len(body):,}-character article with 3,000 "
        f"occurrences of each item: {_median(apart, miss, args):.2f} ms"
    )

    queries = {}
    for index in range(CHATS * PER_CHAT):
        first, second = common[index % 40], common[(index * 7 + 3) % 40]
        if first == second:
            second = common[(index + 1) % 40]
        queries[(index // PER_CHAT, f"w{index % PER_CHAT}")] = f"NEAR/50({first} {second})"
    many = _book(queries)
    print(f"{len(queries):,} NEAR/50 watches, longest article: {_median(many, top, args):.1f} ms")
    costs = [_median(many, article, args) for article in longest]
    print(
        f"{len(queries):,} NEAR/50 watches, the {len(longest)} longest articles: "
        f"median {statistics.median(costs):.1f} ms, worst {max(costs):.1f} ms an article"
    )
    return 0


def _longest(count: int) -> list[Article]:
    found = [item.article for item in read_items([CORPUS]) if item.article is not None]
    return sorted(found, key=lambda article: len(article.body), reverse=True)[:count]


def _book(queries: dict[tuple[int, str], str]) -> WatchBook:
    book, bad = compile_watches(queries, {})
    assert not bad, bad
    return WatchBook(book)


def _median(book: WatchBook, article: Article, args: argparse.Namespace) -> float:
    """Milliseconds to match the article, its text analysed beforehand as the runtime does."""
    streams = article_streams(article)
    times = []
    for _ in range(args.runs):
        started = time.perf_counter()
        book.match(article, streams)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


if __name__ == "__main__":
    raise SystemExit(main())
