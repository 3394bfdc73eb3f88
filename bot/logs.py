"""Logging: one line per event, text or JSON, with the bot token never written out."""

from __future__ import annotations

import json
import logging
import sys
import threading
from datetime import UTC, datetime
from types import TracebackType
from urllib.parse import quote

from bot.control_chars import escape_controls

_REDACTED = "<token>"


class _RedactSecrets(logging.Filter):
    """Replaces every secret in a record's final message (and exception text) with a mark."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        # A token also shows up URL-encoded (`:` as `%3A`) in some request errors.
        forms = {form for secret in secrets if secret for form in (secret, quote(secret, safe=""))}
        self._secrets = sorted(forms, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        for secret in self._secrets:
            message = message.replace(secret, _REDACTED)
            if record.exc_text:
                record.exc_text = record.exc_text.replace(secret, _REDACTED)
            if record.stack_info:
                record.stack_info = record.stack_info.replace(secret, _REDACTED)
        record.msg, record.args = message, None
        return True


class _TextFormatter(logging.Formatter):
    """The text log; a terminal control or bidi override in a line (a file name, a feed's
    text) is shown as `\\uXXXX` rather than acting on the operator's terminal."""

    def format(self, record: logging.LogRecord) -> str:
        return escape_controls(super().format(record))


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return escape_controls(self._json(record))  # JSON escapes C0 but not C1 or bidi

    def _json(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        for key, value in getattr(record, "fields", {}).items():
            entry[key] = value
        if record.exc_text or record.exc_info:
            entry["error"] = record.exc_text or self.formatException(record.exc_info)  # type: ignore[arg-type]
        return json.dumps(entry, ensure_ascii=False, default=str)


def setup_logging(*, log_format: str = "text", level: str = "INFO", secrets: list[str]) -> None:
    """Route every log record to stderr, one line each, secrets redacted."""
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(
            _TextFormatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")
        )
    handler.addFilter(_RedactSecrets(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # httpx logs every request URL at INFO, and Bot API URLs carry the token.
    noisy_loggers = (
        "httpx",
        "httpcore",
        "alembic",
        "telegram.ext.Updater",
        "apscheduler",
        "watchfiles",
    )
    for noisy in noisy_loggers:
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # Its one error, an answer that is not JSON, comes with the whole page and a traceback;
    # the NetworkError it raises is said by the bot in one line.
    logging.getLogger("telegram.request").setLevel(logging.CRITICAL)
    logging.captureWarnings(True)
    # Uncaught exceptions go through the log too, so their text is redacted like the rest.
    sys.excepthook = _log_uncaught
    threading.excepthook = _log_uncaught_in_thread


def _log_uncaught(
    kind: type[BaseException], error: BaseException, trace: TracebackType | None
) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, error, trace)
        return
    logging.getLogger("bot").critical("uncaught exception", exc_info=(kind, error, trace))


def _log_uncaught_in_thread(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is None or issubclass(args.exc_type, SystemExit):
        return
    logging.getLogger("bot").error(
        "uncaught exception in thread %s",
        args.thread.name if args.thread else "?",
        exc_info=(args.exc_type, args.exc_value, args.exc_traceback),
    )
