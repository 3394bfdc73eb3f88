"""The delivery ledger's queries: one row per (article, chat), pending until Telegram answers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    bindparam,
    case,
    func,
    or_,
    select,
    type_coerce,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from bot.ledger_values import DeliveryKind, DeliveryState
from bot.storage.models import UTCDateTime, deliveries
from bot.storage.stories import alert_with_edit_instead, first_alerts

# Telegram never uses chat id 0: the terminal sink stands for one chat under this id.
TERMINAL_CHAT_ID = 0

PENDING, SENT, FAILED, CANCELLED = (
    DeliveryState.PENDING,
    DeliveryState.SENT,
    DeliveryState.FAILED,
    DeliveryState.CANCELLED,
)
# Claims take the lowest rank first (then the oldest): a critical alert never waits for a flood.
PRIORITY_RANK = {"critical": 0, "high": 1, "normal": 2, "low": 3}
EDIT_RANK = 4  # a story's edit goes after every alert: it never notifies, an alert may
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class Delivery:
    """A claimed delivery: what to send, where, and how often it was tried."""

    id: int
    article_id: str
    chat_id: int
    text: str
    silent: bool
    attempts: int
    kind: str = DeliveryKind.ALERT
    rules: str = ""  # `topic/rule` pairs, comma-separated
    created: datetime | None = None  # when it was written to the ledger (at ingest, for alerts)
    # An edit (one alert per story): the chat's first alert of the story, the message it
    # changes; `edit_waits` while that alert is not sent yet.
    edit_of: int | None = None
    edit_waits: bool = False
    edit_alert: int | None = None  # that alert's delivery id: its buttons stay on the edit
    thread_id: int | None = None  # the forum topic it goes to (None: General, or no forum)
    priority: str = "normal"  # the alert's priority: it decides the paid broadcast lane


def _now() -> datetime:
    return datetime.now(UTC)


def _scope(terminal: bool) -> ColumnElement[bool]:
    column = deliveries.c.chat_id
    return column == TERMINAL_CHAT_ID if terminal else column != TERMINAL_CHAT_ID


def priority_rank(priority: object) -> int:
    """The claim rank of a priority name (unknown names rank as `normal`)."""
    return PRIORITY_RANK.get(str(priority), PRIORITY_RANK["normal"])


def insert_deliveries(connection: Connection, rows: Sequence[Mapping[str, object]]) -> int:
    """Write deliveries, skipping (article, chat) pairs already in the ledger; returns how many.

    A row without `priority_rank` gets the rank of its `priority`.
    """
    if not rows:
        return 0
    rows = [
        row
        if "priority_rank" in row
        else {**row, "priority_rank": priority_rank(row.get("priority"))}
        for row in rows
    ]
    insert = (postgresql if connection.dialect.name == "postgresql" else sqlite).insert
    statement = (
        insert(deliveries)
        .on_conflict_do_nothing(index_elements=["article_id", "chat_id"])
        .returning(deliveries.c.id)
    )
    written = 0
    for start in range(0, len(rows), _CHUNK):
        result = connection.execute(statement, list(rows[start : start + _CHUNK]))
        written += len(result.all())
    return written


def claim(
    connection: Connection,
    *,
    owner: str,
    limit: int,
    lease: float,
    terminal: bool = False,
    now: datetime | None = None,
) -> list[Delivery]:
    """Take up to `limit` due pending deliveries for `lease` seconds, most urgent then oldest."""
    moment = now or _now()
    claimable = and_(
        deliveries.c.state == PENDING,
        deliveries.c.next_attempt_at <= moment,
        or_(deliveries.c.claimed_until.is_(None), deliveries.c.claimed_until < moment),
        _scope(terminal),
    )
    ids = list(
        connection.scalars(
            select(deliveries.c.id)
            .where(claimable)
            .order_by(deliveries.c.priority_rank, deliveries.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    if not ids:
        return []
    # The claim condition is repeated so two senders never both take a row.
    connection.execute(
        update(deliveries)
        .where(deliveries.c.id.in_(ids), claimable)
        .values(claimed_until=moment + timedelta(seconds=lease), claim_owner=owner)
    )
    rows = connection.execute(
        select(
            deliveries.c.id,
            deliveries.c.article_id,
            deliveries.c.chat_id,
            deliveries.c.text,
            deliveries.c.silent,
            deliveries.c.attempts,
            deliveries.c.kind,
            deliveries.c.rules,
            deliveries.c.created,
            deliveries.c.story_id,
            deliveries.c.thread_id,
            deliveries.c.priority,
        )
        .where(deliveries.c.id.in_(ids), deliveries.c.claim_owner == owner)
        .order_by(deliveries.c.priority_rank, deliveries.c.id)
    ).all()
    edited = {
        (row.chat_id, row.story_id)
        for row in rows
        if row.kind == DeliveryKind.EDIT and row.story_id
    }
    targets = first_alerts(connection, edited) if edited else {}
    claimed = []
    for row in rows:
        state, message_id, alert_id = targets.get((row.chat_id, row.story_id), (None, None, None))
        claimed.append(
            Delivery(
                id=row.id,
                article_id=row.article_id,
                chat_id=row.chat_id,
                text=row.text,
                silent=row.silent,
                attempts=row.attempts,
                kind=row.kind,
                rules=row.rules,
                created=row.created,
                edit_of=message_id,
                edit_waits=state == PENDING,
                edit_alert=alert_id,
                thread_id=row.thread_id,
                priority=row.priority,
            )
        )
    return claimed


def mark_sent(
    connection: Connection, sent: Iterable[tuple[int, int | None]], *, now: datetime | None = None
) -> None:
    """Record deliveries Telegram accepted, with the message id it gave (one executemany).

    Safe to replay: a row already marked sent is left as it is.
    """
    rows = [{"b_id": delivery_id, "b_message": message_id} for delivery_id, message_id in sent]
    if not rows:
        return
    connection.execute(
        update(deliveries)
        .where(deliveries.c.id == bindparam("b_id"), deliveries.c.state != SENT)
        .values(
            state=SENT,
            sent_at=now or _now(),
            message_id=bindparam("b_message"),
            attempts=deliveries.c.attempts + 1,
            claimed_until=None,
            claim_owner=None,
            last_error=None,
        ),
        rows,
    )


def retry_later(
    connection: Connection,
    delivery_id: int,
    *,
    at: datetime,
    error: str | None = None,
    attempted: bool = True,
) -> None:
    """Put a delivery back in the queue, due at `at`; `attempted` counts the try."""
    values: dict[str, object] = {"next_attempt_at": at, "claimed_until": None, "claim_owner": None}
    if attempted:
        values["attempts"] = deliveries.c.attempts + 1
    if error is not None:
        values["last_error"] = error[:2000]
    connection.execute(
        update(deliveries)
        .where(deliveries.c.id == delivery_id, deliveries.c.state == PENDING)
        .values(**values)
    )


def release(connection: Connection, ids: Iterable[int], *, at: datetime | None = None) -> None:
    """Give claimed deliveries back untried, due at `at` (or as they were)."""
    wanted = list(ids)
    for start in range(0, len(wanted), _CHUNK):
        values: dict[str, object] = {"claimed_until": None, "claim_owner": None}
        if at is not None:
            values["next_attempt_at"] = at
        connection.execute(
            update(deliveries)
            .where(deliveries.c.id.in_(wanted[start : start + _CHUNK]))
            .values(**values)
        )


def defer_chat(
    connection: Connection,
    chat_id: int,
    *,
    until: datetime,
    owner: str,
    now: datetime | None = None,
) -> int:
    """Hold a chat's pending deliveries until `until` (a 429 pause), the owner's claims given up.

    Rows another sender holds under a live claim are left to it; returns how many were moved.
    """
    moment = now or _now()
    result = connection.execute(
        update(deliveries)
        .where(
            deliveries.c.chat_id == chat_id,
            deliveries.c.state == PENDING,
            or_(
                deliveries.c.claimed_until.is_(None),
                deliveries.c.claimed_until < moment,
                deliveries.c.claim_owner == owner,
            ),
        )
        .values(
            next_attempt_at=case(
                (deliveries.c.next_attempt_at > until, deliveries.c.next_attempt_at),
                else_=type_coerce(until, UTCDateTime()),
            ),
            claimed_until=None,
            claim_owner=None,
        )
    )
    return result.rowcount or 0


def release_claims_except(connection: Connection, *, owner: str, keep: Iterable[int]) -> int:
    """Give back the owner's claims on rows it does not hold (a claim whose answer was lost)."""
    held = list(keep)
    condition = and_(deliveries.c.claim_owner == owner, deliveries.c.state == PENDING)
    if held:
        condition = and_(condition, deliveries.c.id.not_in(held))
    result = connection.execute(
        update(deliveries).where(condition).values(claimed_until=None, claim_owner=None)
    )
    return result.rowcount or 0


def supersede(connection: Connection, ids: Iterable[int]) -> None:
    """Cancel claimed edits a newer edit of the same message replaces (never one sent)."""
    connection.execute(
        update(deliveries)
        .where(deliveries.c.id.in_(list(ids)), deliveries.c.state == PENDING)
        .values(
            state=CANCELLED,
            last_error="superseded by a later edit",
            claimed_until=None,
            claim_owner=None,
        )
    )


def mark_failed(connection: Connection, delivery_id: int, error: str) -> None:
    """Give up on a delivery, keeping the reason (a failed story alert's pending edit is sent
    as the alert instead: the chat was never told the story)."""
    connection.execute(
        update(deliveries)
        .where(deliveries.c.id == delivery_id)
        .values(
            state=FAILED,
            attempts=deliveries.c.attempts + 1,
            last_error=error[:2000],
            claimed_until=None,
            claim_owner=None,
        )
    )
    alert_with_edit_instead(connection, delivery_id)


def cancel_chat(connection: Connection, chat_id: int, reason: str) -> int:
    """Cancel every pending delivery of a chat (it blocked the bot or is gone)."""
    result = connection.execute(
        update(deliveries)
        .where(deliveries.c.chat_id == chat_id, deliveries.c.state == PENDING)
        .values(state=CANCELLED, last_error=reason[:2000], claimed_until=None, claim_owner=None)
    )
    return result.rowcount or 0


def move_chat_deliveries(connection: Connection, old_chat_id: int, new_chat_id: int) -> int:
    """Move a chat's pending deliveries to its new id, due now; duplicates there are cancelled."""
    already = set(
        connection.scalars(
            select(deliveries.c.article_id).where(deliveries.c.chat_id == new_chat_id)
        )
    )
    pending = connection.execute(
        select(deliveries.c.id, deliveries.c.article_id).where(
            deliveries.c.chat_id == old_chat_id, deliveries.c.state == PENDING
        )
    ).all()
    moved = 0
    for delivery_id, article_id in pending:
        if article_id in already:
            values: dict[str, object] = {
                "state": CANCELLED,
                "last_error": f"chat moved to {new_chat_id}, which already has this article",
            }
        else:
            values = {"chat_id": new_chat_id, "next_attempt_at": _now()}
            moved += 1
        connection.execute(
            update(deliveries)
            .where(deliveries.c.id == delivery_id)
            .values(claimed_until=None, claim_owner=None, **values)
        )
    return moved


def release_all_claims(connection: Connection, *, terminal: bool = False) -> int:
    """Take back every claim (a sole sender starting after a crash); returns how many."""
    result = connection.execute(
        update(deliveries)
        .where(deliveries.c.state == PENDING, deliveries.c.claimed_until.is_not(None))
        .where(_scope(terminal))
        .values(claimed_until=None, claim_owner=None)
    )
    return result.rowcount or 0


def next_due(connection: Connection, *, terminal: bool = False) -> datetime | None:
    """When the earliest pending delivery can next be claimed, or None."""
    due = case(
        (
            deliveries.c.claimed_until > deliveries.c.next_attempt_at,
            deliveries.c.claimed_until,
        ),
        else_=deliveries.c.next_attempt_at,
    )
    return connection.scalar(
        select(func.min(type_coerce(due, UTCDateTime()))).where(
            deliveries.c.state == PENDING, _scope(terminal)
        )
    )


def state_counts(connection: Connection) -> dict[str, int]:
    """How many deliveries are in each state."""
    rows = connection.execute(
        select(deliveries.c.state, func.count()).group_by(deliveries.c.state)
    ).all()
    return {state: count for state, count in rows}


def prune_finished(connection: Connection, *, created_before: datetime) -> int:
    """Delete sent, failed and cancelled deliveries created before then (never pending or held
    ones: a held alert waits for its digest however long a mute lasts)."""
    return connection.execute(
        deliveries.delete().where(
            deliveries.c.state.not_in((PENDING, DeliveryState.HELD)),
            deliveries.c.created < created_before,
        )
    ).rowcount


def sent_by_kind_since(connection: Connection, moment: datetime) -> dict[str, int]:
    """How many messages of each kind (alert, notice, digest, edit) went to Telegram since."""
    query = (
        select(deliveries.c.kind, func.count())
        .where(
            deliveries.c.state == SENT,
            deliveries.c.sent_at >= moment,
            deliveries.c.chat_id != TERMINAL_CHAT_ID,
        )
        .group_by(deliveries.c.kind)
    )
    return {str(kind): int(number) for kind, number in connection.execute(query)}


def last_group_sends(connection: Connection, since: datetime) -> list[tuple[int, datetime]]:
    """Each group (negative chat id) sent to since then, with its last send."""
    query = (
        select(deliveries.c.chat_id, func.max(deliveries.c.sent_at))
        .where(deliveries.c.chat_id < 0, deliveries.c.sent_at >= since)
        .group_by(deliveries.c.chat_id)
    )
    return [(int(chat), last) for chat, last in connection.execute(query)]


def oldest_pending(connection: Connection) -> datetime | None:
    """When the oldest pending delivery was queued (the backlog's age), or None."""
    return connection.scalar(
        select(func.min(type_coerce(deliveries.c.created, UTCDateTime()))).where(
            deliveries.c.state == PENDING
        )
    )
