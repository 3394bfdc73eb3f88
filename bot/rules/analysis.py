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


def _combining_classes() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Character classes of every combining mark, inside and outside the BMP.

    Kept apart because `re` tests a BMP class with one bitmap look-up but a class with
    astral ranges range by range, which is many times slower on every character.
    """
    bmp: list[str] = []
    astral: list[str] = []
    start = prev = -2
    for code in [*range(sys.maxunicode + 1), -5]:
        if code >= 0 and unicodedata.combining(chr(code)) and code == prev + 1 and start >= 0:
            prev = code
            continue
        if start >= 0:
            (bmp if prev <= 0xFFFF else astral).append(_range(start, prev))
            start = -2
        if code >= 0 and unicodedata.combining(chr(code)):
            start = prev = code
    return re.compile("[" + "".join(bmp) + "]+"), re.compile("[" + "".join(astral) + "]+")


def _range(start: int, end: int) -> str:
    return f"\\U{start:08x}" if start == end else f"\\U{start:08x}-\\U{end:08x}"


_MARKS, _ASTRAL_MARKS = _combining_classes()

# Frequent non-ASCII characters of English news that NFKC leaves as non-letters: they only
# separate words, so replacing them by a space first keeps most articles on the ASCII path.
_SEPARATOR_CHARS = (
    "\u2019\u2018\u201c\u201d\u2014\u2013\u2026\xa0\u2022\u20ac\xa3\xa5\xb7\xb0\xb1\xae"
    "\u2011\u2012\u2010\xab\xbb\xd7\u20b9\xa9\u200b\u200c\u200d\u258c\u25cf\xa7\u2265"
    "\u2264\xad\ufe0f\u2032\u2033\u2212\u2192\u25aa\u2713\u3000"
)
# ASCII letters and digits kept (lower-cased for the folded stream), everything else a space.
_ASCII_FOLD = bytes.maketrans(
    bytes(range(128)), bytes(c if chr(c).isalnum() else 32 for c in range(128)).lower()
)
_ASCII_CASED = bytes.maketrans(
    bytes(range(128)), bytes(c if chr(c).isalnum() else 32 for c in range(128))
)


# The accents of Latin scripts: removing these with `str.replace` is far cheaper than a regex
# pass, and leaves most accented news text ASCII.
_COMMON_MARKS = tuple(chr(code) for code in (*range(0x300, 0x310), 0x323, 0x327, 0x328, 0x331))


_ASCII_BYTES = bytes(range(128))


def _has_marks(text: str) -> bool:
    """Whether the text holds a combining mark: its few non-ASCII characters are looked at,
    picked out in C, instead of a regex stepping through every character of a long body."""
    rest = text.encode("utf-8", "surrogatepass").translate(None, _ASCII_BYTES)
    return any(unicodedata.combining(char) for char in set(rest.decode("utf-8", "surrogatepass")))


def _strip_marks(text: str) -> str:
    if not _has_marks(text):
        return text
    text = _MARKS.sub("", text)
    if len(text.encode("utf-16-le", "surrogatepass")) > 2 * len(text):
        text = _ASTRAL_MARKS.sub("", text)
    return text


def _ascii_form(text: str) -> str | None:
    """The text after NFKC and accent removal (case kept) when that is ASCII, else None."""
    if text.isascii():
        return text
    text = _clean(text)
    if text.isascii():
        return text
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text))
    for mark in _COMMON_MARKS:
        if mark in text:
            text = text.replace(mark, "")
    return text if text.isascii() else None


def _clean(text: str) -> str:
    for char in _SEPARATOR_CHARS:
        if char in text:
            text = text.replace(char, " ")
    return text


def strip_accents(text: str) -> str:
    """NFKC, then accents removed (NFKD with combining marks dropped); case is kept."""
    if text.isascii():
        return text
    return _strip_marks(unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text)))


def fold(text: str) -> str:
    """NFKC, accents removed, case folded: the form every comparison of words uses."""
    if text.isascii():
        return text.lower()
    folded = strip_accents(text).casefold()
    # Case folding can bring back a combining mark (`İ` folds to `i` + U+0307).
    return folded if folded.isascii() else _strip_marks(folded)


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
    text = text[:FIELD_CAP]
    simple = _ascii_form(text)
    if simple is not None:
        return _ascii_stream(simple, _ASCII_FOLD)
    return stream(fold(text))


def cased_stream(text: str) -> str:
    """The case-kept word stream of one field's raw text, capped at FIELD_CAP characters."""
    text = text[:FIELD_CAP]
    simple = _ascii_form(text)
    if simple is not None:
        return _ascii_stream(simple, _ASCII_CASED)
    return stream(strip_accents(text))


def _ascii_stream(text: str, table: bytes) -> str:
    joined = " ".join(text.encode("ascii").translate(table).decode("ascii").split())
    return f" {joined} " if joined else " "
