"""Telegram's flood control as python-telegram-bot reports it: how long to wait."""

from __future__ import annotations

import datetime as dt
import warnings

from telegram.error import RetryAfter


def retry_seconds(error: RetryAfter) -> float:
    """The seconds a 429 asks to wait."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PTB 22 warns that int retry_after becomes a timedelta
        value = error.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)
