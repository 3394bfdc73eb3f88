"""A fleet's members each serve /metrics and /healthz: one says it leads, and a new one does
when the leader stops."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.support.bot_api_double import BotApiDouble
from tests.support.databases import fresh_postgres_database
from tests.support.scrape import Scraper, free_port
from tests.support.workspace import OIL, BotProcess, Workspace

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(180)]

LEADER = "newsbot_fleet_leader{}"


async def _leaders(scrapers: list[Scraper]) -> list[float]:
    return [(await scraper.metrics()).get(LEADER, -1.0) for scraper in scrapers]


async def test_one_member_reports_leading_and_another_takes_over(
    api: BotApiDouble, tmp_path: Path
) -> None:
    members: list[BotProcess] = []
    try:
        await _two_members(api, tmp_path, members)
    finally:
        for member in members:
            member.kill()


async def _two_members(api: BotApiDouble, tmp_path: Path, members: list[BotProcess]) -> None:
    with fresh_postgres_database() as database_url:
        workspace = Workspace(tmp_path, database_url)
        workspace.rules.mkdir()
        workspace.seeds.mkdir()
        (workspace.rules / "oil.yaml").write_text(OIL)
        workspace.feeds_file.write_text("feeds: []\n")
        scrapers: list[Scraper] = []
        for number in range(2):
            port = free_port()
            env = workspace.env(api, NEWSBOT_METRICS_LISTEN=f"127.0.0.1:{port}")
            member = BotProcess(env, tmp_path, "run", "--fleet", name=f"member-{number}")
            members.append(member)
            scrapers.append(Scraper(port))
        for member in members:
            await asyncio.to_thread(member.wait_for_log, "fleet member", 60)

        leaders: list[float] = []

        async def one_leads() -> bool:
            nonlocal leaders
            leaders = await _leaders(scrapers)
            return sorted(leaders) == [0.0, 1.0]

        for _ in range(150):
            if await one_leads():
                break
            await asyncio.sleep(0.2)
        assert sorted(leaders) == [0.0, 1.0], leaders
        for scraper in scrapers:
            status, body = await scraper.health()
            assert status == 200, body
            assert body["parts"] == {"database": "ok", "worker": "ok", "sender": "ok"}

        leader = leaders.index(1.0)
        code, _ = await asyncio.to_thread(members[leader].stop)
        assert code == 0
        follower = scrapers[1 - leader]
        for _ in range(150):
            if (await follower.metrics()).get(LEADER) == 1.0:
                break
            await asyncio.sleep(0.2)
        assert (await follower.metrics()).get(LEADER) == 1.0
        assert (await follower.health())[0] == 200
        assert (await asyncio.to_thread(members[1 - leader].stop))[0] == 0
