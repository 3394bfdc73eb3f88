"""The outbox keeps writes in order behind an outage; in_transaction commits or rolls back."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.exc import OperationalError

from bot.delivery.outbox import Outbox
from bot.storage.db import in_transaction


class Ledger:
    """A table of written numbers that can stop answering."""

    def __init__(self) -> None:
        self.down = False

    def write(self, connection: Connection, n: int) -> None:
        if self.down:
            raise OperationalError("INSERT", {}, Exception("server closed the connection"))
        connection.execute(text("INSERT INTO written (n) VALUES (:n)"), {"n": n})


def _engine(url: str):  # type: ignore[no-untyped-def]
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE written (n INTEGER)"))
    return engine


def _written(engine) -> list[int]:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return [row.n for row in connection.execute(text("SELECT n FROM written ORDER BY rowid"))]


async def test_writes_wait_in_order_through_an_outage_and_go_out_when_the_ledger_answers(
    sqlite_url: str,
) -> None:
    engine, ledger = _engine(sqlite_url), Ledger()
    outbox = Outbox(engine, retry_cap=60.0)
    ledger.down = True
    outbox.holding |= {1, 2}
    outbox.record(ledger.write, [1], 1)
    outbox.record(ledger.write, [2], 2)
    assert not await outbox.flush()
    assert outbox.failing_since is not None and outbox.unrecorded == 2
    assert outbox.last_error == "Exception: server closed the connection"
    ledger.down = False
    assert not await outbox.flush()  # the back-off runs: not tried yet
    assert _written(engine) == [] and outbox.holding == {1, 2}
    assert await outbox.flush(force=True)
    assert _written(engine) == [1, 2]
    assert outbox.failing_since is None and outbox.unrecorded == 0 and outbox.holding == set()


async def test_in_transaction_commits_what_returns_and_rolls_back_what_raises(
    sqlite_url: str,
) -> None:
    engine = _engine(sqlite_url)

    def write_then_fail(connection: Connection, n: int) -> None:
        connection.execute(text("INSERT INTO written (n) VALUES (:n)"), {"n": n})
        raise ValueError("the work failed")

    await in_transaction(engine, Ledger().write, 1)
    with pytest.raises(ValueError, match="the work failed"):
        await in_transaction(engine, write_then_fail, 2)
    assert _written(engine) == [1]
