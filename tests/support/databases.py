"""Throw-away databases for tests: a SQLite file, or a fresh PostgreSQL database."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def postgres_unavailable() -> str | None:
    """Why PostgreSQL cannot be used here, or None when it answers."""
    try:
        import psycopg

        with psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=3):
            return None
    except Exception as error:  # any failure means: skip, with the reason
        return f"PostgreSQL on 127.0.0.1:5432 does not answer: {error}".splitlines()[0]


@contextlib.contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """A new, uniquely named PostgreSQL database (tests run concurrently), dropped afterwards."""
    import psycopg

    reason = postgres_unavailable()
    if reason:
        pytest.skip(reason)
    name = f"newsbot_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def database_url_for(kind: str, tmp_path: Path) -> Iterator[str]:
    """A database URL of the given kind ('sqlite' or 'postgresql') for one test."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'newsbot.db'}"
    else:
        with fresh_postgres_database() as url:
            yield url


CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"


def corpus_path(*parts: str) -> Path:
    """A path inside ../shared/corpus, skipping the test when the corpus is absent."""
    path = CORPUS.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent (the shared corpus sits beside the checkout)")
    return path
