"""One message per story per chat: a later copy of a story edits the chat's alert of it."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime, tzinfo

from sqlalchemy import Connection

from bot.alerts.assemble import highest
from bot.alerts.story import story_edit_html
from bot.delivery.feedback import Feedback, feedback_for, rule_pairs
from bot.ledger_values import DeliveryKind
from bot.rules import Topic
from bot.storage import deliveries as store
from bot.storage import stories as story_store
from bot.storage import subscriptions as subs
from bot.storage.delivered import delivered_alert

EDIT = DeliveryKind.EDIT


def fold_into_story(
    connection: Connection,
    story_id: str,
    rows: Sequence[dict[str, object]],
    *,
    topics: Mapping[str, Topic],
    source_names: Mapping[str, str] | None,
    now: datetime,
    edits: bool = True,
    article_tickers: Collection[str] = (),
    alerted_tickers: Mapping[int, Collection[str]] | None = None,
    zones: Mapping[int, tzinfo] | None = None,
) -> list[dict[str, object]]:
    """The deliveries one article of a story owes, given what its chats already have of it.

    A chat that was never told the story (no alert of it, or only alerts that failed or
    were cancelled) gets its alert as usual; so does a chat this article alerts for
    something its alerts of the story do not carry (`carries_more`). Otherwise, a chat whose
    first alert of the story is pending or sent gets an `edit` of it instead (never a new
    notification), and its older pending edits are superseded; a chat whose first alert is
    held for a digest (or was digested) gets nothing: that alert tells the story already.
    `edits=False` (the terminal, which cannot edit): a later copy is dropped.
    `alerted_tickers`: per chat, the followed symbols this article alerts it for; `zones`:
    per chat, the time zone its edit's times are in (UTC when not given).
    """
    for row in rows:
        row["story_id"] = story_id
    earlier = story_store.chat_story_deliveries(
        connection, story_id, [int(str(row["chat_id"])) for row in rows]
    )
    if not earlier:
        return list(rows)
    story: list[story_store.StoryArticle] | None = None
    kept: list[dict[str, object]] = []
    edited: list[int] = []
    for row in rows:
        chat_id = int(str(row["chat_id"]))
        told = [
            delivery
            for delivery in earlier.get(chat_id, ())
            if delivery.kind == DeliveryKind.ALERT and delivery.state not in _UNTOLD
        ]
        wanted = (alerted_tickers or {}).get(chat_id, ())
        if not told or carries_more(told, row, wanted, article_tickers):
            kept.append(row)
            continue
        first = told[0]
        if not edits or first.state not in (store.PENDING, store.SENT):
            continue
        if story is None:
            story = story_store.story_articles(connection, story_id)
        history = earlier[chat_id]
        top = highest([*(d.priority for d in history), str(row["priority"])])
        raised = top if top != first.priority and highest([top, first.priority]) == top else None
        text = story_edit_html(
            first.text,
            first.article_id,
            story,
            topics=topics,
            raised_to=raised,
            sources=source_names,
            now=now,
            zone=(zones or {}).get(chat_id, UTC),
        )
        kept.append(
            {
                **row,
                "kind": EDIT,
                "text": text,
                "silent": True,
                "state": store.PENDING,
                "next_attempt_at": now,
                "hold": None,
            }
        )
        edited.append(chat_id)
    if edited:
        story_store.supersede_edits(connection, story_id, edited)
    return kept


# A chat whose only alerts of a story are in these states was never told the story.
_UNTOLD = frozenset({store.FAILED, store.CANCELLED})


def carries_more(
    told: Sequence[story_store.StoryDelivery],
    row: Mapping[str, object],
    tickers: Collection[str],
    article_tickers: Collection[str],
) -> bool:
    """Whether an article alerts a chat for something its alerts of the story do not carry:
    a topic or watch they did not name, a followed symbol their articles did not have, or
    only other companies than theirs (a false merge must never swallow an alert)."""
    named = {topic for delivery in told for topic in delivery.topics}
    if any(topic not in named for topic in str(row["topics"]).split(",") if topic):
        return True
    symbols = {symbol for delivery in told for symbol in delivery.tickers}
    if any(symbol not in symbols for symbol in tickers):
        return True
    return bool(article_tickers and symbols and not symbols & set(article_tickers))


def edit_feedback(connection: Connection, chat_id: int, alert_id: int) -> Feedback | None:
    """The buttons the story's alert shows now, for its edit to keep: `Less like this` (or its
    undo, while the chat mutes the alert's rules) and `Unsubscribe` while it follows the topic.
    """
    alert = delivered_alert(connection, alert_id)
    if alert is None or alert.chat_id != chat_id:
        return None
    feedback = feedback_for(alert.id, alert.kind, alert.rules)
    if feedback is None:
        return None
    rules = set(rule_pairs(alert.rules))
    muted = rules <= subs.chat_settings(connection, chat_id).muted_rules
    subscribed = (subs.TOPIC, feedback.topic) in subs.chat_subscriptions(connection, chat_id)
    return Feedback(alert.id, feedback.topic, muted=muted, subscribed=subscribed)
