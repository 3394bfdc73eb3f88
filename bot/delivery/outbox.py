"""The sender's outbox: ledger writes it owes, kept in memory while the database does not answer.

What Telegram accepted is marked sent first, in batches; every other outcome is a `LedgerWrite`
written in the order it came. While the ledger fails, tries wait for a back-off; the outbox's
health (`failing_since`, `last_error`) is the sender's.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from bot.delivery.outcomes import LedgerWrite
from bot.storage import deliveries as store
from bot.storage.db import in_transaction

log = logging.getLogger(__name__)

_P = ParamSpec("_P")
_T = TypeVar("_T")
FIRST_RETRY = 0.5  # seconds before the ledger is tried again after its first failure


class Outbox:
    """Ledger writes owed, and whether the ledger may be tried now.

    `holding`: claimed ids whose outcome the ledger does not show yet (never queued twice).
    """

    def __init__(self, engine: Engine, *, retry_cap: float = 10.0) -> None:
        """`retry_cap`: the longest back-off between two tries of a failing ledger, in seconds."""
        self._engine = engine
        self._retry_cap = retry_cap
        self.holding: set[int] = set()
        self._marks: list[tuple[int, int | None]] = []
        self._writes: deque[LedgerWrite] = deque()
        self._lock = asyncio.Lock()
        self._flusher: asyncio.Task[bool] | None = None
        self.retry_at = 0.0  # monotonic: when a failing ledger may be tried again
        self.retry_delay = FIRST_RETRY
        self.failing_since: datetime | None = None
        self.last_error: str | None = None

    @property
    def unrecorded(self) -> int:
        """Outcomes (sent messages among them) waiting for the ledger to take them."""
        return len(self._marks) + len(self._writes)

    def mark_sent(self, delivery_id: int, message_id: int | None) -> None:
        """Telegram accepted the delivery as `message_id`: marked sent with the next flush."""
        self._marks.append((delivery_id, message_id))

    def owe(self, write: LedgerWrite) -> None:
        """Owe the ledger `write`; it goes out with the next flush."""
        self._writes.append(write)

    def record(
        self, work: Callable[..., object], ids: Iterable[int], *args: object, **kwargs: object
    ) -> None:
        """Owe the ledger `work(*args, **kwargs)`, settling the claimed `ids`."""
        self.owe(LedgerWrite(work, args, kwargs, tuple(ids)))

    def is_open(self, now: float) -> bool:
        """Whether the ledger may be tried now (always, unless it failed and the back-off runs)."""
        return self.failing_since is None or now >= self.retry_at

    def flush_soon(self) -> None:
        """Start a flush in the background unless one runs or the back-off does."""
        if (self._flusher is None or self._flusher.done()) and self.is_open(time.monotonic()):
            self._flusher = asyncio.create_task(self.flush())

    async def flush(self, *, force: bool = False) -> bool:
        """Write the outcomes the ledger is owed (sent marks first); False if it did not answer.

        Marks arriving during a write go in the next one. While the ledger fails, tries wait for
        the back-off unless `force`d.
        """
        async with self._lock:
            while self._marks or self._writes:
                if not force and not self.is_open(time.monotonic()):
                    return False
                try:
                    if self._marks:
                        batch, self._marks = self._marks, []
                        try:
                            await self.db(store.mark_sent, batch)
                        except BaseException:
                            self._marks = batch + self._marks
                            raise
                        self.holding.difference_update(delivery_id for delivery_id, _ in batch)
                    else:
                        write = self._writes[0]
                        await self.db(write.work, *write.args, **write.kwargs)
                        self._writes.popleft()
                        self.holding.difference_update(write.ids)
                except Exception as error:
                    self.failed(error)
                    return False
                self.answered()
        return True

    async def close(self, *, grace: float) -> None:
        """Write what is owed, trying for `grace` seconds; then say what is left unwritten."""
        deadline = time.monotonic() + grace
        while not await self.flush(force=True):
            left = deadline - time.monotonic()
            if left <= 0:
                unsent = [delivery_id for delivery_id, _ in self._marks]
                log.error(
                    "stopping with %d outcomes unwritten, the ledger does not answer (%s); "
                    "these alerts were sent and will be sent again: %s",
                    self.unrecorded,
                    self.last_error,
                    unsent[:50] or "none",
                )
                return
            await asyncio.sleep(min(left, self.retry_delay))

    def failed(self, error: Exception) -> None:
        """Note a database failure: logged once an outage, then tried again with back-off."""
        cause = describe(error)
        self.last_error = cause
        if self.failing_since is None:
            self.failing_since = datetime.now(UTC)
            self.retry_delay = FIRST_RETRY
            log.error(
                "the delivery ledger does not answer (%s); sends in hand go on, their outcomes "
                "wait in memory; retrying every %.0fs at most",
                cause,
                self._retry_cap,
            )
        else:
            self.retry_delay = min(self._retry_cap, self.retry_delay * 2)
            log.debug("the delivery ledger still does not answer (%s)", cause)
        self.retry_at = time.monotonic() + self.retry_delay

    def answered(self) -> None:
        """The ledger answered: an outage, if any, is over."""
        if self.failing_since is None:
            return
        down = (datetime.now(UTC) - self.failing_since).total_seconds()
        log.warning(
            "the delivery ledger answers again after %.0fs; %d outcomes still to write",
            down,
            self.unrecorded,
        )
        self.failing_since = None
        self.retry_delay = FIRST_RETRY

    async def db(
        self,
        work: Callable[Concatenate[Connection, _P], _T],
        *args: _P.args,
        **kwargs: _P.kwargs,
    ) -> _T:
        """Run ledger work in its own transaction, off the event loop."""
        return await in_transaction(self._engine, work, *args, **kwargs)


def describe(error: BaseException) -> str:
    """A database error in one line, without the statement and its parameters."""
    cause = error.orig if isinstance(error, DBAPIError) and error.orig is not None else error
    text = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {text[0]}" if text else type(cause).__name__
