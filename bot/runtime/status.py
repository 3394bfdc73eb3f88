"""The admins' `/status`: sources, rule files, the delivery queue, alerts sent, uptime."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from bot.delivery.ledger import ledger_counts
from bot.durations import format_duration
from bot.runtime.supervision import Failing
from bot.sources.feeds_config import FeedSpec
from bot.storage.deliveries import oldest_pending, sent_by_kind_since
from bot.storage.feeds import FeedState
from bot.storage.held import held_count
from bot.storage.subscriptions import most_muted
from bot.telemetry.metrics import REGISTRY
from bot.wording import count


@dataclass(frozen=True, slots=True)
class DeliveryCounts:
    """The ledger at a glance."""

    pending: int = 0
    failed: int = 0
    sent_last_hour: int = 0  # alerts: not notices, digests or story edits
    sent_last_day: int = 0
    held: int = 0  # alerts waiting for a digest (quiet hours, a mute, digest times)
    muted_most: tuple[tuple[str, str, int], ...] = ()  # (topic, rule, net `Less` presses)
    oldest_pending: datetime | None = None
    others_last_day: tuple[tuple[str, int], ...] = ()  # (notice|digest|edit, how many sent)


@dataclass(frozen=True, slots=True)
class Health:
    """What fails now: the supervised parts, and sends the ledger has not recorded yet."""

    failing: Sequence[Failing] = ()
    unrecorded: int = 0


# The ledger's other messages, as /status names them: "Alerts sent" counts alerts alone.
_OTHER_KINDS = {
    "notice": ("notice", "notices"),
    "digest": ("digest", "digests"),
    "edit": ("story edit", "story edits"),
}


def delivery_counts(engine: Engine) -> DeliveryCounts:
    """The ledger at a glance, read now (blocking: call it off the event loop)."""
    counts = ledger_counts(engine)
    now = datetime.now(UTC)
    with engine.connect() as connection:
        hour = sent_by_kind_since(connection, now - timedelta(hours=1)).get("alert", 0)
        by_kind = sent_by_kind_since(connection, now - timedelta(days=1))
        held = held_count(connection)
        noisy = tuple(most_muted(connection))
        oldest = oldest_pending(connection)
    others = tuple((kind, by_kind[kind]) for kind in _OTHER_KINDS if by_kind.get(kind))
    return DeliveryCounts(
        counts["pending"],
        counts["failed"],
        hour,
        by_kind.get("alert", 0),
        held,
        noisy,
        oldest,
        others,
    )


def status_text(
    *,
    feeds: Sequence[FeedSpec],
    states: Mapping[str, FeedState],
    feed_problems: Sequence[str],
    seed_folder: str,
    topics: int,
    seed_files: int = 0,
    seeds_read_at: datetime | None = None,
    seed_problems: Sequence[str] = (),
    rule_problems: Sequence[str],
    deliveries: DeliveryCounts,
    uptime: float,
    health: Health | None = None,
    now: datetime | None = None,
    paid_broadcast: str = "off",
) -> str:
    """Plain text, one fact per line (the Telegram layer escapes it)."""
    moment = now or datetime.now(UTC)
    seeds = f"Sources: seeds in {seed_folder}: {count(seed_files, 'file')}"
    if seeds_read_at is not None:
        seeds += f", last read {_ago(seeds_read_at, moment)}"
    if seed_problems:
        seeds += f", {len(seed_problems)} skipped"
    lines = [f"newsbot up {format_duration(uptime)}", "", seeds]
    lines += [f"  ⚠ {problem}" for problem in seed_problems]
    for spec in feeds:
        state = states.get(spec.name)
        lines.append(f"• {spec.name}: {_feed_line(state, moment)}")
    if not feeds:
        lines.append("• no feeds configured")
    lines += [f"  ⚠ {problem}" for problem in feed_problems]
    lines += ["", f"Rules: {count(topics, 'topic')}, {count(len(rule_problems), 'problem')}"]
    lines += [f"  ⚠ {problem}" for problem in rule_problems]
    lines += [
        "",
        f"Deliveries: {deliveries.pending} pending{_backlog_age(deliveries, moment)}, "
        f"{deliveries.failed} failed, {deliveries.held} held for digests",
        f"Alerts sent: {deliveries.sent_last_hour} in the last hour, "
        f"{deliveries.sent_last_day} in the last day",
    ]
    if deliveries.others_last_day:
        others = ", ".join(
            count(number, *_OTHER_KINDS[kind]) for kind, number in deliveries.others_last_day
        )
        lines.append(f"Also sent in the last day: {others}")
    lines.append(paid_line(paid_broadcast))
    if deliveries.muted_most:
        noisy = ", ".join(f"{t}/{r} ×{n}" for t, r, n in deliveries.muted_most)
        lines.append(f"Rules chats mute most: {noisy}")
    if health is not None:
        lines += ["", *health_lines(health, moment)]
    return "\n".join(lines)


def paid_line(paid_broadcast: str) -> str:
    """The paid broadcast lane: which alerts use it, messages sent on it, Stars spent."""
    messages = REGISTRY.get_sample_value("newsbot_paid_messages_total") or 0.0
    stars = REGISTRY.get_sample_value("newsbot_paid_stars_total") or 0.0
    if paid_broadcast == "off":
        spent = f" ({count(int(messages), 'paid message')}, {stars:.1f} Stars)" if messages else ""
        return f"Paid broadcast: off{spent}"
    return (
        f"Paid broadcast: {paid_broadcast} and above; {count(int(messages), 'paid message')}, "
        f"{stars:.1f} Stars spent since start"
    )


def health_lines(health: Health, now: datetime) -> list[str]:
    """The Health section: each failing part, since when and why; sends not yet recorded."""
    if not health.failing and not health.unrecorded:
        return ["Health: every part works"]
    lines = ["Health:"]
    lines += [
        f"  ⚠ {part.name} failing since {part.since:%Y-%m-%d %H:%M:%S} UTC "
        f"({_ago(part.since, now)}): {part.last_error}"
        for part in health.failing
    ]
    if health.unrecorded:
        lines.append(
            f"  ⚠ {count(health.unrecorded, 'send outcome')} waiting for the database to record"
        )
    return lines


def _backlog_age(deliveries: DeliveryCounts, now: datetime) -> str:
    if not deliveries.pending or deliveries.oldest_pending is None:
        return ""
    return f" (oldest queued {_ago(deliveries.oldest_pending, now)})"


def _feed_line(state: FeedState | None, now: datetime) -> str:
    if state is None or state.last_poll is None:
        return "not polled yet"
    text = f"last poll {_ago(state.last_poll, now)}"
    if state.failures:
        text += f", failing ×{state.failures}: {state.last_error}"
    if state.next_poll:
        text += f", next in {format_duration(max(0.0, (state.next_poll - now).total_seconds()))}"
    return text


def _ago(moment: datetime, now: datetime) -> str:
    return f"{format_duration(max(0.0, (now - moment).total_seconds()))} ago"
