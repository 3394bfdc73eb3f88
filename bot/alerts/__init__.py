"""Alerts: what each chat is told about an article, rendered for Telegram or a terminal."""

from bot.alerts.assemble import Alert, active, alert_for
from bot.alerts.render import MAX_MESSAGE, render_html, render_text, visible_length

__all__ = [
    "MAX_MESSAGE",
    "Alert",
    "active",
    "alert_for",
    "render_html",
    "render_text",
    "visible_length",
]
