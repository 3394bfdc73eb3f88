"""Claims: which due deliveries this sender takes from the ledger, under a lease in its name."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from sqlalchemy import Connection

from bot.delivery.outbox import Outbox
from bot.storage import deliveries as store
from bot.storage.deliveries import Delivery

log = logging.getLogger(__name__)


class Claims:
    """Takes due deliveries in batches; after a failed claim, frees what it may have taken.

    `owner` names this sender's claims in the ledger. A claim whose answer was lost (the ledger
    failed) may have committed: the next claim first frees this owner's rows it does not hold.
    """

    def __init__(self, outbox: Outbox, *, lease: float, terminal: bool) -> None:
        """`lease`: seconds a claim lasts; `terminal`: the terminal transport's share of rows."""
        self._outbox = outbox
        self._lease = lease
        self._terminal = terminal
        self.owner = uuid.uuid4().hex
        self.retaken = False  # claims left by a crash were freed (a sole sender does it first)
        self._lost = False  # a claim failed: its rows may be ours in the ledger

    async def retake(self) -> bool:
        """Free claims a crashed run left (a sole sender only); False while the ledger is down."""
        try:
            retaken = await self._outbox.db(store.release_all_claims, terminal=self._terminal)
        except Exception as error:
            self._outbox.failed(error)
            return False
        self._outbox.answered()
        self.retaken = True
        if retaken:
            log.info("took back %d deliveries claimed before a restart", retaken)
        return True

    async def take(self, want: int) -> tuple[list[Delivery], datetime | None] | None:
        """Claim up to `want` due deliveries; with the next due time when fewer were due.

        None when the ledger did not answer. The caller flushes the outbox first, so an accepted
        message is marked sent before anything can claim it again.
        """
        lost, keep = self._lost, list(self._outbox.holding)
        owner, lease, terminal = self.owner, self._lease, self._terminal

        def work(connection: Connection) -> tuple[list[Delivery], datetime | None]:
            if lost:
                store.release_claims_except(connection, owner=owner, keep=keep)
            claimed = store.claim(
                connection, owner=owner, limit=want, lease=lease, terminal=terminal
            )
            short = len(claimed) < want
            return claimed, store.next_due(connection, terminal=terminal) if short else None

        try:
            found = await self._outbox.db(work)
        except Exception as error:
            self._lost = True  # it may have committed with the answer lost
            self._outbox.failed(error)
            return None
        self._lost = False
        self._outbox.answered()
        return found

    async def next_due(self) -> datetime | None:
        """When the earliest pending delivery is due; raises when the ledger does not answer."""
        return await self._outbox.db(store.next_due, terminal=self._terminal)
