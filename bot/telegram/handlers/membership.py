"""The bot added to or removed from chats, and groups that became supergroups."""

from __future__ import annotations

import logging

from sqlalchemy import Connection
from telegram import Chat, ChatMember, ChatMemberRestricted, Update
from telegram.error import TelegramError

from bot.delivery.ledger import forget_chat, move_chat
from bot.storage import subscriptions as subs
from bot.telegram.handlers.context import BotContext

log = logging.getLogger(__name__)

_GONE_STATUSES = (ChatMember.LEFT, ChatMember.BANNED)
_IN_STATUSES = (ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER)

HELLO = (
    "Hello! I send alerts about geopolitical news that moves markets: oil, gold, wars, "
    "sanctions, trade and central banks.\n\n"
    "The admins choose what this chat hears: /topics shows every topic with buttons, "
    "/subscribe oil gold $USO follows topics and tickers. /help lists every command."
)


async def my_membership(update: Update, context: BotContext) -> None:
    """The bot added to or removed from a chat (or blocked by a user)."""
    changed = update.my_chat_member
    if changed is None:
        return
    chat, status = changed.chat, changed.new_chat_member.status
    if status in _GONE_STATUSES:

        def gone(connection: Connection) -> int:
            subs.set_kicked(connection, chat.id, chat.type, kicked=True)
            return forget_chat(connection, chat.id, f"bot is {status} in the chat")

        cancelled = await context.transaction(gone)
        log.info("left chat %d (%s): unsubscribed, %d alerts cancelled", chat.id, status, cancelled)
        return

    def back(connection: Connection) -> None:
        subs.set_kicked(connection, chat.id, chat.type, kicked=False)

    await context.transaction(back)
    joined = _is_in(changed.new_chat_member) and not _is_in(changed.old_chat_member)
    if joined and chat.type != Chat.PRIVATE:
        await _say_hello(context, chat.id)


def _is_in(member: ChatMember) -> bool:
    """Whether this status makes the bot part of the chat."""
    if isinstance(member, ChatMemberRestricted):
        return member.is_member
    return member.status in _IN_STATUSES


async def _say_hello(context: BotContext, chat_id: int) -> None:
    """What the bot does and how to subscribe, in a chat it was just added to."""
    try:
        await context.send(chat_id, HELLO)
    except TelegramError as error:  # e.g. a channel member that may not post
        log.info("no hello in chat %d: %s", chat_id, error.message)


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
