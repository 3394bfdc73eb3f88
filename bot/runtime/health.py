"""`GET /healthz`: the database answers, the scheduler (or worker) runs, the sender moves."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from bot.config import Settings
from bot.delivery.sender import Sender
from bot.durations import format_duration
from bot.errors import NewsbotError
from bot.storage.db import in_transaction, ping
from bot.storage.queue_stats import overdue_count
from bot.telemetry.endpoint import HealthCheck, MetricsEndpoint, parse_listen

DATABASE_TIMEOUT = 2.0  # seconds a `SELECT 1` may take before the database counts as gone
STUCK_AFTER = timedelta(minutes=2)  # due deliveries and nothing sent for this long: stuck
LEDGER_DOWN_AFTER = timedelta(minutes=1)


class MetricsListenRefused(NewsbotError):
    """NEWSBOT_METRICS_LISTEN cannot be listened on (a taken port, an unknown address)."""


@dataclass(frozen=True, slots=True)
class SenderView:
    """What the health check reads of a sender: its ledger outage and its last send."""

    failing_since: datetime | None
    idle_seconds: float  # since its last accepted message (or its start)


def sender_problem(view: SenderView, *, overdue: int, now: datetime) -> str | None:
    """Why the sender counts as stuck, or None: a ledger outage over a minute, or deliveries
    due for over two minutes while it sent nothing for as long."""
    if view.failing_since is not None and now - view.failing_since > LEDGER_DOWN_AFTER:
        down = format_duration((now - view.failing_since).total_seconds())
        return f"the delivery ledger has not answered the sender for {down}"
    if overdue and view.idle_seconds > STUCK_AFTER.total_seconds():
        return (
            f"{overdue} deliveries due for over {format_duration(STUCK_AFTER.total_seconds())}, "
            f"nothing sent for {format_duration(view.idle_seconds)}"
        )
    return None


def view_of(sender: Sender) -> SenderView:
    """The sender as the health check sees it."""
    return SenderView(sender.failing_since, time.monotonic() - sender.last_sent_at)


class Health:
    """The health check of one process: each part named, None when it is fine."""

    def __init__(
        self,
        engine: Engine,
        *,
        scheduler: tuple[str, Callable[[], str | None]],
        sender: Callable[[], Sender | None],
    ) -> None:
        """`scheduler`: the part's name (scheduler, worker) and why it is not running, if not;
        `sender`: this process's sender, None while it has none (a fleet member not leading)."""
        self._engine = engine
        self._scheduler_name, self._scheduler = scheduler
        self._sender = sender

    async def __call__(self) -> dict[str, str | None]:
        """Every part's problem, or None for a part that is fine."""
        parts: dict[str, str | None] = {"database": await self._database()}
        parts[self._scheduler_name] = self._scheduler()
        parts["sender"] = await self._sender_part(database_ok=parts["database"] is None)
        return parts

    async def _database(self) -> str | None:
        try:
            await asyncio.wait_for(asyncio.to_thread(ping, self._engine), DATABASE_TIMEOUT)
        except TimeoutError:
            return f"no answer to SELECT 1 within {DATABASE_TIMEOUT:g}s"
        except Exception as error:
            lines = str(getattr(error, "orig", None) or error).strip().splitlines()
            return f"{type(error).__name__}: {lines[0] if lines else 'no answer'}"
        return None

    async def _sender_part(self, *, database_ok: bool) -> str | None:
        sender = self._sender()
        if sender is None:
            return None
        now = datetime.now(UTC)
        overdue = 0
        if database_ok:
            overdue = await in_transaction(
                self._engine, overdue_count, due_before=now - STUCK_AFTER
            )
        return sender_problem(view_of(sender), overdue=overdue, now=now)


async def open_metrics(settings: Settings, health: HealthCheck) -> MetricsEndpoint | None:
    """Listen on NEWSBOT_METRICS_LISTEN for /metrics and /healthz (None when it is unset)."""
    if settings.metrics_listen is None:
        return None
    host, port = parse_listen(settings.metrics_listen)
    endpoint = MetricsEndpoint(host, port, health)
    try:
        await endpoint.start()
    except OSError as error:
        raise MetricsListenRefused(
            f"cannot listen on {host}:{port} (NEWSBOT_METRICS_LISTEN): {error.strerror or error}"
        ) from None
    return endpoint
