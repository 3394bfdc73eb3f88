"""Feedback on an alert: which rules its buttons mute, and which alerts carry buttons."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Feedback:
    """The buttons under one alert: `Less like this` for its rules, `Unsubscribe` its topic."""

    delivery_id: int
    topic: str  # the alert's first topic: what `Unsubscribe` drops
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


def feedback_for(delivery_id: int, kind: str, rules: str) -> Feedback | None:
    """The buttons an alert carries; notices, digests and ticker-only alerts carry none."""
    pairs = rule_pairs(rules)
    if kind != "alert" or not pairs:
        return None
    return Feedback(delivery_id, pairs[0][0])
