"""An HTML message cut into pieces Telegram accepts: at most 4096 visible characters each.

Cuts fall at line ends where possible, else at spaces, else anywhere between characters;
never inside a tag or an entity. A tag open at a cut is closed at the end of one piece and
opened again at the start of the next, so every piece parses on its own.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from bot.alerts.render import tg_length

MESSAGE_LIMIT = 4096  # Telegram's, in UTF-16 units of the text left after entity parsing
# A tag, an entity, or one character: the units a cut may fall between.
_ATOM = re.compile(r"<[^<>]*>|&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);|[^<&]|[<&]")
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)")


@dataclass(frozen=True, slots=True)
class _Cut:
    """Where a piece may end: the atom index, the tags open there, the visible units before."""

    index: int
    open_tags: tuple[tuple[str, str], ...]
    used: int


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """The message as pieces of at most `limit` visible units each (one piece when it fits)."""
    atoms = _ATOM.findall(text)
    pieces: list[str] = []
    start = 0
    carried: tuple[tuple[str, str], ...] = ()  # tags open where the previous piece was cut
    while start < len(atoms):
        open_tags = list(carried)
        used = 0
        line_end: _Cut | None = None
        space: _Cut | None = None
        index = start
        while index < len(atoms):
            atom = atoms[index]
            size = _visible_units(atom)
            if used + size > limit:
                break
            if used > 0 and atom == "\n":
                line_end = _Cut(index, tuple(open_tags), used)
            elif used > 0 and atom == " ":
                space = _Cut(index, tuple(open_tags), used)
            _follow_tag(atom, open_tags)
            used += size
            index += 1
        if index == len(atoms):
            pieces.append(_render(carried, atoms[start:], ()))
            break
        if used > 0 and atoms[index] == "\n":  # the piece is full right at a line end
            line_end = _Cut(index, tuple(open_tags), used)
        elif used > 0 and atoms[index] == " ":
            space = _Cut(index, tuple(open_tags), used)
        # A line end in the second half of the piece beats a later space; a space beats a
        # cut inside a word.
        if line_end is not None and (space is None or line_end.used >= limit // 2):
            cut, resume = line_end, line_end.index + 1
        elif space is not None:
            cut, resume = space, space.index + 1
        else:
            cut = _Cut(max(index, start + 1), tuple(open_tags), used)
            resume = cut.index
        pieces.append(_render(carried, atoms[start : cut.index], cut.open_tags))
        carried, start = cut.open_tags, resume
        while start < len(atoms) and atoms[start] in ("\n", " "):
            start += 1
    return [piece for piece in pieces if _visible_text(piece).strip()]


def visible_units(text: str) -> int:
    """How long Telegram counts an HTML message: tags count nothing, an entity its character."""
    return sum(_visible_units(atom) for atom in _ATOM.findall(text))


def _visible_units(atom: str) -> int:
    if len(atom) > 1 and atom[0] == "<":
        return 0
    if len(atom) > 1 and atom[0] == "&":
        return tg_length(html.unescape(atom))
    return tg_length(atom)


def _visible_text(piece: str) -> str:
    return "".join(
        html.unescape(atom) if atom[0] == "&" else atom
        for atom in _ATOM.findall(piece)
        if not (len(atom) > 1 and atom[0] == "<")
    )


def _follow_tag(atom: str, open_tags: list[tuple[str, str]]) -> None:
    """Track which tags are open after this atom."""
    match = _TAG.match(atom)
    if match is None or not atom.endswith(">"):
        return
    closing, name = match.group(1) == "/", match.group(2).lower()
    if not closing:
        open_tags.append((name, atom))
    elif open_tags and open_tags[-1][0] == name:
        open_tags.pop()


def _render(
    reopened: tuple[tuple[str, str], ...],
    atoms: list[str],
    still_open: tuple[tuple[str, str], ...],
) -> str:
    """A piece: tags carried over opened again, its atoms, and the tags open at its end closed."""
    head = "".join(tag for _, tag in reopened)
    tail = "".join(f"</{name}>" for name, _ in reversed(still_open))
    return head + "".join(atoms) + tail


MAX_PIECES = 8  # a reply longer than this many messages is cut, saying so
LEFT_OUT = "… (the rest is too long to send)"


def message_pieces(text: str) -> list[str]:
    """The messages a reply goes out as: at most MAX_PIECES, the last saying what was left out."""
    pieces = split_message(text)
    if len(pieces) <= MAX_PIECES:
        return pieces
    room = MESSAGE_LIMIT - visible_units(LEFT_OUT) - 1
    last = split_message(pieces[MAX_PIECES - 1], room)[0]
    return [*pieces[: MAX_PIECES - 1], f"{last}\n{LEFT_OUT}"]
