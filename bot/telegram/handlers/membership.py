"""The bot added to or removed from chats, and groups that became supergroups."""

from __future__ import annotations

import logging

from telegram import ChatMember, Update

from bot.delivery.ledger import forget_chat, move_chat
from bot.storage import subscriptions as subs
from bot.telegram.handlers.context import BotContext

log = logging.getLogger(__name__)

_GONE_STATUSES = (ChatMember.LEFT, ChatMember.BANNED)


async def my_membership(update: Update, context: BotContext) -> None:
    """The bot added to or removed from a chat (or blocked by a user)."""
    changed = update.my_chat_member
    if changed is None:
        return
    chat, status = changed.chat, changed.new_chat_member.status
    if status in _GONE_STATUSES:
        cancelled = await context.transaction(forget_chat, chat.id, f"bot is {status} in the chat")
        log.info("left chat %d (%s): unsubscribed, %d alerts cancelled", chat.id, status, cancelled)
    else:
        await context.transaction(subs.remember_chat, chat.id, chat.type)


async def migrated(update: Update, context: BotContext) -> None:
    """A group became a supergroup: its subscriptions and pending alerts follow the new id."""
    message = update.effective_message
    if message is None:
        return
    if message.migrate_to_chat_id:
        old, new = message.chat.id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id:
        old, new = message.migrate_from_chat_id, message.chat.id
    else:
        return
    await context.transaction(move_chat, old, new)
    log.info("chat %d became supergroup %d; subscriptions moved", old, new)
