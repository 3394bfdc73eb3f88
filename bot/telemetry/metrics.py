"""The process's Prometheus metrics: every stage counts here; labels stay bounded (no chat ids)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from threading import Lock

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

REGISTRY = CollectorRegistry(auto_describe=True)

# Seconds from an article's own date to our ingest, and from ingest to Telegram's answer.
_LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600)

ARTICLES = Counter(
    "newsbot_articles",
    "Articles read, by source and outcome (new or duplicate).",
    ["source", "outcome"],
    registry=REGISTRY,
)
FEED_POLLS = Counter(
    "newsbot_feed_polls",
    "Feed polls by feed and outcome (ok, not_modified, error).",
    ["feed", "outcome"],
    registry=REGISTRY,
)
RULE_MATCHES = Counter(
    "newsbot_rule_matches",
    "Articles matched, by topic and rule (every chat's watches together: topic=rule=watch).",
    ["topic", "rule"],
    registry=REGISTRY,
)
MESSAGES = Counter(
    "newsbot_messages",
    "Messages to Telegram by kind (alert, edit, notice, digest) and outcome "
    "(sent, retried, failed, chat_gone).",
    ["kind", "outcome"],
    registry=REGISTRY,
)
TELEGRAM_ERRORS = Counter(
    "newsbot_telegram_errors",
    "Errors answered by the Bot API, by HTTP status code (0: no answer).",
    ["code"],
    registry=REGISTRY,
)
FLOOD_WAITS = Counter(
    "newsbot_flood_waits", "429 answers (flood control) from the Bot API.", registry=REGISTRY
)
FLOOD_WAIT_SECONDS = Counter(
    "newsbot_flood_wait_seconds",
    "Seconds of pause that 429 answers asked for.",
    registry=REGISTRY,
)
PAID_MESSAGES = Counter(
    "newsbot_paid_messages",
    "Alerts sent on the paid broadcast lane (allow_paid_broadcast, NEWSBOT_PAID_BROADCAST).",
    registry=REGISTRY,
)
STARS_SPENT = Counter(
    "newsbot_paid_stars",
    "Telegram Stars paid for broadcasts: 0.1 for each paid message beyond 30 in its second.",
    registry=REGISTRY,
)
INGEST_DELAY = Histogram(
    "newsbot_ingest_delay_seconds",
    "From an article's published time to its ingest by the bot.",
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)
DELIVERY_DELAY = Histogram(
    "newsbot_delivery_delay_seconds",
    "From an alert's ingest to Telegram accepting it: the time a subscriber waits on us.",
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)
QUEUE_DEPTH = Gauge(
    "newsbot_delivery_queue_depth", "Deliveries waiting to be sent.", registry=REGISTRY
)
QUEUE_OLDEST = Gauge(
    "newsbot_delivery_queue_oldest_seconds",
    "Age of the oldest delivery waiting to be sent (0 when none).",
    registry=REGISTRY,
)
HELD_ALERTS = Gauge(
    "newsbot_held_alerts",
    "Alerts held for a digest (quiet hours, mutes, digest mode).",
    registry=REGISTRY,
)
RULE_FILES_IN_ERROR = Gauge(
    "newsbot_rule_files_in_error",
    "Rule files whose last change is broken (their last good version is live).",
    registry=REGISTRY,
)
LEADER = Gauge(
    "newsbot_fleet_leader",
    "1 while this process sends and takes updates (a single process, or the fleet's leader).",
    registry=REGISTRY,
)
TASK_FAILURES = Counter(
    "newsbot_task_failures",
    "Failures of long-running tasks (sender, watchers, pollers), each retried with back-off.",
    ["task"],
    registry=REGISTRY,
)


class _SinceLastNewItem(Collector):
    """Seconds since each feed last brought a new item, computed when scraped."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._last: dict[str, float] = {}
        self._lock = Lock()

    def saw_new_item(self, feed: str, at: float | None = None) -> None:
        """Note that the feed brought a new item now (or at the given UNIX time)."""
        with self._lock:
            self._last[feed] = self._clock() if at is None else at

    def forget_except(self, feeds: Iterable[str]) -> None:
        """Drop feeds that left feeds.yaml, so their series ends."""
        keep = set(feeds)
        with self._lock:
            self._last = {name: at for name, at in self._last.items() if name in keep}

    def collect(self) -> Iterable[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "newsbot_feed_seconds_since_new_item",
            "Seconds since each feed last brought a new item.",
            labels=["feed"],
        )
        now = self._clock()
        with self._lock:
            for feed, at in sorted(self._last.items()):
                family.add_metric([feed], max(0.0, now - at))
        yield family


SINCE_NEW_ITEM = _SinceLastNewItem()
REGISTRY.register(SINCE_NEW_ITEM)
