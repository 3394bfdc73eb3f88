"""A deliberately simple evaluator of the rule language, straight from the spec.

It loops over every rule and scans word lists; nothing is shared with the engine, so the
two can be checked against each other.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from pathlib import PurePath

import re2
import yaml

from bot.article import Article
from bot.knowledge import shipped
from bot.knowledge.rule_sets import entity_sets

CAP = 1_000_000
FIELDS = ("title", "summary", "body")
# Scripts written without spaces between words (Chinese, Japanese, Korean): their words are
# looked for inside a run of letters, as the spec says.
UNSPACED = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\u3040-\u30ff]")


def strip_accents(text: str) -> str:
    """NFKC, then NFKD with combining marks dropped."""
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text))
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def fold(text: str) -> str:
    """Accents removed, case folded (and accents removed again, for `İ`)."""
    folded = strip_accents(text).casefold()
    return "".join(ch for ch in folded if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    """Maximal runs of letters and digits of the folded text."""
    return re.findall(r"[^\W_]+", fold(text))


def cased(text: str) -> list[str]:
    """Words with accents removed, case kept."""
    return re.findall(r"[^\W_]+", strip_accents(text))


class BruteForce:
    """The rules of {path: yaml text}, evaluated by looping over every rule."""

    def __init__(self, texts: Mapping[str, str]) -> None:
        # `@@id` names an entity of the shipped knowledge base: a set `@id` of its names.
        self.shared: dict[str, list[str]] = {
            spec.name: [term.text for term in spec.terms]
            for spec in entity_sets(shipped()).values()
        }
        self.topics: list[tuple[str, dict]] = []
        for path, text in sorted(texts.items()):
            data = yaml.safe_load(text) or {}
            if PurePath(path).name.startswith("_"):
                self.shared.update(data.get("sets") or {})
            else:
                self.topics.append((data.get("topic") or PurePath(path).stem, data))

    def match(self, article: Article) -> list[tuple[str, str, str, str, tuple[str, ...]]]:
        """(topic, rule, priority, status, terms) of every matching rule, sorted."""
        found = []
        raw = {f: getattr(article, f)[:CAP] for f in FIELDS}
        folded = {f: words(raw[f]) for f in FIELDS}
        exact = {f: cased(raw[f]) for f in FIELDS}
        where: dict[str, dict[str, list[int]]] = {f: {} for f in FIELDS}
        for f in FIELDS:
            for i, w in enumerate(folded[f]):
                where[f].setdefault(w, []).append(i)
        for topic, data in self.topics:
            sets = {**self.shared, **(data.get("sets") or {})}
            for rule in data["rules"]:
                status = rule.get("status", "active")
                if status == "disabled":
                    continue
                sources = [s.casefold() for s in rule.get("sources") or []]
                if sources and article.source.casefold() not in sources:
                    continue
                fields = rule.get("fields") or FIELDS
                ev = _Eval(article, raw, folded, exact, where, sets, fields)
                if not all(ev.holds(c) for c in rule.get("all") or []):
                    continue
                if "any" in rule and not any(ev.holds(c) for c in rule["any"]):
                    continue
                if any(ev.holds(c) for c in rule.get("none") or []):
                    continue
                if not _link_admits(article.link or "", rule.get("links") or {}, sets):
                    continue
                terms: list[str] = []
                for c in rule.get("all") or []:
                    ev.terms(c, terms)
                for c in rule.get("any") or []:
                    if ev.holds(c):
                        ev.terms(c, terms)
                found.append(
                    (
                        topic,
                        rule["name"],
                        rule.get("priority", "normal"),
                        status,
                        tuple(dict.fromkeys(terms)),
                    )
                )
        return sorted(found)


def _link_admits(link: str, links: dict, sets: dict) -> bool:  # type: ignore[type-arg]
    """`links:`: no `none` pattern found in the link, and an `any` pattern found if listed."""

    def patterns(items: list[str]) -> list[str]:
        out: list[str] = []
        for item in items:
            item = item.strip()
            if item.startswith("@"):
                out.extend(patterns(sets[item[1:]]))
            else:
                out.append(item)
        return out

    def found(pattern: str) -> bool:
        options = re2.Options()
        options.case_sensitive = False
        return re2.compile(pattern, options).search(link) is not None

    if any(found(p) for p in patterns(links.get("none") or [])):
        return False
    wanted = patterns(links.get("any") or [])
    return not wanted or any(found(p) for p in wanted)


class _Eval:
    def __init__(self, article, raw, folded, exact, where, sets, fields) -> None:  # type: ignore[no-untyped-def]
        self.article, self.raw, self.folded, self.exact = article, raw, folded, exact
        self.where = where
        self.sets, self.fields = sets, list(fields)

    def holds(self, condition: object) -> bool:
        if isinstance(condition, str):
            return self.term(condition)
        assert isinstance(condition, dict)
        if "near" in condition:
            return self.near(condition["near"], condition["within"])
        if "all" in condition:
            return all(self.holds(c) for c in condition["all"])
        if "any" in condition:
            return any(self.holds(c) for c in condition["any"])
        return not any(self.holds(c) for c in condition["none"])

    def terms(self, condition: object, out: list[str]) -> None:
        """Terms of a condition that holds."""
        if isinstance(condition, str):
            text = condition.strip()
            if text.startswith("@"):
                for item in self.sets[text[1:]]:
                    if self.term(item):
                        self.terms(item, out)
            else:
                out.append(condition)
            return
        if "near" in condition:  # type: ignore[operator]
            for item in condition["near"]:  # type: ignore[index]
                if item.strip().startswith("@"):
                    self.terms(item, out)
                else:
                    out.append(item)
        elif "all" in condition:  # type: ignore[operator]
            for c in condition["all"]:  # type: ignore[index]
                self.terms(c, out)
        elif "any" in condition:  # type: ignore[operator]
            for c in condition["any"]:  # type: ignore[index]
                if self.holds(c):
                    self.terms(c, out)

    def term(self, text: str) -> bool:
        text = text.strip()
        if text.startswith("$"):
            return text[1:].upper() in self.article.tickers
        if text.startswith("@"):
            return any(self.term(item) for item in self.sets[text[1:]])
        if text.startswith("/"):
            options = re2.Options()
            options.case_sensitive = False
            pattern = re2.compile(text[1:-1], options)
            return any(pattern.search(self.raw[f]) for f in self.fields)
        return any(self.spans(text, f) for f in self.fields)

    def spans(self, text: str, field: str) -> list[tuple[int, int]]:
        """(first, last) word positions of every occurrence of a keyword term in a field."""
        exact = text.startswith("=")
        body = text[1:] if exact else text
        prefix = body.endswith("*")
        body = body[:-1] if prefix else body
        wanted = cased(body) if exact else words(body)
        haystack = self.exact[field] if exact else self.folded[field]
        found = []
        n = len(wanted)
        if not n:
            return found
        if all(UNSPACED.match(word) for word in wanted):
            joined = "".join(wanted)
            return [(i, i) for i, word in enumerate(haystack) if joined in word]
        # Where the first word can start: every word equal to it (or, for a one-word prefix,
        # starting with it), straight from the word list of the field.
        folded_first = fold(wanted[0]) if exact else wanted[0]
        if prefix and n == 1:
            starts = [
                i for w, at in self.where[field].items() if w.startswith(folded_first) for i in at
            ]
        else:
            starts = self.where[field].get(folded_first, [])
        for i in starts:
            window = haystack[i : i + n]
            if len(window) < n:
                continue
            if prefix:
                ok = window[:-1] == wanted[:-1] and window[-1].startswith(wanted[-1])
            else:
                ok = window == wanted
            if ok:
                found.append((i, i + n - 1))
        return sorted(found)

    def near(self, items: list[str], within: int) -> bool:
        for field in self.fields:
            spans = [self.item_spans(item, field) for item in items]
            if not all(spans):
                continue
            for start in range(len(self.folded[field])):
                last = start + within - 1
                if all(any(a >= start and b <= last for a, b in s) for s in spans):
                    return True
        return False

    def item_spans(self, item: str, field: str) -> list[tuple[int, int]]:
        item = item.strip()
        if item.startswith("@"):
            return [span for term in self.sets[item[1:]] for span in self.item_spans(term, field)]
        return self.spans(item, field)
