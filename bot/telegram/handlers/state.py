"""What every handler reads: the database, the rules in force, the runtime's hooks."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import Engine

from bot.delivery.limiter import Limiter
from bot.rules import RuleBook, Topic

STATE_KEY = "newsbot"


@dataclass(frozen=True, slots=True)
class BotHooks:
    """What the runtime provides: `/status` text, the `/reload` action, digests due now."""

    status_text: Callable[[], str | Awaitable[str]] = field(
        default=lambda: "newsbot is running. No further status is wired in."
    )
    reload: Callable[[], str | Awaitable[str]] = field(
        default=lambda: "Reloading is not available in this process."
    )
    # Write the digests of held alerts that are due now (after /unmute, /quiet off...).
    release_digests: Callable[[], object] = field(default=lambda: None)
    # A command changed a watch: the runtime's watch book looks at once (others poll).
    watches_changed: Callable[[], None] = field(default=lambda: None)


@dataclass(frozen=True, slots=True)
class BotState:
    """What every handler needs; kept in `application.bot_data`, read fresh on each update."""

    engine: Engine
    rulebook: Callable[[], RuleBook]
    hooks: BotHooks
    admin_ids: frozenset[int]
    limiter: Limiter | None = None  # the sender's, so replies and alerts share one budget
    # Answers to many chats are handled at once; their sends leave one at a time, in the
    # order the limiter granted them, so Telegram never sees a bunch arrive together.
    sending: asyncio.Lock = field(default_factory=asyncio.Lock)
    default_zone: str = "UTC"  # a chat's time zone until it sets one (/timezone)
    max_watches: int = 20  # NEWSBOT_MAX_WATCHES
    max_query_length: int = 300  # NEWSBOT_MAX_QUERY_LENGTH
    max_tickers: int = 200  # per chat (NEWSBOT_MAX_TICKERS); topics are not limited

    def topics(self) -> Mapping[str, Topic]:
        """The topics of the rule book in force now (rules reload at runtime)."""
        return self.rulebook().topics
