"""Live rule reload: a good file replaces its old version, a broken one keeps the last good."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bot.knowledge.finder import shipped_finder
from bot.knowledge.rule_sets import rule_knowledge
from bot.rules import Problem, RuleBook, Topic, load_rulebook
from bot.wording import count

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Reload:
    """What one reload changed."""

    book: RuleBook
    problems: tuple[Problem, ...]
    new_problems: tuple[Problem, ...]  # not reported before: admins hear of these once
    added_topics: frozenset[str] = field(default_factory=frozenset)
    removed_topics: frozenset[str] = field(default_factory=frozenset)
    first: bool = False  # the load at start, not a reload
    seconds: float = 0.0  # reading and compiling, while the previous book went on serving

    def summary(self) -> str:
        """One line for the log and for `/reload`."""
        rules = sum(len(getattr(f, "rules", ())) for f in self.book.files.values())
        verb = "loaded" if self.first else "reloaded"
        text = f"Rules {verb}: {count(len(self.book.topics), 'topic')}"
        if rules:
            text += f", {count(rules, 'rule')}"
        if self.added_topics and not self.first:
            text += f"; new: {', '.join(sorted(self.added_topics))}"
        if self.removed_topics:
            text += f"; removed: {', '.join(sorted(self.removed_topics))}"
        if self.problems:
            text += f"; {count(len(self.problems), 'problem')}, last good versions kept"
        return text + f"; compiled in {self.seconds:.2f}s"


class RuleReloader:
    """Holds the live rule book; each reload swaps it whole, so matching never sees a mix."""

    def __init__(self, rules_dir: Path) -> None:
        self.rules_dir = rules_dir
        self.book = RuleBook.empty()
        self.problems: tuple[Problem, ...] = ()
        self._reported: set[tuple[str, str]] = set()
        self._lock = threading.Lock()
        self._loaded = False

    def topics(self) -> Mapping[str, Topic]:
        """The topics of the rules in force now (they reload at runtime)."""
        return self.book.topics

    def reload(self) -> Reload:
        """Read every rule file again; broken files keep their last good version.

        Matching goes on with the previous book until the new one is compiled: `book` is
        replaced whole, once, at the end.
        """
        with self._lock:
            started = time.perf_counter()
            first, self._loaded = not self._loaded, True
            previous = self.book
            # The operator's knowledge file beside the rules is read with them: `@@id` terms
            # see its entities, and its problems are told like those of rule files.
            _, entities, knowledge_problems = rule_knowledge(self.rules_dir)
            book, problems = load_rulebook(self.rules_dir, previous=previous, entities=entities)
            problems = [*problems, *knowledge_problems]
            self.book, self.problems = book, tuple(problems)
            seconds = time.perf_counter() - started
            # A problem is known by file and message, not position: an edit that only moves
            # the same mistake to another line is not news. A fixed problem is forgotten, so
            # the same mistake made again later is reported again.
            fresh = tuple(p for p in problems if (p.path, p.message) not in self._reported)
            self._reported = {(p.path, p.message) for p in problems}
        if first:
            shipped_finder()  # compiled now, at start, rather than on the first alert's path
        for problem in fresh:
            log.error("rule file problem: %s", problem)
        return Reload(
            book=book,
            problems=tuple(problems),
            new_problems=fresh,
            added_topics=frozenset(book.topics) - frozenset(previous.topics),
            removed_topics=frozenset(previous.topics) - frozenset(book.topics),
            first=first,
            seconds=seconds,
        )
