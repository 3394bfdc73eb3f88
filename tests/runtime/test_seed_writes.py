"""Partial writes in the seed folder: temp files are never articles, half files are retried."""

from __future__ import annotations

import asyncio
import os

from sqlalchemy import func, select

from bot.runtime.core import Runtime
from bot.storage.models import articles
from tests.support.bot_api_double import BotApiDouble
from tests.support.workspace import Workspace, command, running, seed_text, until

CHAT = 551


def _recorded(runtime: Runtime) -> int:
    with runtime.engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(articles)) or 0)


async def test_editor_temp_files_are_not_articles_and_half_written_files_are_read_again(
    api: BotApiDouble, workspace: Workspace
) -> None:
    seeds = workspace.seeds
    async with running(workspace.settings(api)) as single:
        runtime = single.runtime
        assert "Subscribed" in await command(api, CHAT, "/subscribe oil")
        text = seed_text("Brent crude oil in a temp file", "https://example.com/temp")
        for name in (".a.md.swp", "a.md~", "a.md.tmp", "#a.md#", ".#a.md", "a.md.part"):
            (seeds / name).write_text(text)
        (seeds / ".hidden").mkdir()
        (seeds / ".hidden" / "b.md").write_text(text)
        await asyncio.sleep(0.5)
        assert await runtime.ingest_seed_folder() == []  # the rescan agrees
        assert _recorded(runtime) == 0

        # A writer that stops half-way: the front matter is not closed yet.
        whole = seed_text("Brent crude oil written in two goes", "https://example.com/halves")
        cut = whole.index("link:")
        half = seeds / "halves.md"
        with half.open("w") as file:
            file.write(whole[:cut])
        await asyncio.sleep(0.5)
        assert _recorded(runtime) == 0
        with half.open("a") as file:
            file.write(whole[cut:])
        await until(lambda: len(api.messages(CHAT)) == 2, "the alert once the file is whole")
        assert "written in two goes" in api.answers_to(CHAT)[1]

        # The atomic way: write a temporary name, then rename it into place.
        temp = seeds / "renamed.md.tmp"
        temp.write_text(seed_text("WTI crude oil via rename", "https://example.com/renamed"))
        os.replace(temp, seeds / "renamed.md")
        await until(lambda: len(api.messages(CHAT)) == 3, "the renamed file's alert")
        await asyncio.sleep(1.0)
        assert runtime.seeds.changed_files() == []  # the rescan has nothing left to read
        assert await runtime.ingest_seed_folder() == []
    assert len(api.messages(CHAT)) == 3 and api.violations == 0


async def test_the_rescan_picks_up_files_the_watcher_did_not_see(
    api: BotApiDouble, workspace: Workspace
) -> None:
    workspace.seeds.rmdir()  # no folder to watch at start: only the rescan can see files
    async with running(workspace.settings(api, seeds_rescan=1.0)) as single:
        runtime = single.runtime
        workspace.seeds.mkdir()
        late = workspace.write_seed("late.md", "Crude oil, late")
        await until(lambda: runtime.seeds.files_known == 1, "the rescan to read it", timeout=5)
        assert _recorded(runtime) == 1
        assert runtime.seeds.changed_files() == []  # read files are not read again
        os.utime(late, ns=(1, 1))  # touched: read again, but the article is not new
        assert runtime.seeds.changed_files() == [late.resolve()]
        assert await runtime.ingest_seed_folder() == []
        assert _recorded(runtime) == 1
