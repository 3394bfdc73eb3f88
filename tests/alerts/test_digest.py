"""The digest a chat gets when quiet hours or a mute end: grouped, ordered, within the limit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.alerts import MAX_MESSAGE, visible_length
from bot.alerts.digest import HeldItem, render_digest
from bot.rules import Topic

TOPICS = {
    "oil": Topic("oil", "Crude oil", "", "🛢", "rules/oil.yaml"),
    "gold": Topic("gold", "Gold", "", "🥇", "rules/gold.yaml"),
}
LONDON = ZoneInfo("Europe/London")


def item(
    title: str, priority: str, groups: tuple[str, ...], minute: int, **more: object
) -> HeldItem:
    fields: dict[str, object] = {
        "title": title,
        "link": f"https://example.com/{minute}",
        "source": "seekalpha",
        "published": datetime(2026, 7, 1, 1, minute, tzinfo=UTC),
        "priority": priority,
        "groups": groups,
    }
    fields.update(more)
    return HeldItem(**fields)  # type: ignore[arg-type]


def test_grouped_by_topic_highest_priority_first_each_linked_with_source_and_time() -> None:
    held = [
        item("Gold steady", "normal", ("gold",), 5),
        item("Brent slips <1%>", "normal", ("oil",), 10),
        item("Hormuz tanker seized", "high", ("oil", "gold"), 20, outlets=3),
        item("USO options busy", "low", (), 30),
    ]
    morning = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    [message] = render_digest(
        held, TOPICS, zone=LONDON, heading="4 alerts held overnight", now=morning
    )
    lines = message.splitlines()
    assert lines[0] == "<b>🗞 4 alerts held overnight</b>"
    oil = lines.index("<b>🛢 Crude oil</b>")
    assert lines[oil + 1] == (
        '• ⚠️ <a href="https://example.com/20">Hormuz tanker seized</a>'
        " — Seeking Alpha, 02:20, 3 sources"
    )  # 01:20 UTC is 02:20 in London in July; the story once, with its source count
    assert lines[oil + 2].startswith('• <a href="https://example.com/10">Brent slips &lt;1%&gt;')
    assert oil < lines.index("<b>🥇 Gold</b>") < lines.index("<b>💲 Tickers you follow</b>")
    assert message.count("Hormuz") == 1


def test_an_item_of_another_day_shows_its_date_in_the_chats_zone() -> None:
    old = item("Gold steady", "normal", ("gold",), 5)  # 2026-07-01 01:05 UTC
    later = datetime(2028, 4, 20, 8, 0, tzinfo=UTC)
    [message] = render_digest(
        [old], TOPICS, zone=ZoneInfo("America/New_York"), heading="D", now=later
    )
    assert "— Seeking Alpha, 2026-06-30 21:05" in message  # the day before, in New York


def test_nothing_held_sends_nothing_and_lateness_is_said() -> None:
    assert render_digest([], TOPICS, zone=LONDON, heading="x") == []
    [late] = render_digest(
        [item("a", "normal", ("oil",), 1)],
        TOPICS,
        zone=LONDON,
        heading="Digest",
        late=timedelta(hours=2, minutes=5),
    )
    assert "Sent 2h 5m late: the bot was down." in late


def test_a_long_digest_splits_into_messages_under_the_limit_keeping_every_item() -> None:
    held = [
        item(f"Headline number {i} " + "x" * 120, "normal", ("oil",), i % 60) for i in range(90)
    ]
    messages = render_digest(held, TOPICS, zone=LONDON, heading="90 alerts")
    assert len(messages) > 1
    assert all(visible_length(m) <= MAX_MESSAGE for m in messages)
    assert all(m.startswith("<i>(continued)</i>") for m in messages[1:])
    assert sum(m.count("• ") for m in messages) == 90
