"""Command, button and membership handlers: small async functions over the database.

One module per concern; this package only re-exports what the rest of the bot imports.
"""

from bot.telegram.handlers.context import BotContext, command_args
from bot.telegram.handlers.dispatch import (
    COMMAND_HANDLERS,
    channel_command,
    unknown_button,
    unknown_command,
)
from bot.telegram.handlers.errors import on_error
from bot.telegram.handlers.feedback import FEEDBACK_PREFIX, alert_feedback, feedback_keyboard
from bot.telegram.handlers.forums import topic_reopened
from bot.telegram.handlers.free_text import free_text
from bot.telegram.handlers.help import HELP, start
from bot.telegram.handlers.keyboards import TOGGLE_PREFIX, topics_keyboard
from bot.telegram.handlers.membership import migrated, my_membership
from bot.telegram.handlers.menus import OPERATOR_COMMANDS, USER_COMMANDS, register_commands
from bot.telegram.handlers.operators import reload, status
from bot.telegram.handlers.settings import mute, unmute
from bot.telegram.handlers.state import STATE_KEY, BotHooks, BotState
from bot.telegram.handlers.subscriptions import (
    list_subscriptions,
    subscribe,
    toggle_topic,
    topics,
    unsubscribe,
)
from bot.telegram.handlers.watches import UNWATCH_PREFIX, unwatch_button

__all__ = [
    "COMMAND_HANDLERS",
    "FEEDBACK_PREFIX",
    "HELP",
    "OPERATOR_COMMANDS",
    "STATE_KEY",
    "TOGGLE_PREFIX",
    "UNWATCH_PREFIX",
    "USER_COMMANDS",
    "BotContext",
    "BotHooks",
    "BotState",
    "alert_feedback",
    "channel_command",
    "command_args",
    "feedback_keyboard",
    "free_text",
    "list_subscriptions",
    "migrated",
    "mute",
    "my_membership",
    "on_error",
    "register_commands",
    "reload",
    "start",
    "status",
    "subscribe",
    "toggle_topic",
    "topic_reopened",
    "topics",
    "topics_keyboard",
    "unknown_button",
    "unknown_command",
    "unmute",
    "unsubscribe",
    "unwatch_button",
]
