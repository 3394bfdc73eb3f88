"""The root of the errors the bot raises on purpose, and the outage that waiting may end."""

from __future__ import annotations


class NewsbotError(Exception):
    """An error of the bot's own; its message is one line an operator can act on."""


class Outage(NewsbotError):
    """A service the bot needs (the database) does not answer: no setting is wrong, and the
    same call may work once it is back."""
