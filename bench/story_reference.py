"""Build bot/stories/reference.json.gz: how many articles of a reference corpus use each word.

Story detection weighs a word by how rare it is. From the window of recent articles alone,
a bot with an empty database weighs nothing right (every word is rare in a window of
three articles); the reference gives every word its usual rarity from the first article on,
and the window takes over as it fills (`bot/stories/reference.py`).

The reference is the English news archive ../shared/corpus/en-news.tar.gz (20,261 articles
of 2025 from Reuters, Dow Jones, Seeking Alpha, Benzinga, MarketWatch, Business Standard and
others): each article's story terms (`describe`: folded, stemmed content words of the
headline and the start of the summary; amounts, symbols and release tokens left out: they
are rare by nature). Words in fewer than `--min-df` articles are left out (a missing word
counts as seen once). Run once, and again only to refresh it:

    PYTHONPATH=. .venv/bin/python bench/story_reference.py [--min-df 3]
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.cli.match_command import read_items  # noqa: E402
from bot.stories.features import describe  # noqa: E402
from bot.stories.reference import REFERENCE_FILE, is_word  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "en-news.tar.gz"


def main() -> int:
    """Count the words of the archive and write the table (gzip-compressed JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min-df", type=int, default=3, help="rarer words are left out")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="a .tar.gz or a folder")
    args = parser.parse_args()
    if not args.corpus.exists():
        print(f"skipped: {args.corpus} not found (../shared sits beside the project's checkout)")
        return 0
    counts: Counter[str] = Counter()
    articles = 0
    for item in read_items([args.corpus]):
        if item.article is None:
            continue
        articles += 1
        counts.update(term for term in describe(item.article).text_terms if is_word(term))
    table = {
        "source": args.corpus.name,
        "articles": articles,
        "df": {term: n for term, n in sorted(counts.items()) if n >= args.min_df},
    }
    data = json.dumps(table, separators=(",", ":"), sort_keys=True).encode()
    REFERENCE_FILE.write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
    size = REFERENCE_FILE.stat().st_size
    print(f"{articles} articles, {len(table['df'])} words -> {REFERENCE_FILE} ({size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
