"""Every `/.../` pattern runs on RE2 only (linear time), in sets small enough to compile.

RE2 compiles a set of patterns into one program whose DFA must fit in a fixed memory
budget; past it the set fails as a whole (`failed to compile Set`). Patterns are therefore
packed into sets of bounded cost, a set that still fails is split, and a pattern that fits
no set is searched on its own (RE2 falls back to its NFA: slower, still linear).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import lru_cache

import re2

log = logging.getLogger(__name__)

# A pattern's cost is the size of its RE2 program (instructions; `\pL{100}` 119,704,
# `\pL{10}` 11,975, `\bOPEC\+?\b` 12), and every instruction can be work for each byte.
# Measured: sets costing up to about 120,000 in all compile, sets of 180,000 fail RE2's
# memory check (two `\pL{100}`, five `\pL{30}`, sixteen `\pL{10}`).
MAX_COST = 20_000  # one pattern, checked where it is written
SET_COST = 60_000  # one set, half of what compiles
# All of one chat's watches together: a chat cannot fill the process's memory with sets
# (1,000 patterns near MAX_COST took 334 sets, 616 MB and 17 s to compile).
CHAT_COST = 2 * MAX_COST


def regex_options() -> re2.Options:
    """How every pattern is compiled: case-insensitive, errors returned rather than logged."""
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False
    return options


@lru_cache(maxsize=4096)
def compiled(pattern: str) -> re2._Regexp:
    """The pattern compiled alone by RE2; re2.error when it does not compile."""
    return re2.compile(pattern, regex_options())


def regex_cost(pattern: str) -> int:
    """The size of the pattern's RE2 program; re2.error when it does not compile."""
    return int(compiled(pattern).programsize)


class RegexFinder:
    """Which of a rule book's patterns occur in a text: a few RE2 sets, each searched once."""

    __slots__ = ("_alone", "_sets", "left_out")

    def __init__(self, patterns: Sequence[str]) -> None:
        """Patterns in the order of their ids (the id of a pattern is its position)."""
        self._sets: list[tuple[re2.Set, tuple[int, ...]]] = []
        self._alone: list[tuple[re2._Regexp, int]] = []
        self.left_out: list[str] = []  # patterns RE2 cannot compile at all: never found
        for group in _packed(patterns):
            self._compile(patterns, group)

    def find(self, text: str) -> frozenset[int]:
        """Ids of the patterns found in the text."""
        data = text.encode("utf-8")
        found: set[int] = set()
        for regex_set, ids in self._sets:
            found.update(ids[local] for local in regex_set.Match(data) or ())
        for regex, index in self._alone:
            if regex.search(data) is not None:
                found.add(index)
        return frozenset(found)

    @property
    def set_count(self) -> int:
        """RE2 sets searched per text (patterns searched alone not counted)."""
        return len(self._sets)

    def _compile(self, patterns: Sequence[str], ids: list[int]) -> None:
        regex_set = re2.Set.SearchSet(regex_options())
        try:
            for index in ids:
                regex_set.Add(patterns[index])
            regex_set.Compile()
        except re2.error:
            if len(ids) > 1:  # the cost estimate was wrong for this mix: halve it
                middle = len(ids) // 2
                self._compile(patterns, ids[:middle])
                self._compile(patterns, ids[middle:])
                return
            self._compile_alone(patterns[ids[0]], ids[0])
            return
        self._sets.append((regex_set, tuple(ids)))

    def _compile_alone(self, pattern: str, index: int) -> None:
        try:
            self._alone.append((compiled(pattern), index))
        except re2.error as error:
            log.warning("regex /%s/ left out: RE2 cannot compile it (%s)", pattern, error)
            self.left_out.append(pattern)


def _packed(patterns: Sequence[str]) -> list[list[int]]:
    """Ids of the patterns in groups of at most SET_COST each (a costlier one alone)."""
    groups: list[list[int]] = []
    current: list[int] = []
    used = 0
    for index, pattern in enumerate(patterns):
        try:
            cost = regex_cost(pattern)
        except re2.error:
            cost = SET_COST  # fails alone too: `_compile_alone` reports it
        if current and used + cost > SET_COST:
            groups.append(current)
            current, used = [], 0
        current.append(index)
        used += cost
    if current:
        groups.append(current)
    return groups


__all__ = ["MAX_COST", "SET_COST", "RegexFinder", "compiled", "regex_cost", "regex_options"]
