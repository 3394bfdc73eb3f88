"""Connecting to the database and bringing its schema up to date."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Concatenate, ParamSpec, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, InterfaceError, OperationalError

from bot.errors import Outage

log = logging.getLogger(__name__)

_P = ParamSpec("_P")
_T = TypeVar("_T")

_MIGRATIONS = Path(__file__).with_name("migrations")
# Several processes of a fleet start at once on one PostgreSQL: one migrates, the rest wait.
MIGRATION_LOCK = 7_310_201
CONNECT_TIMEOUT = 10  # seconds; an unreachable host fails in this time, not the OS's minutes


class DatabaseUnavailable(Outage):
    """The database cannot be reached or opened; the message is one line, without password."""


def engine_url(database_url: str) -> str:
    """The SQLAlchemy URL for a NEWSBOT_DATABASE_URL, with psycopg 3 as the PostgreSQL driver."""
    url = make_url(database_url)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


def make_engine(database_url: str) -> Engine:
    """An engine for the URL; SQLite gets WAL, a busy timeout and foreign keys."""
    url = engine_url(database_url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    timeout = (
        {} if "connect_timeout" in make_url(url).query else {"connect_timeout": CONNECT_TIMEOUT}
    )
    return create_engine(
        url, pool_pre_ping=True, pool_size=5, max_overflow=10, connect_args=timeout
    )


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def migrate(engine: Engine) -> None:
    """Apply every migration not yet applied (our schema; procrastinate's lives apart)."""
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def open_database(database_url: str) -> Engine:
    """An engine on a database whose schema is up to date.

    Raises DatabaseUnavailable when the database cannot be reached or does not exist.
    """
    try:
        engine = make_engine(database_url)
        with engine.connect():
            pass
    except (ArgumentError, InterfaceError, OperationalError) as error:
        raise DatabaseUnavailable(_unavailable(database_url, error)) from None
    migrate(engine)
    return engine


def ping(engine: Engine) -> None:
    """Ask the database a trivial question (`SELECT 1`); raises when it does not answer."""
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))


async def in_transaction(
    engine: Engine,
    work: Callable[Concatenate[Connection, _P], _T],
    *args: _P.args,
    **kwargs: _P.kwargs,
) -> _T:
    """Run `work(connection, *args, **kwargs)` in its own transaction, off the event loop.

    The transaction commits when `work` returns and rolls back when it raises; the error is
    raised here, in the caller's task.
    """

    def transaction() -> _T:
        with engine.begin() as connection:
            return work(connection, *args, **kwargs)

    return await asyncio.to_thread(transaction)


def _unavailable(database_url: str, error: Exception) -> str:
    """One line: which setting, its value without password, and the driver's reason."""
    try:
        shown = make_url(database_url).render_as_string(hide_password=True)
    except ArgumentError:
        shown = "(not a database URL)"
    reason = getattr(error, "orig", None) or error
    # psycopg's message spans lines ("connection failed: ... \n\tIs the server running...").
    detail = " ".join(str(reason).split()) or type(reason).__name__
    if "does not exist" in detail:
        detail += " (create it first: docs/operations.md)"
    return f"cannot open the database NEWSBOT_DATABASE_URL={shown}: {detail}"
