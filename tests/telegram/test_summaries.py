"""Summaries the source glued together, as a subscriber reads them in an alert."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.bot_api_double import BotApiDouble
from tests.support.waiting import until
from tests.support.workspace import Workspace, command, make_workspace, running, topic_yaml

CHAT = 701


@pytest.fixture
def api() -> Iterator[BotApiDouble]:
    with BotApiDouble(enforce_limits=False) as double:
        yield double


def _seed(space: Workspace, name: str, title: str, summary: str, body: str) -> None:
    (space.seeds / f"{name}.md").write_text(
        f'---\ntitle: "{title}"\ndate: "2025-02-12 21:33:29"\n'
        f'link: "https://example.com/{name}"\nsummary: "{summary}"\n'
        f'categories:\n  - "seekalpha"\n---\n\n{body}\n'
    )


def _alert(api: BotApiDouble, title: str) -> str:
    """The alert's text without the bold marks of the terms that matched."""
    text = next(str(m["text"]) for m in api.messages(CHAT) if title in str(m["text"]))
    return text.replace("<b>", "").replace("</b>", "")


async def test_glued_bullets_and_bylines_read_as_written(
    api: BotApiDouble, tmp_path: Path, sqlite_url: str
) -> None:
    space = make_workspace(tmp_path, sqlite_url, topic_yaml("Fed", ["Powell", "Fed"]))
    async with running(space.settings(api)):
        await command(api, CHAT, "/subscribe oil")  # the topic file is oil.yaml
        _seed(
            space,
            "points",
            "Powell sticks to a go-slow approach",
            "Key points:Fed chief reiterate go-slow approach to further cutsEconomy seen as "
            "strong overall",
            "Key points:\n\n* Fed chief reiterate go-slow approach to further cuts\n"
            "* Economy seen as strong overall\n\nFederal Reserve Chair Jerome Powell said on "
            "Tuesday the central bank is in no hurry.",
        )
        _seed(
            space,
            "glued",
            "Fed officials weigh the next move",
            "Key points:Fed weighs pauseMarkets see one cut",
            "No bullet points here, just a paragraph about the Fed and its officials.",
        )
        _seed(
            space,
            "byline",
            "Powell heads to Capitol Hill",
            "By Nick TimiraosWASHINGTON — Federal Reserve Chair Jerome Powell testifies.It "
            "is his first appearance this year.",
            "Body.",
        )
        for title in ("go-slow approach", "next move", "Capitol Hill"):
            await until(lambda t=title: any(t in str(m["text"]) for m in api.messages(CHAT)), title)
    points = _alert(api, "go-slow approach")
    assert (
        "Key points: <b>Fed</b> chief reiterate go-slow approach to further cuts; Economy seen "
        "as strong overall. <b>Fed</b>eral Reserve"
        in points
        or "Key points: Fed chief reiterate go-slow approach to further cuts; Economy seen as "
        "strong overall. Federal Reserve"
        in points
    ), points
    assert "cutsEconomy" not in points
    glued = _alert(api, "next move")
    assert "Key points: Fed weighs pause; Markets see one cut" in glued  # repaired in place
    byline = _alert(api, "Capitol Hill")
    assert "By Nick" not in byline and "TimiraosWASHINGTON" not in byline
    assert "WASHINGTON — Federal Reserve Chair Jerome Powell testifies. It is his first" in byline
