"""/start and /help: what the bot does, its commands, and the topics as buttons."""

from __future__ import annotations

from telegram import Chat, Update

from bot.storage import subscriptions as subs
from bot.telegram.handlers.context import BotContext
from bot.telegram.handlers.keyboards import topics_keyboard
from bot.telegram.handlers.menus import set_operator_menu
from bot.telegram.handlers.subscriptions import followed_topics

HELP = (
    "I send alerts about geopolitical news that moves markets: oil, gold, wars, sanctions, "
    "trade and central banks.\n\n"
    "/topics: every topic, with buttons to follow or drop it\n"
    "/subscribe oil gold $USO: follow topics and tickers\n"
    "/unsubscribe oil, /unsubscribe all\n"
    "/list: what this chat follows\n"
    "/mute 2h, /unmute: pause alerts; what comes meanwhile is held for one digest when "
    "the mute ends (critical alerts still come)\n"
    "/timezone Europe/London: the zone your times are in\n"
    "/quiet 22:00-07:00, /quiet off: quiet hours, held alerts come as one digest after\n"
    "/digest 08:00 18:00, /digest off: normal alerts come together at these times\n"
    "/market NYSE, /market off: alerts sound only while that exchange trades; "
    "/digest open: what comes while it is closed arrives as one digest at the open\n"
    "🔕 Less like this under an alert mutes its rule here; /unmute RULE undoes it\n"
    "/watch hormuz Hormuz ($USO OR crude): your own alert (/watch explains the syntax)\n"
    "/watches, /unwatch hormuz: list and remove them\n"
    "/help: this message\n\n"
    "In groups and channels only admins change subscriptions and watches."
)


OPERATOR_HELP = (
    "\n\nFor you as an operator: /status (sources, rules, queue), /reload (the rules, now)."
)


def help_text(max_tickers: int, *, operator: bool = False) -> str:
    """The help, with this bot's limit on tickers per chat, and operators' commands for one."""
    text = f"{HELP}\nA chat may follow every topic, and up to {max_tickers} tickers."
    return text + OPERATOR_HELP if operator else text


async def start(update: Update, context: BotContext) -> None:
    """/start and /help: what the bot does, the commands, the topics as buttons."""
    chat = context.chat
    await context.transaction(subs.remember_chat, chat.id, chat.type)
    followed = await context.transaction(followed_topics, chat.id)
    operator = chat.type == Chat.PRIVATE and context.from_operator()
    await context.reply(
        help_text(context.state.max_tickers, operator=operator),
        topics_keyboard(context.state.topics(), followed),
    )
    if operator:
        await set_operator_menu(context.bot, chat.id)
