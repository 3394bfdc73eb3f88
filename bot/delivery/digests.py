"""Digests: a chat's held alerts, once due, become one digest in the ledger, exactly once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from sqlalchemy import Connection

from bot.alerts.digest import HeldItem, render_digest
from bot.delivery.hours import chat_hours
from bot.ledger_values import DeliveryKind
from bot.rules import Topic
from bot.storage import deliveries as store
from bot.storage import held
from bot.storage import subscriptions as subs
from bot.wording import count

# A digest written this long after it was due says it is late (the bot was down).
LATE_AFTER = timedelta(minutes=2)


def release_digests(
    connection: Connection,
    *,
    topics: Mapping[str, Topic],
    now: datetime,
    source_names: Mapping[str, str] | None = None,
    default_zone: str = "UTC",
) -> int:
    """Write the digest of every chat whose held alerts are due; returns how many chats.

    The digest rows and the `digested` marks are written in the caller's transaction, and
    a digest's id names the moment it was due and its first held alert: a crash, a restart
    or a second process never sends one twice, and no held alert is left out.
    """
    written = 0
    for chat_id in held.chats_with_due_digests(connection, now):
        rows = held.due_held(connection, chat_id, now)
        if not rows:
            continue  # another process is writing this chat's digest
        settings = subs.chat_settings(connection, chat_id)
        hours = chat_hours(settings, default_zone)
        due = min(row.due for row in rows)
        late = now - due if now - due >= LATE_AFTER else None
        messages = render_digest(
            _items(rows),
            topics,
            zone=hours.zone,
            heading=_heading(rows, settings),
            late=late,
            source_names=source_names,
            now=now,
        )
        # The first held row names the digest: a replay after a crash writes the same ids.
        stamp = f"{due:%Y%m%dT%H%M%S}:{min(row.id for row in rows)}"
        store.insert_deliveries(
            connection,
            [
                {
                    "article_id": f"digest:{stamp}:{part}",
                    "chat_id": chat_id,
                    "text": text,
                    "silent": part > 0,  # one notification per digest
                    "priority": "normal",
                    "kind": DeliveryKind.DIGEST,
                    "state": store.PENDING,
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created": now,
                }
                for part, text in enumerate(messages)
            ],
        )
        held.mark_digested(connection, [row.id for row in rows])
        written += 1
    return written


def _items(rows: Sequence[held.HeldRow]) -> list[HeldItem]:
    """One item per article (an alert held twice, say after a move, is listed once)."""
    items: dict[str, HeldItem] = {}
    for row in rows:
        items.setdefault(
            row.article_id,
            HeldItem(
                title=row.title,
                link=row.link,
                source=row.source,
                published=row.published,
                priority=row.priority,
                groups=row.topics,
            ),
        )
    return list(items.values())


def _heading(rows: Sequence[held.HeldRow], settings: subs.ChatSettings) -> str:
    alerts = count(len({row.article_id for row in rows}), "alert")
    reasons = {row.hold for row in rows}
    if reasons == {"digest"}:
        return f"Your digest: {alerts}"
    if reasons == {"open"}:
        return f"Before the open: {alerts} while the market was closed"
    if "quiet" in reasons and settings.quiet is not None:
        start, end = settings.quiet
        window = f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"
        return f"{alerts} held during quiet hours ({window})"
    if "mute" in reasons:
        return f"{alerts} held while muted"
    return f"{alerts} held for you"
