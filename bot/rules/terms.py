"""One rule term (`$USO`, `@crude_etfs`, `/re/`, `=US`, `sanction*`, `crude oil`), parsed once.

Validation (the loader), compilation, `match` snippets and alert wording all read terms
through `parse_term`, so the syntax of rules.md "Terms" is written down only here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import re2

from bot import tickers
from bot.errors import NewsbotError
from bot.rules import analysis, regexes

MIN_PREFIX = 3
SET_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")
ENTITY_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]*")
# Scripts written without spaces between words: a term in one matches inside a run.
UNSPACED = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\u3040-\u30ff]")


class TermError(NewsbotError, ValueError):
    """A term that is not valid; the message says why, as `newsbot check` shows it."""


@dataclass(frozen=True, slots=True)
class TickerTerm:
    """`$USO`: holds when the (upper-case) symbol is among the article's tickers."""

    text: str
    symbol: str

    def readable(self) -> str:
        """The term as a subscriber reads it."""
        return "$" + self.symbol


@dataclass(frozen=True, slots=True)
class SetTerm:
    """`@crude_etfs`: holds when any term of the named set holds; `@@hormuz` (name `@hormuz`)
    when any name of the knowledge base's entity does."""

    text: str
    name: str

    def readable(self) -> str:
        """The term as a subscriber reads it."""
        return "@" + self.name


@dataclass(frozen=True, slots=True)
class RegexTerm:
    """`/\\bOPEC\\+?\\b/`: an RE2 pattern searched case-insensitively in the raw text."""

    text: str
    pattern: str

    def readable(self) -> str:
        """The term as a subscriber reads it."""
        return f"/{self.pattern}/"


@dataclass(frozen=True, slots=True)
class WordTerm:
    """A keyword or phrase; `prefix` when its last word ends in `*`, `exact` when after `=`."""

    text: str
    words: tuple[str, ...]  # folded: what the automaton looks for
    cased_words: tuple[str, ...]  # accents removed, case kept: what `=` compares
    prefix: bool
    exact: bool

    def readable(self) -> str:
        """The term as a subscriber reads it: `=CPI` is CPI, `Zelensky*` is Zelensky…."""
        body = self.text.strip().removeprefix("=")
        return body[:-1] + "…" if self.prefix else body


ParsedTerm = TickerTerm | SetTerm | RegexTerm | WordTerm


# Above the distinct terms of 100,000 watches (~150,000): a smaller cache evicted terms before
# their second use, and start-up parsed every term three times over (bench/watch.py).
TERM_CACHE = 1 << 18


@lru_cache(maxsize=TERM_CACHE)
def parse_term(text: str) -> ParsedTerm:
    """The typed term of a term as written; TermError says why it is not valid."""
    written = text
    text = text.strip()
    if not text:
        raise TermError("empty term")
    if text.startswith("$"):
        symbol = text[1:]
        normal = tickers.normalize_symbol(symbol)
        if normal is None or symbol != symbol.strip():
            raise TermError(
                f"bad ticker {text!r}: `$` then a symbol such as $USO, $CL1:COM or $BRK.B"
            )
        return TickerTerm(written, normal)
    if text.startswith("@@"):
        # An entity of the knowledge base: any of its names (docs/knowledge.md).
        if not ENTITY_NAME.fullmatch(text[2:]):
            raise TermError(
                f"bad entity reference {text!r}: `@@` then an entity id such as @@hormuz"
            )
        return SetTerm(written, text[1:])
    if text.startswith("@"):
        if not SET_NAME.fullmatch(text[1:]):
            raise TermError(f"bad set reference {text!r}: `@` then a set name such as @crude_etfs")
        return SetTerm(written, text[1:])
    if text.startswith("/"):
        if len(text) < 3 or not text.endswith("/"):
            raise TermError(
                f"bad regex {text!r}: write it between slashes, such as /\\bOPEC\\+?\\b/"
            )
        problem = regex_problem(text[1:-1])
        if problem:
            raise TermError(problem)
        return RegexTerm(written, text[1:-1])
    exact = text.startswith("=")
    body = text[1:] if exact else text
    prefix = body.endswith("*")
    if prefix:
        body = body[:-1]
        if not re.search(r"[^\W_]$", body):
            raise TermError(f"bad prefix {text!r}: `*` must directly follow a word")
        last = analysis.words(body)[-1]
        if len(last) < MIN_PREFIX:
            written_last = analysis.cased_words(body)[-1]  # as the operator wrote it
            raise TermError(
                f"prefix {written_last + '*'!r} in {text!r} is too short: "
                f"at least {MIN_PREFIX} characters before `*`"
            )
    folded = tuple(analysis.words(body))
    if not folded:
        raise TermError(f"term {text!r} has no words (letters or digits) to look for")
    return WordTerm(written, folded, tuple(analysis.cased_words(body)), prefix, exact)


def regex_problem(pattern: str) -> str | None:
    """Why a pattern cannot be used (RE2 does not compile it, or it costs too much); None
    when it can."""
    try:
        cost = regexes.regex_cost(pattern)
    except re2.error as error:
        reason = error.args[0] if error.args else error
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        return (
            f"invalid regex /{pattern}/: {reason} (RE2 syntax: no look-around, no back-references)"
        )
    except (TypeError, ValueError) as error:
        return f"invalid regex /{pattern}/: {error}"
    if cost > regexes.MAX_COST:
        return (
            f"regex /{pattern}/ is too costly: its RE2 program has {cost:,} instructions, at "
            f"most {regexes.MAX_COST:,} (long repeats such as \\pL{{100}} cost the most)"
        )
    return None


def readable_term(text: str) -> str:
    """A term as a subscriber reads it (`=CPI` is CPI); text that is no valid term, as is."""
    try:
        return parse_term(text).readable()
    except TermError:
        return text.strip()


def find_term(text: str, term: ParsedTerm) -> tuple[int, int] | None:
    """The span of the term's first occurrence in the text, accents ignored; None if not found.

    A keyword's span covers whole words (`Zelensky*` spans `Zelenskyy`). A set has no span of
    its own: its terms are looked for one by one.
    """
    pattern = _search_pattern(term)
    if pattern is None:
        return None
    found = pattern.search(text)
    if found:
        return found.span()
    if text.isascii():
        return None
    stripped, origin = _without_accents(text)
    found = pattern.search(stripped)
    if found is None:
        return None
    start, end = found.span()
    return origin[start], (origin[end - 1] + 1 if end > start else origin[start])


@lru_cache(maxsize=1024)
def _search_pattern(term: ParsedTerm) -> re.Pattern[str] | re2._Regexp | None:
    if isinstance(term, TickerTerm):
        return re.compile(rf"(?<![\w$]){re.escape(term.symbol)}(?!\w)", re.IGNORECASE)
    if isinstance(term, RegexTerm):
        # The matcher's engine, never Python's backtracking `re`: a written pattern runs in
        # linear time everywhere, and its snippet is where the match really was.
        try:
            return regexes.compiled(term.pattern)
        except re2.error:
            return None
    if isinstance(term, SetTerm):
        return None
    joined = r"[\W_]+".join(re.escape(word) for word in term.cased_words)
    if all(UNSPACED.match(word) for word in term.words):  # found inside a run, as matched
        return re.compile(joined, 0 if term.exact else re.IGNORECASE)
    # A prefix covers the rest of the word it starts; a whole word must end where it ends.
    tail = r"[^\W_]*" if term.prefix else r"(?![^\W_])"
    return re.compile(rf"(?<![^\W_]){joined}{tail}", 0 if term.exact else re.IGNORECASE)


def _without_accents(text: str) -> tuple[str, list[int]]:
    """`analysis.strip_accents` of the text, and for each of its characters the index of the
    character of the text it comes from (plus one past the end)."""
    # Marks are dropped and NFKD is canonical reordering of marks only, so stripping each
    # character on its own gives the same text as stripping the whole.
    parts: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        stripped = char if char.isascii() else analysis.strip_accents(char)
        parts.append(stripped)
        origin.extend([index] * len(stripped))
    origin.append(len(text))
    return "".join(parts), origin


__all__ = [
    "MIN_PREFIX",
    "ParsedTerm",
    "RegexTerm",
    "SetTerm",
    "TermError",
    "TickerTerm",
    "WordTerm",
    "find_term",
    "parse_term",
    "readable_term",
    "regex_problem",
]
