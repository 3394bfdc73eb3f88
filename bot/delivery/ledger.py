"""The ledger's side of a chat's life: a chat that left or moved, and the deliveries by state."""

from __future__ import annotations

from sqlalchemy import Connection, Engine

from bot.storage import deliveries as store
from bot.storage import subscriptions as subs
from bot.storage import watches as watch_store


def forget_chat(connection: Connection, chat_id: int, reason: str) -> int:
    """A chat that blocked or removed the bot: drop its subscriptions and pending alerts, and
    take no new subscription from it until it adds the bot again."""
    subs.unsubscribe_all(connection, chat_id)
    watch_store.remove_watches(connection, chat_id, None)
    subs.set_kicked(connection, chat_id, "private" if chat_id > 0 else "group", kicked=True)
    return store.cancel_chat(connection, chat_id, reason)


def move_chat(connection: Connection, old_chat_id: int, new_chat_id: int) -> int:
    """A group that became a supergroup: its subscriptions and pending alerts follow it."""
    subs.move_chat_subscriptions(connection, old_chat_id, new_chat_id)
    watch_store.move_chat_watches(connection, old_chat_id, new_chat_id)
    return store.move_chat_deliveries(connection, old_chat_id, new_chat_id)


def ledger_counts(engine: Engine) -> dict[str, int]:
    """Deliveries per state (pending, sent, failed, cancelled), for `/status`."""
    with engine.connect() as connection:
        counts = store.state_counts(connection)
    return {
        state: counts.get(state, 0)
        for state in (store.PENDING, store.SENT, store.FAILED, store.CANCELLED)
    }
