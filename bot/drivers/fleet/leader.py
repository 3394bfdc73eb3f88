"""Leadership: the process holding a PostgreSQL advisory lock sends and takes updates."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable, Coroutine

import psycopg

from bot.storage import leader_lock

log = logging.getLogger(__name__)

APPLICATION_NAME = "newsbot-leader"


Lead = Callable[[asyncio.Event], Coroutine[object, object, None]]


class Leadership:
    """Waits for the fleet's leader lock on a connection of its own, then leads while held.

    The lock is session-level: if the process dies, PostgreSQL ends its session and frees
    the lock, and another process takes over on its next try.
    """

    def __init__(
        self,
        conninfo: str,
        *,
        on_notify: Callable[[], None],
        try_every: float = 1.0,
        check_timeout: float = 5.0,
    ) -> None:
        self._conninfo = conninfo
        self._on_notify = on_notify
        self._try_every = try_every
        self._check_timeout = check_timeout
        self.leading = False

    async def hold(self, lead: Lead, stop: asyncio.Event) -> bool:
        """Lead whenever this process holds the lock, until `stop`; False if the lock was lost."""
        unreachable = False  # logged once a spell, not once a try
        while not stop.is_set():
            try:
                connection = await self._connect()
            except (psycopg.Error, OSError) as error:
                if not unreachable:
                    log.warning(
                        "leader lock: cannot connect (%s); trying again every 5 s",
                        _first_line(error),
                    )
                unreachable = True
                await _wait(stop, 5.0)
                continue
            if unreachable:
                log.info("leader lock: connected again")
                unreachable = False
            async with connection:
                try:
                    if not await self._acquire(connection, stop):
                        continue  # stopped, or the connection died while waiting
                except (psycopg.Error, OSError, TimeoutError) as error:
                    log.warning("leader lock: connection lost while waiting (%s)", error)
                    continue
                return await self._lead(connection, lead, stop)
        return True

    async def _connect(self) -> psycopg.AsyncConnection:
        connection = await psycopg.AsyncConnection.connect(
            self._conninfo,
            autocommit=True,
            application_name=f"{APPLICATION_NAME}:{os.getpid()}",
            connect_timeout=10,
            keepalives=1,
            keepalives_idle=5,
            keepalives_interval=2,
            keepalives_count=3,
        )
        await leader_lock.set_server_keepalives(connection)
        return connection

    async def _acquire(self, connection: psycopg.AsyncConnection, stop: asyncio.Event) -> bool:
        while not stop.is_set():
            if await asyncio.wait_for(leader_lock.try_lock(connection), self._check_timeout):
                return True
            await _wait(stop, self._try_every)
        return False

    async def _lead(
        self, connection: psycopg.AsyncConnection, lead: Lead, stop: asyncio.Event
    ) -> bool:
        self.leading = True
        await leader_lock.listen_for_deliveries(connection)
        term = asyncio.Event()
        task = asyncio.create_task(lead(term), name="leader")
        lost = False
        try:
            while not stop.is_set() and not task.done():
                async for _ in connection.notifies(timeout=self._try_every):
                    self._on_notify()
                    if stop.is_set():
                        break
                await asyncio.wait_for(leader_lock.ping(connection), self._check_timeout)
        except (psycopg.Error, OSError, TimeoutError) as error:
            lost = True
            log.error("leader lock lost (%s): this process stops leading", _first_line(error))
        finally:
            term.set()
            with contextlib.suppress(Exception):
                await task
            self.leading = False
        if task.done() and not task.cancelled() and task.exception() is not None:
            log.error("leader work failed", exc_info=task.exception())
            return False
        if not lost:
            with contextlib.suppress(psycopg.Error, OSError):
                await leader_lock.unlock(connection)
        return not lost


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


def _first_line(error: BaseException) -> str:
    return (str(error).splitlines() or [type(error).__name__])[0]
