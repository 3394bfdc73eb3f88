"""Telegram: the bot's Application, its command handlers and the transport alerts go through."""
