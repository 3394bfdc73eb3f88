"""One source cannot fill the queue: a poll alerts at most so many new items of a feed."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.article import Article


@dataclass(frozen=True, slots=True)
class CappedPoll:
    """A poll's new items split at the cap: those alerted, and those only recorded."""

    alerted: list[Article]
    recorded_only: list[Article]


def cap_new_items(articles: Sequence[Article], unseen: Collection[str], cap: int) -> CappedPoll:
    """The first `cap` unseen items (in the feed's order, usually newest first) are alerted;
    the rest of the unseen ones are recorded without alerts. Items seen before pass through
    the first group (ingest skips them)."""
    alerted: list[Article] = []
    over: list[Article] = []
    taken = 0
    for article in articles:
        if article.id not in unseen:
            alerted.append(article)
        elif taken < cap:
            alerted.append(article)
            taken += 1
        else:
            over.append(article)
    return CappedPoll(alerted, over)


def flood_notice(feed: str, alerted: int, recorded: int) -> str:
    """The admins' notice of a feed that brought more new items in one poll than the cap."""
    return (
        f"Suspicious feed: {feed} brought {alerted + recorded:,} new items in one poll; "
        f"{alerted:,} alerted, {recorded:,} recorded without alerts "
        "(NEWSBOT_FEED_MAX_NEW). Check that the feed does not change its items' ids."
    )


def flood_notice_id(feed: str, moment: datetime) -> str:
    """Once per feed per day."""
    return f"notice:feed-flood:{feed}:{moment:%Y%m%d}"
