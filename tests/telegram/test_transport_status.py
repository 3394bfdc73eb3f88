"""Bot API errors as the bounded `code` label of newsbot_telegram_errors_total."""

from __future__ import annotations

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.telegram.transport import status_code


def test_each_error_names_its_http_status_and_unknowns_are_zero() -> None:
    assert status_code(RetryAfter(3)) == "429"
    assert status_code(Forbidden("Forbidden: bot was blocked by the user")) == "403"
    assert status_code(BadRequest("Bad Request: chat not found")) == "400"
    assert status_code(NetworkError("Internal Server Error (500)")) == "500"
    assert status_code(NetworkError("httpx.ConnectError: connection refused")) == "0"
    assert status_code(TimedOut()) == "0"
