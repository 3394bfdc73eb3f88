"""A transport double for the sender: records every attempt, answers scripted errors first."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict

from bot.delivery.transports import SendError


class ScriptedTransport:
    """Records sends; answers each chat's next scripted error first."""

    terminal = False

    def __init__(self) -> None:
        self.sent: list[tuple[int, str, float]] = []
        self.attempts: list[tuple[int, str, float]] = []  # every try, refused ones too
        self.script: dict[int, list[SendError]] = defaultdict(list)
        self.edits: list[tuple[int, int, str]] = []  # (chat, message id, text) of each edit
        self.edit_script: dict[int, list[SendError]] = defaultdict(list)

    async def send(self, chat_id: int, text: str, *, silent: bool) -> int | None:
        """Refuse with the chat's next scripted error, or record the message as sent."""
        await asyncio.sleep(0)
        self.attempts.append((chat_id, text, time.monotonic()))
        if self.script[chat_id]:
            raise self.script[chat_id].pop(0)
        self.sent.append((chat_id, text, time.monotonic()))
        return len(self.sent)

    async def edit(self, chat_id: int, message_id: int, text: str) -> None:
        """Refuse with the chat's next scripted edit error, or record the edit."""
        await asyncio.sleep(0)
        if self.edit_script[chat_id]:
            raise self.edit_script[chat_id].pop(0)
        self.edits.append((chat_id, message_id, text))

    def sent_to(self, chat_id: int) -> list[str]:
        """The texts a chat received."""
        return [text for chat, text, _ in self.sent if chat == chat_id]
