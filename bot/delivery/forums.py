"""Forum topics in delivery: which topic an alert goes to, and what a closed or deleted one does.

One article's alert to a chat goes once, to the topic of its highest-priority match. When
Telegram refuses a topic, nothing is dropped: a closed topic's alerts are held until it
reopens, a deleted topic's go to the General topic; the chat is told once, in General.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime

from sqlalchemy import Connection

from bot.alerts import Alert
from bot.storage import deliveries as store
from bot.storage import forums
from bot.storage.held import HELD
from bot.storage.subscriptions import TICKER, TOPIC

CLOSED_NOTICE = (
    "⚠️ The forum topic where this chat's alerts for {what} go (thread {thread}) is closed, "
    "so Telegram refuses them. They are kept, not lost, and the chat's other topics go on. "
    "To get them: reopen the topic and send /subscribe {args} there (or /subscribe {args} "
    "here to move them to General)."
)
DELETED_NOTICE = (
    "⚠️ The forum topic where this chat's alerts for {what} went (thread {thread}) was "
    "deleted. They come here, in General, from now on; nothing was lost. Send /subscribe "
    "{args} inside another topic to move them there."
)


def thread_for(
    alert: Alert, followed_topics: frozenset[str], routes: forums.Routes | None
) -> int | None:
    """The forum topic of the alert's highest-priority followed match (None: General)."""
    if not routes:
        return None
    ranked = sorted(alert.matches, key=lambda match: store.priority_rank(match.priority))
    for match in ranked:
        if match.topic in followed_topics:
            return routes.get((TOPIC, match.topic))
    for ticker in alert.tickers:
        if (TICKER, ticker) in routes:
            return routes[(TICKER, ticker)]
    return None


def place_in_topic(
    row: dict[str, object], thread_id: int | None, closed: set[tuple[int, int]]
) -> None:
    """Address the ledger row to its topic; a closed topic's alert is held until it reopens."""
    row["thread_id"] = thread_id
    if thread_id is not None and (int(str(row["chat_id"])), thread_id) in closed:
        row.update(state=HELD, hold=forums.TOPIC_HOLD, next_attempt_at=forums.NEVER)


def topic_closed(connection: Connection, chat_id: int, thread_id: int, reason: str) -> bool:
    """Hold the closed topic's alerts; the first time, tell the chat in General. True: told."""
    now = datetime.now(UTC)
    if not forums.close_topic(connection, chat_id, thread_id, now=now):
        return False
    _tell(connection, chat_id, thread_id, CLOSED_NOTICE, "closed", now)
    return True


def topic_deleted(connection: Connection, chat_id: int, thread_id: int, reason: str) -> bool:
    """Route the deleted topic's alerts to General (held ones too) and tell the chat once."""
    now = datetime.now(UTC)
    routed = [
        route for route in forums.chat_routes(connection, chat_id) if route.thread_id == thread_id
    ]
    if not forums.topic_deleted(connection, chat_id, thread_id, now=now):
        return False
    _tell(connection, chat_id, thread_id, DELETED_NOTICE, "deleted", now, routed)
    return True


def _tell(
    connection: Connection,
    chat_id: int,
    thread_id: int,
    template: str,
    event: str,
    now: datetime,
    routed: list[forums.Route] | None = None,
) -> None:
    if routed is None:
        routed = [
            route
            for route in forums.chat_routes(connection, chat_id)
            if route.thread_id == thread_id
        ]
    names = [route.value if route.kind == TOPIC else f"${route.value}" for route in routed]
    names = [html.escape(name, quote=False) for name in names]
    what = ", ".join(names) or "some subscriptions"
    args = " ".join(names) or "…"
    stamp = now.strftime("%Y%m%dT%H%M%S%f")
    store.insert_deliveries(
        connection,
        [
            {
                "article_id": f"notice:topic-{event}:{chat_id}:{thread_id}:{stamp}",
                "chat_id": chat_id,
                "text": template.format(what=what, thread=thread_id, args=args),
                "silent": False,
                "priority": "normal",
                "kind": "notice",
                "state": store.PENDING,
                "attempts": 0,
                "next_attempt_at": now,
                "created": now,
                "thread_id": None,
            }
        ],
    )
