"""The compiled key database kept between starts: read back when the watches are the same."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.article import Article
from bot.rules.watches import compile_watches

QUERIES = {(1, "hormuz"): "Hormuz (tanker* OR $USO)", (2, "chips"): '"export controls" Nvidia'}
ARTICLES = [
    Article(id="a", title="Tankers divert from Hormuz"),
    Article(id="b", title="New export controls hit Nvidia"),
    Article(id="c", title="Hormuz calm", tickers=frozenset({"USO"})),
    Article(id="d", title="Nvidia rallies"),
]


def _matches(queries: dict[tuple[int, str], str], cache: Path | None) -> list[list[str]]:
    book, bad = compile_watches(queries, {}, cache=cache)
    assert not bad
    return [[f"{m.topic}/{m.rule}:{','.join(m.terms)}" for m in book.match(a)] for a in ARTICLES]


def test_a_start_with_the_same_watches_reads_the_keys_compiled_before(tmp_path: Path) -> None:
    expected = _matches(QUERIES, None)
    assert _matches(QUERIES, tmp_path) == expected
    [kept] = tmp_path.glob("keys-*.hs")
    written = kept.stat().st_mtime_ns
    assert _matches(QUERIES, tmp_path) == expected
    assert [*tmp_path.glob("keys-*.hs")] == [kept] and kept.stat().st_mtime_ns == written


def test_a_damaged_cache_is_compiled_again_and_matches_the_same(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    expected = _matches(QUERIES, None)
    _matches(QUERIES, tmp_path)
    [kept] = tmp_path.glob("keys-*.hs")
    data = bytearray(kept.read_bytes())
    data[-3] ^= 0xFF  # Hyperscan itself would load these bytes without a word
    kept.write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING):
        assert _matches(QUERIES, tmp_path) == expected
    assert "is damaged; compiling again" in caplog.text
    caplog.clear()
    assert _matches(QUERIES, tmp_path) == expected  # written again, intact
    assert "damaged" not in caplog.text


def test_other_watches_compile_anew_and_only_the_newest_databases_stay(tmp_path: Path) -> None:
    for index in range(5):
        queries = {**QUERIES, (3, "extra"): f"word{index}"}
        assert _matches(queries, tmp_path) == _matches(queries, None)
    assert len([*tmp_path.glob("keys-*.hs")]) == 3
