"""Quiet hours, digest times and mutes on a clock the tests set: midnight and DST included."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from bot.delivery.hours import (
    ChatHours,
    Hold,
    Window,
    next_digest,
    parse_digest_times,
    parse_window,
    quiet_end,
    release_at,
    zone_named,
    zone_suggestions,
)

LONDON = zone_named("Europe/London")
NIGHT = parse_window("22:00-07:00")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_quiet_hours_across_midnight_in_winter() -> None:
    hours = ChatHours(LONDON, NIGHT)
    assert quiet_end(utc(2026, 1, 10, 21, 59), hours) is None
    assert quiet_end(utc(2026, 1, 10, 22, 0), hours) == utc(2026, 1, 11, 7, 0)
    assert quiet_end(utc(2026, 1, 11, 3, 0), hours) == utc(2026, 1, 11, 7, 0)
    assert quiet_end(utc(2026, 1, 11, 7, 0), hours) is None


def test_quiet_hours_across_the_spring_dst_change() -> None:
    # London moves to BST at 01:00 UTC on 29 March 2026: 07:00 local is 06:00 UTC that day.
    hours = ChatHours(LONDON, NIGHT)
    assert quiet_end(utc(2026, 3, 28, 22, 30), hours) == utc(2026, 3, 29, 6, 0)
    assert quiet_end(utc(2026, 3, 29, 5, 59), hours) == utc(2026, 3, 29, 6, 0)
    assert quiet_end(utc(2026, 3, 29, 6, 0), hours) is None
    # The next night starts at 22:00 BST, 21:00 UTC.
    assert quiet_end(utc(2026, 3, 29, 20, 59), hours) is None
    assert quiet_end(utc(2026, 3, 29, 21, 0), hours) == utc(2026, 3, 30, 6, 0)


def test_quiet_hours_across_the_autumn_dst_change() -> None:
    # Back to GMT at 01:00 UTC on 25 October 2026: the night starts 21:00 UTC, ends 07:00 UTC.
    hours = ChatHours(LONDON, NIGHT)
    assert quiet_end(utc(2026, 10, 24, 20, 59), hours) is None
    assert quiet_end(utc(2026, 10, 24, 21, 0), hours) == utc(2026, 10, 25, 7, 0)
    assert quiet_end(utc(2026, 10, 25, 1, 30), hours) == utc(2026, 10, 25, 7, 0)


def test_a_daytime_window_and_other_zones() -> None:
    lunch = ChatHours(zone_named("america/new_york"), parse_window("12:00-13:30"))
    assert quiet_end(utc(2026, 7, 1, 16, 10), lunch) == utc(2026, 7, 1, 17, 30)
    assert quiet_end(utc(2026, 7, 1, 17, 30), lunch) is None


def test_critical_comes_at_once_other_alerts_wait_for_the_end() -> None:
    hours = ChatHours(LONDON, NIGHT)
    night = utc(2026, 1, 11, 3, 0)
    assert release_at(night, hours, "critical") is None
    assert release_at(night, hours, "high").until == utc(2026, 1, 11, 7, 0)
    assert release_at(night, hours, "low").until == utc(2026, 1, 11, 7, 0)
    assert release_at(utc(2026, 1, 11, 12, 0), hours, "normal") is None
    assert release_at(night, hours, "normal") == Hold(utc(2026, 1, 11, 7, 0), "quiet")


def test_a_mute_holds_until_it_ends_and_the_later_of_mute_and_quiet_wins() -> None:
    muted = ChatHours(LONDON, NIGHT, muted_until=utc(2026, 1, 11, 9, 0))
    assert release_at(utc(2026, 1, 11, 3, 0), muted, "high").until == utc(2026, 1, 11, 9, 0)
    assert release_at(utc(2026, 1, 11, 9, 0), muted, "high") is None
    assert release_at(utc(2026, 1, 11, 3, 0), muted, "critical") is None
    assert release_at(utc(2026, 1, 11, 3, 0), muted, "low") == Hold(utc(2026, 1, 11, 9), "mute")


def test_digest_mode_holds_below_high_until_the_next_digest_time() -> None:
    hours = ChatHours(LONDON, digest_times=parse_digest_times(["18:00", "8"]))
    assert hours.digest_times == (time(8, 0), time(18, 0))
    assert release_at(utc(2026, 1, 11, 9, 0), hours, "normal").until == utc(2026, 1, 11, 18, 0)
    assert release_at(utc(2026, 1, 11, 19, 0), hours, "low").until == utc(2026, 1, 12, 8, 0)
    assert release_at(utc(2026, 1, 11, 9, 0), hours, "high") is None
    assert release_at(utc(2026, 1, 11, 9, 0), hours, "low") == Hold(utc(2026, 1, 11, 18), "digest")
    # Quiet hours first: the digest after the quiet window, not one inside it.
    both = ChatHours(LONDON, parse_window("05:00-09:00"), digest_times=(time(8, 0),))
    assert release_at(utc(2026, 1, 11, 6, 0), both, "normal").until == utc(2026, 1, 12, 8, 0)


def test_digest_times_across_dst() -> None:
    # 08:00 London is 08:00 UTC in winter and 07:00 UTC from 29 March 2026.
    times = (time(8, 0),)
    assert next_digest(utc(2026, 3, 28, 9, 0), times, LONDON) == utc(2026, 3, 29, 7, 0)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("22:00", "a start and an end"),
        ("25:00-07:00", "hours 00-23"),
        ("07:00-07:00", "differ"),
        ("late-early", "not a time of day"),
    ],
)
def test_bad_quiet_hours_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_window(text)


def test_windows_read_back_as_written() -> None:
    assert str(parse_window("22:00 - 7")) == "22:00-07:00"
    assert parse_window("2230-0630") == Window(time(22, 30), time(6, 30))


def test_too_many_digest_times_and_zone_typos() -> None:
    with pytest.raises(ValueError, match="at most 4"):
        parse_digest_times(["1", "2", "3", "4", "5"])
    with pytest.raises(ValueError, match="unknown time zone"):
        zone_named("Europe/Londn")
    assert zone_suggestions("Europe/Londn")[0] == "Europe/London"
    assert "America/New_York" in zone_suggestions("new york")
