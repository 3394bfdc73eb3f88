"""The feed cap's split: the first new items up to the cap alert, the rest are only recorded."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.sources.feed_cap import cap_new_items, flood_notice, flood_notice_id
from tests.support.articles import make_article


def test_the_first_new_items_up_to_the_cap_alert_and_seen_ones_pass_through() -> None:
    items = [make_article(n, title=f"Item {n}") for n in range(6)]
    unseen = {item.id for item in items[1:]}  # item 0 was seen before

    split = cap_new_items(items, unseen, cap=3)

    assert [item.title for item in split.alerted] == ["Item 0", "Item 1", "Item 2", "Item 3"]
    assert [item.title for item in split.recorded_only] == ["Item 4", "Item 5"]


def test_the_notice_names_the_feed_and_counts_and_is_once_a_day() -> None:
    assert flood_notice("wire", 200, 4800) == (
        "Suspicious feed: wire brought 5,000 new items in one poll; 200 alerted, 4,800 "
        "recorded without alerts (NEWSBOT_FEED_MAX_NEW). Check that the feed does not change "
        "its items' ids."
    )
    morning = datetime(2026, 12, 2, 8, tzinfo=UTC)
    evening = datetime(2026, 12, 2, 23, tzinfo=UTC)
    assert flood_notice_id("wire", morning) == flood_notice_id("wire", evening)
