"""Characters of untrusted text that act instead of showing: terminal controls and bidi overrides.

C0 and C1 controls (ESC starting `\\x1b]0;...\\x07`, which retitles a terminal, or OSC 52,
which writes its clipboard; the 8-bit CSI `\\x9b`) reach a terminal through logs and CLI
output. Bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) reorder the
text after them: in an alert, a title ending in U+202E makes its "— source, time" read
backwards. Bidi marks (U+200E, U+200F, U+061C) only set a direction and stay.
"""

from __future__ import annotations

import re

# Every C0 control but tab and newline, DEL, every C1 control, the bidi embeddings, overrides
# and isolates, and the Unicode line and paragraph separators (a line break to log readers).
_ACTING = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_LINE_BREAKS = re.compile("[\t\n\r\u2028\u2029]")
# Whole 7-bit escape sequences, so that no `[31m` or `]0;title` is left behind as text: CSI
# (ESC [, parameters, one final byte), OSC, DCS, SOS, PM and APC strings (up to BEL, ESC \\
# or the text's end), and two-character escapes. 8-bit introducers lose only themselves:
# U+009D and its kin are more often mis-decoded quotes ("â€\x9d") than real controls.
_SEQUENCES = re.compile(
    "\x1b\\[[0-?]*[ -/]*[@-~]?|\x1b[\\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\\\)?|\x1b[ -/]*[0-~]?"
)


def without_controls(text: str, *, one_line: bool = False) -> str:
    """The text without terminal controls and bidi overrides; `one_line`: line breaks and
    tabs become spaces (a title); otherwise newlines and tabs stay and CRLF becomes LF."""
    if one_line:
        text = _LINE_BREAKS.sub(" ", text)
    if _ACTING.search(text) is None:  # nearly always: one pass, no copy
        return text
    if not one_line:
        text = text.replace("\r\n", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    return _ACTING.sub("", _SEQUENCES.sub("", text))


def escape_controls(text: str) -> str:
    """The text with every terminal control and bidi override shown as `\\uXXXX`, newlines
    and tabs kept: the last guard where untrusted text is written to a log or a terminal."""
    if _ACTING.search(text) is None:
        return text
    return _ACTING.sub(lambda found: f"\\u{ord(found.group()):04x}", text)
