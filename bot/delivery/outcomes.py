"""From a send's outcome to the ledger write it owes: plain functions, no I/O, no event loop.

The dispatcher sends; what Telegram answered becomes a `Settlement` here: which write settles
the claimed row, when the row is due again, how it counts, and what to tell the operator.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from bot.delivery.forums import topic_closed, topic_deleted
from bot.delivery.ledger import forget_chat, move_chat
from bot.delivery.transports import (
    ChatGone,
    ChatMoved,
    RateLimited,
    Rejected,
    SendError,
    TokenRevoked,
    TopicRefused,
    Transient,
)
from bot.ledger_values import DeliveryKind
from bot.storage import deliveries as store
from bot.storage.deliveries import Delivery

EDIT_WAIT = 2.0  # seconds an edit waits for its story's first alert to be sent
FLOOD_WINDOW = 1.0  # 429s for two chats within this many seconds mean a global flood


class FirstAlertUnsent(Exception):
    """An edit whose message is not sent yet: it waits, untried, in the ledger."""


@dataclass(slots=True)
class LedgerWrite:
    """A ledger write the sender owes, kept until the database takes it."""

    work: Callable[..., object]
    args: tuple[object, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)
    ids: tuple[int, ...] = ()  # the claimed deliveries it settles


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how far apart a transient failure is tried again."""

    max_attempts: int = 12
    backoff_cap: float = 600.0  # seconds
    random: Callable[[], float] = field(default=lambda: 0.5)  # a draw in [0, 1): the jitter


@dataclass(frozen=True, slots=True)
class Settlement:
    """What a failed send asks: the write settling its row, and what the dispatcher does."""

    write: LedgerWrite
    counted: str | None = None  # the MESSAGES outcome label (None: not counted)
    due: datetime | None = None  # when the written row is due again
    whole_chat: bool = False  # the write covers the chat's other held deliveries too
    fresh: bool = False  # deliveries are due at once: claim now
    failed: bool = False  # a message given up
    unexpected: bool = False  # not a transport's known answer: log it with its traceback
    note: tuple[int, str, tuple[object, ...]] | None = None  # a log line: level, format, args

    def covering(self, ids: Iterable[int]) -> Settlement:
        """The same settlement, also settling `ids` (the chat's deliveries dropped from memory)."""
        return replace(self, write=replace(self.write, ids=(*self.write.ids, *ids)))


def settle(
    delivery: Delivery, error: BaseException, *, now: datetime, owner: str, policy: RetryPolicy
) -> Settlement:
    """The settlement of a send that raised `error` at `now` (UTC) for the claim `owner`."""
    one = (delivery.id,)
    chat_id = delivery.chat_id
    if isinstance(error, FirstAlertUnsent):
        at = now + timedelta(seconds=EDIT_WAIT)
        return Settlement(
            LedgerWrite(store.retry_later, (delivery.id,), {"at": at, "attempted": False}, one),
            due=at,
        )
    if isinstance(error, TokenRevoked):  # not sent, not an attempt
        return Settlement(LedgerWrite(store.release, ([delivery.id],), {}, one))
    if isinstance(error, RateLimited):
        # No claim outlives the pause, and a restart keeps it: the chat's rows are due at its end.
        until = now + timedelta(seconds=error.retry_after)
        write = LedgerWrite(store.defer_chat, (chat_id,), {"until": until, "owner": owner}, one)
        return Settlement(write, counted="retried", due=until, whole_chat=True)
    if isinstance(error, TopicRefused):
        return topic_refused(delivery, error)
    if isinstance(error, ChatMoved):
        return Settlement(
            LedgerWrite(move_chat, (chat_id, error.new_chat_id), {}, one),
            counted="retried",
            whole_chat=True,
            fresh=True,  # claim the moved deliveries at once
            note=(
                logging.INFO,
                "chat %d became %d; its subscriptions move",
                (chat_id, error.new_chat_id),
            ),
        )
    if isinstance(error, ChatGone):
        return Settlement(
            LedgerWrite(forget_chat, (chat_id, error.reason), {}, one),
            counted="chat_gone",
            whole_chat=True,
            note=(
                logging.INFO,
                "chat %d unsubscribed (%s); its pending alerts cancelled",
                (chat_id, error),
            ),
        )
    if isinstance(error, Rejected):
        return Settlement(
            LedgerWrite(store.mark_failed, (delivery.id, error.reason), {}, one),
            counted="failed",
            failed=True,
            note=(
                logging.WARNING,
                "alert %d to chat %d refused: %s",
                (delivery.id, chat_id, error.reason),
            ),
        )
    return retry_or_fail(delivery, error, now=now, policy=policy)


def topic_refused(delivery: Delivery, error: TopicRefused) -> Settlement:
    """A closed topic holds its alerts; a deleted one's go to General (nothing dropped)."""
    one = (delivery.id,)
    thread_id = delivery.thread_id
    if thread_id is None:  # not sent into a topic: nothing to hold it for
        write = LedgerWrite(store.mark_failed, (delivery.id, error.reason), {}, one)
        return Settlement(write, counted="retried")
    work = topic_deleted if error.deleted else topic_closed
    return Settlement(
        LedgerWrite(work, (delivery.chat_id, thread_id, error.reason), {}, one),
        counted="retried",
        fresh=True,  # a notice, or alerts moved to General, are due now
        note=(
            logging.INFO,
            "chat %d: forum topic %d %s; its alerts %s",
            (
                delivery.chat_id,
                thread_id,
                "deleted" if error.deleted else "closed",
                "go to General" if error.deleted else "are held until it reopens",
            ),
        ),
    )


def retry_or_fail(
    delivery: Delivery, error: BaseException, *, now: datetime, policy: RetryPolicy
) -> Settlement:
    """A transient failure (or a transport's bug): tried again later, or given up at last."""
    reason = error.reason if isinstance(error, SendError) else f"{type(error).__name__}"
    unexpected = not isinstance(error, Transient)
    attempts = delivery.attempts + 1
    one = (delivery.id,)
    if attempts >= policy.max_attempts:
        failure = f"gave up after {attempts}: {reason}"
        write = LedgerWrite(store.mark_failed, (delivery.id, failure), {}, one)
        return Settlement(write, counted="failed", failed=True, unexpected=unexpected)
    # Exponential back-off with full jitter, so many chats do not retry in step.
    delay = min(policy.backoff_cap, 2.0**attempts) * (0.5 + policy.random())
    at = now + timedelta(seconds=delay)
    return Settlement(
        LedgerWrite(store.retry_later, (delivery.id,), {"at": at, "error": reason}, one),
        counted="retried",
        due=at,
        unexpected=unexpected,
        note=(
            logging.WARNING,
            "alert %d to chat %d: %s; retry in %.1fs",
            (delivery.id, delivery.chat_id, reason, delay),
        ),
    )


def released(ids: Iterable[int], *, at: datetime | None = None) -> LedgerWrite:
    """Claimed deliveries given back to the ledger unsent (due at `at`, or now)."""
    held = list(ids)
    return LedgerWrite(store.release, (held,), {} if at is None else {"at": at}, tuple(held))


def superseded(delivery: Delivery) -> LedgerWrite:
    """An unsent edit replaced by a newer edit of the same message."""
    return LedgerWrite(store.supersede, ([delivery.id],), {}, (delivery.id,))


def flood_scope(
    recent: dict[int, float], chat_id: int, now: float, *, everyone: bool
) -> tuple[bool, dict[int, float]]:
    """Whether a 429 for `chat_id` pauses every chat, and the recent 429s (monotonic) after it.

    Telegram may say so (`everyone`); 429s for two chats within FLOOD_WINDOW mean so too.
    """
    recent = {chat: at for chat, at in recent.items() if now - at < FLOOD_WINDOW}
    everyone = everyone or any(chat != chat_id for chat in recent)
    recent[chat_id] = now
    return everyone, recent


def waited(delivery: Delivery, now: datetime) -> float | None:
    """Seconds an alert waited from its creation to `now` (None: not an alert, or undated)."""
    if delivery.kind != DeliveryKind.ALERT or delivery.created is None:
        return None
    return max(0.0, (now - delivery.created).total_seconds())
