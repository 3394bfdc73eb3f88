"""The knowledge base as the rule language sees it: each entity a set `@id` of its names.

A rule or `/watch` query term `@@hormuz` names the entity: it holds when any of its names
does, and `newsbot match` shows the name that matched (docs/knowledge.md).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from bot.knowledge.base import Knowledge, load_knowledge, operator_file
from bot.knowledge.finder import publish_knowledge
from bot.rules import RuleBook, load_rulebook
from bot.rules.loader import SetSpec, Term
from bot.rules.problems import Problem
from bot.rules.terms import TermError, WordTerm, parse_term

_WHERE = "<knowledge base>"


def entity_sets(knowledge: Knowledge) -> dict[str, SetSpec]:
    """Every entity as a set named `@id` holding its names as keyword terms."""
    sets: dict[str, SetSpec] = {}
    for entity in knowledge.entities.values():
        spec = _entity_set(entity.id, entity.names, entity.path, entity.line, entity.column)
        if spec is not None:
            sets[spec.name] = spec
    return sets


def rule_knowledge(rules_dir: Path) -> tuple[Knowledge, dict[str, SetSpec], list[Problem]]:
    """The knowledge base with the operator's file beside the rules, its entities as rule
    sets, and its problems: what `newsbot check`, `match` and the running bot load. The
    alert's 💹 line reads the same knowledge from then on (bot/alerts/moves.py)."""
    knowledge, problems = load_knowledge(operator_file(rules_dir))
    publish_knowledge(knowledge)
    return knowledge, entity_sets(knowledge), problems


def load_rules(rules_dir: Path) -> tuple[RuleBook, list[Problem]]:
    """The folder's rule book as the bot loads it, `@@id` naming the knowledge base's entities
    (the operator's file beside the rules included), with rule and knowledge problems."""
    _, entities, knowledge_problems = rule_knowledge(rules_dir)
    book, problems = load_rulebook(rules_dir, entities=entities)
    return book, [*problems, *knowledge_problems]


@lru_cache(maxsize=8192)  # the shipped entities: parsed once per process, not per reload
def _entity_set(
    entity_id: str, names: tuple[str, ...], path: str, line: int, column: int
) -> SetSpec | None:
    terms = tuple(Term(name, line, column) for name in names if _is_keyword(name))
    if not terms:
        return None
    return SetSpec("@" + entity_id, terms, path or _WHERE, line, column)


def _is_keyword(name: str) -> bool:
    """Whether the name reads as a plain (or `=` case-exact) keyword term."""
    try:
        parsed = parse_term(name)
    except TermError:
        return False
    return isinstance(parsed, WordTerm) and not parsed.prefix
