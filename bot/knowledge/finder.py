"""The entities an article names: one Hyperscan pass over the analysed word stream of its fields.

Names are folded like rule terms (bot/rules/analysis.py), so `U.S.`, `u.s.` and `U.S` are
one name and accents never matter; a name written `=Name` (and every listed company's
name) is compared with its case kept. Names in scripts written without spaces (Chinese)
match inside a run of letters, as their writers leave no space around them.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import cache

import hyperscan

from bot.knowledge.base import MARKET_KINDS, Knowledge, shipped
from bot.rules import analysis

# Where a name is found and what that says of the article: the headline names its
# subject, the lead its context, the rest of the body its background.
FIELD_WEIGHTS = {"title": 4.0, "lead": 2.0, "body": 1.0}
# The lead when a source gives no summary: the start of the body.
LEAD_CHARS = 600
# Body text looked at: what an article reports comes first; beyond this it is background,
# and a giant page costs bounded time.
BODY_CAP = 3000
# A market object (a commodity, a release) named is the article's subject more surely than a
# driver (a country, an official) named: drivers appear in most articles.
_MARKET_WEIGHT = 1.0
_DRIVER_WEIGHT = 0.6
_LISTED_WEIGHT = 0.5

# Joins an article's fields before folding: a word that no name holds and folding keeps.
_BREAK_WORD = "qzxfieldbreakqzx"
_FIELD_BREAK = f"\n{_BREAK_WORD}\n"
_BREAK_KEY = f" {_BREAK_WORD} ".encode()

_UNSPACED = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\u3040-\u30ff]")
# An outlet's lists of quote links ("ETFs that track the S&P 500: SPY, VOO, IVV, ...") and
# tables ("top gainers") say nothing about the article's news.
# A quote is a Markdown link or, once links are read as text, a symbol in brackets: `(USO)`.
_QUOTE = re.compile(r"\]\(|\([.^]?[A-Z0-9][A-Z0-9.:=^&/_-]{0,23}\)")
_LIST_MIN_LINKS = 3
_WORDS_PER_LISTED_LINK = 6


@dataclass(frozen=True, slots=True)
class Found:
    """One entity of an article: how strongly it is named, where first, and by which name."""

    entity: str
    score: float
    where: str  # title, lead or body: the most prominent field naming it
    name: str  # the name as the knowledge base writes it


def evidence_body(body: str) -> str:
    """The body without the outlet's link lists and tables: only text that reports news."""
    if "|" not in body and body.count("(") < _LIST_MIN_LINKS:
        return body
    kept = []
    for paragraph in body.split("\n\n"):
        if "|" in paragraph:
            paragraph = "\n".join(
                line for line in paragraph.splitlines() if not line.lstrip().startswith("|")
            )
        # Every quote holds a `(`: a paragraph with fewer is no list, and is not searched.
        quotes = _QUOTE.findall(paragraph) if paragraph.count("(") >= _LIST_MIN_LINKS else ()
        if len(quotes) >= _LIST_MIN_LINKS:
            outside = len(paragraph.split()) - len(quotes)
            if outside < _WORDS_PER_LISTED_LINK * len(quotes):
                continue
        kept.append(paragraph)
    return "\n\n".join(kept)


def lead_and_rest(summary: str, body: str) -> tuple[str, str]:
    """The article's lead (its summary, else the start of its body) and the rest of the body."""
    if summary.strip():
        return summary, body
    return body[:LEAD_CHARS], body[LEAD_CHARS:]


class _FirstPlaces:
    """Where each name key first occurs in a stream: one Hyperscan pass over its bytes.

    Like the rule book's KeyFinder (bot/rules/engine.py), with the first offset kept: each
    key is reported once, at its first occurrence, which says which field named it first.
    """

    __slots__ = ("_database", "_scratch")

    def __init__(self, keys: list[str]) -> None:
        database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        database.compile(
            expressions=[key.encode() for key in keys],
            ids=list(range(len(keys))),
            elements=len(keys),
            flags=hyperscan.HS_FLAG_SINGLEMATCH,
            literal=True,
        )
        self._database = database
        self._scratch = threading.local()  # a scratch space serves one scan at a time

    def find(self, stream: bytes) -> dict[int, int]:
        """Key index -> end offset of its first occurrence."""
        scratch = getattr(self._scratch, "space", None)
        if scratch is None:
            scratch = self._scratch.space = hyperscan.Scratch(self._database)
        found: dict[int, int] = {}

        def seen(key: int, _start: int, end: int, _flags: int, _context: object) -> None:
            found[key] = end

        self._database.scan(stream, seen, scratch=scratch)
        return found


class EntityFinder:
    """Finds the entities of a knowledge base in articles; immutable and safe to share."""

    __slots__ = ("_automaton", "_covers", "_exact", "_lengths", "_owners", "knowledge")

    def __init__(self, knowledge: Knowledge) -> None:
        self.knowledge = knowledge
        owners: dict[str, list[tuple[str, str, float]]] = {}
        for entity in knowledge.entities.values():
            weight = _kind_weight(entity.kind)
            for name in entity.names:
                key = name_key(name.removeprefix("="))
                if key:
                    owners.setdefault(key, []).append((entity.id, name, weight))
        self._owners = tuple(tuple(found) for found in owners.values())
        self._automaton = _FirstPlaces(list(owners)) if owners else None
        self._lengths = tuple(len(key.encode()) for key in owners)
        # A company's name covers the shorter names inside it (`Powell` in `Powell
        # Industries`); other long names do not (`US CPI` still names the US).
        self._covers = tuple(
            all(knowledge.entities[e].kind in _COMPANY_KINDS for e, _, _ in found)
            for found in owners.values()
        )
        # Case-exact names are looked for folded like the rest, then confirmed in the raw
        # text: one pass over one stream, the check only where such a name occurs.
        self._exact: dict[str, re.Pattern[str]] = {}

    def find(self, title: str, summary: str, body: str) -> tuple[Found, ...]:
        """The article's entities, most prominently named first (headline over lead over body)."""
        return self.find_in_fields(title, *lead_and_rest(summary, evidence_body(body[:BODY_CAP])))

    def find_in_fields(
        self, title: str, lead: str, rest: str, folded: tuple[str | None, str | None] = (None, None)
    ) -> tuple[Found, ...]:
        """The entities of an article's headline, lead and rest of its news text.

        One folding and one pass over the three fields joined; where a name first occurs says
        which field names its entity first. `folded`: the word streams of the headline and
        the lead when the article's analysis already made them (`analysis.word_stream`).
        """
        if self._automaton is None:
            return ()
        fields = (("title", title), ("lead", lead), ("body", rest))
        stream = _joined_stream(title, lead, rest, folded).encode()
        title_end = stream.find(_BREAK_KEY) + 1
        lead_end = stream.find(_BREAK_KEY, title_end) + 1
        places = self._outermost(self._automaton.find(stream))
        weights: dict[str, float] = {}
        named: dict[str, tuple[int, str, str]] = {}
        for key, end in places.items():
            first = 0 if end <= title_end else 1 if end <= lead_end else 2
            for entity_id, name, weight in self._owners[key]:
                index: int | None = first
                if name[0] == "=":
                    index = self._cased_field(name, fields, first)
                known = named.get(entity_id)
                if index is None or (known is not None and known[0] <= index):
                    continue
                field = fields[index][0]
                named[entity_id] = (index, field, name)
                weights[entity_id] = FIELD_WEIGHTS[field] * weight
        ranked = sorted(named, key=lambda entity_id: (-weights[entity_id], named[entity_id][0]))
        return tuple(
            Found(entity_id, round(weights[entity_id], 3), *named[entity_id][1:])
            for entity_id in ranked
        )

    def _outermost(self, places: dict[int, int]) -> dict[int, int]:
        """The places less those inside a company's name found there (`Powell` in `Powell
        Industries` is the company, not the Fed chair)."""
        lengths, covers = self._lengths, self._covers
        spans = [(end - lengths[key], end) for key, end in places.items() if covers[key]]
        if not spans:
            return places
        return {
            key: end
            for key, end in places.items()
            if covers[key]
            or not any(start <= end - lengths[key] and end <= stop for start, stop in spans)
        }

    def _cased_field(
        self, name: str, fields: tuple[tuple[str, str], ...], start: int
    ) -> int | None:
        """The first field from `start` on where a `=Name` occurs with its case, if any."""
        for index in range(start, len(fields)):
            text = fields[index][1]
            if self._cased_in(name, text):
                return index
            # Accents are removed (costly) only when the raw text shows no plain spelling of
            # the name's first word in any case: then the folded hit came from accents.
            if text.isascii() or name[1:].split()[0].casefold() in text.casefold():
                continue
            if self._cased_in(name, analysis.strip_accents(text)):
                return index
        return None

    def _cased_in(self, name: str, text: str) -> bool:
        """Whether a `=Name` occurs in the text with its case, as whole words."""
        pattern = self._exact.get(name)
        words = analysis.cased_words(name[1:])
        if pattern is None:
            joined = r"[\W_]+".join(re.escape(word) for word in words)
            pattern = self._exact[name] = re.compile(rf"{joined}(?![^\W_])")
        # Found from its first word: a look-behind would make `re` try every position.
        at = text.find(words[0])
        while at >= 0:
            if (at == 0 or not text[at - 1].isalnum()) and pattern.match(text, at):
                return True
            at = text.find(words[0], at + 1)
        return False


def _joined_stream(title: str, lead: str, rest: str, folded: tuple[str | None, str | None]) -> str:
    """The word stream of the fields joined by a word no name holds: no name spans two
    fields, and where the word stands says where each field ends."""
    title_stream, lead_stream = folded
    joined_length = len(title) + len(lead) + len(rest) + 2 * len(_FIELD_BREAK)
    if title_stream is None or lead_stream is None or joined_length > analysis.FIELD_CAP:
        return analysis.word_stream(_FIELD_BREAK.join((title, lead, rest)))
    # Each field's stream is ` w1 w2 ` (` ` for none): joined by the word, they are the
    # stream of the joined text, as folding never joins characters across a line break.
    return _BREAK_WORD.join((title_stream, lead_stream, analysis.word_stream(rest)))


def name_key(name: str) -> str:
    """What the automaton looks for: ` w1 w2 ` over folded words, or the bare folded text of
    a name in a script written without spaces."""
    if _UNSPACED.search(name):
        return "".join(analysis.words(name))
    words = analysis.words(name)
    return f" {' '.join(words)} " if words else ""


_COMPANY_KINDS = frozenset({"listed", "company"})


def _kind_weight(kind: str) -> float:
    if kind == "listed":
        return _LISTED_WEIGHT
    return _MARKET_WEIGHT if kind in MARKET_KINDS else _DRIVER_WEIGHT


@cache
def shipped_finder() -> EntityFinder:
    """The finder of the shipped knowledge base, built once per process."""
    return EntityFinder(shipped())


class _LiveFinder:
    """The finder of the knowledge base the rules were last loaded with (the shipped base
    with the operator's file): what the alert's 💹 line reads. Rebuilt only when a reload
    changes the knowledge, at the reload, not on an alert's path."""

    __slots__ = ("_finder", "_lock")

    def __init__(self) -> None:
        self._finder: EntityFinder | None = None
        self._lock = threading.Lock()

    def publish(self, knowledge: Knowledge) -> None:
        """Alerts read this knowledge base from now on."""
        with self._lock:
            current = self._finder or shipped_finder()
            if knowledge is current.knowledge or knowledge.entities == current.knowledge.entities:
                self._finder = current
                return
            shipped_one = shipped_finder()
            same_as_shipped = knowledge.entities == shipped_one.knowledge.entities
            self._finder = shipped_one if same_as_shipped else EntityFinder(knowledge)

    def get(self) -> EntityFinder:
        """The finder of the knowledge base last published (the shipped one before any)."""
        return self._finder or shipped_finder()


_LIVE = _LiveFinder()


def publish_knowledge(knowledge: Knowledge) -> None:
    """Make this knowledge base, just loaded with the rules, the one alerts read."""
    _LIVE.publish(knowledge)


def live_finder() -> EntityFinder:
    """The finder of the knowledge base the rules were last loaded with."""
    return _LIVE.get()
