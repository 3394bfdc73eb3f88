"""The /topics buttons as a subscriber reads them."""

from __future__ import annotations

from bot.rules import Topic
from bot.telegram.handlers.keyboards import topics_keyboard

TOPICS = {
    "oil": Topic(id="oil", title="Crude oil", description="", emoji="🛢️", path="oil.yaml"),
    "fine": Topic(id="fine", title="Fine print", description="", emoji="", path="fine.yaml"),
}


def test_a_topic_without_an_emoji_reads_without_a_gap() -> None:
    keyboard = topics_keyboard(TOPICS, {"oil"})
    assert keyboard is not None
    texts = [button.text for row in keyboard.inline_keyboard for button in row]
    assert texts == ["➕ Fine print", "✅ 🛢️ Crude oil"]
