"""What happens when a handler fails: the log says so (the log filter keeps the token out)."""

from __future__ import annotations

import logging

from bot.telegram.handlers.context import BotContext

log = logging.getLogger(__name__)


async def on_error(update: object, context: BotContext) -> None:
    """Log a handler's failure (the log filter keeps the token out)."""
    log.error("handler failed on %s", type(update).__name__, exc_info=context.error)
