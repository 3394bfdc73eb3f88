"""Where matching time goes: CPU microseconds per article for each stage of `RuleBook.match`.

Uses bench/match.py's generated rule books over the archive's articles and times, with CPU
time (what a busy shared machine inflates least): the Hyperscan key pass over the three
word streams and the RE2 regex sets (then both with the article's context), deciding the
flat rules (one set-operation program), gathering and evaluating the other rules, and
making the `Match` records of the flat rules that hold.

`--reading` first breaks down reading and analysis (issue 27: >= 5,000 articles a second on
one core): the archive's members read, each seed's front matter, markdown and link passes,
tickers and article, then its analysis. `--whole` times `newsbot match --json` over the whole
archive with 10,000 generated rules (a subprocess, `--jobs` as given) against a plain-Python
reading floor in this process (read, front matter, fold, split; issue 27: at most 2x).

    taskset -c 1 .venv/bin/python bench/match_stages.py [--articles N] [--sizes 10,10000]
    taskset -c 1 .venv/bin/python bench/match_stages.py --reading --sizes ""
    .venv/bin/python bench/match_stages.py --whole [--jobs 2] --sizes ""
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from match import CORPUS, _book, _load, _rule, _vocabulary  # noqa: E402

from bot.article import Article  # noqa: E402
from bot.cli.corpus_reading import Source, sources  # noqa: E402
from bot.rules import RuleBook  # noqa: E402
from bot.rules.analysed import analyse_article  # noqa: E402
from bot.rules.analysis import FIELD_CAP  # noqa: E402
from bot.rules.engine import article_streams  # noqa: E402
from bot.sources import markdown_text, seeds  # noqa: E402
from bot.tickers import tickers_in_text  # noqa: E402

TARGET_READING = 5_000  # articles read and analysed a second, one core (issue 27)
TARGET_WHOLE = 2.0  # `match --json` at 10,000 rules over the plain-Python floor (issue 27)
WHOLE_RULES = 10_000
_T = TypeVar("_T")


def main() -> int:
    """Print the microseconds per article of each stage, per rule-book size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", default="10,10000,100000")
    parser.add_argument("--reading", action="store_true", help="break down reading first")
    parser.add_argument("--whole", action="store_true", help="match --json against the floor")
    parser.add_argument("--jobs", type=int, default=1, help="`match --jobs` for --whole")
    args = parser.parse_args()
    if not CORPUS.exists():
        print(f"skipped: {CORPUS} not found")
        return 0
    if args.reading:
        _reading(CORPUS)
    articles = _load(CORPUS, args.articles)
    vocabulary = _vocabulary(articles)
    if args.whole:
        _whole(CORPUS, vocabulary, args.jobs)
    pairs = [(article, article_streams(article)) for article in articles]
    for size in (int(s) for s in args.sizes.split(",") if s):
        book = _book(size, vocabulary, random.Random(7))
        print(f"{size:,} rules")
        _stages(book, pairs, args.runs)
    return 0


def _stages(book: RuleBook, pairs: list[tuple[Article, tuple[str, str, str]]], runs: int) -> None:
    finder, regexes = book._automaton, book._regexes  # a bench looks inside
    for article, streams in pairs:  # the first match compiles the flat rules' program
        book.match(article, streams)
    compiled = book._compiled
    assert compiled is not None
    program = compiled.program
    contexts = [book.analyse(article, streams) for article, streams in pairs]
    held = [sorted(program.holding(ctx)) for ctx in contexts]

    def keys() -> None:
        for _, streams in pairs:
            finder.find(streams[0]), finder.find(streams[1]), finder.find(streams[2])

    def regex() -> None:
        if regexes is not None:
            for article, _ in pairs:
                for text in (article.title, article.summary, article.body):
                    regexes.find(text[:FIELD_CAP])

    def analyse() -> None:
        for article, streams in pairs:
            book.analyse(article, streams)

    def flat() -> None:
        for ctx in contexts:
            program.holding(ctx)

    def others() -> None:
        for ctx in contexts:
            book._evaluate(ctx, compiled.others(ctx))

    def records() -> None:
        for ctx, indexes in zip(contexts, held, strict=True):
            program.matches(indexes, ctx)

    def whole() -> None:
        for article, streams in pairs:
            book.match(article, streams)

    timed = {name: _cpu(run, runs) / len(pairs) * 1e6 for name, run in _named(locals()).items()}
    rest = timed["whole"] - timed["analyse"] - timed["flat"] - timed["others"] - timed["records"]
    mean_held = statistics.mean(len(found) for found in held)
    mean_others = statistics.mean(len(compiled.others(ctx)) for ctx in contexts)
    print(
        f"  key pass {timed['keys']:.1f} us, regexes {timed['regex']:.1f} us (with the context: "
        f"{timed['analyse']:.1f} us); flat rules decided {timed['flat']:.1f} us "
        f"({len(program.rules):,} rules, {mean_held:.1f} hold a article); other rules "
        f"{timed['others']:.1f} us ({mean_others:.1f} candidates a article); Match records "
        f"{timed['records']:.1f} us; the rest {rest:.1f} us; match in all "
        f"{timed['whole']:.1f} us ({1e6 / timed['whole']:,.0f} articles/s of CPU time)"
    )


def _reading(archive: Path) -> None:
    """CPU microseconds per article of each step of reading the archive and analysing it."""
    began = time.process_time()
    members = [found for found in sources([archive]) if isinstance(found, Source)]
    took = {"archive members read (gzip, tar)": time.process_time() - began}
    data = [(member.path, member.data or b"") for member in members]
    texts = _cpu_of(took, "decode", lambda: [raw.decode("utf-8-sig") for _, raw in data])
    fronts = _cpu_of(took, "front matter", lambda: [seeds.split_front_matter(t) for t in texts])
    bodies = [body for _, body in fronts]
    _cpu_of(took, "markdown to text", lambda: [markdown_text.markdown_to_text(b) for b in bodies])
    _cpu_of(took, "last link", lambda: [markdown_text.last_link(body) for body in bodies])
    untitled = _cpu_of(
        took, "link titles out", lambda: [markdown_text.without_link_titles(t) for t in texts]
    )
    _cpu_of(took, "tickers in text", lambda: [tickers_in_text(text) for text in untitled])
    articles = _cpu_of(
        took,
        "whole parse_seed (the above, dates, ids, article)",
        lambda: [seeds.parse_seed(raw, origin=path) for path, raw in data],
    )
    _cpu_of(took, "analysis (word streams)", lambda: [analyse_article(a) for a in articles])
    count = len(data)
    print(f"reading and analysis, CPU microseconds per article ({count:,} seed files):")
    for name, seconds in took.items():
        print(f"  {name:<50} {seconds / count * 1e6:7.1f}")
    total = (
        took["archive members read (gzip, tar)"]
        + took["decode"]
        + took["whole parse_seed (the above, dates, ids, article)"]
        + took["analysis (word streams)"]
    )
    rate = count / total
    verdict = "ok" if rate >= TARGET_READING else "MISSED"
    print(
        f"  read + decode + parse + analysis: {total / count * 1e6:.1f} us, {rate:,.0f} "
        f"articles/s of CPU time (target >= {TARGET_READING:,}): {verdict}"
    )


def _cpu_of(took: dict[str, float], name: str, step: Callable[[], _T]) -> _T:
    began = time.process_time()
    result = step()
    took[name] = time.process_time() - began
    return result


def _whole(archive: Path, vocabulary: object, jobs: int) -> None:
    """`newsbot match --json` over the whole archive with generated rules, against the floor."""
    floor = _floor(archive)
    rng = random.Random(7)
    with tempfile.TemporaryDirectory(prefix="newsbot-whole-") as folder:
        rules = Path(folder)
        for start in range(0, WHOLE_RULES, 100):
            batch = [_rule(i, vocabulary, rng) for i in range(start, start + 100)]  # type: ignore[arg-type]
            (rules / f"t{start // 100:04d}.yaml").write_text(yaml.safe_dump({"rules": batch}))
        command = [sys.executable, "-m", "bot", "match", str(archive), "--json"]
        command += ["--rules", str(rules), "--jobs", str(jobs)]
        environment = {**os.environ, "PYTHONPATH": str(ROOT)}
        began = time.perf_counter()
        subprocess.run(command, env=environment, check=False, stdout=subprocess.DEVNULL)
        took = time.perf_counter() - began
    ratio = took / floor
    verdict = "ok" if ratio <= TARGET_WHOLE else "MISSED"
    print(
        f"whole archive: `match --json --jobs {jobs}` with {WHOLE_RULES:,} rules {took:.1f}s, "
        f"plain-Python floor (read, front matter, fold, split) {floor:.1f}s: {ratio:.1f}x "
        f"(target <= {TARGET_WHOLE:.0f}x): {verdict}"
    )


def _floor(archive: Path) -> float:
    """Seconds to read every seed of the archive, split its front matter into `key: value`
    pairs and its text into folded words, in plain Python: what no reader can do without."""
    began = time.perf_counter()
    words = 0
    with tarfile.open(archive) as tar:
        for member in tar:
            handle = tar.extractfile(member) if member.isfile() else None
            if handle is None or not member.name.endswith(".md"):
                continue
            text = handle.read().decode("utf-8-sig")
            _, front, body = text.split("---\n", 2) if text.startswith("---") else ("", "", text)
            meta = dict(line.partition(": ")[::2] for line in front.splitlines())
            words += len(
                f"{meta.get('title', '')} {meta.get('summary', '')} {body}".lower().split()
            )
    return time.perf_counter() - began


def _named(scope: dict[str, object]) -> dict[str, Callable[[], None]]:
    names = ("keys", "regex", "analyse", "flat", "others", "records", "whole")
    return {name: scope[name] for name in names}  # type: ignore[misc]


def _cpu(run: Callable[[], None], runs: int) -> float:
    times = []
    for _ in range(runs):
        begin = time.process_time()
        run()
        times.append(time.process_time() - begin)
    return statistics.median(times)


if __name__ == "__main__":
    raise SystemExit(main())
