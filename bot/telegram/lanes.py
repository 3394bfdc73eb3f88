"""Updates in lanes, one per chat: a chat's updates one after another, chats side by side."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

log = logging.getLogger(__name__)

MAX_CONCURRENT_UPDATES = 256  # updates handled at once, across every chat
BACKLOG = 5  # a chat's updates kept waiting behind the one being handled; more are skipped

SkippedHook = Callable[[int, int], Awaitable[None]]  # (chat id, updates skipped)


class _Lane:
    """One chat's updates: the lock that keeps them in order, how many hold or wait for it."""

    __slots__ = ("lock", "pending", "skipped")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()  # wakes its waiters first come, first served
        self.pending = 0
        self.skipped = 0


class ChatLanes(BaseUpdateProcessor):
    """PTB's update processor: each chat's updates in the order sent, chats concurrently.

    Answers wait for their chat's turn under Telegram's limits (1 a second, 20 a minute in a
    group), so handled one at a time a flooding chat would delay every other. Here it delays
    only itself, and only by `backlog` updates: further ones are skipped, not queued, and
    `on_skipped` tells the chat how many once its lane is empty.
    """

    def __init__(
        self, max_concurrent_updates: int = MAX_CONCURRENT_UPDATES, *, backlog: int = BACKLOG
    ) -> None:
        super().__init__(max_concurrent_updates)
        self.backlog = backlog
        self.on_skipped: SkippedHook | None = None
        self._lanes: dict[int, _Lane] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Handle the update in its chat's lane (at once when it belongs to no chat)."""
        chat_id = lane_of(update)
        if chat_id is None:
            await coroutine
            return
        lane = self._lanes.setdefault(chat_id, _Lane())
        if lane.pending > self.backlog:
            lane.skipped += 1
            _discard(coroutine)
            if lane.skipped == 1:
                log.warning(
                    "chat %d sends faster than it can be answered: skipping its updates "
                    "until it slows down",
                    chat_id,
                )
            return
        lane.pending += 1
        started = False
        try:
            async with lane.lock:
                started = True
                await coroutine
                if lane.pending == 1 and lane.skipped:
                    skipped, lane.skipped = lane.skipped, 0
                    await self._tell(chat_id, skipped)
        finally:
            if not started:  # cancelled while waiting its turn
                _discard(coroutine)
            lane.pending -= 1
            if lane.pending == 0 and self._lanes.get(chat_id) is lane:
                del self._lanes[chat_id]

    async def _tell(self, chat_id: int, skipped: int) -> None:
        log.info("chat %d slowed down: %d update(s) were skipped", chat_id, skipped)
        if self.on_skipped is not None:
            await self.on_skipped(chat_id, skipped)

    async def initialize(self) -> None:
        """Nothing to set up: lanes come and go with their chats' updates."""

    async def shutdown(self) -> None:
        """Nothing to release."""


def lane_of(update: object) -> int | None:
    """The chat whose lane an update takes; None for updates of no chat.

    Both notices of a group becoming a supergroup take the old group's lane: each moves
    the same subscriptions.
    """
    if not isinstance(update, Update):
        return None
    message = update.effective_message
    if message is not None and message.migrate_from_chat_id:
        return message.migrate_from_chat_id
    chat = update.effective_chat
    return chat.id if chat is not None else None


def _discard(work: Awaitable[Any]) -> None:
    """Close a coroutine that will never run (else Python warns it was never awaited)."""
    if inspect.iscoroutine(work):
        work.close()
