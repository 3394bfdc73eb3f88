"""One feed cannot fill the queue: a feed that changes every guid on every poll alerts at most
NEWSBOT_FEED_MAX_NEW items a poll; the rest are recorded, and the admins hear of it once a day.
"""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
from sqlalchemy import func, select

from bot.drivers.single import SingleProcess
from bot.storage.models import articles
from bot.storage.subscriptions import TOPIC, remember_chat, subscribe
from tests.support.bot_api_double import BotApiDouble
from tests.support.feed_server import FeedServer, Reply, Request, rss
from tests.support.waiting import settled
from tests.support.workspace import ADMIN, Workspace, running, until

CHATS = (901, 902)
ITEMS_PER_POLL = 60
CAP = 5


def _churning_feed() -> object:
    """Every poll brings ITEMS_PER_POLL items, every one with a guid never seen before."""
    polls = itertools.count()

    def reply(_request: Request) -> Reply:
        poll = next(polls)
        items = [
            (f"Crude oil wire {poll}-{i}", f"https://example.org/wire/{poll}/{i}")
            for i in range(ITEMS_PER_POLL)
        ]
        return Reply(body=rss(items, title="Churn"))

    return reply


async def _poll_now(single: SingleProcess) -> None:
    """Make the feed's job due now and wait for the scheduler to have run it."""
    done = asyncio.Event()

    def executed(event: JobExecutionEvent) -> None:
        if event.job_id == "feed:churn":
            done.set()

    single.scheduler.add_listener(executed, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    try:
        single.scheduler.get_job("feed:churn").modify(next_run_time=datetime.now(UTC))
        single.scheduler.wakeup()
        await asyncio.wait_for(done.wait(), 10)
    finally:
        single.scheduler.remove_listener(executed)


def _alerts(api: BotApiDouble, chat: int) -> list[str]:
    return [text for text in api.answers_to(chat) if "Crude oil wire" in text]


async def test_a_feed_changing_every_guid_alerts_at_most_the_cap_per_poll(
    api: BotApiDouble, workspace: Workspace
) -> None:
    with FeedServer() as server:
        server.route("/churn.xml", _churning_feed())  # type: ignore[arg-type]
        workspace.feeds_file.write_text(
            f"feeds:\n  - name: churn\n    url: {server.url('/churn.xml')}\n    interval: 30m\n"
        )
        async with running(workspace.settings(api, feed_max_new=CAP)) as single:
            with single.runtime.engine.begin() as connection:
                for chat in CHATS:
                    remember_chat(connection, chat, "private")
                    subscribe(connection, chat, TOPIC, ["oil"])

            await _poll_now(single)  # the first poll records, alerts nothing
            await _poll_now(single)  # 60 new items: 5 alerted
            await _poll_now(single)  # 60 more: 5 alerted; the admins were told already
            await until(
                lambda: all(len(_alerts(api, chat)) == 2 * CAP for chat in CHATS),
                "the capped alerts",
                timeout=30,
            )
            await until(lambda: any("Suspicious" in t for t in api.answers_to(ADMIN)), "notice")
            # Every item recorded and the sender drained: anything more would be sent by now.
            await settled(workspace.database_url, articles=3 * ITEMS_PER_POLL)
            with single.runtime.engine.connect() as connection:
                recorded = connection.scalar(select(func.count()).select_from(articles))

    for chat in CHATS:
        assert len(_alerts(api, chat)) == 2 * CAP
    assert recorded == 3 * ITEMS_PER_POLL, "items over the cap are recorded, never alerted later"
    notices = [text for text in api.answers_to(ADMIN) if "Suspicious" in text]
    assert notices == [
        "Suspicious feed: churn brought 60 new items in one poll; 5 alerted, 55 recorded "
        "without alerts (NEWSBOT_FEED_MAX_NEW). Check that the feed does not change its "
        "items' ids."
    ]
