"""The buttons under each alert: `🔕 Less like this` (and its undo), `Unsubscribe <topic>`."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from sqlalchemy import Connection
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot.delivery.feedback import Feedback, feedback_for, is_watch, muted_by_less, rule_pairs
from bot.rules import Topic
from bot.rules.engine import Rule
from bot.rules.loader import PRIORITIES
from bot.rules.watches import WATCH_EMOJI, watch_label
from bot.storage import subscriptions as subs
from bot.storage.delivered import delivered_alert
from bot.telegram.handlers.context import REFUSAL, BotContext

log = logging.getLogger(__name__)

FEEDBACK_PREFIX = "fb:"
LESS, UNDO, UNSUBSCRIBE = "less", "undo", "unsubscribe"
_DATA = {LESS: "less", UNDO: "undo", UNSUBSCRIBE: "unsub"}
_ACTIONS = {data: action for action, data in _DATA.items()}
_LABEL_LIMIT = 40


def feedback_keyboard(
    feedback: Feedback, topics: Mapping[str, Topic], *, subscribed: bool = True
) -> InlineKeyboardMarkup:
    """`🔕 Less like this` (or `↩️ Undo` once pressed) and `Unsubscribe <topic title>`."""
    less = (
        InlineKeyboardButton("↩️ Undo: hear these again", callback_data=_data(UNDO, feedback))
        if feedback.muted
        else InlineKeyboardButton("🔕 Less like this", callback_data=_data(LESS, feedback))
    )
    row = [less]
    if subscribed and not feedback.topic.startswith(WATCH_EMOJI):  # a watch: /unwatch
        topic = topics.get(feedback.topic)
        title = (topic.title if topic and topic.title else feedback.topic)[:_LABEL_LIMIT]
        unsubscribe = _data(UNSUBSCRIBE, feedback)
        row.append(InlineKeyboardButton(f"Unsubscribe {title}", callback_data=unsubscribe))
    return InlineKeyboardMarkup([row])


def _data(action: str, feedback: Feedback) -> str:
    # Telegram allows 64 bytes of callback data: the ledger id names everything else.
    return f"{FEEDBACK_PREFIX}{_DATA[action]}:{feedback.delivery_id}"


async def alert_feedback(update: Update, context: BotContext) -> None:
    """A feedback button: mute the alert's rules here, undo that, or drop its topic."""
    query = update.callback_query
    if query is None or query.message is None or query.data is None:
        return
    chat = query.message.chat
    data, _, raw_id = query.data.removeprefix(FEEDBACK_PREFIX).partition(":")
    action = _ACTIONS.get(data)
    alert = await context.transaction(delivered_alert, int(raw_id)) if raw_id.isdigit() else None
    feedback = feedback_for(alert.id, alert.kind, alert.rules) if alert else None
    if action is None or alert is None or feedback is None or alert.chat_id != chat.id:
        await query.answer("This alert is too old for that; see /list.", show_alert=True)
        return
    if not await context.may_change():
        await query.answer(REFUSAL, show_alert=True)
        return
    pairs = rule_pairs(alert.rules)
    chosen = muted_by_less(pairs, _rank(context.state.rulebook().all_rules))
    watches = [pair for pair in pairs if is_watch(pair)]
    topics = context.state.topics()
    if action in (LESS, UNDO) and chosen is None:  # only the chat's own watches made it
        names = [rule[:_LABEL_LIMIT] for _, rule in watches]  # plain text: nothing to escape
        if len(names) == 1:
            name = names[0]
            answer = (
                f"This alert came from your watch {watch_label(name)}: nothing muted. "
                f"/unwatch {name} stops it; /watch {name} QUERY narrows it."
            )
        else:
            answer = (
                f"This alert came from your watches {', '.join(map(watch_label, names))}: "
                "nothing muted. /unwatch NAME stops one; /watch NAME QUERY narrows it."
            )
        await query.answer(answer[:200], show_alert=True)
        return
    rules = (chosen,) if chosen is not None else ()

    def work(connection: Connection) -> tuple[bool, bool]:
        subs.remember_chat(connection, chat.id, chat.type)
        if action == LESS:
            subs.mute_rules(connection, chat.id, rules)
        elif action == UNDO:
            subs.unmute_rules(connection, chat.id, rules)
        else:
            subs.unsubscribe(connection, chat.id, subs.TOPIC, [feedback.topic])
        pressed = _pressed(action, pairs, feedback)
        subs.record_feedback(connection, chat.id, pressed, action, alert.article_id)
        followed = subs.chat_subscriptions(connection, chat.id)
        muted_now = subs.chat_settings(connection, chat.id).muted_rules
        return (subs.TOPIC, feedback.topic) in followed, chosen in muted_now

    # The buttons follow what the chat has stored, not the pressed message's markup, which
    # an older copy of the alert (or a stale client) may show without its undo.
    subscribed, muted = await context.transaction(work)
    topic = topics.get(feedback.topic)
    title = topic.title if topic and topic.title else feedback.topic
    answers = {
        UNSUBSCRIBE: f"Unsubscribed from {title}. /subscribe {feedback.topic} to follow it again."
    }
    if chosen is not None:
        what = rule_in_words(chosen[1])
        own = ", ".join(watch_label(rule) for _, rule in watches)
        kept = (
            f" {'Your watch' if len(watches) == 1 else 'Your watches'} {own}: still on."
            if watches
            else ""
        )
        muted_id = f"{chosen[0]}/{chosen[1]}"  # as /list and /unmute name it
        answers[LESS] = f"Fewer {what} alerts here: {muted_id} is muted.{kept} Undo below."
        answers[UNDO] = f"{what} alerts are back here."
    await query.answer(answers[action][:200])
    markup = feedback_keyboard(
        Feedback(feedback.delivery_id, feedback.topic, muted=muted), topics, subscribed=subscribed
    )
    try:
        await query.edit_message_reply_markup(reply_markup=markup)
    except BadRequest as error:  # "message is not modified", or too old to edit
        log.debug("feedback buttons not redrawn: %s", error)


def _rank(rules: Mapping[tuple[str, str], Rule]) -> dict[tuple[str, str], tuple[int, int]]:
    """Each rule's standing for `muted_by_less`: its priority, then its place in its file."""
    return {key: (PRIORITIES.index(rule.priority), -rule.line) for key, rule in rules.items()}


def rule_in_words(rule: str) -> str:
    """A rule's name as people say it: `fed-policy` → `Fed policy`."""
    words = rule.replace("-", " ").replace("_", " ").strip() or rule
    return words[:1].upper() + words[1:]


def _pressed(
    action: str, rules: tuple[tuple[str, str], ...], feedback: Feedback
) -> tuple[tuple[str, str], ...]:
    """The rules a press counts for: the topic's for an unsubscribe, else the one muted."""
    if action == UNSUBSCRIBE:
        return tuple(pair for pair in rules if pair[0] == feedback.topic)
    return tuple(pair for pair in (muted_by_less(rules),) if pair is not None)
