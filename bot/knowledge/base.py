"""The knowledge base: entities, their names in any script, and the instruments they move.

Shipped as reviewed YAML in `bot/knowledge/data/` (plus `listed.tsv`, generated from the
public-domain listings); an operator's own file, beside the rules, adds entities or replaces
shipped ones by id. Every file is read with the safe loader and checked against one schema;
problems are located at `file:line:column` like those of rule files.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import MappingProxyType

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.rules.compile import KNOWLEDGE_FILE
from bot.rules.problems import Problem
from bot.tickers import normalize_symbol

DATA_DIR = Path(__file__).resolve().parent / "data"
LISTED_FILE = "listed.tsv"

ENTITY_ID = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")
TOPIC_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
# What an article naming the entity is about: a market object itself (its instruments move
# first) or a driver of markets (its instruments move through what it acts on).
MARKET_KINDS = frozenset({"commodity", "release", "market", "sector", "company", "central_bank"})
DRIVER_KINDS = frozenset(
    {"country", "region", "chokepoint", "institution", "person", "policy", "listed"}
)
KINDS = (MARKET_KINDS | DRIVER_KINDS) - {"listed"}  # `listed`: generated from listed.tsv only
_LIST_KEYS = ("names", "demonyms", "instruments", "moves", "topics")
# Facts kept for readers and stories; matching uses only names and demonyms.
_FACT_KEYS = (
    "iso2",
    "iso3",
    "capital",
    "head_of_state",
    "head_of_government",
    "country",
    "head",
    "role",
)
_KEYS = ("id", "kind", *_LIST_KEYS, *_FACT_KEYS)
_MAX_NAME = 80

_Report = Callable[[Node, str], None]


@dataclass(frozen=True, slots=True)
class Entity:
    """One thing the news names: a country, a commodity, an official, a company, ..."""

    id: str
    kind: str
    names: tuple[str, ...]  # every alias, demonyms included; `=Name` matches case-exact
    instruments: tuple[str, ...] = ()  # moved directly, most direct first
    moves: tuple[str, ...] = ()  # ids of entities it acts on, whose instruments it moves next
    topics: tuple[str, ...] = ()  # rule topics that care about it
    facts: Mapping[str, str] = field(default_factory=dict)
    path: str = ""
    line: int = 0
    column: int = 1

    @property
    def is_market(self) -> bool:
        """Whether the entity is itself traded (its instruments are the article's subject)."""
        return self.kind in MARKET_KINDS


class Knowledge:
    """Every entity by id, with the instruments each moves resolved once; immutable."""

    __slots__ = ("_instruments", "entities")

    def __init__(self, entities: Mapping[str, Entity]) -> None:
        self.entities: Mapping[str, Entity] = MappingProxyType(dict(entities))
        self._instruments: dict[str, tuple[str, ...]] = {}

    def instruments_of(self, entity_id: str) -> tuple[str, ...]:
        """What the entity moves, most direct first: its own, then those of what it moves."""
        if (known := self._instruments.get(entity_id)) is not None:
            return known
        ordered: dict[str, None] = {}
        seen = {entity_id}
        level = [entity_id]
        # Breadth first: everything one step away comes before anything two steps away.
        for _ in range(4):
            following: list[str] = []
            for current in level:
                entity = self.entities.get(current)
                if entity is None:
                    continue
                ordered.update(dict.fromkeys(entity.instruments))
                for moved in entity.moves:
                    if moved not in seen:
                        seen.add(moved)
                        following.append(moved)
            level = following
        resolved = tuple(ordered)
        self._instruments[entity_id] = resolved
        return resolved

    def topics_of(self, entity_id: str) -> tuple[str, ...]:
        """The topics of the entity and of the entities it moves (one step)."""
        entity = self.entities.get(entity_id)
        if entity is None:
            return ()
        found = dict.fromkeys(entity.topics)
        for moved in entity.moves:
            if (other := self.entities.get(moved)) is not None:
                found.update(dict.fromkeys(other.topics))
        return tuple(found)


def load_knowledge(
    extra: Path | None = None, *, data_dir: Path = DATA_DIR
) -> tuple[Knowledge, list[Problem]]:
    """The shipped knowledge base, with the operator's file (if any) applied over it."""
    shipped_entities, shipped_problems = _read_data(data_dir)
    entities = dict(shipped_entities)
    problems = list(shipped_problems)
    if extra is not None and extra.exists():
        try:
            text = extra.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            problems.append(Problem(str(extra), 1, 1, f"cannot read: {error}"))
        else:
            found, file_problems = parse_knowledge(str(extra), text)
            merged = {**entities, **{entity.id: entity for entity in found}}
            file_problems.extend(_unknown_moves(merged, only=extra_path(found)))
            problems.extend(file_problems)
            if not file_problems:  # a broken operator file changes nothing
                entities = merged
    return Knowledge(entities), sorted(set(problems))


@cache
def _read_data(data_dir: Path) -> tuple[Mapping[str, Entity], tuple[Problem, ...]]:
    """The shipped files, read once per process: they change only with the package."""
    entities: dict[str, Entity] = {}
    problems: list[Problem] = []
    for path in sorted(data_dir.glob("*.yaml")):
        found, file_problems = parse_knowledge(str(path), path.read_text(encoding="utf-8"))
        problems.extend(file_problems)
        for entity in found:
            if entity.id in entities:
                first = entities[entity.id]
                problems.append(
                    Problem(
                        entity.path,
                        entity.line,
                        entity.column,
                        f"entity id {entity.id!r} already used at {first.path}:{first.line}",
                    )
                )
                continue
            entities[entity.id] = entity
    listed = data_dir / LISTED_FILE
    if listed.exists():
        for entity in parse_listed(str(listed), listed.read_text(encoding="utf-8")):
            entities.setdefault(entity.id, entity)
    problems.extend(_unknown_moves(entities, only=str(data_dir)))
    return MappingProxyType(entities), tuple(problems)


def operator_file(rules_dir: Path) -> Path:
    """The operator's own knowledge file: `_knowledge.yaml` in the rules folder."""
    return rules_dir / KNOWLEDGE_FILE


@cache
def shipped() -> Knowledge:
    """The shipped knowledge base, loaded once per process."""
    return load_knowledge()[0]


def extra_path(found: list[Entity]) -> str:
    """The path the operator's entities were read from (empty when there are none)."""
    return found[0].path if found else "\0"


def _unknown_moves(entities: Mapping[str, Entity], *, only: str) -> list[Problem]:
    """`moves` naming no entity, for the entities read from paths starting with `only`."""
    return list(_unknown(entities, only))


def _unknown(entities: Mapping[str, Entity], only: str) -> Iterable[Problem]:
    for entity in entities.values():
        if not entity.path.startswith(only):
            continue
        for moved in entity.moves:
            if moved not in entities:
                yield Problem(
                    entity.path,
                    entity.line,
                    entity.column,
                    f"{entity.id}: moves unknown entity {moved!r}",
                )


def parse_listed(path: str, text: str) -> list[Entity]:
    """The listed companies of a `SYMBOL<TAB>name` file: each moves its own symbol."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        symbol, _, name = line.partition("\t")
        if symbol and name.strip():
            found.append(
                Entity(
                    id=f"listed.{symbol.lower()}",
                    kind="listed",
                    names=("=" + name.strip(),),
                    instruments=(symbol,),
                    path=path,
                    line=number,
                )
            )
    return found


def parse_knowledge(path: str, text: str) -> tuple[list[Entity], list[Problem]]:
    """The entities of one knowledge file and every problem in it, at line and column."""
    problems: list[Problem] = []

    def problem(node: Node, message: str) -> None:
        mark = node.start_mark
        problems.append(Problem(path, mark.line + 1, mark.column + 1, message))

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        # Where an unclosed bracket opens, not where the file ends.
        mark = getattr(error, "context_mark", None) or getattr(error, "problem_mark", None)
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        reason = getattr(error, "problem", None) or "cannot be read"
        return [], [Problem(path, line, column, f"YAML syntax: {reason}")]
    if root is None:
        return [], []
    if not isinstance(root, MappingNode):
        problem(root, "a knowledge file is a mapping with the key `entities`")
        return [], problems
    items: SequenceNode | None = None
    for key, value in root.value:
        if _scalar(key) != "entities":
            problem(key, f"unknown key {_scalar(key)!r}; the only key is `entities`")
        elif not isinstance(value, SequenceNode):
            problem(value, "`entities` is a list")
        else:
            items = value
    if items is None:
        return [], problems
    entities: list[Entity] = []
    seen: dict[str, int] = {}
    for node in items.value:
        entity = _entity(path, node, problem)
        if entity is None:
            continue
        if entity.id in seen:
            problem(node, f"entity id {entity.id!r} already used on line {seen[entity.id]}")
            continue
        seen[entity.id] = entity.line
        entities.append(entity)
    return entities, problems


def _entity(path: str, node: Node, problem: _Report) -> Entity | None:
    if not isinstance(node, MappingNode):
        problem(node, "an entity is a mapping with `id`, `kind` and `names`")
        return None
    values: dict[str, Node] = {}
    for key, value in node.value:
        name = _scalar(key)
        if name not in _KEYS:
            problem(key, f"unknown key {name!r}; allowed: {', '.join(_KEYS)}")
        else:
            values[name] = value
    ok = True
    entity_id = _text(values.get("id"))
    if entity_id is None or not ENTITY_ID.fullmatch(entity_id):
        problem(values.get("id", node), "`id` is required: lower-case letters, digits, - _ .")
        ok = False
    kind = _text(values.get("kind"))
    if kind not in KINDS:
        problem(values.get("kind", node), f"`kind` is one of {', '.join(sorted(KINDS))}")
        ok = False
    lists: dict[str, tuple[str, ...]] = {}
    for key in _LIST_KEYS:
        items = _strings(values.get(key), key, problem)
        if items is None:
            ok = False
            items = ()
        lists[key] = items
    if not lists["names"]:
        problem(values.get("names", node), "`names` lists at least one name")
        ok = False
    for name in (*lists["names"], *lists["demonyms"]):
        if len(name) > _MAX_NAME or not name.strip().lstrip("="):
            problem(values.get("names", node), f"name {name!r} is empty or too long")
            ok = False
    for symbol in lists["instruments"]:
        if normalize_symbol(symbol) != symbol:
            problem(values["instruments"], f"instrument {symbol!r} is not an upper-case symbol")
            ok = False
    for moved in lists["moves"]:
        if not ENTITY_ID.fullmatch(moved):
            problem(values["moves"], f"`moves` names entity ids; {moved!r} is not one")
            ok = False
    for topic in lists["topics"]:
        if not TOPIC_ID.fullmatch(topic):
            problem(values["topics"], f"{topic!r} is not a topic id")
            ok = False
    facts: dict[str, str] = {}
    for key in _FACT_KEYS:
        if key in values:
            value = _text(values[key])
            if value is None:
                problem(values[key], f"`{key}` is a single value")
                ok = False
            else:
                facts[key] = value
    if not ok or entity_id is None or kind is None:
        return None
    return Entity(
        id=entity_id,
        kind=kind,
        names=tuple(dict.fromkeys((*lists["names"], *lists["demonyms"]))),
        instruments=lists["instruments"],
        moves=lists["moves"],
        topics=lists["topics"],
        facts=MappingProxyType(facts),
        path=path,
        line=node.start_mark.line + 1,
        column=node.start_mark.column + 1,
    )


def _scalar(node: Node) -> str:
    return str(node.value) if isinstance(node, ScalarNode) else "<not a scalar>"


def _text(node: Node | None) -> str | None:
    if not isinstance(node, ScalarNode) or node.tag.endswith(":null"):
        return None
    text = str(node.value).strip()
    return text or None


def _strings(node: Node | None, key: str, problem: _Report) -> tuple[str, ...] | None:
    if node is None:
        return ()
    if not isinstance(node, SequenceNode):
        problem(node, f"`{key}` is a list")
        return None
    found = []
    for item in node.value:
        text = _text(item)
        if text is None:
            problem(item, f"every item of `{key}` is a non-empty text")
            return None
        found.append(text)
    return tuple(found)
