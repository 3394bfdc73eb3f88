"""Two processes ingesting the same article at once on PostgreSQL: one alert, no crash."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence

import pytest
from sqlalchemy import Connection, func, select

from bot.article import Article
from bot.pipeline import FixedRules, Ingest, Ingested, Ledger
from bot.rules import Topic
from bot.storage.articles import record_articles
from bot.storage.db import open_database
from bot.storage.models import articles
from tests.support.articles import make_article
from tests.support.books import Always, ingest_matching
from tests.support.databases import fresh_postgres_database

pytestmark = pytest.mark.postgres


def _article(number: int) -> Article:
    return make_article(number)


def test_a_concurrent_insert_of_the_same_id_is_skipped_not_an_error() -> None:
    with fresh_postgres_database() as url:
        engine = open_database(url)
        queued: list[str] = []

        class Queued(Ledger):
            def write(
                self, connection: Connection, items: Sequence[Ingested], topics: Mapping[str, Topic]
            ) -> int:
                queued.extend(item.article.id for item in items)
                return len(items)

        outcome: dict[str, object] = {}
        # The other process has written the row but not committed: our look-up sees it as
        # new, our insert waits on the unique key, then finds it taken once they commit.
        with engine.begin() as other:
            assert record_articles(other, [_article(1)], alerted=True) == {_article(1).id}

            def ours() -> None:
                try:
                    ingest = Ingest(engine, FixedRules(Always()), Queued())
                    outcome["result"] = ingest([_article(1), _article(2)])
                except Exception as error:  # the assertion below reports it
                    outcome["error"] = error

            thread = threading.Thread(target=ours)
            thread.start()
            thread.join(1.0)
            assert thread.is_alive(), "the insert should wait for the other transaction"
        thread.join(30)
        assert "error" not in outcome, outcome.get("error")
        result = outcome["result"]
        assert isinstance(result, list)
        assert [item.article.id for item in result] == [_article(2).id]
        assert queued == [_article(2).id]
        with engine.connect() as connection:
            assert connection.scalar(select(func.count()).select_from(articles)) == 2
        engine.dispose()


def test_many_threads_ingesting_the_same_batch_record_each_article_once() -> None:
    with fresh_postgres_database() as url:
        engine = open_database(url)
        batch = [_article(n) for n in range(200)]
        won: list[str] = []
        lock = threading.Lock()
        barrier = threading.Barrier(6)
        errors: list[BaseException] = []

        def worker() -> None:
            try:
                barrier.wait()
                fresh = ingest_matching(engine, {})(batch)
                with lock:
                    won.extend(item.article.id for item in fresh)
            except BaseException as error:
                errors.append(error)

        threads = [threading.Thread(target=worker) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert not errors, errors
        assert sorted(won) == sorted(article.id for article in batch)
        engine.dispose()
