"""Story detection on the whole English archive: pairwise precision/recall and cost per article.

Unpacks ../shared/corpus/en-news.tar.gz to a temporary folder (or uses `--root`, a folder
holding the extracted `en-news/`), parses every article (not timed), assigns all 20,261 of
them to stories in published order with `StoryIndex.assign` (timed one by one), writes the
predictions as JSON lines and scores them with ../shared/dedupe/score.py against the
development labels. Run:

    .venv/bin/python bench/stories.py [--root /tmp/en-news-extract] [--pred OUT.jsonl]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import statistics
import sys
import tarfile
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.article import Article  # noqa: E402
from bot.cli.match_command import read_items  # noqa: E402
from bot.stories import StoryIndex  # noqa: E402

SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus" / "en-news.tar.gz"
LABELS = SHARED / "dedupe" / "dev-labels.tsv"
SCORER = SHARED / "dedupe" / "score.py"
TARGET_PRECISION = 0.95
TARGET_RECALL = 0.70
TARGET_MS = 1.0


def main() -> int:
    """Run the benchmark and print the figures beside the targets."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, help="a folder holding an extracted en-news/")
    parser.add_argument("--pred", type=Path, help="also keep the predictions (JSON lines) here")
    args = parser.parse_args()
    missing = [path for path in (CORPUS, LABELS, SCORER) if not path.exists()]
    if missing:
        print(f"skipped: {missing[0]} not found (../shared sits beside the project's checkout)")
        return 0
    with _archive(args.root) as news:
        started = time.perf_counter()
        articles = _load(news)
        took = time.perf_counter() - started
        print(f"{len(articles)} articles parsed in {took:.1f}s (not timed)")
        stories, costs, held, peak = _cluster(articles)
        with tempfile.TemporaryDirectory(prefix="stories-pred-") as scratch:
            pred = args.pred or Path(scratch) / "pred.jsonl"
            _write(pred, articles, stories)
            scores = _score(pred, news)
    _report(len(articles), stories, costs, (held, peak), scores)
    return 0


@contextlib.contextmanager
def _archive(root: Path | None) -> Iterator[Path]:
    """The extracted en-news folder: the given one, or a temporary extraction."""
    if root is not None:
        news = root / "en-news" if (root / "en-news").is_dir() else root
        yield news
        return
    with tempfile.TemporaryDirectory(prefix="en-news-") as scratch:
        with tarfile.open(CORPUS) as archive:
            archive.extractall(scratch, filter="data")
        yield Path(scratch) / "en-news"


def _load(news: Path) -> list[tuple[str, Article]]:
    """Every readable article with its path relative to en-news/, in published order."""
    found = [
        (Path(item.path).relative_to(news).as_posix(), item.article)
        for item in read_items([news])
        if item.article is not None
    ]
    found.sort(
        key=lambda pair: (
            pair[1].published.timestamp() if pair[1].published else float("inf"),
            pair[0],
        )
    )
    return found


def _cluster(articles: list[tuple[str, Article]]) -> tuple[list[str], list[float], int, int]:
    """The story of every article, the seconds each assign() took, the most articles the
    index held at once, and the peak memory the index allocated (a second, untimed pass
    under tracemalloc, which would slow the timed one)."""
    index = StoryIndex()
    stories: list[str] = []
    costs: list[float] = []
    held = 0
    clock = time.perf_counter
    for _, article in articles:
        begin = clock()
        stories.append(index.assign(article))
        costs.append(clock() - begin)
        held = max(held, len(index))
    index = StoryIndex()
    tracemalloc.start()
    for _, article in articles:
        index.assign(article)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return stories, costs, held, peak


def _write(pred: Path, articles: list[tuple[str, Article]], stories: list[str]) -> None:
    with pred.open("w", encoding="utf-8") as handle:
        for (path, _), story in zip(articles, stories, strict=True):
            handle.write(json.dumps({"path": path, "story": story}) + "\n")


def _scorer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("dedupe_score", SCORER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _score(pred: Path, news: Path) -> dict[str, float]:
    """Pairwise and B-cubed scores over the labelled articles, with score.py's report."""
    score = _scorer()
    gold = score.read_labels(str(LABELS))
    predicted, _ = score.read_pred(str(pred), gold)
    titles = {
        path: score.parse_article(str(news / path))["title"]
        for path in gold
        if (news / path).exists()
    }
    result: dict[str, float] = score.report(gold, predicted, titles, 5)
    return result


def _report(
    count: int,
    stories: list[str],
    costs: list[float],
    memory: tuple[int, int],
    scores: dict[str, float],
) -> None:
    held, peak = memory
    ordered = sorted(costs)
    median = statistics.median(ordered) * 1e3
    p99 = ordered[int(0.99 * (len(ordered) - 1))] * 1e3
    print()
    print(f"{count} articles -> {len(set(stories))} stories")
    _line("pairwise precision", f"{scores['P']:.3f}", f">= {TARGET_PRECISION}", scores["P"] >= 0.95)
    _line("pairwise recall", f"{scores['R']:.3f}", f">= {TARGET_RECALL}", scores["R"] >= 0.70)
    _line("pairwise F1", f"{scores['F']:.3f}", "(TF-IDF baseline 0.68 / 0.39)", None)
    _line("assign() median", f"{median:.3f} ms", f"<= {TARGET_MS} ms", median <= TARGET_MS)
    _line("assign() p99", f"{p99:.3f} ms", "", None)
    _line("assign() total", f"{sum(costs):.1f} s", f"({count} articles)", None)
    _line("articles in the window, most", f"{held}", "(48 h + 12 h clock skew)", None)
    _line("index memory, peak", f"{peak / 2**20:.0f} MiB", "(tracemalloc)", None)


def _line(name: str, value: str, target: str, met: bool | None) -> None:
    mark = "" if met is None else ("  ok" if met else "  MISSED")
    print(f"  {name:<30} {value:>10}   {target}{mark}")


if __name__ == "__main__":
    sys.exit(main())
