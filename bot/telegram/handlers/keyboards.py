"""The topic buttons: one per topic, pressing one follows or drops it."""

from __future__ import annotations

from collections.abc import Mapping

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.rules import Topic

TOGGLE_PREFIX = "t:"
_MAX_BUTTONS = 96


def topics_keyboard(topics: Mapping[str, Topic], followed: set[str]) -> InlineKeyboardMarkup | None:
    """A button per topic (✅ followed, ➕ not), two to a row; pressing one toggles it."""
    buttons = [
        InlineKeyboardButton(
            _button_text(topic, followed=topic_id in followed),
            callback_data=f"{TOGGLE_PREFIX}{topic_id}",
        )
        for topic_id, topic in sorted(topics.items())[:_MAX_BUTTONS]
    ]
    if not buttons:
        return None
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def _button_text(topic: Topic, *, followed: bool) -> str:
    parts = ("✅" if followed else "➕", topic.emoji, topic.title)
    return " ".join(part for part in parts if part).strip()[:60]
