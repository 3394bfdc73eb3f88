"""The compiled rule book: one automaton pass per field, then only the candidate rules."""

from __future__ import annotations

import gc
import hashlib
import logging
import os
import threading
from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass, replace
from itertools import compress
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, NamedTuple

import hyperscan

from bot.article import Article
from bot.rules import analysis
from bot.rules.regexes import RegexFinder, compiled

log = logging.getLogger(__name__)

TITLE, SUMMARY, BODY = 1, 2, 4
ALL_FIELDS = TITLE | SUMMARY | BODY
FIELD_BITS = {"title": TITLE, "summary": SUMMARY, "body": BODY}
_BITS = (TITLE, SUMMARY, BODY)
# (first word, last word) of one occurrence of a keyword in a field's word stream.
Span = tuple[int, int]


class Occurrences(NamedTuple):
    """Where one `near` item occurs in one field, in order of first word."""

    starts: list[int]  # first word of each occurrence
    nearest_ends: list[int]  # for each, the smallest last word of it and every later one


@dataclass(frozen=True, slots=True)
class Topic:
    """A topic users subscribe to: one topic file."""

    id: str
    title: str
    description: str
    emoji: str
    path: str
    # The labels-file topics it answers for (`labels:`); its own id when the file names none.
    labels: tuple[str, ...] = ()


class Match(NamedTuple):
    """One rule that matched an article, with the terms (as written) that held."""

    topic: str
    rule: str
    priority: str
    status: str
    terms: tuple[str, ...]


class Context:
    """One article, analysed once: word streams, keys seen per field, tickers, regex hits."""

    __slots__ = (
        "_atoms",
        "_cased",
        "_occurrences",
        "_unions",
        "article",
        "keys",
        "raw",
        "regex",
        "streams",
        "tickers",
    )

    def __init__(
        self,
        article: Article,
        streams: tuple[str, str, str],
        keys: tuple[set[int], set[int], set[int]],
        regex: tuple[frozenset[int], frozenset[int], frozenset[int]],
    ) -> None:
        self.article = article
        self.raw = (article.title, article.summary, article.body)
        self.streams = streams
        self.keys = keys
        self.regex = regex
        self.tickers = article.tickers
        self._unions: dict[int, set[int]] = {ALL_FIELDS: keys[0] | keys[1] | keys[2]}
        self._atoms: dict[int, set[object]] = {}
        self._cased: list[str | None] = [None, None, None]
        self._occurrences: dict[tuple[int, tuple[str, ...]], Occurrences | None] = {}

    def keys_in(self, mask: int) -> set[int]:
        """Key ids seen in the fields of the mask."""
        found = self._unions.get(mask)
        if found is None:
            found = set().union(*(self.keys[i] for i, bit in enumerate(_BITS) if mask & bit))
            self._unions[mask] = found
        return found

    def atoms_in(self, mask: int) -> set[object]:
        """Key ids seen in the fields of the mask, and the article's ticker symbols."""
        found = self._atoms.get(mask)
        if found is None:
            keys: set[object] = self.keys_in(mask)  # type: ignore[assignment]
            found = self._atoms[mask] = keys | self.tickers if self.tickers else keys
        return found

    def cased(self, index: int) -> str:
        """The case-kept word stream of one field, computed on first use."""
        found = self._cased[index]
        if found is None:
            found = self._cased[index] = analysis.cased_stream(self.raw[index])
        return found

    def occurrences(self, index: int, alts: tuple[Word | Exact, ...]) -> Occurrences | None:
        """Where any of these keywords occurs in one field (None: nowhere); found once per
        article, as many `near` conditions share their words."""
        cache_key = (index, tuple(_cache_key(alt) for alt in alts))
        if cache_key in self._occurrences:
            return self._occurrences[cache_key]
        spans: list[Span] = []
        for alt in alts:
            if alt.key in self.keys[index]:
                if isinstance(alt, Exact):
                    spans.extend(_spans(self.cased(index), alt.cased_key))
                else:
                    spans.extend(_spans(self.streams[index], alt.pattern))
        if len(alts) > 1:
            spans.sort()
        found = _as_occurrences(spans) if spans else None
        self._occurrences[cache_key] = found
        return found

    def regex_in(self, mask: int) -> frozenset[int]:
        """Regex ids found in the raw text of the fields of the mask."""
        return frozenset().union(*(self.regex[i] for i, bit in enumerate(_BITS) if mask & bit))


def _spans(stream: str, key: str) -> list[Span]:
    """(first word, last word) of every occurrence of a key in a word stream, in order."""
    width = key.strip(" ").count(" ")
    found: list[Span] = []
    pos, words_before, counted = stream.find(key), 0, 0
    while pos >= 0:
        # A key starts at the space before its first word: spaces up to it number the word.
        words_before += stream.count(" ", counted, pos + 1)
        counted = pos + 1
        found.append((words_before - 1, words_before - 1 + width))
        pos = stream.find(key, pos + 1)
    return found


def _as_occurrences(spans: list[Span]) -> Occurrences:
    nearest_ends = [end for _, end in spans]
    for p in range(len(nearest_ends) - 2, -1, -1):
        if nearest_ends[p + 1] < nearest_ends[p]:
            nearest_ends[p] = nearest_ends[p + 1]
    return Occurrences([start for start, _ in spans], nearest_ends)


def _cache_key(word: Word | Exact) -> str:
    return "=" + word.cased_key if isinstance(word, Exact) else word.pattern


class Node:
    """A compiled condition."""

    __slots__ = ()

    def holds(self, ctx: Context) -> bool:
        """Whether the condition holds for the article."""
        raise NotImplementedError

    def terms(self, ctx: Context, out: list[str]) -> None:
        """Append the terms, as written, that held; called only when the node holds."""
        raise NotImplementedError

    def describe(self) -> str:
        """The condition as an operator wrote it, shortened."""
        raise NotImplementedError


class Word(Node):
    """A keyword, phrase or prefix, found by the automaton."""

    __slots__ = ("key", "mask", "pattern", "text")

    def __init__(self, text: str, key: int, pattern: str, mask: int) -> None:
        self.text, self.key, self.pattern, self.mask = text, key, pattern, mask

    def holds(self, ctx: Context) -> bool:
        return self.key in ctx.keys_in(self.mask)

    def terms(self, ctx: Context, out: list[str]) -> None:
        out.append(self.text)

    def describe(self) -> str:
        return self.text


class Exact(Node):
    """An `=` term: found case-insensitively by the automaton, then checked letter for letter."""

    __slots__ = ("cased_key", "key", "mask", "text")

    def __init__(self, text: str, key: int, cased_key: str, mask: int) -> None:
        self.text, self.key, self.cased_key, self.mask = text, key, cased_key, mask

    def holds(self, ctx: Context) -> bool:
        if self.key not in ctx.keys_in(self.mask):
            return False
        return any(
            self.mask & bit and self.key in ctx.keys[i] and self.cased_key in ctx.cased(i)
            for i, bit in enumerate(_BITS)
        )

    def terms(self, ctx: Context, out: list[str]) -> None:
        out.append(self.text)

    def describe(self) -> str:
        return self.text


class Ticker(Node):
    """A `$` term: the symbol is among the article's tickers."""

    __slots__ = ("symbol", "text")

    def __init__(self, text: str, symbol: str) -> None:
        self.text, self.symbol = text, symbol

    def holds(self, ctx: Context) -> bool:
        return self.symbol in ctx.tickers

    def terms(self, ctx: Context, out: list[str]) -> None:
        out.append(self.text)

    def describe(self) -> str:
        return self.text


class Regex(Node):
    """A `/.../` term, searched by one RE2 set over the raw text of each field."""

    __slots__ = ("index", "mask", "text")

    def __init__(self, text: str, index: int, mask: int) -> None:
        self.text, self.index, self.mask = text, index, mask

    def holds(self, ctx: Context) -> bool:
        return self.index in ctx.regex_in(self.mask)

    def terms(self, ctx: Context, out: list[str]) -> None:
        out.append(self.text)

    def describe(self) -> str:
        return self.text


class _Group(Node):
    """Items, with plain keywords and tickers pulled out so they test as one set operation."""

    __slots__ = ("_keys", "_mask", "_rest", "_symbols", "items")

    def __init__(self, items: tuple[Node, ...]) -> None:
        self.items = items
        # One pass: 100,000 watches make some 165,000 groups at start-up.
        keys: list[int] = []
        masks: set[int] = set()
        symbols: list[str] = []
        rest: list[Node] = []
        for item in items:
            kind = type(item)
            if kind is Word:
                keys.append(item.key)  # type: ignore[attr-defined]
                masks.add(item.mask)  # type: ignore[attr-defined]
            elif kind is Ticker:
                symbols.append(item.symbol)  # type: ignore[attr-defined]
            else:
                rest.append(item)
        if len(masks) > 1:  # never from the compiler (one mask per rule); stay correct anyway
            keys = []
            rest = [item for item in items if type(item) is not Ticker]
        self._mask = masks.pop() if len(masks) == 1 else ALL_FIELDS
        self._keys = frozenset(keys)
        self._symbols = frozenset(symbols)
        self._rest = tuple(rest)

    def _any(self, ctx: Context) -> bool:
        if self._keys and not self._keys.isdisjoint(ctx.keys_in(self._mask)):
            return True
        if self._symbols and not self._symbols.isdisjoint(ctx.tickers):
            return True
        return any(item.holds(ctx) for item in self._rest)

    def _all(self, ctx: Context) -> bool:
        if self._keys and not self._keys <= ctx.keys_in(self._mask):
            return False
        if self._symbols and not self._symbols <= ctx.tickers:
            return False
        return all(item.holds(ctx) for item in self._rest)

    def _terms_of_those_held(self, ctx: Context, out: list[str]) -> None:
        for item in self.items:
            if item.holds(ctx):
                item.terms(ctx, out)

    def _describe(self, kind: str) -> str:
        return "{" + kind + ": [" + ", ".join(item.describe() for item in self.items) + "]}"


class SetRef(_Group):
    """An `@` term: holds when any term of the set holds; reports the terms inside that held."""

    __slots__ = ("text",)

    def __init__(self, text: str, items: tuple[Node, ...]) -> None:
        super().__init__(items)
        self.text = text

    def holds(self, ctx: Context) -> bool:
        return self._any(ctx)

    def terms(self, ctx: Context, out: list[str]) -> None:
        self._terms_of_those_held(ctx, out)

    def describe(self) -> str:
        return self.text


class All(_Group):
    """Every item holds."""

    __slots__ = ()

    def holds(self, ctx: Context) -> bool:
        return self._all(ctx)

    def terms(self, ctx: Context, out: list[str]) -> None:
        for item in self.items:
            item.terms(ctx, out)

    def describe(self) -> str:
        return self._describe("all")


class AnyOf(_Group):
    """At least one item holds; every item that holds is reported."""

    __slots__ = ()

    def holds(self, ctx: Context) -> bool:
        return self._any(ctx)

    def terms(self, ctx: Context, out: list[str]) -> None:
        self._terms_of_those_held(ctx, out)

    def describe(self) -> str:
        return self._describe("any")


class NoneOf(_Group):
    """No item holds; reports nothing."""

    __slots__ = ()

    def holds(self, ctx: Context) -> bool:
        return not self._any(ctx)

    def terms(self, ctx: Context, out: list[str]) -> None:
        return None

    def describe(self) -> str:
        return self._describe("none")


class Near(Node):
    """Every item occurs, all inside one window of at most `within` words of one field."""

    __slots__ = ("alternatives", "items", "mask", "within")

    def __init__(
        self,
        items: tuple[Node, ...],
        alternatives: tuple[tuple[Word | Exact, ...], ...],
        within: int,
        mask: int,
    ) -> None:
        self.items, self.alternatives, self.within, self.mask = items, alternatives, within, mask

    def holds(self, ctx: Context) -> bool:
        return self._window(ctx)

    def terms(self, ctx: Context, out: list[str]) -> None:
        # A set item reports its terms found in the rule's fields, as a set does anywhere else.
        for item in self.items:
            item.terms(ctx, out) if isinstance(item, SetRef) else out.append(item.describe())

    def describe(self) -> str:
        names = ", ".join(item.describe() for item in self.items)
        return f"{{near: [{names}], within: {self.within}}}"

    def _window(self, ctx: Context) -> bool:
        """Whether one window of at most `within` words of one field holds every item."""
        seen = ctx.keys_in(self.mask)
        if not all(any(alt.key in seen for alt in alts) for alts in self.alternatives):
            return False
        for index, bit in enumerate(_BITS):
            if not self.mask & bit:
                continue
            items = [ctx.occurrences(index, alts) for alts in self.alternatives]
            present = [item for item in items if item is not None]
            if len(present) == len(items) and _fits(present, self.within):
                return True
        return False


def _fits(items: list[Occurrences], within: int) -> bool:
    """Whether a window of `within` words holds an occurrence of every item.

    A window starting at word `s` holds an item when, of its occurrences starting at `s` or
    later, the one ending first ends inside. That end only grows with `s`, so when an item
    does not fit, no window starting before its end minus `within` does either: the sweep
    jumps there, then to the next start of any item. Each start is looked at once at most,
    with a binary search per item: the work grows with the occurrences (times a logarithm),
    where trying every start against every occurrence grew with their square.
    """
    first = min(item.starts[0] for item in items)
    while True:
        last = first + within - 1
        for starts, nearest_ends in items:
            p = bisect_left(starts, first)
            if p == len(starts):
                return False  # this item occurs nowhere from here on
            if nearest_ends[p] > last:
                after = max(first + 1, nearest_ends[p] - within + 1)
                break
        else:
            return True
        following = [
            starts[p] for starts, _ in items if (p := bisect_left(starts, after)) < len(starts)
        ]
        if len(following) < len(items):
            return False
        first = min(following)


@dataclass(frozen=True, slots=True)
class LinkFilter:
    """A rule's `links:`: RE2 patterns searched case-insensitively in the article's link.

    Checked only once the rule's terms held: a filter after the match, never a trigger.
    """

    any: tuple[str, ...]
    none: tuple[str, ...]

    def refusal(self, link: str | None) -> str | None:
        """Why the link refuses the rule (a sentence for `newsbot match`); None if it admits it."""
        text = link or ""
        for pattern in self.none:
            if compiled(pattern).search(text) is not None:
                return f"link matches `links: none` pattern {pattern!r}"
        if self.any and not any(compiled(p).search(text) is not None for p in self.any):
            shown = ", ".join(repr(p) for p in self.any)
            return f"link matches no `links: any` pattern ({shown})" if text else "no link"
        return None


@dataclass(frozen=True, slots=True)
class Rule:
    """One compiled rule."""

    topic: str
    name: str
    priority: str
    status: str
    path: str
    line: int
    mask: int
    sources: frozenset[str]
    all: All | None
    any: AnyOf | None
    none: NoneOf | None
    spec: Any
    links: LinkFilter | None = None

    def holds(self, ctx: Context) -> bool:
        """Whether the rule matches the analysed article."""
        if self.sources and ctx.article.source.casefold() not in self.sources:
            return False
        if self.all is not None and not self.all.holds(ctx):
            return False
        if self.any is not None and not self.any.holds(ctx):
            return False
        if self.none is not None and not self.none.holds(ctx):
            return False
        return self.links is None or self.links.refusal(ctx.article.link) is None

    def matched_terms(self, ctx: Context) -> tuple[str, ...]:
        """The terms that held, as written, deduplicated, `all` before `any`."""
        out: list[str] = []
        if self.all is not None:
            self.all.terms(ctx, out)
        if self.any is not None:
            self.any.terms(ctx, out)
        return tuple(dict.fromkeys(out))


# One keyword or ticker of a flat rule: (is a ticker, key or symbol, text as written).
_Leaf = tuple[bool, object, str]


class _Flat:
    """A rule of keywords and tickers, directly or in sets and nested `any` groups of them,
    tested with set operations alone.

    Most rules have this shape. An item that holds when any of its keywords or tickers does
    reports exactly those that held, in order (a set, an `any`), so the rule holds and
    reports the same terms as the node tree (`Rule.holds`, `Rule.matched_terms`) at a
    fraction of the calls.
    """

    __slots__ = (
        "_all",
        "_all_leaves",
        "_all_terms",
        "_any",
        "_any_atoms",
        "_distinct",
        "_fixed",
        "_groups",
        "_mask",
        "_none",
        "rule",
    )

    def __init__(
        self, rule: Rule, all_items: list[list[_Leaf]], any_items: list[list[_Leaf]]
    ) -> None:
        # Keys (int) and ticker symbols (str) are tested in one set of atoms per article.
        none_leaves = [leaf for item in _flat_items(rule.none) or () for leaf in item]
        self._mask = rule.mask
        self._all = frozenset(item[0][1] for item in all_items if len(item) == 1)
        # Items of several leaves: at least one of each holds.
        self._groups = tuple(
            frozenset(value for _, value, _ in item) for item in all_items if len(item) != 1
        )
        self._all_leaves = tuple((value, text) for item in all_items for _, value, text in item)
        # When every item is one leaf, every one of them held: the terms are known.
        self._all_terms = (
            None if self._groups else tuple(dict.fromkeys(t for _, t in self._all_leaves))
        )
        self._any = tuple((value, text) for item in any_items for _, value, text in item)
        self._any_atoms = frozenset(value for value, _ in self._any)
        self._none = frozenset(value for _, value, _ in none_leaves)
        texts = [text for _, text in (*self._all_leaves, *self._any)]
        self._distinct = len(set(texts)) == len(texts)  # no term to report twice
        self.rule = rule
        # Without `any` and groups, the rule reports the same terms whenever it holds.
        self._fixed = (
            self._match(self._all_terms) if self._all_terms is not None and not self._any else None
        )

    def _match(self, terms: tuple[str, ...]) -> Match:
        rule = self.rule
        return Match(rule.topic, rule.name, rule.priority, rule.status, terms)

    @staticmethod
    def of(rule: Rule) -> _Flat | None:
        """The flat form of the rule, or None when it needs the node tree."""
        if rule.sources:
            return None
        all_items, any_items = _flat_items(rule.all), _flat_items(rule.any)
        if all_items is None or any_items is None or _flat_items(rule.none) is None:
            return None
        return _Flat(rule, all_items, any_items)

    def match_if_holds(self, ctx: Context) -> Match | None:
        """The rule's match with the terms that held, as `Rule.matched_terms` gives them;
        None if the rule fails (its `links:` are left to the caller)."""
        seen = ctx.atoms_in(self._mask)
        if not (self._all <= seen and self._none.isdisjoint(seen)):
            return None
        for group in self._groups:
            if group.isdisjoint(seen):
                return None
        any_ = self._any
        if any_ and self._any_atoms.isdisjoint(seen):
            return None
        if self._fixed is not None:
            return self._fixed
        all_terms = self._all_terms
        if all_terms is not None:
            held = [*all_terms]
        else:
            held = [text for value, text in self._all_leaves if value in seen]
        held += [text for value, text in any_ if value in seen]
        return self._match(tuple(held) if self._distinct else tuple(dict.fromkeys(held)))


# One flat rule's clauses, as `_FlatProgram` indexes them: the atoms of each `all` item and,
# when the rule has `any`, the atoms of every `any` item as one more clause; every clause must
# see one of its atoms. Then the atoms of `none`, none of which may be seen, and the leaves.
_Clauses = tuple[list[frozenset[object]], frozenset[object], list["_Leaf"]]


class _FlatProgram:
    """Every flat rule of a book (see `_Flat`) decided at once by set operations on the atoms
    an article holds, without a Python step per candidate rule.

    Rules are grouped by their fields and by how many clauses they have (k). For each group
    and each clause position j < k, an index maps an atom to the rules whose j-th clause holds
    it; a rule of the group holds when the atoms seen reach it through every position (the
    intersection of k unions), and no `none` atom of it is seen. A rule's `Match` is made only
    when it holds: the same one each time for a rule whose terms cannot vary.
    """

    __slots__ = ("_groups", "_links", "_records", "rules")

    def __init__(self, rules: tuple[Rule, ...]) -> None:
        # mask -> clause count -> per position: atom -> rule indexes
        positions: dict[int, dict[int, list[dict[object, list[int]]]]] = {}
        vetoes: dict[int, dict[object, list[int]]] = {}
        # Per rule, its match when its terms cannot vary, else how to find them.
        self._records: dict[int, Match | _Varying] = {}
        self._links: dict[int, LinkFilter] = {}
        records = self._records
        flat: list[int] = []
        for index, rule in enumerate(rules):
            clauses = _clauses_of(rule)
            if clauses is None:
                continue
            positive, none, leaves = clauses
            flat.append(index)
            mask = rule.mask
            by_count = positions.get(mask)
            if by_count is None:
                by_count = positions[mask] = {}
            slots = by_count.get(len(positive))
            if slots is None:
                slots = by_count[len(positive)] = [{} for _ in positive]
            for slot, atoms in zip(slots, positive, strict=True):
                for atom in atoms:
                    found = slot.get(atom)
                    if found is None:
                        slot[atom] = [index]
                    else:
                        found.append(index)
            if none:
                veto = vetoes.setdefault(mask, {})
                for atom in none:
                    veto.setdefault(atom, []).append(index)
            if rule.links is not None:
                self._links[index] = rule.links
            texts = tuple([text for _, _, text in leaves])
            head = (rule.topic, rule.name, rule.priority, rule.status)
            if all(len(atoms) == 1 for atoms in positive):  # every leaf holds when it does
                records[index] = _new_match(Match, (*head, tuple(dict.fromkeys(texts))))
            else:
                values = tuple([value for _, value, _ in leaves])
                distinct = len(set(texts)) == len(texts)
                records[index] = _Varying(mask, values, texts, distinct, head, {})
        self.rules = frozenset(flat)
        self._groups = tuple(
            (
                mask,
                tuple(
                    tuple((_frozen_index(slot), frozenset(slot)) for slot in slots)
                    for _, slots in sorted(by_count.items())
                ),
                _frozen_index(vetoes.get(mask, {})),
                frozenset(vetoes.get(mask, {})),
            )
            for mask, by_count in sorted(positions.items())
        )

    def holding(self, ctx: Context) -> set[int]:
        """Indexes of the flat rules that hold for the article (their `links:` not asked)."""
        held: set[int] = set()
        for mask, groups, veto_index, veto_atoms in self._groups:
            atoms = ctx.atoms_in(mask)
            of_mask: set[int] = set()
            for slots in groups:
                found: set[int] | None = None
                for slot_index, slot_atoms in slots:
                    seen = slot_atoms & atoms
                    if not seen:
                        found = None
                        break
                    reached = set().union(*map(slot_index.__getitem__, seen))
                    if found is None:
                        found = reached
                    else:
                        found &= reached
                        if not found:
                            break
                if found:
                    of_mask |= found
            if of_mask and veto_atoms:
                vetoed = veto_atoms & atoms
                if vetoed:
                    of_mask.difference_update(*map(veto_index.__getitem__, vetoed))
            held |= of_mask
        return held

    def refused(self, held: set[int], link: str | None) -> set[int]:
        """The held rules whose `links:` refuse the article's link."""
        links = self._links
        if not links:
            return set()
        return {index for index in held if index in links and links[index].refusal(link)}

    def matches(self, held: list[int], ctx: Context) -> list[Match]:
        """The `Match` of each held rule, with its terms as `Rule.matched_terms` gives them."""
        records = self._records
        atoms_in = ctx.atoms_in
        out: list[Match] = []
        for index in held:
            record = records[index]
            if not isinstance(record, _Varying):
                out.append(record)
                continue
            mask, values, _, _, _, made_before = record
            seen = tuple(map(atoms_in(mask).__contains__, values))
            made = made_before.get(seen)
            if made is None:
                made = _varying_match(record, seen)
            out.append(made)
        return out


def _varying_match(record: _Varying, seen: tuple[bool, ...]) -> Match:
    """The match of a rule whose leaves `seen` says are seen, kept for the next time."""
    terms = tuple(compress(record.texts, seen))
    made = _new_match(Match, (*record.head, terms if record.distinct else (*dict.fromkeys(terms),)))
    if len(record.made) < _MADE_PER_RULE:
        record.made[seen] = made
    return made


# Matches kept per rule, one per combination of its leaves seen: all of them for rules of up
# to 8 leaves; a rule naming a big set keeps the first ones.
_MADE_PER_RULE = 256


class _Varying(NamedTuple):
    """How a flat rule whose terms vary with the article reports them."""

    mask: int
    values: tuple[object, ...]  # each leaf's key or symbol, in report order
    texts: tuple[str, ...]  # each leaf as written
    distinct: bool  # no text comes twice
    head: tuple[str, str, str, str]  # topic, rule, priority, status
    made: dict[tuple[bool, ...], Match]  # by which leaves were seen: matches made before


_new_match = tuple.__new__


def _frozen_index(index: dict[object, list[int]]) -> dict[object, tuple[int, ...]]:
    return {atom: tuple(indexes) for atom, indexes in index.items()}


def _clauses_of(rule: Rule) -> _Clauses | None:
    """The rule's clauses when it is flat and needs at least one atom seen, with its positive
    leaves in report order; None otherwise."""
    if rule.sources:
        return None
    all_items, any_items = _flat_items(rule.all), _flat_items(rule.any)
    none_items = _flat_items(rule.none)
    if all_items is None or any_items is None or none_items is None:
        return None
    positive = [frozenset([value for _, value, _ in item]) for item in all_items]
    if any_items:
        positive.append(frozenset([value for item in any_items for _, value, _ in item]))
    if not positive:
        return None  # holds with nothing seen: evaluated for every article, as before
    none = frozenset([value for item in none_items for _, value, _ in item])
    return positive, none, [leaf for item in (*all_items, *any_items) for leaf in item]


def _flat_items(group: _Group | None) -> list[list[_Leaf]] | None:
    """Per item of the group, its keywords and tickers in order; None when an item is more
    than keywords and tickers (an `=` term, a regex, `near`, `all`, `none`)."""
    if group is None:
        return []
    found = []
    for item in group.items:
        leaves = _leaves_of(item)
        if leaves is None:
            return None
        found.append(leaves)
    return found


def _leaves_of(node: Node) -> list[_Leaf] | None:
    """The keywords and tickers of a node that holds when any of them does, in the order its
    terms are reported; None for any other node."""
    kind = type(node)
    if kind is Word:
        return [(False, node.key, node.text)]  # type: ignore[attr-defined]
    if kind is Ticker:
        return [(True, node.symbol, node.text)]  # type: ignore[attr-defined]
    if kind is SetRef or kind is AnyOf:
        found: list[_Leaf] = []
        for item in node.items:  # type: ignore[attr-defined]
            leaves = _leaves_of(item)
            if leaves is None:
                return None
            found.extend(leaves)
        return found
    return None


class KeyFinder:
    """Finds every key of the rule book in a word stream: one Hyperscan pass over its bytes.

    Keys are ` w1 w2 ` (whole words) or ` w1 w2` (last word a prefix) over streams of
    single-space-separated words, so a match always starts and ends on word boundaries.
    Each key is reported once per stream. Measured against pyahocorasick and a Rust
    Aho-Corasick on the 20,261-article archive (bench/match.py, docs/rules.md): at 10,000
    rules a pass costs a half of pyahocorasick's, and the gap grows with the rules.
    """

    __slots__ = ("_database", "_scratch")

    def __init__(self, keys: Mapping[str, int], cache: Path | None = None) -> None:
        """Compile the keys; with a `cache` folder, a database compiled before for exactly
        these keys is read from it instead (compiling 150,000 keys takes seconds)."""
        patterns = [pattern.encode() for pattern in keys]
        ids = list(keys.values())
        database = None
        if cache is not None:
            path = cache / f"keys-{_digest(patterns, ids)}.hs"
            database = _read_database(path)
        if database is None:
            database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
            database.compile(
                expressions=patterns,
                ids=ids,
                elements=len(patterns),
                flags=hyperscan.HS_FLAG_SINGLEMATCH,
                literal=True,
            )
            if cache is not None:
                _write_database(path, database)
        self._database = database
        # A scratch space serves one scan at a time: one per thread that matches.
        self._scratch = threading.local()

    def find(self, stream: str) -> set[int]:
        """Ids of the keys that occur in the word stream."""
        scratch = getattr(self._scratch, "space", None)
        if scratch is None:
            scratch = self._scratch.space = hyperscan.Scratch(self._database)
        found: set[int] = set()
        add = found.add

        def seen(key: int, _start: int, _end: int, _flags: int, _context: object) -> None:
            add(key)

        self._database.scan(stream.encode(), seen, scratch=scratch)
        return found


# A cached database file: this mark, the SHA-256 of the serialized database, the database.
_CACHE_MARK = b"newsbot-keys-1\n"
_CACHE_KEPT = 3  # database files kept in the cache folder (the newest)


def _digest(patterns: list[bytes], ids: list[int]) -> str:
    """What identifies a database: Hyperscan's version, the flags, every key and its id."""
    digest = hashlib.sha256(_CACHE_MARK + str(getattr(hyperscan, "__version__", "")).encode())
    digest.update(str(hyperscan.HS_FLAG_SINGLEMATCH).encode())
    for pattern, key in zip(patterns, ids, strict=True):
        digest.update(b"%d\0%s\0" % (key, pattern))
    return digest.hexdigest()[:40]


def _read_database(path: Path) -> Any | None:
    """The database cached at the path, or None (absent, unreadable or not intact).

    Hyperscan loads damaged bytes without a word, so the file carries their checksum.
    """
    try:
        data = path.read_bytes()
    except OSError:
        return None
    head = len(_CACHE_MARK)
    blob = data[head + 32 :]
    if data[:head] != _CACHE_MARK or hashlib.sha256(blob).digest() != data[head : head + 32]:
        log.warning("key database cache %s is damaged; compiling again", path)
        return None
    try:
        return hyperscan.loadb(blob, hyperscan.HS_MODE_BLOCK)
    except hyperscan.error as error:
        log.warning("key database cache %s not loaded (%s); compiling again", path, error)
        return None


def _write_database(path: Path, database: Any) -> None:
    """Cache the database at the path (written whole, then renamed); keep only the newest."""
    blob = hyperscan.dumpb(database)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        partial = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
        partial.write_bytes(_CACHE_MARK + hashlib.sha256(blob).digest() + blob)
        partial.replace(path)
        older = sorted(path.parent.glob("keys-*.hs"), key=_modified, reverse=True)
        for old in older[_CACHE_KEPT:]:
            old.unlink(missing_ok=True)
    except OSError as error:  # a cache only: matching goes on, the next start compiles
        log.warning("key database not cached in %s: %s", path.parent, error)


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def article_streams(article: Article) -> tuple[str, str, str]:
    """The analysed word streams of title, summary and body; independent of any rule book."""
    return (
        analysis.word_stream(article.title),
        analysis.word_stream(article.summary),
        analysis.word_stream(article.body),
    )


def _without_empty(index: Mapping[Any, tuple[int, ...]]) -> dict[Any, tuple[int, ...]]:
    return {key: value for key, value in index.items() if value}


@dataclass(frozen=True, slots=True)
class _Compiled:
    """What `RuleBook.match` runs: the flat rules' program, and the other rules by trigger."""

    program: _FlatProgram
    key_rules: dict[int, tuple[int, ...]]
    ticker_rules: dict[str, tuple[int, ...]]
    regex_rules: dict[int, tuple[int, ...]]
    always: frozenset[int]
    trigger_keys: frozenset[int]

    def others(self, ctx: Context) -> list[int]:
        """Indexes of the rules outside the program worth evaluating, in order."""
        return _triggered(
            ctx,
            self.always,
            self.key_rules,
            self.trigger_keys,
            self.ticker_rules,
            self.regex_rules,
        )


def _triggered(
    ctx: Context,
    always: frozenset[int],
    key_rules: Mapping[int, tuple[int, ...]],
    trigger_keys: frozenset[int],
    ticker_rules: Mapping[str, tuple[int, ...]],
    regex_rules: Mapping[int, tuple[int, ...]],
) -> list[int]:
    """Indexes of the rules some trigger of which the article holds (and those always
    evaluated), in order."""
    found = set(always)
    if key_rules:
        hit = ctx.keys_in(ALL_FIELDS) & trigger_keys
        if hit:
            found.update(*map(key_rules.__getitem__, hit))
    if ticker_rules:
        for symbol in ctx.tickers:
            rules = ticker_rules.get(symbol)
            if rules:
                found.update(rules)
    if regex_rules:
        for index in ctx.regex_in(ALL_FIELDS):
            rules = regex_rules.get(index)
            if rules:
                found.update(rules)
    return sorted(found)


@dataclass(frozen=True, slots=True)
class FileInfo:
    """A rule file that compiled: its text (kept for live reload), topic and rules."""

    path: str
    text: str
    topic: str | None
    rules: tuple[str, ...]
    sets: tuple[str, ...]


class RuleBook:
    """An immutable, compiled set of rule files; `match` is pure and safe to share."""

    __slots__ = (
        "_always",
        "_automaton",
        "_compiled",
        "_flat",
        "_key_rules",
        "_regex_rules",
        "_regexes",
        "_rules",
        "_ticker_rules",
        "_trigger_keys",
        "all_rules",
        "entity_sets",
        "files",
        "topics",
    )

    def __init__(
        self,
        *,
        topics: Mapping[str, Topic],
        files: Mapping[str, FileInfo],
        rules: tuple[Rule, ...],
        all_rules: Mapping[tuple[str, str], Rule],
        automaton: Any,
        key_rules: Mapping[int, tuple[int, ...]],
        ticker_rules: Mapping[str, tuple[int, ...]],
        regex_rules: Mapping[int, tuple[int, ...]],
        always: tuple[int, ...],
        regexes: RegexFinder | None,
        entity_sets: Mapping[str, Any] | None = None,
    ) -> None:
        self.topics: Mapping[str, Topic] = MappingProxyType(dict(topics))
        # The knowledge base's entities as sets `@id` (what `@@id` names), for queries.
        self.entity_sets: Mapping[str, Any] = MappingProxyType(dict(entity_sets or {}))
        self.files: Mapping[str, FileInfo] = MappingProxyType(dict(files))
        self.all_rules: Mapping[tuple[str, str], Rule] = MappingProxyType(dict(all_rules))
        self._rules = rules
        # Each rule's flat form, made when the rule is first a candidate: most of 100,000
        # watches never are in a while, and making them all cost a second at start-up.
        self._flat: list[_Flat | Literal[False] | None] = [False] * len(rules)
        # The flat rules' program and the index of the other rules, made at the first match.
        self._compiled: _Compiled | None = None
        self._automaton = automaton
        self._key_rules = dict(key_rules)
        self._trigger_keys = frozenset(key_rules)
        self._ticker_rules = dict(ticker_rules)
        self._regex_rules = dict(regex_rules)
        self._always = frozenset(always)
        self._regexes = regexes

    @classmethod
    def empty(cls) -> RuleBook:
        """A rule book with no topics and no rules."""
        return cls(
            topics={},
            files={},
            rules=(),
            all_rules={},
            automaton=None,
            key_rules={},
            ticker_rules={},
            regex_rules={},
            always=(),
            regexes=None,
        )

    @property
    def rule_count(self) -> int:
        """Rules that can match (active and test)."""
        return len(self._rules)

    def __repr__(self) -> str:
        return f"RuleBook(topics={len(self.topics)}, rules={len(self._rules)})"

    def analyse(self, article: Article, streams: tuple[str, str, str] | None = None) -> Context:
        """The article against this rule book's automaton and regexes (streams: see `streams`)."""
        raw = (article.title, article.summary, article.body)
        if streams is None:
            streams = article_streams(article)
        finder = self._automaton
        if finder is not None:
            keys = (finder.find(streams[0]), finder.find(streams[1]), finder.find(streams[2]))
        else:
            keys = (set(), set(), set())
        regexes = self._regexes
        if regexes is not None:
            regex = tuple(regexes.find(text[: analysis.FIELD_CAP]) for text in raw)
        else:
            regex = (frozenset(), frozenset(), frozenset())
        return Context(article, streams, keys, regex)  # type: ignore[arg-type]

    def candidates(self, ctx: Context) -> list[int]:
        """Indexes of the rules worth evaluating: some trigger of theirs was seen."""
        return _triggered(
            ctx,
            self._always,
            self._key_rules,
            self._trigger_keys,
            self._ticker_rules,
            self._regex_rules,
        )

    def match(self, article: Article, streams: tuple[str, str, str] | None = None) -> list[Match]:
        """Every active or test rule that matches the article, sorted by (topic, rule).

        `streams` is `article_streams(article)` when the caller already has it (it does not
        depend on the rules, so one analysis serves every reload of the rule book).
        """
        if not self._rules:
            return []
        ctx = self.analyse(article, streams)
        compiled = self._compiled
        if compiled is None:  # a race only makes it twice
            compiled = self._compiled = self._compile()
        program = compiled.program
        held = program.holding(ctx)
        if held:
            held -= program.refused(held, article.link)
        others = self._evaluate(ctx, compiled.others(ctx))
        if not others:
            return program.matches(sorted(held), ctx)
        found = dict(zip(held, program.matches(list(held), ctx), strict=True))
        found.update(others)
        return [found[index] for index in sorted(found)]

    def prepare(self) -> None:
        """Make now what the first match would (the flat rules' program: ~1 s for 100,000
        watches), so that no article waits for it."""
        if self._compiled is not None:
            return
        # As compile_watches: the cyclic collector would walk the whole book again and again.
        collecting = gc.isenabled()
        gc.disable()
        try:
            self._compiled = self._compile()
        finally:
            if collecting:
                gc.enable()

    def _compile(self) -> _Compiled:
        """The flat rules as one program; the others indexed by their triggers, as before."""
        program = _FlatProgram(self._rules)
        flat = program.rules

        def rest(indexes: tuple[int, ...]) -> tuple[int, ...]:
            return tuple(index for index in indexes if index not in flat)

        key_rules = _without_empty({key: rest(v) for key, v in self._key_rules.items()})
        return _Compiled(
            program,
            key_rules,
            _without_empty({symbol: rest(v) for symbol, v in self._ticker_rules.items()}),
            _without_empty({index: rest(v) for index, v in self._regex_rules.items()}),
            frozenset(self._always - flat),
            frozenset(key_rules),
        )

    def _evaluate(self, ctx: Context, candidates: list[int]) -> dict[int, Match]:
        """The candidate rules (none of them in the flat program) that match, by index."""
        rules, flat = self._rules, self._flat
        out: dict[int, Match] = {}
        for index in candidates:
            fast = flat[index]
            if fast is False:  # not made yet; a race only makes it twice
                fast = flat[index] = _Flat.of(rules[index])
            if fast is not None:
                found = fast.match_if_holds(ctx)
                if found is None:
                    continue
                links = fast.rule.links
                if links is not None and links.refusal(ctx.article.link) is not None:
                    continue
                out[index] = found
                continue
            rule = rules[index]
            if rule.holds(ctx):
                terms = rule.matched_terms(ctx)
                out[index] = Match(rule.topic, rule.name, rule.priority, rule.status, terms)
        return out

    def refused_by_link(self, article: Article) -> list[tuple[Rule, str]]:
        """Rules whose terms held but whose `links:` refused the article, with why."""
        ctx = self.analyse(article)
        out = []
        for index in self.candidates(ctx):
            rule = self._rules[index]
            if rule.links is None:
                continue
            reason = rule.links.refusal(article.link)
            if reason is not None and replace(rule, links=None).holds(ctx):
                out.append((rule, reason))
        return out
