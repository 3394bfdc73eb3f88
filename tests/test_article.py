"""Article identity: canonical link, else guid, else a stable hash."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.article import article_id, canonical_link


def test_canonical_link_drops_tracking_and_fragment() -> None:
    assert (
        canonical_link("HTTPS://WWW.Example.COM:443/News/1?utm_source=x&id=7&fbclid=1&gclid=2#top")
        == "https://www.example.com/News/1?id=7"
    )


def test_the_same_article_from_two_sources_has_one_id() -> None:
    from_seed = article_id(
        link="https://seekingalpha.com/news/1-x",
        guid=None,
        source="seekalpha",
        title="A",
        published=None,
    )
    from_feed = article_id(
        link="https://seekingalpha.com/news/1-x?utm_medium=rss#comments",
        guid="guid-1",
        source="sa-feed",
        title="A (updated)",
        published=datetime(2025, 1, 1, tzinfo=UTC),
    )
    assert from_seed == from_feed


def test_guid_then_hash() -> None:
    assert article_id(link=None, guid=" tag:x,1 ", source="s", title="t", published=None) == (
        "tag:x,1"
    )
    first = article_id(link="", guid=None, source="s", title="t", published=None)
    assert first == article_id(link=None, guid="", source="s", title="t", published=None)
    assert first != article_id(link=None, guid=None, source="s", title="u", published=None)
    assert first.startswith("sha256:")
