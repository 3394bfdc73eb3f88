"""Claimed deliveries in memory: one queue per chat, and the chats in the order they are due."""

from __future__ import annotations

import heapq
from collections import deque

from bot.ledger_values import DeliveryKind
from bot.storage.deliveries import Delivery


class ChatQueues:
    """Per-chat queues of claimed deliveries; a chat is due (monotonic time) or busy sending.

    `held` counts the deliveries in the queues; a chat holds at most `per_chat` of them.
    """

    def __init__(self, per_chat: int) -> None:
        """`per_chat`: the most deliveries one chat keeps in memory (a chat takes ~1/s)."""
        self.per_chat = per_chat
        self.held = 0
        self._queues: dict[int, deque[Delivery]] = {}
        self._heap: list[tuple[float, int, int]] = []
        self._scheduled: set[int] = set()
        self._busy: set[int] = set()
        self._seq = 0

    def full(self, chat_id: int) -> bool:
        """Whether the chat holds as many deliveries as it may."""
        return len(self._queues.get(chat_id, ())) >= self.per_chat

    def add(self, delivery: Delivery, now: float) -> Delivery | None:
        """Queue a claimed delivery and schedule its chat; returns an edit it superseded."""
        queue = self._queues.setdefault(delivery.chat_id, deque())
        superseded = queue_in_turn(queue, delivery)
        if superseded is None:
            self.held += 1
        self.schedule(delivery.chat_id, now)
        return superseded

    def schedule(self, chat_id: int, at: float) -> None:
        """Make the chat due at `at`, unless it is due already or sending."""
        if chat_id in self._scheduled or chat_id in self._busy:
            return
        self._seq += 1
        heapq.heappush(self._heap, (at, self._seq, chat_id))
        self._scheduled.add(chat_id)

    def next_at(self) -> float | None:
        """When the first chat is due (None: no chat is)."""
        return self._heap[0][0] if self._heap else None

    def pop_due(self, now: float) -> tuple[int, Delivery] | None:
        """The next due chat that has a delivery and is not sending, with its first delivery.

        Returns None when no chat is due by `now`. The delivery stays queued until `take`.
        """
        while self._heap:
            at, _, chat_id = self._heap[0]
            if at > now:
                return None
            heapq.heappop(self._heap)
            self._scheduled.discard(chat_id)
            queue = self._queues.get(chat_id)
            if queue and chat_id not in self._busy:
                return chat_id, queue[0]
        return None

    def take(self, chat_id: int) -> Delivery:
        """Take the chat's first delivery to send; the chat is busy until `done`."""
        queue = self._queues[chat_id]
        delivery = queue.popleft()
        if not queue:
            del self._queues[chat_id]
        self._busy.add(chat_id)
        return delivery

    def done(self, chat_id: int, now: float) -> None:
        """A send to the chat ended: it is due again if it holds more."""
        self.held -= 1
        self._busy.discard(chat_id)
        if chat_id in self._queues:
            self.schedule(chat_id, now)

    def drop(self, chat_id: int) -> list[int]:
        """Take a chat's held deliveries out of memory; returns their ids."""
        queue = self._queues.pop(chat_id, deque())
        self.held -= len(queue)
        return [delivery.id for delivery in queue]

    def clear(self) -> list[int]:
        """Empty every queue; returns the ids that were held."""
        held = [d.id for queue in self._queues.values() for d in queue]
        self._queues.clear()
        self._heap.clear()
        self._scheduled.clear()
        self.held = 0
        return held


def queue_in_turn(queue: deque[Delivery], delivery: Delivery) -> Delivery | None:
    """Put a claimed delivery in its chat's queue: alerts before edits, and an edit in place of
    an unsent older edit of the same message (returned, to be cancelled)."""
    if delivery.kind != DeliveryKind.EDIT:
        at = next(
            (i for i, queued in enumerate(queue) if queued.kind == DeliveryKind.EDIT), len(queue)
        )
        queue.insert(at, delivery)
        return None
    for i, queued in enumerate(queue):
        if (
            queued.kind == DeliveryKind.EDIT
            and queued.edit_of == delivery.edit_of
            and queued.id < delivery.id
        ):
            queue[i] = delivery
            return queued
    queue.append(delivery)
    return None
