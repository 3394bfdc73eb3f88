"""Notices from the bot itself: to admins (rule, feed problems) and to a removed topic's chats."""

from __future__ import annotations

import asyncio
import hashlib
import html
import logging
from collections.abc import Callable, Collection
from datetime import UTC, datetime

from sqlalchemy import Engine

from bot.ledger_values import DeliveryKind
from bot.runtime.rule_reload import Reload
from bot.storage import deliveries as store
from bot.storage.db import in_transaction
from bot.storage.subscriptions import subscribers
from bot.wording import count

log = logging.getLogger(__name__)


class Notices:
    """Writes notices into the delivery ledger, so rate limits hold and nothing is lost."""

    def __init__(
        self,
        engine: Engine,
        *,
        admin_ids: Collection[int],
        terminal: bool,
        queued: Callable[[], None],
    ) -> None:
        self._engine = engine
        self._admins = sorted(admin_ids)
        self._terminal = terminal
        self._queued = queued

    async def tell_admins(self, text: str, *, notice_id: str | None = None) -> None:
        """A notice to every admin; `notice_id` makes it once-only (a repeat is dropped)."""
        if self._terminal or not self._admins:
            log.warning("admin notice: %s", text)
            return
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        await self._notify(notice_id or f"notice:admin:{_digest(text)}:{stamp}", self._admins, text)

    async def after_reload(self, result: Reload) -> None:
        """Admins hear of new rule problems once; subscribers of a removed topic are told once."""
        if result.new_problems:
            lines = [
                f"{count(len(result.new_problems), 'rule file problem')}; "
                "the last good version of each file stays live:"
            ]
            lines += [str(problem) for problem in result.new_problems]
            await self.tell_admins("\n".join(lines))
        if self._terminal:
            return
        for topic in sorted(result.removed_topics):

            def chats(topic: str = topic) -> list[int]:
                with self._engine.connect() as connection:
                    return [sub.chat_id for sub in subscribers(connection, [topic], [])]

            recipients = await asyncio.to_thread(chats)
            text = (
                f"The topic {topic} was removed by the operator, so it sends no more alerts. "
                "Your subscription is kept and resumes if the topic comes back."
            )
            # The id names the topic only, so each chat is told once, restarts included.
            await self._notify(f"notice:topic-removed:{topic}", recipients, text)

    async def _notify(self, notice_id: str, chat_ids: list[int], text: str) -> None:
        if not chat_ids:
            return
        now = datetime.now(UTC)
        rows = [
            {
                "article_id": notice_id,
                "chat_id": chat_id,
                "text": html.escape(text, quote=False),
                "silent": False,
                "priority": "normal",
                "kind": DeliveryKind.NOTICE,
                "state": store.PENDING,
                "attempts": 0,
                "next_attempt_at": now,
                "created": now,
            }
            for chat_id in chat_ids
        ]

        if await in_transaction(self._engine, store.insert_deliveries, rows):
            self._queued()


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]
