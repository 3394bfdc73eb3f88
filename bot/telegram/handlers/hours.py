"""/timezone, /quiet and /digest: when a chat hears its alerts, and what /list says of it."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy import Connection
from telegram import Update

from bot.alerts.render import shorten
from bot.delivery.hours import (
    ChatHours,
    Window,
    chat_hours,
    choose_zone,
    next_digest,
    parse_digest_times,
    parse_window,
    quiet_end,
    release_at,
    zone_label,
    zone_suggestions,
)
from bot.storage import held
from bot.storage import subscriptions as subs
from bot.storage.delivered import chat_held
from bot.telegram.handlers.context import BotContext
from bot.telegram.handlers.formatting import escape
from bot.wording import count, sentence

TIMEZONE_USAGE = (
    "Set it with /timezone Europe/London (IANA names, such as America/New_York, or an offset: "
    "UTC+2)."
)
QUIET_USAGE = "Usage: /quiet 22:00-07:00, or /quiet off."
DIGEST_USAGE = "Usage: /digest 08:00 18:00 (up to 4 a day), or /digest off."
_OFF = ("off", "none", "stop")


def _says_off(words: list[str]) -> bool:
    return len(words) == 1 and words[0].lower() in _OFF


def _minutes(moment: time) -> int:
    return moment.hour * 60 + moment.minute


def _clock(moment: datetime, hours: ChatHours) -> str:
    return f"{moment.astimezone(hours.zone):%H:%M}"


def _until(moment: datetime, hours: ChatHours) -> str:
    return f"{moment.astimezone(hours.zone):%Y-%m-%d %H:%M} {zone_label(hours.zone)}"


async def release_digests_now(context: BotContext) -> None:
    """Have the runtime write the digests due now (held alerts a command just released)."""
    result = context.state.hooks.release_digests()
    if inspect.isawaitable(result):
        await result


@dataclass(frozen=True, slots=True)
class Released:
    """Held alerts a change of settings let out sooner: how many, when, and the new hours."""

    alerts: int
    at: datetime
    hours: ChatHours

    def said(self, now: datetime) -> str:
        """A sentence to append to the command's answer (empty when nothing moved)."""
        if not self.alerts:
            return ""
        when = "now" if self.at <= now else f"at {_clock(self.at, self.hours)}"
        return f" {count(self.alerts, 'alert')} held: the digest comes {when}."


def release_sooner(
    connection: Connection,
    chat_id: int,
    reasons: Sequence[str],
    *,
    default_zone: str,
    now: datetime,
    digested: bool = False,
) -> Released:
    """Alerts held for these reasons come when the chat's new settings would hold them until.

    Only ever sooner: quiet hours or a mute still on keep them (`digested`: the next digest
    time too).
    """
    hours = chat_hours(subs.chat_settings(connection, chat_id), default_zone)
    hold = release_at(now, hours, "normal" if digested else "high")
    at = hold.until if hold is not None else now
    return Released(held.release_held(connection, chat_id, reasons, at=at), at, hours)


async def timezone(update: Update, context: BotContext) -> None:
    """/timezone Europe/London: the zone quiet hours and digest times are read in."""
    chat, words, default = context.chat, context.words, context.state.default_zone
    if not words:
        settings = await context.transaction(subs.chat_settings, chat.id)
        hours = chat_hours(settings, default)
        origin = "" if settings.timezone else " (the default)"
        now = _clock(datetime.now(UTC), hours)
        await context.reply(
            f"This chat's time zone: {zone_label(hours.zone)}{origin}, {now} there now. "
            f"{TIMEZONE_USAGE}"
        )
        return
    name = " ".join(words)
    try:
        choice = choose_zone(name)
    except ValueError as error:
        reason = str(error)
        await context.reply(
            _unknown_zone(name) if reason.startswith("unknown") else f"{escape(sentence(reason))}."
        )
        return
    zone = choice.zone
    if not await context.may_change():
        await context.refuse()
        return

    def work(connection: Connection) -> None:
        subs.remember_chat(connection, chat.id, chat.type)
        subs.set_timezone(connection, chat.id, zone.key)

    await context.transaction(work)
    lines = [
        f"Time zone set to {zone_label(zone)}: {datetime.now(zone):%H:%M} there now. "
        "Alert times, quiet hours and digest times follow it."
    ]
    if choice.note is not None:
        lines.append(escape(choice.note))
    await context.reply("\n".join(lines))


def _unknown_zone(name: str) -> str:
    shown = escape(shorten(name, 40))
    close = zone_suggestions(name)
    if close:
        return f"Unknown time zone “{shown}”. Did you mean: {', '.join(close)}?"
    return f"Unknown time zone “{shown}”. {TIMEZONE_USAGE}"


async def quiet(update: Update, context: BotContext) -> None:
    """/quiet 22:00-07:00: alerts wait for one digest when quiet hours end; /quiet off."""
    chat, words, default = context.chat, context.words, context.state.default_zone
    if not words:
        settings = await context.transaction(subs.chat_settings, chat.id)
        hours = chat_hours(settings, default)
        now = "No quiet hours" if hours.quiet is None else f"Quiet hours {hours.quiet}"
        await context.reply(f"{now} ({zone_label(hours.zone)}). {QUIET_USAGE}")
        return
    window: Window | None = None
    if not _says_off(words):
        text = "-".join(words) if len(words) == 2 else " ".join(words)
        try:
            window = parse_window(text)
        except ValueError as error:
            await context.reply(f"{escape(sentence(str(error)))}. {QUIET_USAGE}")
            return
    stored = (_minutes(window.start), _minutes(window.end)) if window else None
    saved = await _save_and_release(context, subs.set_quiet_hours, stored, "quiet")
    if saved is None:
        return
    released, moment = saved
    hours = released.hours
    if window is None:
        await context.reply("Quiet hours off." + released.said(moment))
        await release_digests_now(context)
        return
    ends = quiet_end(moment, hours)
    on_now = f" They are on now, until {_clock(ends, hours)}." if ends else ""
    await context.reply(
        f"Quiet hours {window} ({zone_label(hours.zone)}).{on_now} Alerts that come meanwhile "
        "wait, and arrive as one digest when quiet hours end; critical alerts still come at once."
    )


async def _save_and_release(
    context: BotContext, save: Callable[[Connection, int, Any], None], value: Any, hold: str
) -> tuple[Released, datetime] | None:
    """Store a chat's new setting (admins only in groups) and let out what the old one held
    as soon as the chat's other settings allow; None when the sender may not change it."""
    if not await context.may_change():
        await context.refuse()
        return None
    chat, default, moment = context.chat, context.state.default_zone, datetime.now(UTC)

    def work(connection: Connection) -> Released:
        subs.remember_chat(connection, chat.id, chat.type)
        save(connection, chat.id, value)
        return release_sooner(
            connection, chat.id, [hold], default_zone=default, now=moment, digested=hold == "digest"
        )

    return await context.transaction(work), moment


async def digest(update: Update, context: BotContext) -> None:
    """/digest 08:00 18:00: normal alerts come together at these times; /digest off."""
    chat, words, default = context.chat, context.words, context.state.default_zone
    if not words:
        settings = await context.transaction(subs.chat_settings, chat.id)
        hours = chat_hours(settings, default)
        await context.reply(f"{_digest_state(hours)}. {DIGEST_USAGE}")
        return
    times: tuple[time, ...] = ()
    if not _says_off(words):
        try:
            times = parse_digest_times(words)
        except ValueError as error:
            await context.reply(f"{escape(sentence(str(error)))}. {DIGEST_USAGE}")
            return
    stored = ",".join(f"{t:%H:%M}" for t in times) or None
    # Alerts held for an old digest time come at the next new one, if that is sooner.
    saved = await _save_and_release(context, subs.set_digest_times, stored, "digest")
    if saved is None:
        return
    released, moment = saved
    hours = released.hours
    if not times:
        await context.reply("Digests off: alerts come as they happen." + released.said(moment))
        await release_digests_now(context)
        return
    upcoming = next_digest(moment, hours.digest_times, hours.zone)
    following = f" The next one at {_clock(upcoming, hours)}." if upcoming else ""
    await context.reply(
        f"{_digest_state(hours)}.{following} Normal and low alerts wait for the next digest; "
        "high and critical alerts still come at once."
    )


def _digest_state(hours: ChatHours) -> str:
    if not hours.digest_times:
        return f"No digests: alerts come as they happen ({zone_label(hours.zone)})"
    return f"Digests at {_times(hours.digest_times)} ({zone_label(hours.zone)})"


def _times(times: Sequence[time]) -> str:
    shown = [f"{t:%H:%M}" for t in times]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


def hours_lines(
    settings: subs.ChatSettings, default_zone: str, held_alerts: int, now: datetime
) -> list[str]:
    """What /list says of the chat's zone, quiet hours, digests, mute and muted rules."""
    hours = chat_hours(settings, default_zone)
    origin = "" if settings.timezone else " (the default)"
    lines = [f"Time zone: {zone_label(hours.zone)}{origin}"]
    lines.append(f"Quiet hours: {hours.quiet}" if hours.quiet else "Quiet hours: none")
    lines.append(_digest_state(hours).replace(f" ({zone_label(hours.zone)})", ""))
    if hours.muted_until is not None and hours.muted_until > now:
        lines.append(
            f"Muted until {_until(hours.muted_until, hours)}: alerts are held for a digest "
            "when it ends (critical ones still come)."
        )
    if held_alerts:
        lines.append(f"Held for a digest: {count(held_alerts, 'alert')}")
    if settings.muted_rules:
        rules = ", ".join(f"{topic}/{rule}" for topic, rule in sorted(settings.muted_rules))
        lines.append(f"Muted rules: {escape(rules)} (/unmute RULE hears one again)")
    return lines


def list_hours(connection: Connection, chat_id: int) -> tuple[subs.ChatSettings, int]:
    """The chat's delivery settings and how many of its alerts are held, for /list."""
    return subs.chat_settings(connection, chat_id), chat_held(connection, chat_id)
