"""Merged pairs over the whole archive, for reading: how often does a story hold two stories?

Clusters every article of ../shared/corpus/en-news.tar.gz (20,261) in published order, as
`newsbot stories` does, then prints:

- how many stories and merged pairs there are, and the 20 largest stories (title of each
  article's first member and its size), for reading;
- `--sample N` merged pairs drawn uniformly over all merged pairs with a fixed `--seed`
  (each pair: both headlines, sources, times and the start of both summaries), numbered so
  that a reader can write down `same`/`different` for each under the definition in
  ../shared/dedupe/README.md;
- the audited pairs of ../shared/dedupe/pair-audit-dev.tsv that both labellers called
  different and that are still merged (there must be none), and the audited same pairs kept;
- pairwise precision/recall on ../shared/dedupe/dev-labels.tsv through score.py.

Parsing the archive takes a while: `--cache FILE` keeps the parsed articles (pickle) for the
next run. Run:

    PYTHONPATH=. .venv/bin/python bench/story_pairs.py --sample 100 --seed 21 \
        [--cache /tmp/en-news.pickle] [--largest 20]
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import itertools
import json
import pickle
import random
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.article import Article  # noqa: E402
from bot.cli.match_command import read_items  # noqa: E402
from bot.cli.stories_command import cluster  # noqa: E402

SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus" / "en-news.tar.gz"
AUDIT = SHARED / "dedupe" / "pair-audit-dev.tsv"
LABELS = SHARED / "dedupe" / "dev-labels.tsv"
SCORER = SHARED / "dedupe" / "score.py"
_PREFIX = "en-news/"


def main() -> int:
    """Cluster the archive and print what a reader needs to judge its merges."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=100, help="merged pairs to print")
    parser.add_argument("--seed", type=int, default=21, help="the sample's random seed")
    parser.add_argument("--largest", type=int, default=20, help="largest stories to list")
    parser.add_argument("--members", type=int, default=3, help="titles shown per large story")
    parser.add_argument("--cache", type=Path, help="keep the parsed articles here (pickle)")
    args = parser.parse_args()
    if not CORPUS.exists():
        print(f"skipped: {CORPUS} not found (../shared sits beside the project's checkout)")
        return 0
    articles = _load(args.cache)
    assigned = cluster(articles)
    stories: dict[str, list[tuple[str, Article]]] = defaultdict(list)
    for entry in assigned:
        stories[entry.story].append((entry.path, entry.article))
    sizes = [len(members) for members in stories.values()]
    pairs = sum(size * (size - 1) // 2 for size in sizes)
    print(f"{len(assigned)} articles, {len(stories)} stories, {pairs} merged pairs")
    _largest(stories, args.largest, args.members)
    _sample(stories, pairs, args.sample, args.seed)
    story_of = {_relative(entry.path): entry.story for entry in assigned}
    _audit(story_of)
    _dev_scores(story_of, {_relative(e.path): e.article.title for e in assigned})
    return 0


def _load(cache: Path | None) -> list[tuple[str, Article]]:
    """Every readable article of the archive with its path (cached when asked)."""
    if cache is not None and cache.exists():
        with cache.open("rb") as handle:
            loaded: list[tuple[str, Article]] = pickle.load(handle)  # a cache this script wrote
            return loaded
    articles = [
        (item.path, item.article) for item in read_items([CORPUS]) if item.article is not None
    ]
    if cache is not None:
        with cache.open("wb") as handle:
            pickle.dump(articles, handle)
    return articles


def _relative(path: str) -> str:
    """The path inside en-news/, as the labels write it."""
    return path.split(_PREFIX, 1)[1] if _PREFIX in path else path


def _largest(stories: dict[str, list[tuple[str, Article]]], count: int, shown: int) -> None:
    ordered = sorted(stories.values(), key=lambda members: -len(members))[:count]
    print(f"\n== the {count} largest stories")
    for rank, members in enumerate(ordered, 1):
        print(f"{rank:2}. ({len(members)}) {_line(members[0][1])}")
        for _, article in members[1:shown]:
            print(f"       {_line(article)}")


def _sample(
    stories: dict[str, list[tuple[str, Article]]], pairs: int, count: int, seed: int
) -> None:
    """`count` merged pairs, uniform over all merged pairs (without replacement)."""
    if not pairs:
        return
    chosen = sorted(random.Random(seed).sample(range(pairs), min(count, pairs)))
    print(f"\n== {len(chosen)} merged pairs, uniform over {pairs} (seed {seed})")
    wanted = iter(chosen)
    target = next(wanted, None)
    number = 0
    offset = 0
    for members in stories.values():
        size = len(members) * (len(members) - 1) // 2
        while target is not None and target < offset + size:
            left, right = _pair_at(len(members), target - offset)
            number += 1
            print(f"\n[{number}] story of {len(members)}")
            for path, article in (members[left], members[right]):
                print(f"  {_line(article)}\n    {_relative(path)}\n    {_summary(article)}")
            target = next(wanted, None)
        offset += size


def _pair_at(size: int, index: int) -> tuple[int, int]:
    """The `index`-th pair (i < j) of `size` members, in lexical order."""
    for left, right in itertools.combinations(range(size), 2):
        if not index:
            return left, right
        index -= 1
    raise IndexError(index)


def _line(article: Article) -> str:
    when = article.published.strftime("%m-%d %H:%M") if article.published else "no date"
    return f"{when} · {article.source or '?'} · {article.title}"


def _summary(article: Article) -> str:
    text = " ".join(article.summary.split())
    return text[:220] + ("…" if len(text) > 220 else "")


def _audit(story_of: dict[str, str]) -> None:
    """The audited pairs the clusterer gets wrong: different ones merged, same ones apart."""
    if not AUDIT.exists():
        return
    different_merged, same_apart, same_total, different_total = [], [], 0, 0
    with AUDIT.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            a, b = story_of.get(row["path_a"]), story_of.get(row["path_b"])
            merged = a is not None and a == b
            if row["same_a"] == row["same_b"] == "0":
                different_total += 1
                if merged:
                    different_merged.append(row)
            elif row["same_a"] == row["same_b"] == "1":
                same_total += 1
                if not merged:
                    same_apart.append(row)
    print(
        f"\n== pair-audit-dev.tsv: {len(different_merged)} of {different_total} pairs both"
        f" labellers called different are merged; {same_total - len(same_apart)} of"
        f" {same_total} same pairs merged"
    )
    for row in different_merged:
        print(f"  merged: {row['key']} {row['path_a']} + {row['path_b']} ({row['note_a']})")
    for row in same_apart:
        print(f"  apart: {row['key']} {row['path_a']} + {row['path_b']} ({row['note_a']})")


def _dev_scores(story_of: dict[str, str], titles: dict[str, str]) -> None:
    """Pairwise scores on the development labels, through score.py (its output quoted)."""
    if not (LABELS.exists() and SCORER.exists()):
        return
    import importlib.util

    spec = importlib.util.spec_from_file_location("dedupe_score", SCORER)
    assert spec is not None and spec.loader is not None
    score = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(score)
    with tempfile.TemporaryDirectory(prefix="story-pairs-") as scratch:
        pred = Path(scratch) / "pred.jsonl"
        with pred.open("w", encoding="utf-8") as handle:
            for path, story in story_of.items():
                handle.write(json.dumps({"path": path, "story": story}) + "\n")
        gold = score.read_labels(str(LABELS))
        predicted, _ = score.read_pred(str(pred), gold)
        print("\n== dev-labels.tsv")
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            result = score.report(gold, predicted, titles, 30)
        print(out.getvalue())
        scores = _rounded(result)
        if isinstance(scores, dict):  # the figures, not score.py's lookup tables
            scores = {key: value for key, value in scores.items() if not isinstance(value, dict)}
        print(scores)


def _rounded(value: object) -> object:
    """Scores rounded to three places, however deeply score.py nests them."""
    if isinstance(value, dict):
        return {key: _rounded(inner) for key, inner in value.items()}
    return round(value, 3) if isinstance(value, float) else value


if __name__ == "__main__":
    raise SystemExit(main())
