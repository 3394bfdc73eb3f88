"""When each feed brought new items, and the silence last reported: a feed's usual rate."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, func, select, type_coerce

from bot.storage.models import UTCDateTime, feed_new_items, feed_silences

KEEP_NEW_ITEM_TIMES = 50  # per feed: enough for a steady median, small enough to read per poll


@dataclass(frozen=True, slots=True)
class ReportedSilence:
    """A feed's silence the admins were told of: the item it began after, the last notice."""

    last_item: datetime
    reported_at: datetime
    reports: int = 1


def note_new_items(
    connection: Connection, feed: str, at: datetime, *, keep: int = KEEP_NEW_ITEM_TIMES
) -> None:
    """Remember that the feed brought new items at `at`; only its latest `keep` times stay."""
    known = connection.scalar(
        select(func.count())
        .select_from(feed_new_items)
        .where(feed_new_items.c.feed == feed, feed_new_items.c.at == at)
    )
    if not known:
        connection.execute(feed_new_items.insert().values(feed=feed, at=at))
    cutoff = connection.scalar(
        select(feed_new_items.c.at)
        .where(feed_new_items.c.feed == feed)
        .order_by(feed_new_items.c.at.desc())
        .offset(keep - 1)
        .limit(1)
    )
    if cutoff is not None:
        connection.execute(
            delete(feed_new_items).where(
                feed_new_items.c.feed == feed, feed_new_items.c.at < cutoff
            )
        )


def new_item_times(connection: Connection, feed: str) -> list[datetime]:
    """When the feed brought new items, oldest first."""
    return list(
        connection.scalars(
            select(feed_new_items.c.at)
            .where(feed_new_items.c.feed == feed)
            .order_by(feed_new_items.c.at)
        )
    )


def last_new_items(connection: Connection, feeds: Iterable[str]) -> dict[str, datetime]:
    """When each of these feeds last brought a new item (feeds that never did are left out)."""
    names = list(feeds)
    if not names:
        return {}
    latest = type_coerce(func.max(feed_new_items.c.at), UTCDateTime())
    rows = connection.execute(
        select(feed_new_items.c.feed, latest)
        .where(feed_new_items.c.feed.in_(names))
        .group_by(feed_new_items.c.feed)
    )
    return {str(feed): at for feed, at in rows if at is not None}


def reported_silence(connection: Connection, feed: str) -> ReportedSilence | None:
    """The feed's silence last reported and not yet recovered from, if any."""
    row = connection.execute(
        select(
            feed_silences.c.last_item, feed_silences.c.reported_at, feed_silences.c.reports
        ).where(feed_silences.c.feed == feed)
    ).first()
    return None if row is None else ReportedSilence(row[0], row[1], int(row[2]))


def save_reported_silence(
    connection: Connection, feed: str, silence: ReportedSilence | None
) -> None:
    """Store the feed's reported silence (None: it recovered, or never was silent)."""
    connection.execute(delete(feed_silences).where(feed_silences.c.feed == feed))
    if silence is not None:
        connection.execute(
            feed_silences.insert().values(
                feed=feed,
                last_item=silence.last_item,
                reported_at=silence.reported_at,
                reports=silence.reports,
            )
        )
