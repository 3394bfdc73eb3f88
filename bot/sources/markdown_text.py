"""Markdown to searchable text: a link counts as its text only (rules.md, article fields)."""

from __future__ import annotations

import html
import re

# [text](url "title") and ![alt](src): the text stays, the address and title go.
# Each pattern starts with the characters it needs (`!?` or a look-behind first would make
# `re` try every position instead of jumping to the next `[`, `h` or `]`).
_INLINE_LINK = re.compile(
    r"""(?:!\[|\[)([^\[\]]*)\]\(\s*<?[^()\s<>]*(?:\([^()\s]*\)[^()\s<>]*)*>?"""
    r"""(?:\s+(?:"[^"]*"|'[^']*'|\([^()]*\)))?\s*\)"""
)
_REFERENCE_LINK = re.compile(r"(?:!\[|\[)([^\[\]]+)\]\[[^\[\]]*\]")
_REFERENCE_DEFINITION = re.compile(
    r"(?m)^ {0,3}\[[^\[\]]+\]:\s*\S+(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*$"
)
_AUTOLINK = re.compile(r"<(?:https?|ftp|mailto):[^<>\s]*>")
_BARE_URL = re.compile(r"http(?<!\whttp)s?://[^\s<>()\[\]]+")
# The title of an inline link or image, `](target "title")`, and of a reference definition,
# `[id]: target "title"` (rules.md: link titles are not searched, nor read for tickers).
_TITLE = r"""(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\((?:[^()\\]|\\.)*\))"""
_INLINE_TITLE = re.compile(
    rf"""(\]\(\s*(?:<[^<>\n]*>|[^()\s<>]*(?:\([^()\s]*\)[^()\s<>]*)*))\s+{_TITLE}(\s*\))"""
)
_DEFINITION_TITLE = re.compile(rf"(?m)(^ {{0,3}}\[[^\[\]]+\]:\s*\S+)\s+{_TITLE}(?=\s*$)")
# The seed format's last line, `[source](address "title")`: the article's own address.
_SOURCE_LINE = re.compile(r"""\[[^\[\]]*\]\(\s*<?([^()\s<>]+)>?(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)""")


def markdown_to_text(markdown: str) -> str:
    """The markdown with link targets removed and character references decoded."""
    text = markdown
    # Each pattern needs a character the text may not hold: looking is cheaper than a pass.
    if "[" in text:
        if "]:" in text:
            text = _REFERENCE_DEFINITION.sub("", text)
        # Nested brackets ([**[x](y)**](z)) resolve from the inside out.
        for _ in range(4):
            replaced = _INLINE_LINK.sub(r"\1", text) if "](" in text else text
            if "][" in replaced:
                replaced = _REFERENCE_LINK.sub(r"\1", replaced)
            if replaced == text:
                break
            text = replaced
            if "[" not in text:  # nothing left for another pass
                break
    if "<" in text:
        text = _AUTOLINK.sub(" ", text)
    if "http" in text:
        text = _BARE_URL.sub(" ", text)
    return html.unescape(text)


def without_link_titles(markdown: str) -> str:
    """The markdown with the title attribute of every link, image and reference removed."""
    text = _INLINE_TITLE.sub(r"\1\2", markdown) if "](" in markdown else markdown
    return _DEFINITION_TITLE.sub(r"\1", text) if "]:" in text else text


def source_link(markdown: str) -> str | None:
    """The address on the seed format's source line: the last line, one markdown link alone.

    Links inside the text (quote pages, earlier stories) are never the article's address:
    two articles quoting one page would otherwise share one id, and one be dropped as a copy.
    """
    last = markdown.rstrip().rpartition("\n")[2].strip()
    found = _SOURCE_LINE.fullmatch(last) if last.startswith("[") else None
    return found.group(1) if found else None
