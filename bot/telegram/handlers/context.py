"""The context every handler gets: the bot's state, this update's chat, replies, admin rights."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from telegram import Chat, ChatMember, InlineKeyboardMarkup, LinkPreviewOptions, Message, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, CallbackContext, ExtBot

from bot.telegram.handlers.state import STATE_KEY, BotState

log = logging.getLogger(__name__)

_T = TypeVar("_T")
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
_ADMIN_STATUSES = (ChatMember.OWNER, ChatMember.ADMINISTRATOR)
REFUSAL = "Only this chat's admins can change its subscriptions."


def command_args(message: Message) -> list[str]:
    """The words after the command (`/subscribe@bot oil, gold` gives `oil`, `gold`)."""
    words = (message.text or "").replace(",", " ").split()
    return words[1:]


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """PTB's callback context, knowing its update: `context.reply(...)` answers in its chat."""

    def __init__(
        self,
        application: Application[ExtBot[None], BotContext, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application, chat_id=chat_id, user_id=user_id)
        self._update: Update | None = None

    @classmethod
    def from_update(
        cls,
        update: object,
        application: Application[Any, BotContext, Any, Any, Any, Any],
    ) -> BotContext:
        """The context for one update (PTB makes one per update)."""
        context = super().from_update(update, application)
        if isinstance(update, Update):
            context._update = update
        return context

    @property
    def state(self) -> BotState:
        """The bot's state, read fresh: the runtime may replace it (a new limiter)."""
        state: BotState = self.application.bot_data[STATE_KEY]
        return state

    @property
    def chat(self) -> Chat:
        """The chat of the update; every handler here answers updates that have one."""
        chat = self._update.effective_chat if self._update else None
        if chat is None:
            raise LookupError("this update belongs to no chat")
        return chat

    @property
    def words(self) -> list[str]:
        """The words after the command in the update's message."""
        message = self._update.effective_message if self._update else None
        return command_args(message) if message else []

    async def transaction(self, work: Callable[..., _T], *args: object) -> _T:
        """Run `work(connection, *args)` in one transaction, off the event loop."""
        engine = self.state.engine

        def run() -> _T:
            with engine.begin() as connection:
                return work(connection, *args)

        return await asyncio.to_thread(run)

    async def reply(self, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        """Send HTML `text` to the chat, within the sender's rate limits."""
        chat = self.chat
        limiter = self.state.limiter
        if limiter is not None:
            while (wait := await limiter.try_acquire(chat.id, group=chat.id < 0)) > 0:
                await asyncio.sleep(min(wait, 5.0))
        await chat.send_message(
            text, parse_mode=ParseMode.HTML, link_preview_options=_NO_PREVIEW, reply_markup=markup
        )

    async def refuse(self) -> None:
        """Tell a member who is no admin that the change is not theirs to make."""
        await self.reply(REFUSAL)

    def from_operator(self) -> bool:
        """Whether the update's sender is one of the bot's operators."""
        user = self._update.effective_user if self._update else None
        return user is not None and user.id in self.state.admin_ids

    async def may_change(self) -> bool:
        """Private chats always; in groups and channels only the chat's admins."""
        update, chat = self._update, self.chat
        if update is None:
            return False
        if chat.type == Chat.PRIVATE:
            return True
        message = update.effective_message
        if update.callback_query is None:
            if chat.type == Chat.CHANNEL:
                return True  # only a channel's admins can post in it
            if message is not None and message.sender_chat and message.sender_chat.id == chat.id:
                return True  # an anonymous group admin posts as the group itself
        user = update.effective_user
        if user is None:
            return False
        try:
            member = await self.bot.get_chat_member(chat.id, user.id)
        except TelegramError as error:
            log.warning("cannot check admin rights in chat %d: %s", chat.id, error)
            return False
        return member.status in _ADMIN_STATUSES
