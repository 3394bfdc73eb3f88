"""Rule files: safe YAML with line and column of every node, checked against the schema."""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import PurePath

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.ledger_values import Priority
from bot.rules import analysis
from bot.rules.problems import Problem
from bot.rules.terms import (
    SET_NAME,
    ParsedTerm,
    RegexTerm,
    SetTerm,
    TermError,
    TickerTerm,
    parse_term,
    regex_problem,
)

TOPIC_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
RULE_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")
PRIORITIES = tuple(priority.value for priority in Priority)  # plain strings, lowest first
STATUSES = ("active", "test", "disabled")
MAX_WITHIN = 50
# Aliases can make a small file expand enormously; stop walking long before that hurts.
_MAX_NODES = 200_000

_TAG = "tag:yaml.org,2002:"
_STRING_TAGS = frozenset(_TAG + kind for kind in ("str", "int", "float", "bool", "timestamp"))
_ALLOWED_TAGS = _STRING_TAGS | {_TAG + "null", _TAG + "seq", _TAG + "map"}

_TOPIC_KEYS = ("topic", "title", "description", "emoji", "labels", "sets", "rules")
_SETS_FILE_KEYS = ("sets",)
_RULE_KEYS = (
    "name",
    "priority",
    "status",
    "all",
    "any",
    "none",
    "fields",
    "sources",
    "links",
    "tests",
)
_LINKS_KEYS = ("any", "none")
_CONDITION_KEYS = ("all", "any", "none", "near", "within")
_TESTS_KEYS = ("match", "no_match")
_EXAMPLE_KEYS = ("title", "summary", "body", "tickers", "source", "link")


@dataclass(frozen=True, slots=True)
class Term:
    """A term as written, with where it was written."""

    text: str
    line: int
    column: int

    def parsed(self) -> ParsedTerm:
        """The typed term (the loader only makes Terms of valid term texts)."""
        return parse_term(self.text)

    def set_name(self) -> str | None:
        """The name of the set an `@` term refers to; None for any other term."""
        parsed = self.parsed()
        return parsed.name if isinstance(parsed, SetTerm) else None


@dataclass(frozen=True, slots=True)
class Group:
    """`all`, `any` or `none` with its conditions."""

    kind: str
    items: tuple[Condition, ...]
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class Near:
    """`{near: [...], within: N}`."""

    items: tuple[Term, ...]
    within: int
    line: int
    column: int


Condition = Term | Group | Near


@dataclass(frozen=True, slots=True)
class Example:
    """One `tests` example article."""

    title: str
    summary: str
    body: str
    tickers: tuple[str, ...]
    source: str
    label: str
    line: int
    column: int
    link: str = ""


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """One rule as written."""

    name: str
    priority: str
    status: str
    all: tuple[Condition, ...] | None
    any: tuple[Condition, ...] | None
    none: tuple[Condition, ...]
    fields: tuple[str, ...]
    sources: tuple[str, ...]
    match: tuple[Example, ...]
    no_match: tuple[Example, ...]
    line: int
    column: int
    # `links: {any: [...], none: [...]}`: RE2 patterns, or `@set` terms naming sets of them.
    links_any: tuple[Term, ...] = ()
    links_none: tuple[Term, ...] = ()


@dataclass(frozen=True, slots=True)
class SetSpec:
    """A named list of terms."""

    name: str
    terms: tuple[Term, ...]
    path: str
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class FileSpec:
    """A parsed rule file: a topic file, or a `_` file holding only sets."""

    path: str
    is_topic: bool
    topic: str = ""
    topic_line: int = 1
    topic_column: int = 1
    title: str = ""
    description: str = ""
    emoji: str = ""
    # The guideline topics of a labels file this topic answers for (`backtest --labels`).
    labels: tuple[str, ...] = ()
    sets: dict[str, SetSpec] = field(default_factory=dict)
    rules: tuple[RuleSpec, ...] = ()
    # Every `@set` term written in the file's rules, and those inside `near`, kept even when
    # their rule is broken, so that "unknown set" is reported with the file's other problems.
    references: tuple[Term, ...] = ()
    near_references: tuple[Term, ...] = ()


def is_sets_file(path: str) -> bool:
    """Whether the file defines no topic, only sets (its name starts with `_`)."""
    return PurePath(path).name.startswith("_")


def parse_file(path: str, text: str) -> tuple[FileSpec | None, list[Problem]]:
    """The file's spec (None when its YAML cannot be read at all) and every problem in it."""
    parser = _Parser(path)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        # A construct left open (a quote, a `[`) is only found at the end of the file: it is
        # reported where it opens, where the mistake is. Anything else where it was found.
        at_end = error.problem_mark is not None and error.problem_mark.index >= len(text.rstrip())
        unclosed = _unclosed_bracket(error)
        mark = (error.context_mark if at_end or unclosed else None) or error.problem_mark
        mark = mark or error.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = " ".join(part for part in (error.context, error.problem) if part)
        hint = f" (hint: {unclosed})" if unclosed else yaml_hint(message)
        quote = None if unclosed else _unclosed_quote(text, line)
        if quote is not None:
            # A quote left open swallows the lines below it: PyYAML stumbles far later.
            line, column, char = quote
            hint = f" (hint: the {char} opened here is not closed on its line)"
        return None, [Problem(path, line, column, f"YAML syntax error: {message}{hint}")]
    except yaml.YAMLError as error:
        return None, [Problem(path, 1, 1, f"YAML error: {error}")]
    if root is None:
        root = MappingNode(_TAG + "map", [])
        root.start_mark = yaml.Mark(path, 0, 0, 0, None, 0)
    if not parser.check_tags(root):
        return None, parser.problems
    spec = parser.file(root)
    if spec is not None:
        spec = replace(
            spec,
            references=tuple(parser.references),
            near_references=tuple(parser.near_references),
        )
    return spec, parser.problems


class _Parser:
    """Walks the YAML nodes of one file, collecting problems as it goes."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []
        self.references: list[Term] = []
        self.near_references: list[Term] = []
        self._in_rules = False

    def error(self, node: Node, message: str) -> None:
        mark = node.start_mark
        self.problems.append(Problem(self.path, mark.line + 1, mark.column + 1, message))

    def check_tags(self, root: Node) -> bool:
        """Reject every tag that is not a plain YAML type; nothing is ever constructed."""
        stack, seen, count = [root], set(), 0
        ok = True
        while stack:
            node = stack.pop()
            count += 1
            if count > _MAX_NODES:
                self.error(root, f"file too large: over {_MAX_NODES} YAML nodes (aliases?)")
                return False
            if node.tag not in _ALLOWED_TAGS:
                self.error(node, f"tag {_short_tag(node.tag)!r} is not allowed (plain YAML only)")
                ok = False
            if id(node) in seen:
                continue
            seen.add(id(node))
            if isinstance(node, SequenceNode):
                stack.extend(node.value)
            elif isinstance(node, MappingNode):
                for key, value in node.value:
                    stack.extend((key, value))
        return ok

    # -- shapes ------------------------------------------------------------------------

    def mapping(self, node: Node, what: str, allowed: tuple[str, ...]) -> dict[str, Node] | None:
        """The mapping's items by key; unknown and duplicate keys are reported."""
        if not isinstance(node, MappingNode):
            self.error(node, f"{what} must be a mapping, not {_kind(node)}")
            return None
        items: dict[str, Node] = {}
        for key_node, value in node.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else None
            if not isinstance(key, str) or key_node.tag == _TAG + "null":
                self.error(key_node, f"{what} keys must be names, not {_kind(key_node)}")
                continue
            if key not in allowed:
                self.error(key_node, f"unknown key {key!r} in {what}{_hint(key, allowed)}")
                continue
            if key in items:
                self.error(key_node, f"duplicate key {key!r} in {what}")
                continue
            items[key] = value
        return items

    def sequence(self, node: Node, what: str, *, empty_ok: bool = False) -> list[Node] | None:
        if not isinstance(node, SequenceNode):
            self.error(node, f"{what} must be a list, not {_kind(node)}")
            return None
        if not node.value and not empty_ok:
            self.error(node, f"{what} must not be empty")
            return None
        return list(node.value)

    def string(self, node: Node, what: str) -> str | None:
        if isinstance(node, ScalarNode) and node.tag in _STRING_TAGS:
            return str(node.value)
        self.error(node, f"{what} must be a string, not {_kind(node)}")
        return None

    def name(self, node: Node, what: str, pattern: re.Pattern[str], shape: str) -> str | None:
        value = self.string(node, what)
        if value is None:
            return None
        if not pattern.fullmatch(value):
            self.error(node, f"bad {what} {value!r}: must match {shape}")
            return None
        return value

    def choice(self, node: Node, what: str, choices: tuple[str, ...]) -> str | None:
        value = self.string(node, what)
        if value is None:
            return None
        if value not in choices:
            self.error(
                node, f"bad {what} {value!r}: one of {', '.join(choices)}{_hint(value, choices)}"
            )
            return None
        return value

    def strings(self, node: Node, what: str) -> list[str] | None:
        items = self.sequence(node, what)
        if items is None:
            return None
        values = [self.string(item, f"an item of {what}") for item in items]
        return None if any(value is None for value in values) else [str(v) for v in values]

    # -- file --------------------------------------------------------------------------

    def file(self, root: Node) -> FileSpec | None:
        stem = PurePath(self.path).stem
        if is_sets_file(self.path):
            items = self.mapping(root, "a sets file (names starting with _)", _SETS_FILE_KEYS)
            if items is None:
                return None
            sets = self.sets(items["sets"]) if "sets" in items else {}
            return FileSpec(self.path, is_topic=False, sets=sets or {})
        items = self.mapping(root, "a topic file", _TOPIC_KEYS)
        if items is None:
            return None
        topic, topic_line, topic_column = stem, 1, 1
        if "topic" in items:
            node = items["topic"]
            topic = self.name(node, "topic id", TOPIC_ID, "[a-z0-9][a-z0-9_-]{0,31}") or ""
            topic_line, topic_column = node.start_mark.line + 1, node.start_mark.column + 1
        elif not TOPIC_ID.fullmatch(stem):
            self.error(
                root,
                f"bad topic id {stem!r} (from the file name): must match "
                "[a-z0-9][a-z0-9_-]{0,31}; rename the file or set `topic:`",
            )
        texts = {}
        for key in ("title", "description", "emoji"):
            texts[key] = (self.string(items[key], key) or "") if key in items else ""
        if problem := emoji_problem(texts["emoji"].strip()):
            self.error(items["emoji"], problem)
        labels = self.labels(items["labels"]) if "labels" in items else ()
        sets = self.sets(items["sets"]) if "sets" in items else {}
        rules: list[RuleSpec] = []
        if "rules" not in items:
            self.error(root, "a topic file needs `rules:`, a non-empty list of rules")
        else:
            rules = self.rules(items["rules"])
        return FileSpec(
            self.path,
            is_topic=True,
            topic=topic,
            topic_line=topic_line,
            topic_column=topic_column,
            title=texts["title"].strip(),
            description=texts["description"].strip(),
            emoji=texts["emoji"].strip(),
            labels=labels,
            sets=sets or {},
            rules=tuple(rules),
        )

    def labels(self, node: Node) -> tuple[str, ...]:
        items = self.sequence(node, "`labels`")
        if items is None:
            return ()
        names = (self.name(item, "label", TOPIC_ID, "[a-z0-9][a-z0-9_-]{0,31}") for item in items)
        return tuple(dict.fromkeys(name for name in names if name is not None))

    def sets(self, node: Node) -> dict[str, SetSpec]:
        if not isinstance(node, MappingNode):
            self.error(
                node, f"`sets` must be a mapping of name to list of terms, not {_kind(node)}"
            )
            return {}
        sets: dict[str, SetSpec] = {}
        for key_node, value in node.value:
            name = self.name(key_node, "set name", SET_NAME, "[a-z0-9][a-z0-9_-]*")
            if name is None:
                continue
            if name in sets:
                self.error(key_node, f"duplicate set {name!r}")
                continue
            items = self.sequence(value, f"set {name!r}")
            if items is None:
                continue
            # A set with a bad term is still named, so "unknown set" elsewhere can say where.
            terms = tuple(term for term in map(self.term, items) if term is not None)
            line, column = key_node.start_mark.line + 1, key_node.start_mark.column + 1
            sets[name] = SetSpec(name, terms, self.path, line, column)
        return sets

    # -- rules -------------------------------------------------------------------------

    def rules(self, node: Node) -> list[RuleSpec]:
        items = self.sequence(node, "`rules`")
        if items is None:
            return []
        rules: list[RuleSpec] = []
        names: set[str] = set()
        self._in_rules = True
        for item in items:
            # The name is checked for duplicates even when the rule has other problems.
            name = _declared_name(item)
            duplicate = name in names
            if duplicate:
                self.error(item, f"duplicate rule name {name!r} in this file")
            elif name is not None:
                names.add(name)
            rule = self.rule(item)
            if rule is not None and not duplicate:
                rules.append(rule)
        self._in_rules = False
        return rules

    def rule(self, node: Node) -> RuleSpec | None:
        before = len(self.problems)
        items = self.mapping(node, "a rule", _RULE_KEYS)
        if items is None:
            return None
        name = None
        if "name" not in items:
            self.error(node, "a rule needs `name:`")
        else:
            name = self.name(items["name"], "rule name", RULE_NAME, "[a-z0-9][a-z0-9_-]*")
        priority = (
            self.choice(items["priority"], "priority", PRIORITIES)
            if "priority" in items
            else "normal"
        )
        status = self.choice(items["status"], "status", STATUSES) if "status" in items else "active"
        if "all" not in items and "any" not in items:
            self.error(node, "a rule needs `all:` or `any:` (or both)")
        all_ = self.conditions(items["all"], "`all`") if "all" in items else None
        any_ = self.conditions(items["any"], "`any`") if "any" in items else None
        none = self.conditions(items["none"], "`none`") if "none" in items else ()
        fields: tuple[str, ...] = analysis.FIELDS
        if "fields" in items:
            values = self.strings(items["fields"], "`fields`")
            if values is not None:
                for value, item in zip(values, items["fields"].value, strict=True):
                    if value not in analysis.FIELDS:
                        self.error(
                            item,
                            f"unknown field {value!r}: one of title, summary, body"
                            f"{_hint(value, analysis.FIELDS)}",
                        )
                fields = tuple(f for f in analysis.FIELDS if f in values)
        sources: tuple[str, ...] = ()
        if "sources" in items:
            sources = tuple(self.strings(items["sources"], "`sources`") or ())
        links: dict[str, tuple[Term, ...]] = {}
        if "links" in items:
            links = self.links(items["links"])
        match: tuple[Example, ...] = ()
        no_match: tuple[Example, ...] = ()
        if "tests" in items:
            match, no_match = self.tests(items["tests"])
        if len(self.problems) > before or name is None:
            return None
        return RuleSpec(
            name=name,
            priority=priority or "normal",
            status=status or "active",
            all=all_,
            any=any_,
            none=none or (),
            fields=fields,
            sources=sources,
            match=match,
            no_match=no_match,
            line=node.start_mark.line + 1,
            column=node.start_mark.column + 1,
            links_any=links.get("any", ()),
            links_none=links.get("none", ()),
        )

    def links(self, node: Node) -> dict[str, tuple[Term, ...]]:
        """`links: {any: [...], none: [...]}`: each item a link pattern or an `@set`."""
        items = self.mapping(node, "`links`", _LINKS_KEYS)
        if items is None:
            return {}
        if not items:
            self.error(node, "`links` needs `any:` or `none:` (or both)")
            return {}
        found: dict[str, tuple[Term, ...]] = {}
        for key, value in items.items():
            entries = self.sequence(value, f"`links.{key}`") or []
            patterns = []
            for entry in entries:
                text = self.string(entry, f"an item of `links.{key}`")
                if text is None:
                    continue
                problem = link_pattern_problem(text)
                if problem:
                    self.error(entry, problem)
                    continue
                term = Term(text, entry.start_mark.line + 1, entry.start_mark.column + 1)
                if link_set_name(text) is not None:
                    self.references.append(term)
                patterns.append(term)
            found[key] = tuple(patterns)
        return found

    def conditions(self, node: Node, what: str) -> tuple[Condition, ...] | None:
        items = self.sequence(node, what)
        if items is None:
            return None
        conditions = [self.condition(item) for item in items]
        return None if any(c is None for c in conditions) else tuple(conditions)  # type: ignore[arg-type]

    def condition(self, node: Node) -> Condition | None:
        line, column = node.start_mark.line + 1, node.start_mark.column + 1
        if isinstance(node, ScalarNode):
            return self.term(node)
        if not isinstance(node, MappingNode):
            self.error(node, f"a condition must be a term or a mapping, not {_kind(node)}")
            return None
        items = self.mapping(node, "a condition", _CONDITION_KEYS)
        if items is None:
            return None
        keys = set(items)
        if "near" in keys or "within" in keys:
            if keys != {"near", "within"}:
                self.error(node, "`near:` needs `within:` and nothing else in the same mapping")
                return None
            return self.near(items["near"], items["within"], line, column)
        if len(keys) != 1:
            self.error(node, "a condition mapping holds exactly one of all, any, none, near")
            return None
        kind = keys.pop()
        sub = self.conditions(items[kind], f"`{kind}`")
        return None if sub is None else Group(kind, sub, line, column)

    def near(self, items_node: Node, within_node: Node, line: int, column: int) -> Near | None:
        items = self.sequence(items_node, "`near`")
        within = None
        if not (isinstance(within_node, ScalarNode) and within_node.tag == _TAG + "int"):
            self.error(within_node, f"`within` must be a whole number, not {_kind(within_node)}")
        else:
            within = int(yaml.constructor.SafeConstructor().construct_yaml_int(within_node))
            if not 1 <= within <= MAX_WITHIN:
                self.error(within_node, f"`within` must be from 1 to {MAX_WITHIN}, not {within}")
                within = None
        if items is None:
            return None
        terms = [self.term(item) for item in items]
        self.near_references.extend(t for t in terms if t is not None and t.set_name() is not None)
        if not all(terms) or within is None:
            return None
        for term, item in zip(terms, items, strict=True):
            assert term is not None
            if isinstance(term.parsed(), TickerTerm | RegexTerm):
                self.error(item, f"`near` takes keyword terms only, not {term.text!r}")
                return None
        return Near(tuple(terms), within, line, column)  # type: ignore[arg-type]

    def term(self, node: Node) -> Term | None:
        """A term, checked on its own (sets are resolved later, when all files are read)."""
        if not isinstance(node, ScalarNode):
            self.error(node, f"a term must be a string, not {_kind(node)}")
            return None
        text = self.string(node, "a term")
        if text is None:
            return None
        problem = term_problem(text)
        if problem:
            self.error(node, problem)
            return None
        term = Term(text, node.start_mark.line + 1, node.start_mark.column + 1)
        if self._in_rules and term.set_name() is not None:
            self.references.append(term)
        return term

    # -- tests -------------------------------------------------------------------------

    def tests(self, node: Node) -> tuple[tuple[Example, ...], tuple[Example, ...]]:
        items = self.mapping(node, "`tests`", _TESTS_KEYS)
        if items is None:
            return (), ()
        found: dict[str, tuple[Example, ...]] = {"match": (), "no_match": ()}
        for key, value in items.items():
            examples = self.sequence(value, f"`tests.{key}`", empty_ok=True) or []
            parsed = [self.example(example) for example in examples]
            found[key] = tuple(example for example in parsed if example is not None)
        return found["match"], found["no_match"]

    def example(self, node: Node) -> Example | None:
        line, column = node.start_mark.line + 1, node.start_mark.column + 1
        if isinstance(node, ScalarNode):
            title = self.string(node, "a test example")
            if title is None:
                return None
            return Example(title, "", "", (), "", repr(title), line, column)
        items = self.mapping(node, "a test example", _EXAMPLE_KEYS)
        if items is None:
            return None
        values = {key: "" for key in ("title", "summary", "body", "source", "link")}
        for key in values:
            if key in items:
                values[key] = self.string(items[key], f"example `{key}`") or ""
        tickers: list[str] = []
        if "tickers" in items:
            tickers = self.strings(items["tickers"], "example `tickers`") or []
        shown = values["title"] or values["summary"] or values["body"] or ", ".join(tickers)
        label = repr(shown[:80])
        return Example(
            values["title"],
            values["summary"],
            values["body"],
            tuple(t.strip().lstrip("$").upper() for t in tickers),
            values["source"],
            label,
            line,
            column,
            values["link"],
        )


# What PyYAML's words usually mean in a rule file, and what to do about it.
_YAML_HINTS = (
    ("'\\t'", "indent with spaces, not tabs"),
    ("undefined alias", "`*` starts a YAML alias: quote a prefix term, such as 'sanction*'"),
    ("character '@'", "quote a term that starts with @, such as '@crude_etfs'"),
    ("character '`'", "quote a term that starts with `"),
    ("character '%'", "quote a term that starts with %"),
    ("block end", "check the indentation: the items of one list or mapping start in one column"),
    ("expected ',' or ']'", "quote a term holding `:` or `,` inside [...], such as 'Brent: $80'"),
    ("expected ',' or '}'", "quote a term holding `:` or `,` inside {...}"),
    ("mapping values are not allowed", "quote a term holding `: `, or indent the line below"),
)


# A value that starts with a quote: after `key: `, a list's `- `, or `[`/`,` in a flow list.
_QUOTE_OPENS = re.compile(r"""(?:^\s*-\s+|^\s*(?:-\s+)?[\w-]+:\s+|[\[,]\s*)(["'])""")


def _unclosed_quote(text: str, up_to: int) -> tuple[int, int, str] | None:
    """The first line (1-based, before `up_to`) whose quoted value never closes on it."""
    for number, content in enumerate(text.splitlines()[: max(up_to - 1, 0)], start=1):
        for opening in _QUOTE_OPENS.finditer(content):
            char, start = opening.group(1), opening.end()
            rest = content[start:]
            closed = re.search(r'(?<!\\)"', rest) if char == '"' else "'" in rest
            if not closed:
                return number, start, char
            break  # the first quoted value decides: the rest may hold quotes of its own
    return None


def _unclosed_bracket(error: yaml.MarkedYAMLError) -> str | None:
    """The advice for a `[` (or `{`) its line never closes, found only on a later line."""
    opened, found = error.context_mark, error.problem_mark
    if opened is None or found is None or found.line <= opened.line:
        return None
    closing = {"flow sequence": ("[", "]"), "flow mapping": ("{", "}")}
    for kind, (start, end) in closing.items():
        if kind in (error.context or ""):
            return f"the `{start}` opened here is not closed: end it with `{end}`"
    return None


def yaml_hint(message: str) -> str:
    """` (hint: ...)` saying what to do about a YAML syntax error, or an empty string."""
    for mark, advice in _YAML_HINTS:
        if mark in message:
            return f" (hint: {advice})"
    return ""


def term_problem(text: str) -> str | None:
    """Why a term, taken on its own, is not valid; None when it is."""
    try:
        parse_term(text)
    except TermError as error:
        return str(error)
    return None


MAX_EMOJI_LENGTH = 12  # code points: a family or flag sequence is up to about ten


def emoji_problem(text: str) -> str | None:
    """Why a topic's `emoji` cannot stand before its alerts' titles, or None when it can."""
    if not text:
        return None
    wordy = [ch for ch in text if unicodedata.category(ch)[0] in "LZ" or ch.isspace()]
    if wordy or len(text) > MAX_EMOJI_LENGTH:
        return (
            f"emoji {text!r} is not one emoji: it is shown before every alert's title, "
            "so give a single one such as '🛢️', or leave `emoji` out"
        )
    return None


def link_set_name(text: str) -> str | None:
    """The set a `links` item names (`@opinion_links`); None for a pattern."""
    text = text.strip()
    return text[1:] if text.startswith("@") and SET_NAME.fullmatch(text[1:]) else None


def link_pattern_problem(text: str) -> str | None:
    """Why a `links` item, or an item of a set it names, is no usable pattern; None if it is."""
    stripped = text.strip()
    if stripped.startswith("@"):
        if link_set_name(stripped) is None:
            return f"bad set reference {stripped!r} in `links`: `@` then a set name"
        return None
    if not stripped:
        return "empty link pattern"
    problem = regex_problem(stripped)
    return f"bad link pattern {stripped!r}: {problem}" if problem else None


def _declared_name(node: Node) -> str | None:
    """The `name:` a rule mapping declares, whatever else is wrong with it."""
    if not isinstance(node, MappingNode):
        return None
    for key, value in node.value:
        if isinstance(key, ScalarNode) and key.value == "name" and isinstance(value, ScalarNode):
            return str(value.value)
    return None


def _kind(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    names = {"null": "empty (null)", "str": "a string", "int": "a number", "float": "a number"}
    name = names.get(node.tag.removeprefix(_TAG), f"a {_short_tag(node.tag)} value")
    return name if node.tag == _TAG + "null" else f"{name} {node.value!r}"


def _short_tag(tag: str) -> str:
    return tag.replace(_TAG, "!!") if tag.startswith(_TAG) else tag


def _hint(word: str, choices: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def hint(word: str, choices: list[str]) -> str:
    """` (did you mean 'x'?)` for the nearest choice, or an empty string."""
    return _hint(word, choices)
