"""A part failing on a database outage: logged once, shown in /status, told to the admins once
it lasts, the notice written when the database is back (it goes through the ledger)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.delivery.ledger import ledger_counts
from bot.runtime.notices import Notices
from bot.runtime.status import Health, health_lines
from bot.runtime.supervision import Supervision
from bot.storage.db import open_database
from bot.storage.models import deliveries
from tests.support.pg_cluster import PgCluster

ADMIN = 4242


async def test_a_database_outage_is_told_once_and_the_notice_waits_for_the_database(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="bot.runtime.supervision")
    with PgCluster.create() as cluster:
        engine = open_database(cluster.url)
        notices = Notices(engine, admin_ids={ADMIN}, terminal=False, queued=lambda: None)

        async def tell(text: str, notice_id: str) -> None:
            await notices.tell_admins(text, notice_id=notice_id)

        supervision = Supervision(tell, report_after=timedelta(seconds=1))

        def digests() -> object:
            return asyncio.to_thread(ledger_counts, engine)

        try:
            await supervision.guard("digests", digests())
            assert supervision.failing() == []
            cluster.stop(mode="immediate")
            for _ in range(3):
                await supervision.guard("digests", digests())
            [failing] = supervision.failing()
            shown = health_lines(Health([failing]), datetime.now(UTC))
            await asyncio.sleep(1.1)
            await supervision.report_once()  # owed: the ledger cannot take it now
            await supervision.report_once()
            cluster.start()
            await supervision.guard("digests", digests())  # works again
            await supervision.report_once()
            with engine.connect() as connection:
                told = connection.execute(
                    select(deliveries.c.chat_id, deliveries.c.text).order_by(deliveries.c.id)
                ).all()
        finally:
            engine.dispose()

    assert failing.name == "digests" and "OperationalError" in failing.last_error
    assert shown[0] == "Health:" and "digests failing since" in shown[1]
    failed_lines = [r for r in caplog.records if r.getMessage().startswith("digests failed")]
    assert len(failed_lines) == 1, "one log line an outage, not one per retry"
    assert [chat for chat, _ in told] == [ADMIN, ADMIN]
    assert "digests has been failing since" in told[0][1]
    assert "The bot retries by itself" in told[0][1]
    assert "digests works again after failing for" in told[1][1]
    assert supervision.failing() == []
