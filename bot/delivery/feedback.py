"""Feedback on an alert: which rules its buttons mute, and which alerts carry buttons."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.ledger_values import DeliveryKind
from bot.rules.watches import WATCH_EMOJI


@dataclass(frozen=True, slots=True)
class Feedback:
    """The buttons under one alert: `Less like this` for its rules, `Unsubscribe` its topic."""

    delivery_id: int
    topic: str  # the alert's first operators' topic (what `Unsubscribe` drops), else its watch
    muted: bool = False  # the chat pressed `Less like this`: the button offers an undo
    subscribed: bool = True  # the chat still follows `topic`: `Unsubscribe` is offered


def rule_pairs(text: str) -> tuple[tuple[str, str], ...]:
    """The (topic, rule)s of a delivery's `rules` column (`oil/crude,gold/bullion`)."""
    pairs = []
    for item in text.split(","):
        topic, slash, rule = item.strip().partition("/")
        if slash and topic and rule:
            pairs.append((topic, rule))
    return tuple(dict.fromkeys(pairs))


def is_watch(pair: tuple[str, str]) -> bool:
    """Whether a (topic, rule) is a chat's own watch (`👁 powell`, `powell`)."""
    return pair[0].startswith(WATCH_EMOJI)


def muted_by_less(
    pairs: tuple[tuple[str, str], ...],
    rank: Mapping[tuple[str, str], tuple[int, int]] | None = None,
) -> tuple[str, str] | None:
    """The rule `Less like this` mutes: the operators' rule that made the alert.

    That is the highest in `rank` (priority, then first in its file: larger first), else the
    first listed. Never a watch (the chat's own, changed with /watch and /unwatch), and never
    the topic's other rules: muting them all would turn the topic off while /list shows it
    followed.
    """
    candidates = [pair for pair in pairs if not is_watch(pair)]
    if not candidates:
        return None
    standing = rank or {}
    return max(candidates, key=lambda pair: standing.get(pair, (-1, 0)))


def feedback_for(delivery_id: int, kind: str, rules: str) -> Feedback | None:
    """The buttons an alert carries; notices, digests and ticker-only alerts carry none."""
    pairs = rule_pairs(rules)
    if kind != DeliveryKind.ALERT or not pairs:
        return None
    first = muted_by_less(pairs) or pairs[0]
    return Feedback(delivery_id, first[0])
