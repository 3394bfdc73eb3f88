"""Long replies cut into messages Telegram accepts; status text without the server's paths."""

from __future__ import annotations

import html
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.telegram.handlers.formatting import without_paths
from bot.telegram.handlers.splitting import (
    LEFT_OUT,
    MAX_PIECES,
    MESSAGE_LIMIT,
    message_pieces,
    split_message,
)
from tests.support.bot_api_double import parse_entities


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _checked(pieces: list[str], limit: int) -> str:
    """Every piece parses and fits; their visible text, whitespace dropped, joined."""
    visible = []
    for piece in pieces:
        text, error = parse_entities(piece)
        assert error is None, (error, piece)
        assert 0 < _units(text) <= limit and text.strip()
        visible.append(text)
    return re.sub(r"\s", "", "".join(visible))


def test_a_short_message_is_one_piece() -> None:
    assert split_message("<b>Topics</b>\noil") == ["<b>Topics</b>\noil"]


def test_pieces_end_at_line_ends() -> None:
    lines = [f"line {i:02}" for i in range(10)]
    pieces = split_message("\n".join(lines), limit=31)  # four lines of 7, three newlines
    assert pieces == ["\n".join(lines[i : i + 4]) for i in (0, 4)] + ["\n".join(lines[8:])]


def test_a_long_line_is_cut_at_spaces_and_its_tags_closed_and_reopened() -> None:
    text = '<b>Tickers: <a href="https://x.test/?a=1&amp;b=2">' + "$AB, " * 30 + "</a></b> end"
    pieces = split_message(text, limit=40)
    assert len(pieces) > 3
    assert all(p.startswith('<b><a href="https://x.test/?a=1&amp;b=2">') for p in pieces[1:-1])
    assert all(p.endswith("</a></b>") for p in pieces[:-1])
    assert pieces[-1] == "end"  # after the tags closed: nothing to reopen
    assert _checked(pieces, 40) == re.sub(r"\s", "", parse_entities(text)[0])


def test_entities_and_astral_characters_stay_whole() -> None:
    text = "&lt;&amp;🛢" * 50
    pieces = split_message(text, limit=7)
    assert all("&" not in p or re.fullmatch(r"(&lt;|&amp;|🛢)+", p) for p in pieces)
    assert _checked(pieces, 7) == parse_entities(text)[0]


_WORD = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12)
_TAGS = st.sampled_from(["", "b", "i", "code", "a"])


@st.composite
def _messages(draw: st.DrawFn) -> str:
    """HTML as the handlers write it: escaped words, some inside tags, lines of any length."""
    lines = []
    for _ in range(draw(st.integers(0, 12))):
        parts = []
        for _ in range(draw(st.integers(0, 15))):
            word, tag = html.escape(draw(_WORD), quote=False), draw(_TAGS)
            if tag == "a":
                parts.append(f'<a href="https://x.test/{len(word)}">{word}</a>')
            elif tag:
                parts.append(f"<{tag}>{word}</{tag}>")
            else:
                parts.append(word)
        separator = draw(st.sampled_from([" ", ", ", ""]))
        line = separator.join(parts)
        if draw(st.booleans()):
            line = f"<b>{line}</b>"
        lines.append(line)
    return "\n".join(lines)


@settings(max_examples=300, deadline=None)
@given(_messages(), st.integers(min_value=2, max_value=60))
def test_every_piece_parses_fits_and_nothing_is_lost(text: str, limit: int) -> None:
    pieces = split_message(text, limit)
    assert _checked(pieces, limit) == re.sub(r"\s", "", parse_entities(text)[0])


def test_an_endless_reply_says_what_was_left_out() -> None:
    text = "\n".join(f"line {i}" for i in range(10_000))
    pieces = message_pieces(text)
    assert len(pieces) == MAX_PIECES
    assert pieces[-1].endswith(LEFT_OUT)
    _checked(pieces, MESSAGE_LIMIT)


def test_status_for_a_group_hides_paths_file_names_and_links() -> None:
    status = (
        "Sources: seeds in /srv/newsbot/seeds: 3 files, last read 2m ago\n"
        "  ⚠ rules/oil.yaml: line 3: not a term (see gold.yml).\n"
        "• cnbc: failing ×3: HTTP 404 for https://feeds.test/x.xml\n"
        "  ⚠ C:\\newsbot\\feeds.yaml: bad\n"
        "Rules: 12 topics, python 3.11, up 1h30m"
    )
    assert without_paths(status) == (
        "Sources: seeds in …: 3 files, last read 2m ago\n"
        "  ⚠ …: line 3: not a term (see …).\n"
        "• cnbc: failing ×3: HTTP 404 for …\n"
        "  ⚠ …: bad\n"
        "Rules: 12 topics, python 3.11, up 1h30m"
    )
