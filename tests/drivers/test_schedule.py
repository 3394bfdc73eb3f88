"""One schedule for both drivers: an interval setting means the same in a fleet as alone."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest
from croniter import croniter

from bot.config import Settings
from bot.drivers.fleet.jobs import cron_for
from bot.runtime.schedule import SEEDS_RESCAN, scheduled


def _fleet_runs(seconds: float, span: int, start: datetime) -> list[int]:
    """The epoch seconds a fleet runs an every-`seconds` job at, over `span` seconds."""
    plan = cron_for(seconds)
    ticks = croniter(plan.cron, start)
    runs: list[int] = []
    end = start.timestamp() + span
    while (tick := round(ticks.get_next(float))) <= end:
        if plan.runs_at(tick):
            runs.append(tick)
    return runs


@pytest.mark.parametrize("seconds", [1, 5, 7, 45, 60, 90, 420, 3600, 5400, 7 * 3600])
def test_the_fleet_runs_a_job_once_per_interval_for_intervals_no_cron_expresses(
    seconds: int,
) -> None:
    start = datetime(2026, 3, 1, 10, 3, 17, tzinfo=UTC)
    runs = _fleet_runs(seconds, seconds * 6, start)
    assert len(runs) in (5, 6, 7)  # the window may cut a run at either end
    assert {later - earlier for earlier, later in itertools.pairwise(runs)} == {seconds}


def test_a_cron_ticks_no_finer_than_the_interval_needs() -> None:
    assert cron_for(60).cron == "* * * * *"
    assert cron_for(3600).cron == "0 * * * *"
    assert cron_for(90).cron == "* * * * * */30"
    assert cron_for(0.2).interval == 1  # whole seconds, at least one


def test_the_seed_rescan_setting_is_honoured_by_both_drivers_alike() -> None:
    settings = Settings(seeds_rescan="90s")
    jobs = {job.name: job for job in scheduled(settings)}
    assert jobs[SEEDS_RESCAN.name].every(settings) == 90
    assert cron_for(jobs[SEEDS_RESCAN.name].every(settings)).interval == 90
    assert "heartbeat" not in jobs  # no heartbeat file set: no heartbeat job
    assert "heartbeat" in {job.name for job in scheduled(Settings(heartbeat_file="/tmp/beat"))}
