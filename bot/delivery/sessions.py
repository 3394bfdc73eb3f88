"""Market sessions: outside the session of a chat's exchange, alerts below critical are quiet.

Calendars come from `exchange-calendars` (holidays, early closes and lunch breaks included,
read offline from the package). With `/digest open` they wait instead for a digest 30 minutes
before the next open; critical alerts always sound.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import exchange_calendars as xc
import pandas as pd

from bot.delivery.hours import Hold
from bot.storage.markets import MarketSetting

BEFORE_OPEN = timedelta(minutes=30)  # the digest before the open comes this much earlier
OPEN_HOLD = "open"  # a held alert's `hold`: waiting for the digest before the open
# The names people write, beyond the calendars' own codes and aliases.
_NAMES = {"XETRA": "XETR", "TSE": "XTKS", "TOKYO": "XTKS", "LONDON": "XLON", "EURONEXT": "XPAR"}


@dataclass(frozen=True, slots=True)
class SessionEffect:
    """What the session does to one alert: send it silently, or hold it for the open."""

    silent: bool = False
    hold: Hold | None = None


def market_code(name: str) -> str | None:
    """The calendar code for a market name (`NYSE`, `xnys`, `LSE`...), or None if unknown."""
    wanted = _NAMES.get(name.strip().upper(), name.strip().upper())
    if wanted not in _known_names():
        return None
    return str(xc.resolve_alias(wanted))


@functools.cache
def _known_names() -> frozenset[str]:
    return frozenset(xc.get_calendar_names(include_aliases=True))


@functools.cache
def _calendar(code: str) -> Any:
    """The exchange's calendar, built once per process (it takes about a second)."""
    return xc.get_calendar(code)


def exchange_zone(code: str) -> ZoneInfo:
    """The exchange's own time zone."""
    return ZoneInfo(str(_calendar(code).tz))


def is_open(code: str, now: datetime) -> bool | None:
    """Whether the market trades at that moment (None: beyond what its calendar covers)."""
    try:
        return bool(_calendar(code).is_open_on_minute(_minute(now)))
    except ValueError:  # DateOutOfBounds and the like: outside the calendar's years
        return None


def next_open(code: str, now: datetime) -> datetime | None:
    """When the market next opens after that moment (None: beyond its calendar)."""
    try:
        opening = _calendar(code).next_open(_minute(now))
    except ValueError:
        return None
    return datetime.fromtimestamp(pd.Timestamp(opening).timestamp(), tz=UTC)


def session_effect(setting: MarketSetting | None, priority: str, now: datetime) -> SessionEffect:
    """What a chat's market session does to an alert of this priority sent now."""
    if setting is None or priority == "critical":
        return SessionEffect()
    if is_open(setting.market, now) is not False:  # open, or a moment no calendar covers
        return SessionEffect()
    if setting.digest_before_open:
        opening = next_open(setting.market, now)
        if opening is not None:
            return SessionEffect(hold=Hold(max(now, opening - BEFORE_OPEN), OPEN_HOLD))
    return SessionEffect(silent=True)


def _minute(moment: datetime) -> pd.Timestamp:
    return pd.Timestamp(moment.astimezone(UTC)).floor("min")
