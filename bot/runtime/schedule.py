"""What runs when, in every mode: one table both drivers read, so a setting means one thing.

The single process turns each entry into an APScheduler interval job; the fleet turns the
fleet-wide entries into procrastinate periodic tasks and runs the per-process ones itself.
Feeds are not in the table: each has its own interval and floors (Retry-After, max-age, ttl,
back-off) kept in its stored state. The single process gives each feed a job of its own; the
fleet queues the feeds that are due every `FEED_TICK_SECONDS`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.config import Settings
from bot.runtime.core import Runtime

HOUSEKEEPING_SECONDS = 3600.0
HEARTBEAT_SECONDS = 15.0
FEED_TICK_SECONDS = 5.0
GAUGES_SECONDS = 15.0  # how stale the queue depth and the other read-back gauges can be


@dataclass(frozen=True, slots=True)
class Recurring:
    """One job of the table: its name, the core coroutine it runs, and how often."""

    name: str
    run: Callable[[Runtime], Awaitable[object]]
    every: Callable[[Settings], float]  # seconds between runs
    per_process: bool = False  # each process runs it (a file of its own), not once per fleet
    first_after: float | None = None  # seconds to the first run (None: one interval)
    jitter: float = 0.0  # at most this many seconds added to each run (a single process)
    wanted: Callable[[Settings], bool] = lambda _settings: True


def _seeds_rescan(settings: Settings) -> float:
    return settings.seeds_rescan


def _hourly(_settings: Settings) -> float:
    return HOUSEKEEPING_SECONDS


def _heartbeat(_settings: Settings) -> float:
    return HEARTBEAT_SECONDS


def _digests(settings: Settings) -> float:
    # How late at most a digest is written after quiet hours or a mute end.
    return settings.digest_check


def _has_heartbeat_file(settings: Settings) -> bool:
    return settings.heartbeat_file is not None


def _gauges(_settings: Settings) -> float:
    return GAUGES_SECONDS


def _has_metrics(settings: Settings) -> bool:
    return settings.metrics_listen is not None


SEEDS_RESCAN = Recurring("seeds-rescan", Runtime.ingest_seed_folder, _seeds_rescan)
HOUSEKEEPING = Recurring(
    "housekeeping", Runtime.housekeeping, _hourly, first_after=300.0, jitter=60.0
)
HEARTBEAT = Recurring(
    "heartbeat",
    Runtime.heartbeat,
    _heartbeat,
    per_process=True,
    first_after=0.0,
    wanted=_has_heartbeat_file,
)
DIGESTS = Recurring("digests", Runtime.release_digests, _digests, first_after=1.0)
# Each process serves its own /metrics, so each reads the gauges itself.
GAUGES = Recurring(
    "gauges",
    Runtime.refresh_gauges,
    _gauges,
    per_process=True,
    first_after=0.0,
    wanted=_has_metrics,
)
SCHEDULE: tuple[Recurring, ...] = (SEEDS_RESCAN, HOUSEKEEPING, HEARTBEAT, DIGESTS, GAUGES)


def scheduled(settings: Settings) -> list[Recurring]:
    """The table's jobs these settings ask for."""
    return [job for job in SCHEDULE if job.wanted(settings)]
