"""From rule file texts to one immutable RuleBook: sets resolved, one automaton, an index."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from bot.rules.engine import (
    ALL_FIELDS,
    FIELD_BITS,
    All,
    AnyOf,
    Exact,
    FileInfo,
    KeyFinder,
    LinkFilter,
    Near,
    Node,
    NoneOf,
    Regex,
    Rule,
    RuleBook,
    SetRef,
    Ticker,
    Topic,
    Word,
)
from bot.rules.loader import (
    Condition,
    FileSpec,
    Group,
    RuleSpec,
    SetSpec,
    Term,
    hint,
    is_sets_file,
    link_pattern_problem,
    link_set_name,
    parse_file,
)
from bot.rules.loader import Near as NearSpec
from bot.rules.problems import Problem
from bot.rules.regexes import RegexFinder
from bot.rules.terms import UNSPACED, RegexTerm, SetTerm, TickerTerm

# Where `compile_specs` puts the shared sets it is given.
_SHARED_SETS = "<shared sets>"
# Where `compile_rules` puts the knowledge base's entities (`@@id`); not a file of the book.
_ENTITY_SETS = "<knowledge entities>"
# A trigger: something seen in the article without evaluating any rule.
Atom = tuple[str, object]


def compile_rules(
    texts: Mapping[str, str], *, entities: Mapping[str, SetSpec] | None = None
) -> tuple[RuleBook, list[Problem]]:
    """The rule book of the given {path: YAML text}; broken files are left out and reported.

    `entities` are the knowledge base's entities as sets named `@id`: what `@@id` names.
    """
    specs: dict[str, FileSpec] = {}
    problems: list[Problem] = []
    broken: set[str] = set()
    for path in sorted(texts):
        spec, found = parse_file(path, texts[path])
        problems.extend(found)
        if spec is None or found:
            broken.add(path)
            # Set names of a broken file still explain later "unknown set" problems.
            if spec is not None:
                specs[path] = spec
            continue
        specs[path] = spec
    if entities:
        specs[_ENTITY_SETS] = FileSpec(_ENTITY_SETS, is_topic=False, sets=dict(entities))
    builder = _Builder(specs, broken)
    problems.extend(builder.check())
    good = {**texts, _ENTITY_SETS: ""}
    book = builder.build({path: good[path] for path in specs if path not in builder.broken})
    return book, sorted(set(problems), key=_problem_order)


def compile_specs(
    topics: Sequence[FileSpec], shared_sets: Mapping[str, SetSpec], *, cache: Path | None = None
) -> tuple[RuleBook, list[Problem]]:
    """The rule book of topic specs made in code (one-line queries) with the given shared sets;
    `cache`: a folder where the compiled key database is kept for the next start."""
    specs = {spec.path: spec for spec in topics}
    if shared_sets:
        specs[_SHARED_SETS] = FileSpec(_SHARED_SETS, is_topic=False, sets=dict(shared_sets))
    builder = _Builder(specs, set())
    problems = builder.check()
    book = builder.build({path: "" for path in specs}, cache=cache)
    return book, sorted(set(problems), key=_problem_order)


def load_rulebook(
    rules_dir: Path,
    *,
    previous: RuleBook | None = None,
    entities: Mapping[str, SetSpec] | None = None,
) -> tuple[RuleBook, list[Problem]]:
    """Every rule file under the folder, compiled; a broken file keeps its last good version."""
    texts: dict[str, str] = {}
    problems: list[Problem] = []
    if not rules_dir.is_dir():
        return RuleBook.empty(), [Problem(str(rules_dir), 1, 1, "rules folder not found")]
    for path in rule_paths(rules_dir):
        try:
            texts[str(path)] = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            problems.append(Problem(str(path), 1, 1, f"cannot read: {error}"))
    book, found = compile_rules(texts, entities=entities)
    problems.extend(found)
    if previous is None:
        return book, sorted(set(problems), key=_problem_order)
    # Keep the last good version of broken files; sets files first, since a broken sets file
    # also breaks the topic files that use it, and its old version may be all they need.
    current = problems
    kept: dict[str, str] = {}
    while True:
        bad = {
            p.path
            for p in current
            if p.path not in kept and p.path in previous.files and p.path in texts
        }
        if not bad:
            break
        sets_files = {path for path in bad if is_sets_file(path)}
        kept.update({path: previous.files[path].text for path in sets_files or bad})
        book, current = compile_rules({**texts, **kept}, entities=entities)
        current = [p for p in current if p.path not in kept]
    if kept:
        # A kept file reports its new text's problems; every other file is judged against
        # the kept versions.
        problems = [p for p in problems if p.path in kept or p.path not in texts]
        problems.extend(current)
    return book, sorted(set(problems), key=_problem_order)


# The operator's knowledge base file lives beside the rules but is not a rule file.
KNOWLEDGE_FILE = "_knowledge.yaml"


def rule_paths(rules_dir: Path) -> list[Path]:
    """Every `*.yaml` and `*.yml` under the folder, sorted, leaving out hidden files."""
    found = [*rules_dir.rglob("*.yaml"), *rules_dir.rglob("*.yml")]
    return sorted(
        path
        for path in found
        if path.is_file()
        and path.relative_to(rules_dir) != Path(KNOWLEDGE_FILE)
        and not any(part.startswith((".", "~", "#")) for part in path.relative_to(rules_dir).parts)
    )


def _problem_order(problem: Problem) -> tuple[str, int, int, str]:
    return (problem.path, problem.line, problem.column, problem.message)


class _Builder:
    """Resolves sets across files, finds cross-file problems, then compiles the good files."""

    def __init__(self, specs: dict[str, FileSpec], broken: set[str]) -> None:
        self.specs = specs
        self.broken = set(broken)
        self.unparsed = set(broken)  # files with problems of their own, before any cross-check
        self.shared: dict[str, SetSpec] = {}
        self.topic_of: dict[str, str] = {}

    # -- checks ------------------------------------------------------------------------

    def check(self) -> list[Problem]:
        problems: list[Problem] = []
        # Sets files first: a broken one drops its sets, which can break others in turn.
        changed = True
        while changed:
            changed = False
            self.shared = {}
            found: list[Problem] = []
            owners: dict[str, str] = {}
            for path, spec in self._good(topic=False):
                for name, item in spec.sets.items():
                    if name in self.shared:
                        found.append(
                            _at(item, f"set {name!r} is already defined in {owners[name]}")
                        )
                        continue
                    self.shared[name] = item
                    owners[name] = path
            for _path, spec in self._good(topic=False):
                found.extend(self._check_sets(spec.sets, self.shared))
            if found:
                problems.extend(found)
                newly = {problem.path for problem in found} - self.broken
                if newly:
                    self.broken |= newly
                    changed = True
        topics: dict[str, str] = {}
        for path, spec in self._good(topic=True):
            found = []
            for name, item in spec.sets.items():
                if name in self.shared:
                    found.append(
                        _at(item, f"set {name!r} is already defined in {self.shared[name].path}")
                    )
            sets = {**self.shared, **spec.sets}
            found.extend(self._check_sets(spec.sets, sets))
            for rule in spec.rules:
                for condition in _conditions(rule):
                    found.extend(self._check_condition(path, condition, sets))
                for term in (*rule.links_any, *rule.links_none):
                    found.extend(self._check_link_set(path, term, sets))
            if spec.topic in topics:
                found.append(
                    Problem(
                        path,
                        spec.topic_line,
                        spec.topic_column,
                        f"duplicate topic id {spec.topic!r}: "
                        f"already defined by {topics[spec.topic]}",
                    )
                )
            if found:
                problems.extend(found)
                self.broken.add(path)
                continue
            topics[spec.topic] = path
        problems.extend(self._check_broken_files())
        return problems

    def _check_broken_files(self) -> list[Problem]:
        """Set problems of files that already failed on their own: every problem at once."""
        problems: list[Problem] = []
        for path, spec in sorted(self.specs.items()):
            if path not in self.unparsed:
                continue
            sets = {**self.shared, **spec.sets}
            problems.extend(self._check_sets(spec.sets, sets))
            for term in spec.references:
                problems.extend(self._check_term(path, term, sets))
            for term in spec.near_references:
                if term.set_name() in sets:
                    problems.extend(self._check_near_set(path, term, sets))
        return problems

    def _good(self, *, topic: bool) -> list[tuple[str, FileSpec]]:
        return [
            (path, spec)
            for path, spec in sorted(self.specs.items())
            if path not in self.broken and spec.is_topic == topic
        ]

    def _check_sets(self, own: dict[str, SetSpec], visible: dict[str, SetSpec]) -> list[Problem]:
        problems: list[Problem] = []
        for item in own.values():
            for term in item.terms:
                problems.extend(self._check_term(item.path, term, visible))
            cycle = _cycle(item.name, visible)
            # A cycle is told once, at its first set by name, not once per member.
            if cycle and item.name == min(cycle):
                problems.append(_at(item, "set cycle: " + " -> ".join("@" + n for n in cycle)))
        return problems

    def _check_condition(
        self, path: str, condition: Condition, sets: dict[str, SetSpec]
    ) -> list[Problem]:
        if isinstance(condition, Term):
            return self._check_term(path, condition, sets)
        if isinstance(condition, Group):
            return [p for item in condition.items for p in self._check_condition(path, item, sets)]
        problems = []
        for term in condition.items:
            found = self._check_term(path, term, sets)
            problems.extend(found)
            if not found and term.set_name() is not None:
                problems.extend(self._check_near_set(path, term, sets))
        return problems

    def _check_link_set(self, path: str, term: Term, sets: dict[str, SetSpec]) -> list[Problem]:
        """A `links` item naming a set: the set exists and each of its terms is a pattern."""
        name = link_set_name(term.text)
        if name is None:
            return []
        found = self._check_term(path, term, sets)
        if found:
            return found
        for leaf in _leaves(name, sets):
            problem = link_pattern_problem(leaf.text)
            if problem:
                message = f"`links` item {term.text.strip()}: its set holds {problem}"
                return [Problem(path, term.line, term.column, message)]
        return []

    def _check_near_set(self, path: str, term: Term, sets: dict[str, SetSpec]) -> list[Problem]:
        for leaf in _leaves(term.set_name() or "", sets):
            if isinstance(leaf.parsed(), TickerTerm | RegexTerm):
                message = f"`near` takes keyword terms only; {term.text} holds {leaf.text!r}"
                return [Problem(path, term.line, term.column, message)]
        return []

    def _check_term(self, path: str, term: Term, sets: dict[str, SetSpec]) -> list[Problem]:
        name = term.set_name()
        if name is None or name in sets:
            return []
        if name.startswith("@"):  # `@@id`: the knowledge base's entities
            known = sorted("@" + n for n in sets if n.startswith("@"))
            message = f"unknown entity {term.text.strip()!r}{hint('@' + name, known)}"
            return [Problem(path, term.line, term.column, message)]
        plain = sorted(n for n in sets if not n.startswith("@"))
        message = f"unknown set {term.text.strip()!r}{hint(name, plain)}"
        elsewhere = [
            path
            for path, spec in sorted(self.specs.items())
            if path in self.broken and not spec.is_topic and name in spec.sets
        ]
        if elsewhere:
            message += f"; it is defined in {elsewhere[0]}, which has errors"
        return [Problem(path, term.line, term.column, message)]

    # -- compile -----------------------------------------------------------------------

    def build(self, texts: Mapping[str, str], *, cache: Path | None = None) -> RuleBook:
        keys: dict[str, int] = {}
        regexes: dict[str, int] = {}
        nodes: dict[tuple[str, int], Node] = {}
        compiled: list[Rule] = []
        topics: dict[str, Topic] = {}
        files: dict[str, FileInfo] = {}
        for path, spec in sorted(self.specs.items()):
            if path in self.broken or path == _ENTITY_SETS:
                continue
            if not spec.is_topic:
                files[path] = FileInfo(path, texts[path], None, (), tuple(spec.sets))
                continue
            sets = {**self.shared, **spec.sets}
            compiler = _RuleCompiler(sets, keys, regexes, nodes)
            for rule in spec.rules:
                compiled.append(compiler.rule(spec, rule))
            topics[spec.topic] = Topic(
                spec.topic,
                spec.title or spec.topic,
                spec.description,
                spec.emoji,
                path,
                spec.labels or (spec.topic,),
            )
            files[path] = FileInfo(
                path,
                texts[path],
                spec.topic,
                tuple(rule.name for rule in spec.rules),
                tuple(spec.sets),
            )
        entity_spec = self.specs.get(_ENTITY_SETS)
        compiled.sort(key=lambda rule: (rule.topic, rule.name))
        live = tuple(rule for rule in compiled if rule.status != "disabled")
        key_rules: dict[int, list[int]] = {}
        ticker_rules: dict[str, list[int]] = {}
        regex_rules: dict[int, list[int]] = {}
        always: list[int] = []
        for index, live_rule in enumerate(live):
            triggers = _rule_triggers(live_rule)
            if triggers is None:
                always.append(index)
                continue
            for kind, value in triggers:
                target = {"k": key_rules, "t": ticker_rules, "r": regex_rules}[kind]
                target.setdefault(value, []).append(index)  # type: ignore[attr-defined]
        return RuleBook(
            topics=dict(sorted(topics.items())),
            files=files,
            rules=live,
            all_rules={(rule.topic, rule.name): rule for rule in compiled},
            automaton=KeyFinder(keys, cache) if keys else None,
            key_rules={key: tuple(v) for key, v in key_rules.items()},
            ticker_rules={key: tuple(v) for key, v in ticker_rules.items()},
            regex_rules={key: tuple(v) for key, v in regex_rules.items()},
            always=tuple(always),
            regexes=_regex_finder(regexes),
            entity_sets=entity_spec.sets if entity_spec is not None else None,
        )


class _RuleCompiler:
    """Turns the conditions of one file's rules into nodes, sharing keys and regexes."""

    def __init__(
        self,
        sets: dict[str, SetSpec],
        keys: dict[str, int],
        regexes: dict[str, int],
        nodes: dict[tuple[str, int], Node] | None = None,
    ):
        self.sets = sets
        self.keys = keys
        self.regexes = regexes
        # Nodes of terms that are no set, by (text, fields), shared by every file of the book:
        # the same term in many watches compiles once (nodes are never changed).
        self.nodes: dict[tuple[str, int], Node] = {} if nodes is None else nodes

    def rule(self, spec: FileSpec, rule: RuleSpec) -> Rule:
        mask = 0
        for name in rule.fields:
            mask |= FIELD_BITS[name]
        mask = mask or ALL_FIELDS
        return Rule(
            topic=spec.topic,
            name=rule.name,
            priority=rule.priority,
            status=rule.status,
            path=spec.path,
            line=rule.line,
            mask=mask,
            sources=frozenset(source.strip().casefold() for source in rule.sources),
            all=All(tuple(self.condition(c, mask) for c in rule.all)) if rule.all else None,
            any=AnyOf(tuple(self.condition(c, mask) for c in rule.any)) if rule.any else None,
            none=NoneOf(tuple(self.condition(c, mask) for c in rule.none)) if rule.none else None,
            spec=rule,
            links=self.links(rule),
        )

    def links(self, rule: RuleSpec) -> LinkFilter | None:
        """The rule's `links:` with every `@set` replaced by its patterns; None without it."""
        if not rule.links_any and not rule.links_none:
            return None
        return LinkFilter(self.patterns(rule.links_any), self.patterns(rule.links_none))

    def patterns(self, items: tuple[Term, ...]) -> tuple[str, ...]:
        found: list[str] = []
        for item in items:
            name = link_set_name(item.text)
            if name is None:
                found.append(item.text.strip())
            else:
                found.extend(leaf.text.strip() for leaf in _leaves(name, self.sets))
        return tuple(dict.fromkeys(found))

    def condition(self, condition: Condition, mask: int) -> Node:
        if isinstance(condition, Term):
            return self.term(condition, mask)
        if isinstance(condition, Group):
            items = tuple(self.condition(item, mask) for item in condition.items)
            return {"all": All, "any": AnyOf, "none": NoneOf}[condition.kind](items)
        assert isinstance(condition, NearSpec)
        items = tuple(self.term(term, mask) for term in condition.items)
        alternatives = tuple(tuple(_word_leaves(item)) for item in items)
        return Near(items, alternatives, condition.within, mask)

    def term(self, term: Term, mask: int) -> Node:
        node = self.nodes.get((term.text, mask))
        if node is None:
            node = self._term(term, mask)
            if not isinstance(node, SetRef):  # a set's terms depend on the file's sets
                self.nodes[(term.text, mask)] = node
        return node

    def _term(self, term: Term, mask: int) -> Node:
        parsed = term.parsed()
        if isinstance(parsed, TickerTerm):
            return Ticker(parsed.text, parsed.symbol)
        if isinstance(parsed, SetTerm):
            spec = self.sets[parsed.name]
            return SetRef(parsed.text, tuple(self.term(item, mask) for item in spec.terms))
        if isinstance(parsed, RegexTerm):
            index = self.regexes.setdefault(parsed.pattern, len(self.regexes))
            return Regex(parsed.text, index, mask)
        # Keys in the word stream's form: each word with one space before and after it, the
        # last one open when it is a prefix. Words of scripts written without spaces
        # (Chinese) are looked for inside a run of characters, as their writers leave none.
        tail = "" if parsed.prefix else " "
        pattern = " " + " ".join(parsed.words) + tail
        unspaced = all(UNSPACED.match(word) for word in parsed.words)
        if unspaced:
            pattern = "".join(parsed.words)
        key = self.keys.setdefault(pattern, len(self.keys))
        if parsed.exact:
            cased = "".join(parsed.cased_words) if unspaced else " ".join(parsed.cased_words)
            return Exact(parsed.text, key, cased if unspaced else f" {cased}{tail}", mask)
        return Word(parsed.text, key, pattern, mask)


def _word_leaves(node: Node) -> list[Word | Exact]:
    if isinstance(node, Word | Exact):
        return [node]
    if isinstance(node, SetRef):
        return [leaf for item in node.items for leaf in _word_leaves(item)]
    return []


def _triggers(node: Node) -> frozenset[Atom] | None:
    """Atoms one of which must be seen for the node to hold; None if it can hold without."""
    if isinstance(node, Word | Exact):
        return frozenset({("k", node.key)})
    if isinstance(node, Ticker):
        return frozenset({("t", node.symbol)})
    if isinstance(node, Regex):
        return frozenset({("r", node.index)})
    if isinstance(node, SetRef | AnyOf):
        found: set[Atom] = set()
        for item in node.items:
            sub = _triggers(item)
            if sub is None:
                return None
            found |= sub
        return frozenset(found)
    if isinstance(node, All):
        return _narrowest(_triggers(item) for item in node.items)
    if isinstance(node, Near):
        return _narrowest(
            frozenset(("k", leaf.key) for leaf in alternatives)
            for alternatives in node.alternatives
        )
    return None  # NoneOf holds when nothing is seen.


def _narrowest(options: object) -> frozenset[Atom] | None:
    known = [option for option in options if option is not None]  # type: ignore[attr-defined]
    return min(known, key=len) if known else None


def _rule_triggers(rule: Rule) -> frozenset[Atom] | None:
    parts = [_triggers(part) for part in (rule.all, rule.any) if part is not None]
    return _narrowest(parts)


def _regex_finder(regexes: dict[str, int]) -> RegexFinder | None:
    if not regexes:
        return None
    return RegexFinder(sorted(regexes, key=regexes.__getitem__))


def _conditions(rule: RuleSpec) -> list[Condition]:
    return [*(rule.all or ()), *(rule.any or ()), *rule.none]


def _leaves(name: str, sets: dict[str, SetSpec], seen: frozenset[str] = frozenset()) -> list[Term]:
    if name in seen or name not in sets:
        return []
    found: list[Term] = []
    for term in sets[name].terms:
        inner = term.set_name()
        if inner is not None:
            found.extend(_leaves(inner, sets, seen | {name}))
        else:
            found.append(term)
    return found


def _cycle(start: str, sets: dict[str, SetSpec]) -> list[str] | None:
    """The first cycle of set references from `start` back to itself, if any."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    visited: set[str] = set()
    while stack:
        name, trail = stack.pop()
        for term in sets[name].terms:
            target = term.set_name()
            if target is None or target not in sets:
                continue
            if target == start:
                return [*trail, start]
            if target not in visited:
                visited.add(target)
                stack.append((target, [*trail, target]))
    return None


def _at(item: SetSpec, message: str) -> Problem:
    return Problem(item.path, item.line, item.column, message)


__all__ = ["compile_rules", "compile_specs", "is_sets_file", "load_rulebook", "rule_paths"]
