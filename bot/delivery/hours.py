"""When a chat hears alerts: its time zone, quiet hours, digest times and mute (DST-correct)."""

from __future__ import annotations

import contextlib
import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.storage.subscriptions import ChatSettings

MAX_DIGEST_TIMES = 4
_CLOCK = re.compile(r"(\d{1,2})(?::?(\d{2}))?")
# Sent at once whatever the chat's quiet hours or digest mode say.
_ALWAYS_NOW = frozenset({"critical"})
# Sent at once in digest mode (quiet hours and a mute still hold them).
_NOT_DIGESTED = frozenset({"high", "critical"})


@dataclass(frozen=True, slots=True)
class Window:
    """Quiet hours: from `start` to `end` in the chat's zone, across midnight when end < start."""

    start: time
    end: time

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


@dataclass(frozen=True, slots=True)
class ChatHours:
    """A chat's delivery settings: its zone, quiet hours, digest times and mute."""

    zone: ZoneInfo
    quiet: Window | None = None
    digest_times: tuple[time, ...] = ()
    muted_until: datetime | None = None


def parse_clock(text: str) -> time:
    """`7`, `07:00`, `0700` or `22:30` as a time of day; ValueError says what is wrong."""
    found = _CLOCK.fullmatch(text.strip())
    if found is None:
        raise ValueError(f"“{text}” is not a time of day: write it as 07:00 or 22:30")
    hour, minute = int(found.group(1)), int(found.group(2) or 0)
    if hour > 23 or minute > 59:
        raise ValueError(f"“{text}” is not a time of day: hours 00-23, minutes 00-59")
    return time(hour, minute)


def parse_window(text: str) -> Window:
    """`22:00-07:00` as quiet hours; ValueError says what is wrong."""
    parts = [part for part in re.split(r"\s*(?:-|–|—|to)\s*", text.strip()) if part]
    if len(parts) != 2:
        raise ValueError("write quiet hours as a start and an end, such as 22:00-07:00")
    window = Window(parse_clock(parts[0]), parse_clock(parts[1]))
    if window.start == window.end:
        raise ValueError("quiet hours need a start and an end that differ")
    return window


def parse_digest_times(words: Iterable[str]) -> tuple[time, ...]:
    """`08:00 18:00`: up to four times a day, sorted, duplicates merged."""
    times = tuple(sorted({parse_clock(word) for word in words}))
    if not times:
        raise ValueError("give one to four times of day, such as /digest 08:00 18:00")
    if len(times) > MAX_DIGEST_TIMES:
        raise ValueError(f"at most {MAX_DIGEST_TIMES} digests a day, not {len(times)}")
    return times


@cache
def _zone_names() -> dict[str, str]:
    return {name.casefold(): name for name in available_timezones()}


def zone_named(name: str) -> ZoneInfo:
    """The IANA zone of that name, in any letter case; ValueError names close ones."""
    found = _zone_names().get(name.strip().casefold())
    if found is None:
        raise ValueError(f"unknown time zone “{name}”")
    try:
        return ZoneInfo(found)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone “{name}”") from None


# Abbreviations IANA keeps as fixed offsets all year (EST is UTC-5 even in July), and the
# city zone people mean by them, daylight saving included; and the offset they name.
_CITY_OF_ABBREVIATION: dict[str, tuple[str, int]] = {
    "est": ("America/New_York", -5),
    "edt": ("America/New_York", -4),
    "est5edt": ("America/New_York", -5),
    "cst": ("America/Chicago", -6),
    "cdt": ("America/Chicago", -5),
    "cst6cdt": ("America/Chicago", -6),
    "mst": ("America/Denver", -7),
    "mdt": ("America/Denver", -6),
    "mst7mdt": ("America/Denver", -7),
    "pst": ("America/Los_Angeles", -8),
    "pdt": ("America/Los_Angeles", -7),
    "pst8pdt": ("America/Los_Angeles", -8),
    "bst": ("Europe/London", 1),
    "wet": ("Europe/Lisbon", 0),
    "cet": ("Europe/Berlin", 1),
    "cest": ("Europe/Berlin", 2),
    "met": ("Europe/Berlin", 1),
    "eet": ("Europe/Athens", 2),
    "eest": ("Europe/Athens", 3),
    "aest": ("Australia/Sydney", 10),
    "aedt": ("Australia/Sydney", 11),
}
_OFFSET = re.compile(r"(?:utc|gmt)?\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ZoneChoice:
    """The zone a `/timezone` answer sets, and what to tell the chat about the choice."""

    zone: ZoneInfo
    note: str | None = None


def zone_label(zone: ZoneInfo) -> str:
    """How a chat reads its zone: `UTC+2` for IANA's `Etc/GMT-2`, else the zone's name."""
    offset = re.fullmatch(r"Etc/GMT([+-])(\d{1,2})", zone.key)
    if offset is None:
        return zone.key
    sign = "-" if offset.group(1) == "+" else "+"  # IANA's Etc signs are POSIX's, reversed
    return f"UTC{sign}{int(offset.group(2))}"


def choose_zone(name: str) -> ZoneChoice:
    """The zone `/timezone NAME` means: IANA names, `EST`-style names, `UTC+2` offsets.

    ValueError says why a name is none of them.
    """
    wanted = name.strip()
    meant = _CITY_OF_ABBREVIATION.get(wanted.casefold().replace(" ", ""))
    if meant is not None:
        city, hours = meant
        fixed = f"UTC{hours:+d}" if hours else "UTC"
        return ZoneChoice(
            ZoneInfo(city),
            f"{wanted.upper()} is read as {city}, which follows daylight saving (a fixed "
            f"{wanted.upper()} would be an hour off half the year). For a fixed offset all "
            f"year: /timezone {fixed}.",
        )
    offset = _OFFSET.fullmatch(wanted)
    if offset is not None:
        return _fixed_offset(*offset.groups())
    return ZoneChoice(zone_named(wanted))


def _fixed_offset(sign: str, hours: str, minutes: str | None) -> ZoneChoice:
    """`UTC+2` as IANA's `Etc/GMT-2`: whole hours from UTC-12 to UTC+14."""
    shown = f"UTC{sign}{hours}" + (f":{minutes}" if minutes else "")
    if minutes and int(minutes):
        raise ValueError(f"{shown}: a fixed offset is whole hours; name a city for this one")
    number = int(hours)
    if (sign == "+" and number > 14) or (sign == "-" and number > 12):
        raise ValueError(f"{shown}: offsets run from UTC-12 to UTC+14")
    if number == 0:
        return ZoneChoice(ZoneInfo("UTC"))
    reversed_sign = "-" if sign == "+" else "+"
    zone = ZoneInfo(f"Etc/GMT{reversed_sign}{number}")
    return ZoneChoice(
        zone,
        f"{zone_label(zone)} is a fixed offset: no daylight saving. For a city's time write "
        "its name, such as /timezone Europe/Berlin.",
    )


def zone_suggestions(name: str, limit: int = 3) -> list[str]:
    """Zones whose name is close to a typo (`Europe/Londn` -> Europe/London)."""
    names = _zone_names()
    wanted = name.strip().casefold().replace(" ", "_")
    close = difflib.get_close_matches(wanted, list(names), n=limit, cutoff=0.6)
    if not close:  # a city alone: `london`, `new york`
        close = [key for key in names if key.rsplit("/", 1)[-1] == wanted][:limit]
    return [names[key] for key in close]


def _at(day: datetime, moment: time, zone: ZoneInfo) -> datetime:
    """That time of day on that date in the zone (a time a DST change skips reads as after)."""
    return datetime.combine(day.date(), moment, tzinfo=zone)


def quiet_end(now: datetime, hours: ChatHours) -> datetime | None:
    """When the quiet window `now` falls in ends, or None when the chat is not quiet now."""
    window = hours.quiet
    if window is None:
        return None
    local = now.astimezone(hours.zone)
    for days_back in (1, 0):
        day = local - timedelta(days=days_back)
        start = _at(day, window.start, hours.zone)
        end_day = day + timedelta(days=1) if window.end <= window.start else day
        end = _at(end_day, window.end, hours.zone)
        if start <= now < end:
            return end
    return None


def next_digest(after: datetime, times: Sequence[time], zone: ZoneInfo) -> datetime | None:
    """The first digest time at or after the moment, in the chat's zone."""
    if not times:
        return None
    local = after.astimezone(zone)
    for days in range(3):  # a DST change can skip one time of a day, never a whole day
        day = local + timedelta(days=days)
        for moment in times:
            due = _at(day, moment, zone)
            if due >= after:
                return due
    return None


@dataclass(frozen=True, slots=True)
class Hold:
    """An alert kept for a digest: until when, and why (quiet, mute or digest)."""

    until: datetime
    reason: str


def release_at(now: datetime, hours: ChatHours, priority: str) -> Hold | None:
    """Whether an alert of this priority waits for a digest, and until when (None: send now)."""
    if priority in _ALWAYS_NOW:
        return None
    holds = [
        Hold(moment, reason)
        for moment, reason in ((quiet_end(now, hours), "quiet"), (hours.muted_until, "mute"))
        if moment is not None and moment > now
    ]
    hold = max(holds, key=lambda item: item.until, default=None)
    if hours.digest_times and priority not in _NOT_DIGESTED:
        due = next_digest(hold.until if hold else now, hours.digest_times, hours.zone)
        return Hold(due, "digest") if due is not None else hold
    return hold


def chat_hours(settings: ChatSettings, default_zone: str = "UTC") -> ChatHours:
    """A chat's stored settings as the hours `release_at` reads (bad stored values ignored)."""
    try:
        zone = zone_named(settings.timezone or default_zone)
    except ValueError:
        zone = zone_named("UTC")
    quiet = None
    if settings.quiet is not None:
        start, end = settings.quiet
        quiet = Window(time(start // 60, start % 60), time(end // 60, end % 60))
    times: tuple[time, ...] = ()
    if settings.digest_times:
        with contextlib.suppress(ValueError):
            times = parse_digest_times(settings.digest_times.split(","))
    return ChatHours(zone, quiet, times, settings.muted_until)
