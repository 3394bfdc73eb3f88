"""A silent source is news: a feed far below its own usual rate of new items is reported.

A feed is silent when its last new item is older than `SILENCE_FACTOR` times its median gap
between new items (over its last `KEEP_NEW_ITEM_TIMES` new-item times) and at least
`SILENCE_FLOOR`. Admins hear of it once, again every `REPEAT_EVERY` while it lasts, and once
when the feed brings something new again. The history lives in the database, so a restart (or
another member of a fleet) judges the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from statistics import median
from typing import Literal

from sqlalchemy import Connection, Engine

from bot.durations import format_duration
from bot.runtime.notices import Notices
from bot.storage.db import in_transaction
from bot.storage.feed_activity import (
    ReportedSilence,
    new_item_times,
    note_new_items,
    reported_silence,
    save_reported_silence,
)

log = logging.getLogger(__name__)

SILENCE_FACTOR = 6
SILENCE_FLOOR = timedelta(hours=2)
MIN_NEW_ITEM_TIMES = 6  # five gaps at least before a feed's usual rate means anything
REPEAT_EVERY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Silence:
    """A feed gone quiet: its last new item, its usual gap, and how long it has been silent."""

    last_item: datetime
    usual_gap: timedelta
    threshold: timedelta
    silent_for: timedelta


@dataclass(frozen=True, slots=True)
class SilenceNotice:
    """What to tell admins about a feed's silence, under an id that makes it once-only."""

    kind: Literal["silent", "recovered"]
    text: str
    notice_id: str


def silence_of(times: Sequence[datetime], now: datetime) -> Silence | None:
    """The feed's silence at `now`, judged on its new-item times (oldest first), or None."""
    if len(times) < MIN_NEW_ITEM_TIMES:
        return None
    ordered = sorted(times)
    gaps = [later - earlier for earlier, later in pairwise(ordered)]
    usual = timedelta(seconds=median(gap.total_seconds() for gap in gaps))
    threshold = max(usual * SILENCE_FACTOR, SILENCE_FLOOR)
    silent_for = now - ordered[-1]
    if silent_for <= threshold:
        return None
    return Silence(ordered[-1], usual, threshold, silent_for)


def silence_notice(
    feed: str,
    times: Sequence[datetime],
    reported: ReportedSilence | None,
    now: datetime,
) -> tuple[SilenceNotice | None, ReportedSilence | None]:
    """What to tell admins now about this feed, and the reported silence to remember after."""
    latest = max(times) if times else None
    if reported is not None and latest is not None and latest > reported.last_item:
        back = min(at for at in times if at > reported.last_item)
        text = (
            f"Feed {feed} brings new items again, after "
            f"{format_duration((back - reported.last_item).total_seconds())} of silence."
        )
        return SilenceNotice("recovered", text, _notice_id("recovered", feed, reported)), None
    silence = silence_of(times, now)
    if silence is None:
        return None, reported
    if reported is not None and now - reported.reported_at < REPEAT_EVERY:
        return None, reported
    prefix = f"Feed {feed} is still silent" if reported is not None else f"Feed {feed} is silent"
    text = (
        f"{prefix}: no new item for {format_duration(silence.silent_for.total_seconds())} "
        f"(last at {silence.last_item:%Y-%m-%d %H:%M} UTC), while it usually brings one "
        f"every {format_duration(silence.usual_gap.total_seconds())}. It still answers polls: "
        "check that it has not moved or stopped publishing."
    )
    after = ReportedSilence(
        silence.last_item, now, reported.reports + 1 if reported is not None else 1
    )
    return SilenceNotice("silent", text, _notice_id("silent", feed, after)), after


def _notice_id(kind: str, feed: str, silence: ReportedSilence) -> str:
    # The spell (the item the silence began after) and the report's number: a notice written
    # twice (a crash between the notice and the state) is one notice in the ledger.
    spell = f"{silence.last_item:%Y%m%dT%H%M%S}"
    suffix = f":{silence.reports}" if kind == "silent" else ""
    return f"notice:feed-{kind}:{feed}:{spell}{suffix}"


class SilentFeeds:
    """Keeps each feed's new-item times in the database and tells admins of silences."""

    def __init__(
        self,
        engine: Engine,
        notices: Notices,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._engine = engine
        self._notices = notices
        self._clock = clock

    async def after_poll(self, feed: str, *, brought_new: bool) -> datetime | None:
        """Note a successful poll of the feed; returns when it last brought a new item."""
        now = self._clock()

        def read(connection: Connection) -> tuple[list[datetime], ReportedSilence | None]:
            if brought_new:
                note_new_items(connection, feed, now)
            return new_item_times(connection, feed), reported_silence(connection, feed)

        times, before = await in_transaction(self._engine, read)
        notice, after = silence_notice(feed, times, before, now)
        if notice is not None:
            log.info("feed %s: %s, admins told", feed, notice.kind)
            await self._notices.tell_admins(notice.text, notice_id=notice.notice_id)
        if after != before:
            await in_transaction(self._engine, save_reported_silence, feed, after)
        return times[-1] if times else None
