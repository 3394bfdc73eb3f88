"""What a command's words name, and the answers for words that name nothing."""

from __future__ import annotations

from datetime import timedelta

from bot.rules import Topic
from bot.telegram.handlers.settings import MAX_MUTE, mute_span
from bot.telegram.handlers.targets import named_targets, unknown_topic

TOPICS = {
    "oil": Topic(id="oil", title="Crude oil", description="", emoji="🛢️", path="oil.yaml"),
    "gold": Topic(id="gold", title="Gold", description="", emoji="🥇", path="gold.yaml"),
}


def test_words_name_topics_and_tickers() -> None:
    assert named_targets(["Oil", "$uso", "$"], TOPICS) == (["oil"], ["USO", ""])


def test_a_spelled_out_title_names_its_topic() -> None:
    assert named_targets(["crude", "OIL"], TOPICS) == (["oil"], [])


def test_a_word_that_could_be_a_symbol_gets_the_ticker_hint() -> None:
    assert "For a ticker write $XOM." in unknown_topic("xom", TOPICS)
    assert "For a ticker" not in unknown_topic("what?", TOPICS)
    # A full stop typed after it is no part of the symbol.
    assert unknown_topic("uso.", TOPICS).endswith("For a ticker write $USO.")


def test_a_title_is_read_beside_other_words() -> None:
    assert named_targets(["gold", "Crude", "oil", "$USO"], TOPICS) == (["gold", "oil"], ["USO"])


def test_a_close_word_gets_suggestions_not_the_hint() -> None:
    assert unknown_topic("gld", TOPICS) == "Unknown topic “gld”. Did you mean: gold?"


def test_unknown_words_are_escaped() -> None:
    assert "&lt;b&gt;" in unknown_topic("<b>", TOPICS)


def test_mute_needs_a_unit_and_is_capped() -> None:
    assert mute_span("90m") == timedelta(minutes=90)
    assert mute_span("2") is None
    assert mute_span("soon") is None
    assert mute_span("") is None
    assert mute_span("400d") == MAX_MUTE
