"""Officials as the knowledge base knows them, for story evidence: one person whether a
headline names them (`Powell`) or their office (`Fed Chair`, `European Commission chief`,
`EU President`), and the body a head speaks for (Powell for the Fed)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from bot.knowledge.base import Knowledge
from bot.knowledge.finder import shipped_finder

# Words that, after a body's name, designate the person at its head.
_HEAD_TITLES = r"(?:chief|chiefs|head|president|chair|chairman|chairwoman|governor|boss|leader)"
_BODY_KINDS = frozenset({"central_bank", "institution"})


@dataclass(frozen=True, slots=True)
class _Offices:
    """Who heads which body, read once from the shipped knowledge base."""

    kinds: dict[str, str]
    head_of: dict[str, str]  # body id -> the person at its head
    headed: dict[str, str]  # person id -> the body they head
    names: dict[str, tuple[str, ...]]  # body id -> its names, folded
    groups: frozenset[str]  # person entities that name many people (`fed-officials`)


@cache
def _offices() -> _Offices:
    knowledge: Knowledge = shipped_finder().knowledge
    entities = knowledge.entities
    kinds = {entity.id: entity.kind for entity in entities.values()}
    head_of: dict[str, str] = {}
    for entity in entities.values():
        head = entity.facts.get("head", "")
        if entity.kind in _BODY_KINDS and kinds.get(head) == "person":
            head_of[entity.id] = head
    # A body with no head of its own is spoken for by the head of a body that acts for it
    # (`EU President`: the Commission's president).
    for entity in entities.values():
        if entity.id not in head_of:
            continue
        for moved in entity.moves:
            if kinds.get(moved) in _BODY_KINDS and moved not in head_of:
                head_of[moved] = head_of[entity.id]
    headed: dict[str, str] = {}
    for body, person in head_of.items():
        headed.setdefault(person, body)
    names = {
        body: tuple(
            folded
            for name in entities[body].names
            if (folded := " ".join(_fold(name.lstrip("=")).split())) and folded.isascii()
        )
        for body in head_of
    }
    groups = frozenset(
        entity.id
        for entity in entities.values()
        if entity.kind == "person" and not _one_person(entity.names)
    )
    return _Offices(kinds, head_of, headed, names, groups)


def _one_person(names: tuple[str, ...]) -> bool:
    """Whether an entity's names are one person's: a word (the surname) in half of them
    (`Jerome Powell`, `Powell`, `Fed Chair`), not a list of many people's."""
    folded = [set(_fold(name).split()) for name in names if name.isascii()]
    if len(folded) <= 2:
        return True
    words = set().union(*folded)
    return any(2 * sum(word in name for name in folded) >= len(folded) for word in words)


def _fold(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower())


def heads_named(ids: frozenset[str], folded_text: str) -> frozenset[str]:
    """The persons a text names by office: a body it names followed by a head's title
    (`European Commission chief`, `EU President`, `ECB's president`)."""
    offices = _offices()
    found = set()
    for body in ids & offices.head_of.keys():
        if _office_pattern(offices.names[body]).search(folded_text):
            found.add(offices.head_of[body])
    return frozenset(found)


@lru_cache(maxsize=256)
def _office_pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    joined = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
    return re.compile(rf"\b(?:{joined})(?: s)? {_HEAD_TITLES}\b")


def officials(ids: frozenset[str], folded_text: str) -> frozenset[str]:
    """The persons and bodies a text names, its offices resolved to who holds them."""
    kinds = _offices().kinds
    named = {i for i in ids if kinds.get(i) in ("person", *_BODY_KINDS)}
    return frozenset(named) | heads_named(ids, folded_text)


def spoken_for(people: frozenset[str]) -> frozenset[str]:
    """The bodies the named persons head (Powell: the Fed), besides the persons."""
    headed = _offices().headed
    return people | {headed[person] for person in people if person in headed}


def canonical_actors(actors: frozenset[str]) -> frozenset[str]:
    """Actors with each head folded into the body they head: `Fed's Powell`, `Fed Chair
    Powell` and `Powell` are one actor, the Fed."""
    headed = _offices().headed
    return frozenset(headed.get(actor, actor) for actor in actors)


def same_speaker(speaker_ids: frozenset[str], speaker_text: str, other: frozenset[str]) -> bool:
    """Whether the party a headline quotes (its entities `speaker_ids`, its words folded in
    `speaker_text`) is one the other article names, by name or by office: `EU President`
    and `European Commission chief` are one person. `other`: the other article's officials
    (`officials`)."""
    mine = officials(speaker_ids, speaker_text)
    if not mine:
        return False
    offices = _offices()
    if mine & offices.groups:
        return False  # `Fed's Hammack`: one of many officials, told apart by name only
    kinds = offices.kinds
    people = frozenset(i for i in mine if kinds.get(i) == "person")
    if people:
        return bool(people & other)
    # A body quoted (`EU vows …`): its head, or the body, named by the other.
    return bool(spoken_for(frozenset(i for i in other if kinds.get(i) == "person")) & mine) or (
        bool(mine & other)
    )
