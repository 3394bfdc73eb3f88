"""Feeds under the scheduler: polled on their interval, floors honoured, new items alerted."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import select

from bot.drivers.single import SingleProcess
from bot.storage.models import articles
from tests.support.bot_api_double import BotApiDouble
from tests.support.feed_server import FeedServer, Reply, Request, rss
from tests.support.workspace import Workspace, command, running, until

CHAT = 801
FIRST = [("Brent crude oil steadies", "https://example.com/a/1")]
SECOND = [*FIRST, ("Crude oil jumps after pipeline strike", "https://example.com/a/2")]


def _feeds_yaml(url: str) -> str:
    return f"feeds:\n  - name: wire\n    url: {url}\n    interval: 30s\n"


async def _poll_now(single: SingleProcess, server: FeedServer, path: str) -> None:
    """Make the feed's job due now and wait for the scheduler to have run it to the end."""
    before = server.count(path)
    done = asyncio.Event()

    def executed(event: JobExecutionEvent) -> None:
        if event.job_id == "feed:wire":
            done.set()

    single.scheduler.add_listener(executed, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    try:
        single.scheduler.get_job("feed:wire").modify(next_run_time=datetime.now(UTC))
        single.scheduler.wakeup()
        await asyncio.wait_for(done.wait(), 10)
    finally:
        single.scheduler.remove_listener(executed)
    assert server.count(path) == before + 1


def _serving(items: list[list[tuple[str, str]]], extra: dict[str, str]) -> Callable[..., Reply]:
    def reply(_request: Request) -> Reply:
        body = rss(items[0])
        return Reply(body=body, etag=f'"v{len(items[0])}"', headers=dict(extra))

    return reply


async def test_a_feed_is_polled_on_its_interval_and_only_new_items_alert(
    api: BotApiDouble, workspace: Workspace
) -> None:
    items, headers = [FIRST], {}
    with FeedServer() as server:
        server.route("/oil.xml", _serving(items, headers))
        workspace.feeds_file.write_text(_feeds_yaml(server.url("/oil.xml")))
        async with running(workspace.settings(api)) as single:
            runtime = single.runtime
            job = single.scheduler.get_job("feed:wire")
            assert isinstance(job.trigger, IntervalTrigger)
            assert job.trigger.interval == timedelta(seconds=30) and job.trigger.jitter == 3
            assert job.max_instances == 1 and job.coalesce
            assert "Subscribed" in await command(api, CHAT, "/subscribe oil")

            await _poll_now(single, server, "/oil.xml")  # first poll: recorded, not alerted
            state = runtime.poller.state(runtime.feeds[0])
            assert state.last_success is not None and state.polled_ok_before
            next_run = single.scheduler.get_job("feed:wire").next_run_time
            assert state.last_poll is not None
            assert timedelta(seconds=30) <= next_run - state.last_poll <= timedelta(seconds=33)
            with runtime.engine.connect() as connection:
                seen = connection.execute(select(articles.c.title, articles.c.alerted)).all()
            assert seen == [("Brent crude oil steadies", False)]

            await _poll_now(single, server, "/oil.xml")  # unchanged: a 304
            assert server.requests_for("/oil.xml")[-1].headers["if-none-match"] == '"v1"'
            assert len(api.messages(CHAT)) == 1  # only the /subscribe answer

            items[0] = SECOND
            headers["Cache-Control"] = "max-age=600"  # the server asks for fewer polls
            await _poll_now(single, server, "/oil.xml")
            await until(lambda: len(api.messages(CHAT)) == 2, "the new item's alert")
            assert "Crude oil jumps after pipeline strike" in api.answers_to(CHAT)[1]
            polled = runtime.poller.state(runtime.feeds[0]).last_poll
            assert polled is not None
            floor = single.scheduler.get_job("feed:wire").next_run_time - polled
            assert timedelta(seconds=600) <= floor <= timedelta(seconds=603)

            server.route("/oil.xml", Reply(status=503, headers={"Retry-After": "3600"}))
            await _poll_now(single, server, "/oil.xml")
            state = runtime.poller.state(runtime.feeds[0])
            assert state.failures == 1 and "503" in (state.last_error or "")
            floor = single.scheduler.get_job("feed:wire").next_run_time - state.last_poll
            assert floor >= timedelta(seconds=3600)
    assert len(api.messages(CHAT)) == 2 and api.violations == 0


async def test_feeds_file_changes_reschedule_the_feeds(
    api: BotApiDouble, workspace: Workspace
) -> None:
    with FeedServer() as server:
        server.route("/a.xml", Reply(body=rss(FIRST)))
        async with running(workspace.settings(api)) as single:
            assert single.scheduler.get_job("feed:wire") is None
            workspace.feeds_file.write_text(_feeds_yaml(server.url("/a.xml")))
            await until(lambda: single.scheduler.get_job("feed:wire"), "the new feed's job")
            workspace.feeds_file.write_text("feeds: []\n")
            await until(lambda: single.scheduler.get_job("feed:wire") is None, "its removal")


def _items_rss(items: list[tuple[str, str, str]]) -> bytes:
    """An RSS 2.0 document of (title, link, guid) items."""
    body = "".join(
        f'<item><title>{t}</title><link>{link}</link><guid isPermaLink="false">{g}</guid></item>'
        for t, link, g in items
    )
    return f'<rss version="2.0"><channel><title>Wire</title>{body}</channel></rss>'.encode()


async def test_items_sharing_a_link_each_reach_the_database_and_alert(
    api: BotApiDouble, workspace: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    blog = "https://example.com/live/blog"
    news = "https://example.com/symbol/USO/news"
    first = [
        ("Live: Gulf tensions", f"{blog}#block-1", "block-1"),
        ("Live: ministers meet", f"{blog}#block-0", "block-0"),
    ]
    second = [
        ("Brent crude oil jumps as tanker is seized", f"{blog}#block-2", "block-2"),
        *first,
        *[(f"Shipping note {n}", news, f"note-{n}") for n in range(20)],
        ("Shipping note 7", news, "note-7"),  # the same item twice in one poll
    ]
    served = [first]
    with FeedServer() as server:
        server.route("/oil.xml", lambda _request: Reply(body=_items_rss(served[0])))
        workspace.feeds_file.write_text(_feeds_yaml(server.url("/oil.xml")))
        async with running(workspace.settings(api)) as single:
            assert "Subscribed" in await command(api, CHAT, "/subscribe oil")
            await _poll_now(single, server, "/oil.xml")  # first poll: recorded, not alerted
            served[0] = second
            with caplog.at_level(logging.INFO, logger="bot.runtime.feed_polling"):
                await _poll_now(single, server, "/oil.xml")
            await until(lambda: len(api.messages(CHAT)) == 2, "the live blog update's alert")
            assert "Brent crude oil jumps" in api.answers_to(CHAT)[1]
            with single.runtime.engine.connect() as connection:
                titles = connection.execute(select(articles.c.title)).scalars().all()
    assert sorted(titles) == sorted(
        ["Live: Gulf tensions", "Live: ministers meet", "Brent crude oil jumps as tanker is seized"]
        + [f"Shipping note {n}" for n in range(20)]
    )
    skipped = [r.getMessage() for r in caplog.records if "same item" in r.getMessage()]
    assert skipped == [
        "feed wire: item 'Shipping note 7' skipped: the same item as an earlier one of this poll"
        f" (id {news}#note-7)"
    ]
