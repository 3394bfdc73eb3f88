"""Matching speed: articles per second with 10 to 100,000 rules on real articles.

Reads ../shared/corpus/en-news.tar.gz in place with the reader `match` and `backtest` use,
timing reading and text analysis on one core, then generates rules from the corpus's own
words and times `RuleBook.match` (automaton pass, candidate rules, evaluation) over every
article. Pin it to one core on a shared machine:

    taskset -c 1 .venv/bin/python bench/match.py [--articles N] [--runs R] [--sizes 10,10000]
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.article import Article  # noqa: E402
from bot.cli.corpus_reading import read_items  # noqa: E402
from bot.rules import RuleBook, compile_rules  # noqa: E402
from bot.rules.analysis import words  # noqa: E402
from bot.rules.engine import article_streams  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "en-news.tar.gz"
TARGET_RATE = 20_000  # at 10,000 rules
TARGET_RATIO = 1.5  # cost at 10,000 rules over cost at 10 (issue 27)
TARGET_LARGE = 10_000  # at 100,000 rules
TARGET_READING = 5_000  # articles read and analysed a second, one core
SIZES = (10, 1_000, 10_000, 100_000)


def main() -> int:
    """Run the benchmark and print the figures beside the targets."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=0, help="use only the first N (0 = all)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per size (median kept)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--sizes", default=",".join(map(str, SIZES)), help="rule counts, comma-separated"
    )
    args = parser.parse_args()
    sizes = tuple(int(size) for size in args.sizes.split(","))
    if not CORPUS.exists():
        print(f"skipped: {CORPUS} not found (the corpus sits beside the project's checkout)")
        return 0
    articles = _load(CORPUS, args.articles)
    chars = sum(len(a.title) + len(a.summary) + len(a.body) for a in articles) / len(articles)
    print(f"mean text per article: {chars:,.0f} characters")
    vocabulary = _vocabulary(articles)
    begin = time.perf_counter()
    analysed = [article_streams(article) for article in articles]
    took = time.perf_counter() - begin
    print(
        f"text analysis alone (once per article, rule-independent): {len(articles) / took:,.0f}/s"
    )
    rates: dict[int, float] = {}
    for size in sizes:
        book = _book(size, vocabulary, random.Random(args.seed))
        matched = sum(len(book.match(article)) for article in articles)  # warm-up
        full, only = [], []
        for _ in range(args.runs):
            begin = time.perf_counter()
            for article in articles:
                book.match(article)
            full.append(time.perf_counter() - begin)
            begin = time.perf_counter()
            for article, streams in zip(articles, analysed, strict=True):
                book.match(article, streams)
            only.append(time.perf_counter() - begin)
        rates[size] = len(articles) / statistics.median(only)
        whole = len(articles) / statistics.median(full)
        print(
            f"{size:>6} rules: {rates[size]:>9,.0f} articles/s matching+evaluation, "
            f"{whole:>7,.0f} articles/s with text analysis; "
            f"{matched / len(articles):.2f} matches/article"
        )
    if 10 in rates and 10_000 in rates:
        ratio = rates[10] / rates[10_000]
        verdict = "ok" if ratio <= TARGET_RATIO and rates[10_000] >= TARGET_RATE else "MISSED"
        print(
            f"cost ratio 10,000:10 rules = {ratio:.2f} (target <= {TARGET_RATIO}); "
            f"10,000 rules at {rates[10_000]:,.0f}/s (target >= {TARGET_RATE:,}): {verdict}"
        )
    if 100_000 in rates:
        verdict = "ok" if rates[100_000] >= TARGET_LARGE else "MISSED"
        print(f"100,000 rules at {rates[100_000]:,.0f}/s (target >= {TARGET_LARGE:,}): {verdict}")
    return 0


def _load(archive: Path, limit: int) -> list[Article]:
    """The archive's articles, read in place; prints the reading and analysis rate."""
    articles: list[Article] = []
    wall, cpu = time.perf_counter(), time.process_time()
    for item in read_items([archive]):
        if item.article is None:
            continue
        articles.append(item.article)
        article_streams(item.article)  # the analysis every match starts from
        if limit and len(articles) >= limit:
            break
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    verdict = "ok" if len(articles) / wall >= TARGET_READING else "MISSED"
    print(
        f"{len(articles)} articles read from the archive and analysed: "
        f"{len(articles) / wall:,.0f}/s ({len(articles) / cpu:,.0f}/s of CPU time), one core "
        f"(target >= {TARGET_READING:,}): {verdict}"
    )
    return articles


class _Vocabulary:
    """Words, word pairs and tickers of the corpus, by how many articles hold them."""

    def __init__(self, words: list[str], pairs: list[str], tickers: list[str]) -> None:
        self.words, self.pairs, self.tickers = words, pairs, tickers


def _vocabulary(articles: list[Article]) -> _Vocabulary:
    word_df: Counter[str] = Counter()
    pair_df: Counter[str] = Counter()
    ticker_df: Counter[str] = Counter()
    for article in articles:
        found = words(f"{article.title} {article.summary} {article.body}")
        word_df.update(set(found))
        pair_df.update({f"{a} {b}" for a, b in itertools.pairwise(found)})
        ticker_df.update(article.tickers)
    count = len(articles)
    # Rules name things, not stop words: keep terms found in 0.02%-0.1% of articles, as an
    # operator's keywords (names, places, products) are.
    low, high = max(2, count // 5000), max(3, count // 1000)

    def usable(counter: Counter[str]) -> list[str]:
        return sorted(
            term
            for term, df in counter.items()
            if low <= df <= high and not term.replace(" ", "").isdigit()
        )

    return _Vocabulary(
        usable(word_df),
        usable(pair_df),
        sorted(t for t, df in ticker_df.items() if low <= df <= high),
    )


def _term(vocabulary: _Vocabulary, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.45:
        return rng.choice(vocabulary.words)
    if roll < 0.75:
        return rng.choice(vocabulary.pairs)
    if roll < 0.9:
        word = rng.choice(
            [w for w in rng.sample(vocabulary.words, 20) if len(w) >= 7] or ["sanction"]
        )
        return word[:-1] + "*"
    return (
        "$" + rng.choice(vocabulary.tickers) if vocabulary.tickers else rng.choice(vocabulary.words)
    )


def _rule(index: int, vocabulary: _Vocabulary, rng: random.Random) -> dict[str, object]:
    rule: dict[str, object] = {"name": f"r{index}"}
    shape = rng.random()
    if shape < 0.4:
        rule["any"] = [_term(vocabulary, rng) for _ in range(rng.randint(1, 4))]
    elif shape < 0.8:
        rule["all"] = [_term(vocabulary, rng) for _ in range(2)]
    else:
        rule["all"] = [
            {"any": [_term(vocabulary, rng) for _ in range(3)]},
            _term(vocabulary, rng),
        ]
        rule["none"] = [_term(vocabulary, rng)]
    return rule


def _book(size: int, vocabulary: _Vocabulary, rng: random.Random) -> RuleBook:
    per_file = 100
    texts = {}
    for start in range(0, size, per_file):
        rules = [_rule(i, vocabulary, rng) for i in range(start, min(size, start + per_file))]
        texts[f"bench/t{start // per_file:04d}.yaml"] = yaml.safe_dump({"rules": rules})
    begin = time.perf_counter()
    book, problems = compile_rules(texts)
    if problems:
        raise SystemExit(f"generated rules have problems: {problems[:3]}")
    print(f"{size:>6} rules compiled in {time.perf_counter() - begin:.2f}s", end="; ")
    return book


if __name__ == "__main__":
    raise SystemExit(main())
