"""Text analysis shared by article text and keyword terms: fold, strip accents, split words."""

from __future__ import annotations

import re
import sys
import unicodedata

# Text looked at per field; a giant article costs bounded time.
FIELD_CAP = 1_000_000

FIELDS = ("title", "summary", "body")

# Word separators: anything that is not a letter or digit (the complement of `[^\W_]+`).
_SEPARATORS = re.compile(r"[\W_]+")
_WORD = re.compile(r"[^\W_]+")


def _combining_class() -> re.Pattern[str]:
    """A character class of every combining mark (the accents NFKD splits off)."""
    ranges: list[str] = []
    start = prev = -2
    for code in range(sys.maxunicode + 1):
        if unicodedata.combining(chr(code)):
            if code != prev + 1:
                if start >= 0:
                    ranges.append(_range(start, prev))
                start = code
            prev = code
    if start >= 0:
        ranges.append(_range(start, prev))
    return re.compile("[" + "".join(ranges) + "]+")


def _range(start: int, end: int) -> str:
    return f"\\U{start:08x}" if start == end else f"\\U{start:08x}-\\U{end:08x}"


_MARKS = _combining_class()


def strip_accents(text: str) -> str:
    """NFKC, then accents removed (NFKD with combining marks dropped); case is kept."""
    if text.isascii():
        return text
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text))
    return _MARKS.sub("", text)


def fold(text: str) -> str:
    """NFKC, accents removed, case folded: the form every comparison of words uses."""
    if text.isascii():
        return text.lower()
    folded = strip_accents(text).casefold()
    # Case folding can bring back a combining mark (`İ` folds to `i` + U+0307).
    return folded if folded.isascii() else _MARKS.sub("", folded)


def words(text: str) -> list[str]:
    """The folded words of a text: maximal runs of letters and digits."""
    return _WORD.findall(fold(text))


def cased_words(text: str) -> list[str]:
    """The words of a text with accents removed but letter case kept (for `=` terms)."""
    return _WORD.findall(strip_accents(text))


def stream(text: str) -> str:
    """The words of a folded text joined as ` w1 w2 ... `: one space before and after each."""
    joined = _SEPARATORS.sub(" ", text)
    return f" {joined.strip(' ')} " if joined.strip(" ") else " "


def word_stream(text: str) -> str:
    """The analysed word stream of one field's raw text, capped at FIELD_CAP characters."""
    return stream(fold(text[:FIELD_CAP]))


def cased_stream(text: str) -> str:
    """The case-kept word stream of one field's raw text, capped at FIELD_CAP characters."""
    return stream(strip_accents(text[:FIELD_CAP]))
