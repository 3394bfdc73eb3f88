"""What the runtime counts for operators: articles, polls, matches, and the queue's gauges."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime

from sqlalchemy import Engine

from bot.pipeline import Ingested
from bot.rules import Problem
from bot.rules.watches import WATCH_TOPIC_PREFIX
from bot.storage.feed_activity import last_new_items
from bot.storage.held import held_count
from bot.storage.queue_stats import queue_stats
from bot.telemetry.metrics import (
    ARTICLES,
    FEED_POLLS,
    HELD_ALERTS,
    INGEST_DELAY,
    QUEUE_DEPTH,
    QUEUE_OLDEST,
    RULE_FILES_IN_ERROR,
    RULE_MATCHES,
    SINCE_NEW_ITEM,
)

SEEDS_SOURCE = "seeds"  # every seed file counts under one source: file names are unbounded
WATCHES = "watch"  # every chat's watches count under one topic and rule: no chat ids, no names


def count_ingested(
    source: str,
    read: int,
    fresh: Sequence[Ingested],
    *,
    alerted: bool,
    now: datetime | None = None,
) -> None:
    """Count a batch from one source: new and duplicate articles, their delay, rule matches.

    A batch recorded without alerting (a feed's first poll) is old news: its delay not counted.
    """
    ARTICLES.labels(source=source, outcome="new").inc(len(fresh))
    ARTICLES.labels(source=source, outcome="duplicate").inc(max(0, read - len(fresh)))
    moment = now or datetime.now(UTC)
    for item in fresh:
        published = item.article.published
        if alerted and published is not None:
            INGEST_DELAY.observe(max(0.0, (moment - published).total_seconds()))
        for match in item.matches:
            if match.topic.startswith(WATCH_TOPIC_PREFIX):
                RULE_MATCHES.labels(topic=WATCHES, rule=WATCHES).inc()
            else:
                RULE_MATCHES.labels(topic=match.topic, rule=match.rule).inc()


def count_poll(feed: str, outcome: str) -> None:
    """Count one feed poll by its outcome (ok, not_modified, error)."""
    FEED_POLLS.labels(feed=feed, outcome=outcome).inc()


def saw_new_item(feed: str, at: datetime) -> None:
    """The feed's last new item came at `at` (for its seconds-since gauge)."""
    SINCE_NEW_ITEM.saw_new_item(feed, at.timestamp())


def refresh_gauges(
    engine: Engine,
    *,
    feeds: Collection[str],
    rule_problems: Sequence[Problem],
    now: datetime | None = None,
) -> None:
    """Read the queue, held alerts and feeds' last new items into the gauges (blocking)."""
    moment = now or datetime.now(UTC)
    with engine.connect() as connection:
        queue = queue_stats(connection)
        held = held_count(connection)
        last_items = last_new_items(connection, feeds)
    QUEUE_DEPTH.set(queue.depth)
    oldest = queue.oldest_created
    QUEUE_OLDEST.set(0.0 if oldest is None else max(0.0, (moment - oldest).total_seconds()))
    HELD_ALERTS.set(held)
    RULE_FILES_IN_ERROR.set(len({problem.path for problem in rule_problems}))
    SINCE_NEW_ITEM.forget_except(feeds)
    for feed, at in last_items.items():
        saw_new_item(feed, at)
