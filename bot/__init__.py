"""newsbot: Telegram alerts for geopolitical news that moves markets."""

__version__ = "0.1.0"
