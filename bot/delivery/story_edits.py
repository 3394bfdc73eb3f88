"""One message per story per chat: a later copy of a story edits the chat's alert of it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import Connection

from bot.alerts.assemble import highest
from bot.alerts.story import story_edit_html
from bot.rules import Topic
from bot.storage import deliveries as store
from bot.storage import stories as story_store

EDIT = "edit"


def fold_into_story(
    connection: Connection,
    story_id: str,
    rows: Sequence[dict[str, object]],
    *,
    topics: Mapping[str, Topic],
    source_names: Mapping[str, str] | None,
    now: datetime,
    edits: bool = True,
) -> list[dict[str, object]]:
    """The deliveries one article of a story owes, given what its chats already have of it.

    A chat without any delivery of the story gets its alert as usual. A chat whose first alert
    of the story is pending or sent gets an `edit` of it instead (never a new notification),
    and its older pending edits are superseded. A chat whose first alert is held for a digest
    (or failed, or was digested) gets nothing: that alert tells the story already.
    `edits=False` (the terminal, which cannot edit): a later copy is dropped.
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
        history = earlier.get(chat_id)
        if not history:
            kept.append(row)
            continue
        first = next((d for d in history if d.kind == "alert"), None)
        if not edits or first is None or first.state not in (store.PENDING, store.SENT):
            continue
        if story is None:
            story = story_store.story_articles(connection, story_id)
        row_topics = [topic for topic in str(row["topics"]).split(",") if topic]
        seen = [topic for delivery in history for topic in delivery.topics] + row_topics
        new_topics = [t for t in dict.fromkeys(seen) if t not in first.topics]
        top = highest([*(d.priority for d in history), str(row["priority"])])
        raised = top if top != first.priority and highest([top, first.priority]) == top else None
        text = story_edit_html(
            first.text,
            first.article_id,
            story,
            topics=topics,
            new_topics=new_topics,
            raised_to=raised,
            sources=source_names,
            now=now,
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
