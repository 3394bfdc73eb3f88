"""Supervision of the long-running parts: failures logged once, retried, told to admins, shown.

Each part (the sender, a watcher, feed polls, a scheduled job, the fleet worker...) reports
its failures here. A failing spell is logged once with its cause, not once per retry; one
that lasts `REPORT_AFTER` is told to the admins once, through the ledger: when the database is
what failed, the notice waits until it answers again. `/status` shows the parts failing now.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy.exc import DBAPIError

from bot.durations import format_duration

log = logging.getLogger(__name__)

REPORT_AFTER = timedelta(minutes=1)
FIRST_RETRY = 1.0
RETRY_CAP = 30.0
REPORT_EVERY = 5.0  # seconds between looks at who fails (and at notices still owed)

TellAdmins = Callable[[str, str], Awaitable[None]]  # (text, notice id)
Probe = Callable[[], tuple[datetime | None, str | None]]  # (failing since, last error)


class SenderHealth(Protocol):
    """What the runtime reads of a sender's health (bot/delivery/sender.py's `Sender`)."""

    @property
    def failing_since(self) -> datetime | None:
        """When the ledger stopped answering (None while it answers)."""

    @property
    def last_error(self) -> str | None:
        """The last database error seen."""

    @property
    def unrecorded(self) -> int:
        """Outcomes waiting to be written to the ledger."""


@dataclass(slots=True)
class PartHealth:
    """One supervised part's current failing spell (none while it works)."""

    name: str
    failing_since: datetime | None = None
    last_error: str | None = None
    failures: int = 0


@dataclass(frozen=True, slots=True)
class Failing:
    """A part failing now, as `/status` shows it."""

    name: str
    since: datetime
    last_error: str


def describe(error: BaseException) -> str:
    """An error in one line, without a database statement or its parameters."""
    cause = error.orig if isinstance(error, DBAPIError) and error.orig is not None else error
    lines = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {lines[0]}" if lines else type(cause).__name__


class Supervision:
    """The health of every supervised part of this process, and the admins' notices about it."""

    def __init__(self, tell_admins: TellAdmins, *, report_after: timedelta = REPORT_AFTER) -> None:
        self._tell = tell_admins
        self._report_after = report_after
        self._parts: dict[str, PartHealth] = {}
        self._probes: dict[str, Probe] = {}
        self._owed: dict[str, str] = {}  # notice id -> text, written once the ledger answers
        self._told: set[str] = set()  # spells the admins hear (or will) of

    # -- what parts report -------------------------------------------------------------------

    def failed(self, name: str, error: BaseException) -> float:
        """Note a failure of `name`; returns the seconds to wait before retrying it."""
        part = self._parts.setdefault(name, PartHealth(name))
        cause = describe(error)
        part.last_error = cause
        part.failures += 1
        if part.failing_since is None:
            part.failing_since = datetime.now(UTC)
            # A database error's traceback would carry its statement and parameters; a bug's
            # traceback is what an operator needs.
            trace = None if isinstance(error, DBAPIError) else error
            log.error("%s failed (%s); retrying with back-off", name, cause, exc_info=trace)
        else:
            log.debug("%s still failing (%s)", name, cause)
        return min(RETRY_CAP, FIRST_RETRY * 2.0 ** min(part.failures - 1, 16))

    def worked(self, name: str) -> None:
        """`name` works (again)."""
        part = self._parts.get(name)
        if part is None or part.failing_since is None:
            return
        down = (datetime.now(UTC) - part.failing_since).total_seconds()
        log.warning("%s works again after %s", name, format_duration(down))
        if _spell(name, part.failing_since) in self._told:
            self._owe(
                f"recovered:{_spell(name, part.failing_since)}",
                f"{name} works again after failing for {format_duration(down)}.",
            )
        self._parts[name] = PartHealth(name)

    def watch(self, name: str, probe: Probe) -> None:
        """A part that keeps its own health (the sender): read it through `probe`."""
        self._probes[name] = probe

    # -- running parts -----------------------------------------------------------------------

    async def guard(self, name: str, work: Awaitable[object]) -> None:
        """Run one round of a periodic job; a failure is noted, not raised (the next round
        is the retry)."""
        try:
            await work
        except asyncio.CancelledError:
            raise
        except Exception as error:
            self.failed(name, error)
        else:
            self.worked(name)

    async def keep_running(
        self, name: str, work: Callable[[], Awaitable[object]], stop: asyncio.Event
    ) -> None:
        """Run a part that should run until `stop`; if it fails or ends, start it again after
        a back-off."""
        while not stop.is_set():
            try:
                await work()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                delay = self.failed(name, error)
            else:
                if stop.is_set():
                    return
                delay = self.failed(name, RuntimeError("ended by itself"))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)

    # -- what is seen ------------------------------------------------------------------------

    def failing(self) -> list[Failing]:
        """The parts failing now, the longest failing first."""
        found = [
            Failing(part.name, part.failing_since, part.last_error or "?")
            for part in self._parts.values()
            if part.failing_since is not None
        ]
        for name, probe in self._probes.items():
            since, error = probe()
            if since is not None:
                found.append(Failing(name, since, error or "?"))
        return sorted(found, key=lambda failing: failing.since)

    async def report(self, stop: asyncio.Event) -> None:
        """Tell admins of spells lasting `report_after`, once each, until `stop`."""
        while not stop.is_set():
            await self.report_once()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), REPORT_EVERY)

    async def report_once(self, now: datetime | None = None) -> None:
        """Owe a notice for each spell past `report_after`, then write what is owed."""
        moment = now or datetime.now(UTC)
        for failing in self.failing():
            if moment - failing.since < self._report_after:
                continue
            spell = _spell(failing.name, failing.since)
            if spell in self._told:
                continue
            self._told.add(spell)
            self._owe(
                f"failing:{spell}",
                f"{failing.name} has been failing since {failing.since:%Y-%m-%d %H:%M:%S} UTC: "
                f"{failing.last_error}. The bot retries by itself.",
            )
        for notice_id, text in list(self._owed.items()):
            try:
                await self._tell(text, f"notice:{notice_id}")
            except Exception as error:  # the ledger is down: the notice waits for it
                log.debug("admin notice %s waits for the ledger (%s)", notice_id, describe(error))
                return
            del self._owed[notice_id]

    def _owe(self, notice_id: str, text: str) -> None:
        if notice_id not in self._owed:
            log.warning("admin notice: %s", text)
        self._owed.setdefault(notice_id, text)


def _spell(name: str, since: datetime) -> str:
    """One failing spell of one part, as notice ids name it."""
    return f"{name.replace(' ', '-')}:{since:%Y%m%dT%H%M%S}"
