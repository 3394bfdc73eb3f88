"""When the sender counts as stuck for /healthz: a ledger outage, or due rows and no sends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.runtime.health import SenderView, sender_problem

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def test_a_sender_with_nothing_due_is_fine_however_long_it_idles() -> None:
    assert sender_problem(SenderView(None, idle_seconds=86_400), overdue=0, now=NOW) is None


def test_due_rows_and_no_send_for_two_minutes_is_stuck() -> None:
    assert sender_problem(SenderView(None, idle_seconds=100), overdue=5, now=NOW) is None
    problem = sender_problem(SenderView(None, idle_seconds=130), overdue=5, now=NOW)
    assert problem == "5 deliveries due for over 2m, nothing sent for 2m 10s"


def test_a_ledger_outage_over_a_minute_is_unhealthy() -> None:
    brief = SenderView(NOW - timedelta(seconds=50), idle_seconds=0)
    assert sender_problem(brief, overdue=0, now=NOW) is None
    long = SenderView(NOW - timedelta(seconds=90), idle_seconds=0)
    assert sender_problem(long, overdue=0, now=NOW) == (
        "the delivery ledger has not answered the sender for 1m 30s"
    )
