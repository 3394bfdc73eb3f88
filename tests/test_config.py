"""Settings: defaults, environment, and one-line errors for bad values."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, load_settings


def test_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("TELEGRAM_BOT_TOKEN", "NEWSBOT_DATABASE_URL", "NEWSBOT_ADMIN_IDS"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.token is None
    assert settings.database_url == "sqlite:///newsbot.db"
    assert settings.telegram_api_url == "https://api.telegram.org"
    assert str(settings.rules_dir) == "rules" and str(settings.seeds_dir) == "seeds"
    assert settings.seeds_timezone == "UTC"
    assert settings.admin_ids == frozenset()


def test_a_database_url_set_but_empty_is_the_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NEWSBOT_DATABASE_URL", "")  # as `NEWSBOT_DATABASE_URL=` in a shell
    assert load_settings().database_url == "sqlite:///newsbot.db"


def test_environment_dotenv_and_overrides(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("TELEGRAM_BOT_TOKEN=123:abc\nNEWSBOT_ADMIN_IDS=1, 22\n")
    monkeypatch.setenv("NEWSBOT_SEEDS_DIR", "/data/seeds")
    settings = load_settings(seeds_dir="/flag/seeds")
    assert settings.token == "123:abc"
    assert settings.admin_ids == {1, 22}
    assert str(settings.seeds_dir) == "/flag/seeds"
    assert "123:abc" not in repr(settings)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("NEWSBOT_DATABASE_URL", "mysql://x/y", "NEWSBOT_DATABASE_URL: unknown database scheme"),
        ("NEWSBOT_TELEGRAM_API_URL", "ftp://x", "NEWSBOT_TELEGRAM_API_URL: must be an http"),
        ("NEWSBOT_FEED_INTERVAL", "10s", "NEWSBOT_FEED_INTERVAL: must be at least 30s"),
        ("NEWSBOT_ADMIN_IDS", "alice", "NEWSBOT_ADMIN_IDS: must be comma-separated"),
        ("NEWSBOT_SEEDS_TIMEZONE", "Mars/Base", "NEWSBOT_SEEDS_TIMEZONE: unknown time zone"),
        ("NEWSBOT_WEBHOOK_URL", "bot.example.com/hook", "NEWSBOT_WEBHOOK_URL: must be the public"),
        ("NEWSBOT_WEBHOOK_URL", "http://bot.example.com/h", "NEWSBOT_WEBHOOK_URL: must be the"),
        ("NEWSBOT_WEBHOOK_LISTEN", "8443", "NEWSBOT_WEBHOOK_LISTEN: must be HOST:PORT"),
    ],
)
def test_bad_values_are_one_line_errors(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as error:
        load_settings()
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_metrics_listen_is_off_unless_set_and_must_be_host_and_port(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NEWSBOT_METRICS_LISTEN", raising=False)
    assert load_settings().metrics_listen is None
    monkeypatch.setenv("NEWSBOT_METRICS_LISTEN", "")
    assert load_settings().metrics_listen is None
    monkeypatch.setenv("NEWSBOT_METRICS_LISTEN", "127.0.0.1:9464")
    assert load_settings().metrics_listen == "127.0.0.1:9464"
    monkeypatch.setenv("NEWSBOT_METRICS_LISTEN", "9464")
    with pytest.raises(ConfigError) as error:
        load_settings()
    assert "NEWSBOT_METRICS_LISTEN: must be HOST:PORT" in str(error.value)


@pytest.mark.parametrize(
    ("value", "address"),
    [
        ("http://127.0.0.1:8081/bot", "http://127.0.0.1:8081"),  # PTB's base_url form
        ("http://127.0.0.1:8081/bot/", "http://127.0.0.1:8081"),
        ("https://api.telegram.org/", "https://api.telegram.org"),
        ("https://proxy.example/telegram", "https://proxy.example/telegram"),  # a prefix stays
        ("https://proxy.example/robot", "https://proxy.example/robot"),
    ],
)
def test_the_api_url_is_the_servers_address(
    monkeypatch: pytest.MonkeyPatch, value: str, address: str
) -> None:
    monkeypatch.setenv("NEWSBOT_TELEGRAM_API_URL", value)
    assert load_settings().telegram_api_url == address


def test_paid_broadcast_is_off_unless_a_priority_is_named(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NEWSBOT_PAID_BROADCAST", raising=False)
    assert load_settings().paid_from is None
    monkeypatch.setenv("NEWSBOT_PAID_BROADCAST", " Critical ")
    assert load_settings().paid_from == "critical"
    monkeypatch.setenv("NEWSBOT_PAID_BROADCAST", "always")
    with pytest.raises(ConfigError) as error:
        load_settings()
    assert "NEWSBOT_PAID_BROADCAST" in str(error.value) and "\n" not in str(error.value)
