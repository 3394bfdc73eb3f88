"""The ledger stage: every (article, chat) owed an alert, written in the ingest transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo

from sqlalchemy import Connection

from bot.alerts import Alert, active, alert_for, render_html, render_text
from bot.delivery.forums import place_in_topic, thread_for
from bot.delivery.hours import chat_hours, release_at
from bot.delivery.sessions import session_effect
from bot.delivery.story_edits import fold_into_story
from bot.ledger_values import DeliveryKind
from bot.pipeline.record import Ingested
from bot.rules import Match, Topic
from bot.rules.watches import by_chat, watch_as_topic
from bot.storage import deliveries as store
from bot.storage import forums, markets
from bot.storage import subscriptions as subs
from bot.storage.deliveries import TERMINAL_CHAT_ID
from bot.storage.held import HELD


def enqueue_deliveries(
    connection: Connection,
    ingested: Sequence[Ingested],
    *,
    topics: Mapping[str, Topic],
    terminal: bool = False,
    source_names: Mapping[str, str] | None = None,
    default_zone: str = "UTC",
    now: datetime | None = None,
) -> int:
    """Write one delivery per (article, chat) owed an alert; returns how many were new.

    An alert a chat's quiet hours, mute or digest mode hold is written `held`, due when its
    digest is. `terminal`: the terminal pseudo chat, subscribed to every topic, is the only
    recipient. An article of a story a chat was alerted to edits that alert instead
    (`story_edits.fold_into_story`).
    """
    moment = now or datetime.now(UTC)
    written = 0
    for item in ingested:
        rows: list[dict[str, object]] = []
        alerted_tickers: dict[int, tuple[str, ...]] = {}
        zones: dict[int, tzinfo] = {}
        matches, watched = by_chat(active(item.matches))
        if terminal:
            alert = alert_for(item.article, matches, topics=None)
            if alert is not None:
                text = render_text(alert, topics, sources=source_names, now=moment)
                rows.append(_row(alert, TERMINAL_CHAT_ID, text, moment))
        elif matches or item.article.tickers or watched:
            rows = _chat_rows(
                connection,
                item,
                matches,
                watched,
                topics,
                source_names,
                default_zone,
                moment,
                alerted_tickers,
                zones,
            )
        if rows and item.story_id is not None:
            rows = fold_into_story(
                connection,
                item.story_id,
                rows,
                topics=topics,
                source_names=source_names,
                now=moment,
                edits=not terminal,
                article_tickers=item.article.tickers,
                alerted_tickers=alerted_tickers,
                zones=zones,
            )
        for row in rows:  # a group's 20 messages a minute go to alerts before edits
            if row.get("kind") == DeliveryKind.EDIT:
                row["priority_rank"] = store.EDIT_RANK
        # Article by article: a later article of the batch finds its story's alerts written.
        written += store.insert_deliveries(connection, rows)
    return written


def _chat_rows(
    connection: Connection,
    item: Ingested,
    matches: tuple[Match, ...],
    watched: Mapping[int, tuple[Match, ...]],
    topics: Mapping[str, Topic],
    source_names: Mapping[str, str] | None,
    default_zone: str,
    moment: datetime,
    alerted_tickers: dict[int, tuple[str, ...]],
    zones: dict[int, tzinfo],
) -> list[dict[str, object]]:
    """One delivery per subscribed (or watching) chat owed an alert of this article (and, in
    `alerted_tickers` and `zones`, the followed symbols each chat is alerted for and its time
    zone)."""
    rows: list[dict[str, object]] = []
    rendered: dict[tuple[object, ...], str] = {}
    wanted_topics = {match.topic for match in matches}
    found = subs.subscribers(connection, wanted_topics, item.article.tickers)
    routes = forums.routes_of(connection, [sub.chat_id for sub in found])
    closed = forums.closed_topics(connection, routes) if routes else set()
    chosen: list[subs.Subscriber] = with_watchers(connection, found, watched)
    sessions = markets.markets_of(connection, [sub.chat_id for sub in chosen])
    for sub in chosen:
        own = watched.get(sub.chat_id, ())
        heard = [m for m in (*matches, *own) if (m.topic, m.rule) not in sub.settings.muted_rules]
        followed = sub.topics.union(m.topic for m in own) if own else sub.topics
        alert = alert_for(item.article, heard, topics=followed, tickers=sub.tickers)
        if alert is None:
            continue
        hours = chat_hours(sub.settings, default_zone)
        zones[sub.chat_id] = hours.zone
        key = (alert.matches, alert.tickers, hours.zone.key)
        if key not in rendered:  # a fan-out renders each distinct alert once (per zone)
            named = {**topics, **watch_topics(own)} if own else topics
            rendered[key] = render_html(
                alert, named, sources=source_names, now=moment, zone=hours.zone
            )
        row = _row(alert, sub.chat_id, rendered[key], moment)
        if alert.tickers:
            alerted_tickers[sub.chat_id] = alert.tickers
        hold = release_at(moment, hours, alert.priority)
        session = session_effect(sessions.get(sub.chat_id), alert.priority, moment)
        hold = hold or session.hold
        row["silent"] = row["silent"] or session.silent
        if hold is not None:
            row.update(state=HELD, next_attempt_at=hold.until, hold=hold.reason)
        place_in_topic(row, thread_for(alert, sub.topics, routes.get(sub.chat_id)), closed)
        rows.append(row)
    return rows


def with_watchers(
    connection: Connection,
    found: list[subs.Subscriber],
    watched: Mapping[int, tuple[Match, ...]],
) -> list[subs.Subscriber]:
    """The subscribers, plus the chats that only a watch of theirs brings to the article."""
    extra = sorted(set(watched) - {sub.chat_id for sub in found})
    if not extra:
        return found
    settings = subs.chat_settings_of(connection, extra)
    return found + [
        subs.Subscriber(
            chat_id, frozenset(), frozenset(), settings[chat_id].muted_until, settings[chat_id]
        )
        for chat_id in extra
    ]


def watch_topics(matches: Sequence[Match]) -> dict[str, Topic]:
    """The pseudo topics (`👁 name`) the renderer labels these watch matches by."""
    return {match.topic: watch_as_topic(match.rule) for match in matches}


def _row(alert: Alert, chat_id: int, text: str, now: datetime) -> dict[str, object]:
    return {
        "article_id": alert.article.id,
        "chat_id": chat_id,
        "text": text,
        "silent": alert.silent,
        "priority": alert.priority,
        "kind": DeliveryKind.ALERT,
        "topics": ",".join(alert.topics),
        "rules": ",".join(f"{m.topic}/{m.rule}" for m in alert.matches),
        "state": store.PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "created": now,
        "hold": None,  # every row names every column: one executemany takes the first's keys
        "thread_id": None,
    }


@dataclass(slots=True)
class Ledger:
    """The ingest's last write: how this process addresses and words the alerts it owes."""

    terminal: bool = False  # no token: every alert is owed to the terminal pseudo chat
    default_zone: str = "UTC"
    # feeds.yaml: how subscribers read each source (replaced when the file is reloaded).
    source_names: Mapping[str, str] = field(default_factory=dict)

    def write(
        self, connection: Connection, ingested: Sequence[Ingested], topics: Mapping[str, Topic]
    ) -> int:
        """Write the deliveries these matched articles owe; returns how many were new."""
        return enqueue_deliveries(
            connection,
            ingested,
            topics=topics,
            terminal=self.terminal,
            source_names=self.source_names,
            default_zone=self.default_zone,
        )
