"""Counts in words people read: `1 topic`, `2 topics`."""

from __future__ import annotations


def count(number: int, noun: str, plural: str | None = None) -> str:
    """The number and the noun, singular for one."""
    return f"{number} {noun if number == 1 else plural or noun + 's'}"


def sentence(text: str) -> str:
    """The text as a sentence: a capital first letter (`at most 4 ...` → `At most 4 ...`)."""
    return text[:1].upper() + text[1:]
