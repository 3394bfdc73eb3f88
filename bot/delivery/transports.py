"""Where alerts go: the outcome types every transport reports, and the terminal transport."""

from __future__ import annotations

import sys
from typing import Protocol, TextIO, runtime_checkable

from bot.delivery.feedback import Feedback


class SendError(Exception):
    """A message was not delivered; `reason` says why (never holding the bot token)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RateLimited(SendError):
    """Flood control (429): wait `retry_after` seconds; `everyone` when it is not one chat's."""

    def __init__(self, reason: str, retry_after: float, *, everyone: bool = False) -> None:
        super().__init__(reason)
        self.retry_after = retry_after
        self.everyone = everyone


class ChatGone(SendError):
    """The chat blocked or removed the bot, or no longer exists: stop writing to it."""


class ChatMoved(SendError):
    """The group became a supergroup with a new id: send there instead."""

    def __init__(self, reason: str, new_chat_id: int) -> None:
        super().__init__(reason)
        self.new_chat_id = new_chat_id


class TopicRefused(SendError):
    """A forum topic refused the message: closed (`TOPIC_CLOSED`), or `deleted`."""

    def __init__(self, reason: str, *, deleted: bool) -> None:
        super().__init__(reason)
        self.deleted = deleted


class Rejected(SendError):
    """The message itself was refused (a 400 other than the above): retrying will not help."""


class Transient(SendError):
    """A server error or network fault: try again later."""


class TokenRevoked(SendError):
    """The Bot API no longer knows the bot's token (401): no send can work until an operator
    gives a new one, so the sender stops and the process exits for its supervisor to see."""


class Transport(Protocol):
    """Sends one rendered alert; raises a SendError subclass when it is not delivered."""

    terminal: bool  # whether it serves the terminal pseudo chat rather than Telegram chats

    async def send(self, chat_id: int, text: str, *, silent: bool) -> int | None:
        """Deliver the text; returns the message id, when there is one."""
        ...

    async def edit(self, chat_id: int, message_id: int, text: str) -> None:
        """Replace the text of a message sent before (silently)."""
        ...


@runtime_checkable
class ButtonTransport(Transport, Protocol):
    """A transport that puts feedback buttons under alerts (`feedback_buttons = True`)."""

    feedback_buttons: bool

    async def send(
        self, chat_id: int, text: str, *, silent: bool, feedback: Feedback | None = None
    ) -> int | None:
        """Deliver the text, with the alert's feedback buttons when given."""
        ...

    async def edit(
        self, chat_id: int, message_id: int, text: str, *, feedback: Feedback | None = None
    ) -> None:
        """Replace the text, keeping the message's feedback buttons when given."""
        ...


@runtime_checkable
class ReachTransport(ButtonTransport, Protocol):
    """A transport that sends into forum topics and on the paid broadcast lane (`reach`)."""

    reach: bool

    async def send(
        self,
        chat_id: int,
        text: str,
        *,
        silent: bool,
        feedback: Feedback | None = None,
        thread_id: int | None = None,
        paid: bool = False,
    ) -> int | None:
        """Deliver the text into the topic `thread_id` (None: General), paid when asked."""
        ...


class TerminalTransport:
    """Prints alerts to a terminal, one block each: the no-token stand-in for Telegram."""

    terminal = True

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream

    async def send(self, chat_id: int, text: str, *, silent: bool) -> int | None:
        """Print the alert with a rule under it."""
        stream = self._stream or sys.stdout
        stream.write(f"{text}\n{'─' * 60}\n")
        stream.flush()
        return None

    async def edit(self, chat_id: int, message_id: int, text: str) -> None:
        """Print the new text as an update (a terminal cannot change what it printed)."""
        await self.send(chat_id, f"(updated) {text}", silent=True)


class NullTransport:
    """Accepts every message and does nothing: measures the sender's own overhead."""

    terminal = False

    def __init__(self) -> None:
        self.count = 0

    async def send(self, chat_id: int, text: str, *, silent: bool) -> int | None:
        """Count the message."""
        self.count += 1
        return self.count

    async def edit(self, chat_id: int, message_id: int, text: str) -> None:
        """Accept the edit."""
