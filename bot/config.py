"""Settings: read once at start from the environment, `.env` and command-line flags."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.durations import parse_duration
from bot.errors import NewsbotError

MIN_FEED_INTERVAL = 30.0


class ConfigError(NewsbotError):
    """A setting has a value the bot cannot run with; the message is one line."""


class Settings(BaseSettings):
    """Every setting of the product spec, with its default."""

    model_config = SettingsConfigDict(
        env_prefix="NEWSBOT_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        frozen=True,
    )

    telegram_bot_token: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("TELEGRAM_BOT_TOKEN", "telegram_bot_token")
    )
    telegram_api_url: str = "https://api.telegram.org"
    database_url: str = "sqlite:///newsbot.db"
    rules_dir: Path = Path("rules")
    seeds_dir: Path = Path("seeds")
    feeds_file: Path = Path("feeds.yaml")
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    max_tickers: int = Field(default=200, ge=0)  # per chat; topics are not limited
    seeds_timezone: str = "UTC"
    default_timezone: str = "UTC"  # a chat's zone for quiet hours and digests until /timezone
    digest_check: float = 20.0  # seconds between looks for held alerts that are due
    feed_interval: float = 300.0
    seeds_rescan: float = 60.0
    feed_max_new: int = Field(default=200, ge=1)  # new items alerted per poll of one feed
    fleet: bool = False
    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0:8443"
    heartbeat_file: Path | None = None
    # Compiled watch books kept between starts: a restart with the same watches skips the
    # compile. Default: `$XDG_CACHE_HOME/newsbot`, else `~/.cache/newsbot`.
    cache_dir: Path = Field(default_factory=lambda: _user_cache_dir())
    metrics_listen: str | None = None  # HOST:PORT of /metrics and /healthz; off when unset
    log_format: Literal["text", "json"] = "text"
    log_level: str = "INFO"
    stories: bool = True  # one alert per story, later copies edit it; false: one per article
    max_watches: int = Field(default=20, ge=0)  # `/watch` queries a chat may keep
    max_query_length: int = Field(default=300, ge=1)  # characters of one `/watch` query
    # Alerts of this priority or above go on the paid broadcast lane (1,000/s, 0.1 Star a
    # message beyond the free 30/s); `off` sends everything at the free rate.
    paid_broadcast: Literal["off", "high", "critical"] = "off"

    @property
    def paid_from(self) -> str | None:
        """The lowest priority sent on the paid broadcast lane, or None when it is off."""
        return None if self.paid_broadcast == "off" else self.paid_broadcast

    @field_validator("paid_broadcast", mode="before")
    @classmethod
    def _paid_broadcast_word(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("telegram_bot_token", mode="before")
    @classmethod
    def _empty_token_is_none(cls, value: object) -> object:
        return None if value in ("", None) else value

    @field_validator("telegram_api_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"must be an http:// or https:// URL, not {value!r}")
        # The server's address; `…/bot` is python-telegram-bot's `base_url` form of it.
        return value.rstrip("/").removesuffix("/bot").rstrip("/")

    @field_validator("webhook_url", mode="before")
    @classmethod
    def _webhook_url(cls, value: object) -> object:
        if value in ("", None):
            return None
        parts = urlsplit(str(value))
        # Telegram posts only to https; plain http is for a Bot API on this machine (tests).
        loopback = parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost", "::1")
        if not (parts.scheme == "https" or loopback) or not parts.netloc:
            raise ValueError(f"must be the public https:// URL Telegram posts to, not {value!r}")
        return str(value)

    @field_validator("metrics_listen", mode="before")
    @classmethod
    def _empty_listen_is_off(cls, value: object) -> object:
        return None if value in ("", None) else value

    @field_validator("webhook_listen", "metrics_listen")
    @classmethod
    def _host_and_port(cls, value: str | None) -> str | None:
        if value is None:
            return None
        host, _, port = value.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"must be HOST:PORT such as 127.0.0.1:9464, not {value!r}")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_scheme(cls, value: str) -> str:
        if not value.strip():  # set but empty (`NEWSBOT_DATABASE_URL=`): the default
            return str(cls.model_fields["database_url"].default)
        scheme = urlsplit(value).scheme.split("+")[0]
        if scheme not in ("sqlite", "postgresql", "postgres"):
            raise ValueError(
                f"unknown database scheme {scheme!r}: use sqlite:///file.db or postgresql://..."
            )
        return value

    @field_validator("fleet")
    @classmethod
    def _fleet_needs_postgres(cls, value: bool, info: ValidationInfo) -> bool:
        url = str(info.data.get("database_url") or "")
        if value and url and not urlsplit(url).scheme.startswith("postgres"):
            raise ValueError("needs a PostgreSQL NEWSBOT_DATABASE_URL (postgresql://...)")
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _comma_separated_ids(cls, value: object) -> object:
        if isinstance(value, str):
            items = [item.strip() for item in value.split(",") if item.strip()]
            try:
                return frozenset(int(item) for item in items)
            except ValueError:
                message = f"must be comma-separated Telegram user ids, not {value!r}"
                raise ValueError(message) from None
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("seeds_timezone", "default_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("feed_interval", "seeds_rescan", "digest_check", mode="before")
    @classmethod
    def _duration(cls, value: object) -> object:
        return parse_duration(value) if isinstance(value, str) else value

    @field_validator("feed_interval")
    @classmethod
    def _feed_floor(cls, value: float) -> float:
        if value < MIN_FEED_INTERVAL:
            raise ValueError(f"must be at least 30s, not {value:g}s")
        return value

    @field_validator("seeds_rescan", "digest_check")
    @classmethod
    def _rescan_floor(cls, value: float) -> float:
        if value < 1:
            raise ValueError(f"must be at least 1s, not {value:g}s")
        return value

    @property
    def token(self) -> str | None:
        """The bot token, or None for terminal delivery."""
        return self.telegram_bot_token.get_secret_value() if self.telegram_bot_token else None

    @property
    def is_postgres(self) -> bool:
        """Whether the database is PostgreSQL."""
        return urlsplit(self.database_url).scheme.startswith("postgres")


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment and `.env`, with command-line overrides (None = unset)."""
    # Any: the values are checked by the validators, not by the type checker.
    given: dict[str, Any] = {key: value for key, value in overrides.items() if value is not None}
    try:
        return Settings(**given)
    except ValidationError as error:
        raise ConfigError(_one_line(error)) from None


def _one_line(error: ValidationError) -> str:
    problems = []
    for item in error.errors():
        name = str(item["loc"][0]) if item["loc"] else "setting"
        env = "TELEGRAM_BOT_TOKEN" if name == "telegram_bot_token" else f"NEWSBOT_{name.upper()}"
        message = str(item["msg"]).removeprefix("Value error, ")
        problems.append(f"{env}: {message}")
    return "configuration error: " + "; ".join(problems)


def _user_cache_dir() -> Path:
    """The user's cache folder for newsbot (the XDG base directory convention)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "newsbot"
