"""Instruments figure: how often an article's first five instruments hold a labelled one.

Reads the relevance labels (../shared/relevance/dev-labels.tsv) and, in place, the labelled
articles of ../shared/corpus/en-news.tar.gz; for every relevant article with labelled
instruments, ranks its instruments as `newsbot match --json` does (bot/knowledge) and
counts the articles where one of the first five is labelled. Target: >= 75 %.

    .venv/bin/python bench/instruments.py [--show]
"""

from __future__ import annotations

import argparse
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.cli.corpus_reading import Source, read_source  # noqa: E402
from bot.knowledge.finder import shipped_finder  # noqa: E402
from bot.knowledge.instruments import article_moves  # noqa: E402

SHARED = ROOT.parent / "shared"
LABELS = SHARED / "relevance" / "dev-labels.tsv"
CORPUS = SHARED / "corpus" / "en-news.tar.gz"
TARGET = 0.75
FIRST = 5


def labelled(path: Path) -> dict[str, tuple[float, set[str]]]:
    """Archive path -> (weight, labelled instruments) of relevant articles with instruments."""
    rows: dict[str, tuple[float, set[str]]] = {}
    with path.open(encoding="utf-8") as file:
        head = file.readline().rstrip("\n").split("\t")
        for line in file:
            values = dict(zip(head, line.rstrip("\n").split("\t"), strict=False))
            wanted = {s for s in values.get("instruments", "").split(",") if s}
            if values.get("relevant") == "1" and wanted:
                rows[values["path"]] = (float(values["weight"]), wanted)
    return rows


def main() -> None:
    """Print the share of labelled articles with a labelled instrument in the first five."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="print every article's ranking")
    args = parser.parse_args()
    rows = labelled(LABELS)
    finder = shipped_finder()
    hits = total = 0
    weighted_hits = weighted_total = 0.0
    with tarfile.open(CORPUS) as tar:
        for member in tar.getmembers():
            name = member.name.removeprefix("en-news/")
            if name not in rows or not member.isfile():
                continue
            handle = tar.extractfile(member)
            assert handle is not None
            items = read_source(Source(member.name, handle.read()), "UTC")
            article = items[0].article
            assert article is not None, items[0].error
            weight, wanted = rows[name]
            first = article_moves(article, finder).instruments[:FIRST]
            hit = bool(wanted & set(first))
            hits, total = hits + hit, total + 1
            weighted_hits += weight * hit
            weighted_total += weight
            if args.show:
                mark = "+" if hit else "-"
                print(f"{mark} {article.title[:70]}\n    {', '.join(first)}  | {','.join(wanted)}")
    share = hits / total if total else 0.0
    weighted = weighted_hits / weighted_total if weighted_total else 0.0
    print(
        f"instruments: a labelled one in the first {FIRST} on {hits}/{total} = {share:.1%} "
        f"(weighted {weighted:.1%}); target >= {TARGET:.0%}"
    )


if __name__ == "__main__":
    main()
