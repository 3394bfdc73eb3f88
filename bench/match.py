"""Matching speed: articles per second with 10 to 100,000 rules on real articles.

Reads ../shared/corpus/en-news.tar.gz in place with the reader `match` and `backtest` use,
timing reading and text analysis on one core, then generates rules from the corpus's own
words and times `RuleBook.match` (automaton pass, candidate rules, evaluation) over every
article. Pin it to one core on a shared machine:

    taskset -c 1 .venv/bin/python bench/match.py [--articles N] [--runs R] [--sizes 10,10000]

`--archive 10000,100000` also times `newsbot match --json` over the whole archive with that
many generated rules (a fresh process, `--jobs`: reading and parsing use every core, the
matching one), against a plain-Python reading floor measured in the same run: the archive
read, each member's front matter parsed by PyYAML's C loader, its text folded and split.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import random
import statistics
import subprocess
import sys
import tarfile
import tempfile
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
# Whole-archive `newsbot match --json` over the reading floor, by rule count (issue 27).
TARGET_ARCHIVE = {10_000: 2.0, 100_000: 3.0}
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
    parser.add_argument(
        "--archive", default="", help="rule counts for the whole-archive run (e.g. 10000,100000)"
    )
    parser.add_argument(
        "--jobs", type=int, default=0, help="`newsbot match --jobs` (0: one per core)"
    )
    args = parser.parse_args()
    sizes = tuple(int(size) for size in args.sizes.split(",") if size)
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
    for size in (int(size) for size in args.archive.split(",") if size):
        _archive(size, vocabulary, random.Random(args.seed), args.jobs)
    return 0


def _archive(size: int, vocabulary: _Vocabulary, rng: random.Random, jobs: int) -> None:
    """Whole-archive `newsbot match --json` with generated rules, against the reading floor."""
    floor = _reading_floor(CORPUS)
    with tempfile.TemporaryDirectory(prefix="newsbot-match-bench-") as folder:
        for name, text in _texts(size, vocabulary, rng).items():
            (Path(folder) / Path(name).name).write_text(text, encoding="utf-8")
        command = [sys.executable, "-m", "bot", "match", str(CORPUS), "--json"]
        command += ["--rules", folder, "--jobs", str(jobs)]
        began = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        took = time.perf_counter() - began
    ratio, target = took / floor, TARGET_ARCHIVE.get(size)
    verdict = "" if target is None else ("ok" if ratio <= target else "MISSED")
    print(
        f"whole archive, {size:,} rules: `newsbot match --json --jobs {jobs}` {took:.1f}s "
        f"(rules compiled in the process), reading floor {floor:.1f}s on one core: "
        f"{ratio:.1f}x (target <= {target}x) {verdict}"
    )


def _reading_floor(archive: Path) -> float:
    """Seconds to read the archive, parse each member's front matter, fold and split its text."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    began = time.perf_counter()
    with tarfile.open(archive) as tar:
        for member in tar:
            handle = tar.extractfile(member) if member.isfile() else None
            if handle is None:
                continue
            text = handle.read().decode("utf-8", "replace")
            front, _, body = (
                text[3:].partition("\n---") if text.startswith("---") else ("", "", text)
            )
            with contextlib.suppress(yaml.YAMLError):  # a member `match` reports as broken
                yaml.load(front, Loader=loader)  # a safe loader: CSafeLoader or SafeLoader
            body.casefold().split()
    return time.perf_counter() - began


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


def _texts(size: int, vocabulary: _Vocabulary, rng: random.Random) -> dict[str, str]:
    """Rule files of `size` generated rules, 100 a file."""
    per_file = 100
    texts = {}
    for start in range(0, size, per_file):
        rules = [_rule(i, vocabulary, rng) for i in range(start, min(size, start + per_file))]
        texts[f"bench/t{start // per_file:04d}.yaml"] = yaml.safe_dump({"rules": rules})
    return texts


def _book(size: int, vocabulary: _Vocabulary, rng: random.Random) -> RuleBook:
    texts = _texts(size, vocabulary, rng)
    begin = time.perf_counter()
    book, problems = compile_rules(texts)
    if problems:
        raise SystemExit(f"generated rules have problems: {problems[:3]}")
    print(f"{size:>6} rules compiled in {time.perf_counter() - begin:.2f}s", end="; ")
    return book


if __name__ == "__main__":
    raise SystemExit(main())
