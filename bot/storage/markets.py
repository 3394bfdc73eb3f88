"""The market session a chat follows (`/market NYSE`), and its digest before the open."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, select, update

from bot.storage.models import chats

_CHUNK = 500


@dataclass(frozen=True, slots=True)
class MarketSetting:
    """A chat's market (an exchange calendar's code) and whether `/digest open` is on."""

    market: str
    digest_before_open: bool = False


def set_market(connection: Connection, chat_id: int, market: str | None) -> None:
    """Follow the market's session (None: none; the digest before the open ends with it)."""
    values: dict[str, object] = {"market": market}
    if market is None:
        values["market_digest"] = False
    connection.execute(update(chats).where(chats.c.chat_id == chat_id).values(**values))


def set_market_digest(connection: Connection, chat_id: int, on: bool) -> None:
    """Hold alerts outside the session for a digest before the open (`/digest open`), or not."""
    connection.execute(update(chats).where(chats.c.chat_id == chat_id).values(market_digest=on))


def market_of(connection: Connection, chat_id: int) -> MarketSetting | None:
    """The chat's market setting, or None."""
    return markets_of(connection, [chat_id]).get(chat_id)


def markets_of(connection: Connection, chat_ids: Iterable[int]) -> dict[int, MarketSetting]:
    """The market settings of those of these chats that follow one."""
    wanted = sorted(set(chat_ids))
    found: dict[int, MarketSetting] = {}
    for start in range(0, len(wanted), _CHUNK):
        rows = connection.execute(
            select(chats.c.chat_id, chats.c.market, chats.c.market_digest).where(
                chats.c.chat_id.in_(wanted[start : start + _CHUNK]), chats.c.market.is_not(None)
            )
        )
        for chat_id, market, digest in rows:
            found[int(chat_id)] = MarketSetting(str(market), bool(digest))
    return found
