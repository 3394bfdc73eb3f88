"""A silent source is news: judged on the feed's own rate, told once, daily, and on recovery."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.runtime.core import Runtime
from bot.runtime.silent_feeds import silence_notice, silence_of
from bot.storage.feed_activity import ReportedSilence, note_new_items
from bot.storage.models import deliveries
from tests.support.bot_api_double import BotApiDouble
from tests.support.feed_server import FeedServer, Reply, Request, rss
from tests.support.workspace import ADMIN, Workspace

T0 = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)


def _every(minutes: float, count: int, *, start: datetime = T0) -> list[datetime]:
    return [start + timedelta(minutes=minutes * step) for step in range(count)]


def test_a_feed_is_silent_after_six_of_its_usual_gaps() -> None:
    times = _every(30, 10)  # a new item every half hour
    last = times[-1]
    assert silence_of(times, last + timedelta(hours=2, minutes=59)) is None
    silence = silence_of(times, last + timedelta(hours=3, minutes=1))
    assert silence is not None
    assert silence.usual_gap == timedelta(minutes=30) and silence.last_item == last


def test_a_busy_feed_is_not_silent_before_two_hours() -> None:
    times = _every(5, 20)  # six gaps are only 30 minutes: the two-hour floor decides
    assert silence_of(times, times[-1] + timedelta(hours=1, minutes=59)) is None
    assert silence_of(times, times[-1] + timedelta(hours=2, minutes=1)) is not None


def test_one_long_gap_in_the_history_does_not_change_the_usual_rate() -> None:
    times = [*_every(20, 6), *_every(20, 6, start=T0 + timedelta(days=2))]
    silence = silence_of(times, times[-1] + timedelta(hours=2, minutes=1))
    assert silence is not None and silence.usual_gap == timedelta(minutes=20)


def test_a_feed_with_too_little_history_is_never_judged() -> None:
    assert silence_of(_every(30, 5), T0 + timedelta(days=30)) is None
    assert silence_of([], T0) is None


def test_a_silence_is_told_once_then_daily_and_its_end_once() -> None:
    times = _every(30, 10)
    silent_at = times[-1] + timedelta(hours=4)

    notice, reported = silence_notice("wire", times, None, silent_at)
    assert notice is not None and notice.kind == "silent"
    assert notice.text.startswith("Feed wire is silent: no new item for 4h")
    assert "usually brings one every 30m" in notice.text
    assert reported == ReportedSilence(times[-1], silent_at, 1)

    for later in (timedelta(minutes=5), timedelta(hours=23, minutes=59)):
        again, kept = silence_notice("wire", times, reported, silent_at + later)
        assert again is None and kept == reported

    day_later = silent_at + timedelta(days=1)
    repeat, reported_again = silence_notice("wire", times, reported, day_later)
    assert repeat is not None and repeat.text.startswith("Feed wire is still silent")
    assert repeat.notice_id != notice.notice_id
    assert reported_again == ReportedSilence(times[-1], day_later, 2)

    back = day_later + timedelta(hours=1)
    recovered, after = silence_notice("wire", [*times, back], reported_again, back)
    assert recovered is not None and recovered.kind == "recovered" and after is None
    assert recovered.text == "Feed wire brings new items again, after 1d 5h of silence."

    quiet, nothing = silence_notice("wire", [*times, back], None, back + timedelta(minutes=1))
    assert quiet is None and nothing is None


def _admin_notices(runtime: Runtime) -> list[str]:
    with runtime.engine.connect() as connection:
        rows = connection.scalars(
            select(deliveries.c.article_id)
            .where(deliveries.c.chat_id == ADMIN)
            .order_by(deliveries.c.id)
        )
        return [row for row in rows if row.startswith("notice:feed-")]


async def test_a_silent_feed_is_reported_once_not_on_every_poll_and_its_recovery_too(
    api: BotApiDouble, workspace: Workspace
) -> None:
    items: list[tuple[str, str]] = []

    def reply(_request: Request) -> Reply:
        return Reply(body=rss(items))

    with FeedServer() as server:
        server.route("/wire.xml", reply)
        workspace.feeds_file.write_text(
            f"feeds:\n  - name: wire\n    url: {server.url('/wire.xml')}\n    interval: 30s\n"
        )
        settings = workspace.settings(api)
        runtime = Runtime(settings)
        try:
            # Until three hours ago the wire brought a new item every 20 minutes.
            now = datetime.now(UTC)
            with runtime.engine.begin() as connection:
                for step in range(8):
                    note_new_items(connection, "wire", now - timedelta(hours=3, minutes=20 * step))
            runtime.load_feeds()
            spec = runtime.feeds[0]
            for _ in range(3):
                await runtime.poller.poll(spec)
            notices = _admin_notices(runtime)
            assert len(notices) == 1 and notices[0].startswith("notice:feed-silent:wire:")
        finally:
            await runtime.close()

        restarted = Runtime(settings)  # a restart remembers both the history and the report
        try:
            restarted.load_feeds()
            await restarted.poller.poll(restarted.feeds[0])
            assert len(_admin_notices(restarted)) == 1

            items.append(("Crude oil jumps after pipeline strike", "https://example.com/a/2"))
            await restarted.poller.poll(restarted.feeds[0])
            await restarted.poller.poll(restarted.feeds[0])
            notices = _admin_notices(restarted)
            assert len(notices) == 2 and notices[1].startswith("notice:feed-recovered:wire:")
            with restarted.engine.connect() as connection:
                texts = connection.scalars(
                    select(deliveries.c.text).where(deliveries.c.chat_id == ADMIN)
                ).all()
            assert any("Feed wire is silent: no new item for 3h" in text for text in texts)
            assert any("Feed wire brings new items again, after 3h" in text for text in texts)
        finally:
            await restarted.close()
