"""A send's outcome as the ledger write it owes: plain functions, no database, no event loop."""

from __future__ import annotations

import logging
from collections import deque
from datetime import UTC, datetime, timedelta

from bot.delivery import outcomes
from bot.delivery.chat_queues import queue_in_turn
from bot.delivery.forums import topic_closed, topic_deleted
from bot.delivery.ledger import forget_chat, move_chat
from bot.delivery.outcomes import FirstAlertUnsent, RetryPolicy, settle
from bot.delivery.transports import (
    ChatGone,
    ChatMoved,
    RateLimited,
    Rejected,
    TokenRevoked,
    TopicRefused,
    Transient,
)
from bot.ledger_values import DeliveryKind
from bot.storage import deliveries as store
from bot.storage.deliveries import Delivery

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
POLICY = RetryPolicy(max_attempts=5, backoff_cap=600.0, random=lambda: 0.5)


def _delivery(id_: int = 7, *, chat_id: int = 42, attempts: int = 0, **fields: object) -> Delivery:
    return Delivery(id_, f"a{id_}", chat_id, "text", False, attempts, **fields)  # type: ignore[arg-type]


def _settle(error: BaseException, delivery: Delivery | None = None) -> outcomes.Settlement:
    return settle(delivery or _delivery(), error, now=NOW, owner="me", policy=POLICY)


def test_a_transient_failure_is_retried_with_backoff_by_attempt() -> None:
    first = _settle(Transient("timeout"))
    third = _settle(Transient("timeout"), _delivery(attempts=2))
    assert first.write.work is store.retry_later
    assert first.write.args == (7,)
    assert first.write.kwargs == {"at": NOW + timedelta(seconds=2), "error": "timeout"}
    assert first.due == NOW + timedelta(seconds=2) and first.counted == "retried"
    assert third.due == NOW + timedelta(seconds=8)  # 2**3, jitter 0.5 gives x1
    assert not first.failed and not first.unexpected
    assert first.note is not None and first.note[0] == logging.WARNING


def test_the_jitter_spreads_the_retry_and_the_cap_bounds_it() -> None:
    policy = RetryPolicy(max_attempts=50, backoff_cap=60.0, random=lambda: 0.9)
    late = settle(_delivery(attempts=20), Transient("x"), now=NOW, owner="me", policy=policy)
    assert late.due == NOW + timedelta(seconds=60 * (0.5 + 0.9))


def test_the_last_attempt_fails_the_delivery() -> None:
    given_up = _settle(Transient("timeout"), _delivery(attempts=4))
    assert given_up.write.work is store.mark_failed
    assert given_up.write.args == (7, "gave up after 5: timeout")
    assert given_up.failed and given_up.counted == "failed" and given_up.due is None


def test_a_transport_bug_is_retried_and_flagged_unexpected() -> None:
    bug = _settle(KeyError("oops"))
    assert bug.unexpected and bug.write.kwargs["error"] == "KeyError"


def test_a_refusal_fails_the_delivery_at_once() -> None:
    refused = _settle(Rejected("message is too long"))
    assert refused.write.work is store.mark_failed
    assert refused.write.args == (7, "message is too long")
    assert refused.failed and refused.counted == "failed" and not refused.whole_chat


def test_a_429_defers_the_whole_chat_until_its_end_under_the_owner() -> None:
    paused = _settle(RateLimited("flood", 30.0))
    until = NOW + timedelta(seconds=30)
    assert paused.write.work is store.defer_chat
    assert paused.write.args == (42,)
    assert paused.write.kwargs == {"until": until, "owner": "me"}
    assert paused.whole_chat and paused.due == until and paused.counted == "retried"
    covered = paused.covering([8, 9])
    assert covered.write.ids == (7, 8, 9) and paused.write.ids == (7,)


def test_a_gone_chat_is_forgotten_and_a_moved_one_moves() -> None:
    gone = _settle(ChatGone("bot was blocked by the user"))
    assert gone.write.work is forget_chat
    assert gone.write.args == (42, "bot was blocked by the user")
    assert gone.whole_chat and gone.counted == "chat_gone" and not gone.fresh
    moved = _settle(ChatMoved("upgraded", -100123))
    assert moved.write.work is move_chat and moved.write.args == (42, -100123)
    assert moved.whole_chat and moved.fresh


def test_a_refused_topic_is_held_or_sent_to_general_and_without_topic_fails() -> None:
    in_topic = _delivery(thread_id=5)
    closed = _settle(TopicRefused("TOPIC_CLOSED", deleted=False), in_topic)
    deleted = _settle(TopicRefused("TOPIC_DELETED", deleted=True), in_topic)
    assert closed.write.work is topic_closed and deleted.write.work is topic_deleted
    assert closed.write.args == (42, 5, "TOPIC_CLOSED") and closed.fresh
    no_topic = _settle(TopicRefused("TOPIC_CLOSED", deleted=False))
    assert no_topic.write.work is store.mark_failed and not no_topic.failed


def test_an_edit_before_its_alert_waits_untried_and_a_revoked_token_releases() -> None:
    waiting = _settle(FirstAlertUnsent())
    assert waiting.write.work is store.retry_later
    assert waiting.write.kwargs == {"at": NOW + timedelta(seconds=2), "attempted": False}
    assert waiting.counted is None
    revoked = _settle(TokenRevoked("Unauthorized"))
    assert revoked.write.work is store.release and revoked.write.args == ([7],)
    assert revoked.counted is None and not revoked.failed


def test_a_flood_across_two_chats_pauses_everyone() -> None:
    alone, recent = outcomes.flood_scope({}, 1, 100.0, everyone=False)
    assert not alone and recent == {1: 100.0}
    again, recent = outcomes.flood_scope(recent, 1, 100.5, everyone=False)
    assert not again
    both, recent = outcomes.flood_scope(recent, 2, 100.8, everyone=False)
    assert both and set(recent) == {1, 2}
    later, recent = outcomes.flood_scope(recent, 3, 105.0, everyone=False)
    assert not later and recent == {3: 105.0}
    assert outcomes.flood_scope({}, 1, 0.0, everyone=True)[0]


def test_the_wait_of_an_alert_is_measured_from_its_creation() -> None:
    alert = _delivery(created=NOW - timedelta(seconds=3))
    assert outcomes.waited(alert, NOW) == 3.0
    assert outcomes.waited(_delivery(kind=DeliveryKind.EDIT, created=NOW), NOW) is None
    assert outcomes.waited(_delivery(), NOW) is None


def test_released_and_superseded_settle_the_ids_they_name() -> None:
    later = NOW + timedelta(seconds=5)
    back = outcomes.released([3, 4], at=later)
    assert back.work is store.release and back.args == ([3, 4],)
    assert back.kwargs == {"at": later} and back.ids == (3, 4)
    assert outcomes.released([3]).kwargs == {}
    old = outcomes.superseded(_delivery(3))
    assert old.work is store.supersede and old.args == ([3],) and old.ids == (3,)


def test_a_chat_queue_sends_alerts_before_edits_and_keeps_only_the_newest_edit() -> None:
    queue: deque[Delivery] = deque()
    edit_a = _delivery(1, kind=DeliveryKind.EDIT, edit_of=100)
    assert queue_in_turn(queue, edit_a) is None
    assert queue_in_turn(queue, _delivery(2)) is None
    edit_b = _delivery(3, kind=DeliveryKind.EDIT, edit_of=100)
    assert queue_in_turn(queue, edit_b) is edit_a
    assert [d.id for d in queue] == [2, 3]
