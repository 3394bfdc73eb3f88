"""How common each word is in news at large: term weights that do not wait for the window.

`reference.json.gz` (built by bench/story_reference.py from a 20,261-article English news
archive) holds, per story term, in how many of its articles it appears. `ReferenceRarity`
blends it with the window's own counts, so a word's weight is right from the first article
and follows the window as it fills.
"""

from __future__ import annotations

import functools
import gzip
import json
import math
from dataclasses import dataclass
from pathlib import Path

REFERENCE_FILE = Path(__file__).with_name("reference.json.gz")


def is_word(term: str) -> bool:
    """Whether a story term is a word (amounts `#…`, symbols `$…` and releases `~…` are not:
    they are rare by nature and weigh by the window alone)."""
    return term[:1] not in ("#", "$", "~")


@dataclass(frozen=True, slots=True)
class Reference:
    """Document frequencies of words in a reference corpus."""

    articles: int
    counts: dict[str, int]

    def share(self, term: str) -> float:
        """The share of reference articles using the term (an unlisted word: seen once)."""
        return self.counts.get(term, 1) / self.articles if self.articles else 0.0


@functools.cache
def reference() -> Reference:
    """The shipped reference table, read once per process."""
    table = json.loads(gzip.decompress(REFERENCE_FILE.read_bytes()))
    return Reference(int(table["articles"]), {str(k): int(v) for k, v in table["df"].items()})


def idf(term: str, window_count: int, window_size: int, prior: float) -> float:
    """A term's inverse document frequency from the window blended with the reference.

    The reference counts as `prior` articles of the window: alone while the window is
    empty, a fifth of the evidence once it holds four times `prior`. Amounts, symbols and
    releases use the window alone (as if it held `prior` articles without them).
    """
    share = reference().share(term) if is_word(term) else 0.0
    expected = window_count + prior * share
    return math.log((window_size + prior + 1.0) / (expected + 0.5)) + 1.0
