"""One-line queries (`/watch`, `newsbot match --query`): one rule of the rule language."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import re2

from bot.errors import NewsbotError
from bot.rules import analysis, regexes
from bot.rules.compile import compile_specs
from bot.rules.engine import RuleBook
from bot.rules.loader import (
    MAX_WITHIN,
    Condition,
    FileSpec,
    Group,
    Near,
    RuleSpec,
    SetSpec,
    Term,
    parse_file,
    term_problem,
)

QUERY_TOPIC = "query"
QUERY_RULE = "query"
_OPERATORS = {"AND": "and", "OR": "or", "NOT": "not"}
# Phones turn " into typographic quotes; both pairs open and close a phrase.
_QUOTES = {'"': '"', "\u201c": "\u201d"}
_NEAR = "NEAR/"
# A word token: a run up to a space, a parenthesis or an opening quote (one regex step, not a
# loop over characters: 100,000 stored watches are read at every start).
_WORD_RUN = re.compile("[^\\s()" + "".join(map(re.escape, _QUOTES)) + "]+")
MAX_NESTING = 20


class QueryError(NewsbotError, ValueError):
    """A query that cannot be used: what is wrong and where (a 1-based character position)."""

    def __init__(self, text: str, position: int, reason: str) -> None:
        super().__init__(f"character {position}: {reason}")
        self.text = text
        self.position = position
        self.reason = reason

    def pointer(self, indent: str = "  ") -> str:
        """The query on one line and a caret under the position on the next."""
        shown = "".join(" " if char in "\r\n" else char for char in self.text)
        before = shown[: self.position - 1]
        pad = "".join(
            char if char == "\t" else "  " if unicodedata.east_asian_width(char) in "WF" else " "
            for char in before
        )
        return f"{indent}{shown}\n{indent}{pad}^"


class _Token(NamedTuple):
    """One piece of a query: `term`, `phrase`, `regex`, `and`, `or`, `not`, `near`, `(`, `)`.

    A named tuple: made several times per query, for every stored watch at each start."""

    kind: str
    text: str
    position: int
    within: int = 0


@dataclass(frozen=True, slots=True)
class _Not:
    item: _Node
    position: int


@dataclass(frozen=True, slots=True)
class _Both:
    """Items that must all hold (`AND`, or side by side)."""

    items: tuple[_Node, ...]
    position: int


@dataclass(frozen=True, slots=True)
class _Either:
    """Items of which one must hold (`OR`)."""

    items: tuple[_Node, ...]
    position: int


_Node = Term | Near | _Not | _Both | _Either


def parse_query(text: str, *, name: str = QUERY_RULE) -> RuleSpec:
    """The rule a query means (default fields, no sources, priority normal); QueryError if bad."""
    tokens = _tokens(text)
    if not tokens:
        raise QueryError(text, 1, "empty query: write something to look for")
    shape = tuple([token.kind for token in tokens])
    template = _SHAPES.get(shape)
    if template is not None:
        found = _filled(template, tokens)
        if found is not None:
            return _rule_spec(name, *found)
    spec = _parsed(text, tokens, name)
    if len(_SHAPES) < MAX_SHAPES:
        _SHAPES[shape] = _template(spec, tokens)
    return spec


# Queries of one shape (the same kinds of token in the same order) parse to the same tree:
# 100,000 stored watches come in a few hundred shapes, parsed once each at a start. Only the
# terms differ, and `_filled` checks each one as the parser would; any it refuses sends the
# query through the parser, which says why.
MAX_SHAPES = 10_000
# ("t", token) a term; ("g", kind, token, items) a group; ("n", token, terms) a NEAR; `token`
# the index of the token whose position (and for NEAR, distance) the condition takes.
_Template = tuple[Any, ...]
_SHAPES: dict[tuple[str, ...], tuple[tuple[_Template, ...] | None, ...]] = {}


def _template(spec: RuleSpec, tokens: list[_Token]) -> tuple[tuple[_Template, ...] | None, ...]:
    """The rule's `all` and `any` with every text and position replaced by its token's index."""
    at = {token.position: index for index, token in enumerate(tokens)}
    return tuple(
        None if part is None else tuple(_shape_of(item, at) for item in part)
        for part in (spec.all, spec.any)
    )


def _shape_of(condition: Condition, at: dict[int, int]) -> _Template:
    if isinstance(condition, Term):
        return ("t", at[condition.column])
    if isinstance(condition, Group):
        items = tuple(_shape_of(item, at) for item in condition.items)
        return ("g", condition.kind, at[condition.column], items)
    terms = tuple(("t", at[term.column]) for term in condition.items)
    return ("n", at[condition.column], terms)


def _filled(
    template: tuple[tuple[_Template, ...] | None, ...], tokens: list[_Token]
) -> tuple[tuple[Condition, ...] | None, ...] | None:
    """The shape's conditions with these tokens' terms; None when a term is not valid where
    it stands (the parser then says why)."""
    # No nested function: a recursive closure is a reference cycle, and start-up compiles
    # with the cyclic collector off, so each query's would stay until the next collection.
    found: list[tuple[Condition, ...] | None] = []
    for part in template:
        if part is None:
            found.append(None)
            continue
        items = [_fill(item, tokens) for item in part]
        if None in items:
            return None
        found.append(tuple(items))  # type: ignore[arg-type]
    return tuple(found)


def _fill(item: _Template, tokens: list[_Token]) -> Condition | None:
    """One condition of a shape with these tokens' terms; None when a term is not valid."""
    kind = item[0]
    if kind == "t":
        token = tokens[item[1]]
        if token.kind == "phrase" and not token.text.strip():
            return None
        if term_problem(token.text):
            return None
        return Term(token.text, 1, token.position)
    if kind == "g":
        items = [_fill(inner, tokens) for inner in item[3]]
        if None in items:
            return None
        return Group(item[1], tuple(items), 1, tokens[item[2]].position)  # type: ignore[arg-type]
    near = tokens[item[1]]
    terms: list[Term] = []
    for inner in item[2]:
        term = _fill(inner, tokens)
        if not isinstance(term, Term) or term.text.strip().startswith(("$", "/")):
            return None
        terms.append(term)
    return Near(tuple(terms), near.within, 1, near.position)


def _parsed(text: str, tokens: list[_Token], name: str) -> RuleSpec:
    """`parse_query` by the parser itself."""
    root = _Parser(text, tokens).query()
    if not _looks_for_something(root):
        raise QueryError(
            text,
            tokens[0].position,
            "only NOT items: add something to look for (a word, a phrase, a ticker...)",
        )
    all_: tuple[Condition, ...] | None = None
    any_: tuple[Condition, ...] | None = None
    if isinstance(root, _Either):
        any_ = _flat(root)
    elif isinstance(root, _Both):
        all_ = _flat(root)
    else:
        all_ = (_condition(root),)
    return _rule_spec(name, all_, any_)


def _rule_spec(
    name: str, all_: tuple[Condition, ...] | None, any_: tuple[Condition, ...] | None
) -> RuleSpec:
    return RuleSpec(
        name=name,
        priority="normal",
        status="active",
        all=all_,
        any=any_,
        none=(),
        fields=analysis.FIELDS,
        sources=(),
        match=(),
        no_match=(),
        line=1,
        column=1,
    )


def compile_query(
    text: str,
    shared_sets: Mapping[str, SetSpec],
    *,
    topic: str = QUERY_TOPIC,
    name: str = QUERY_RULE,
) -> RuleBook:
    """A rule book of one query as topic `query`, rule `query`; QueryError if bad."""
    return compile_queries({(topic, name): text}, shared_sets)


def compile_queries(
    queries: Mapping[tuple[str, str], str], shared_sets: Mapping[str, SetSpec]
) -> RuleBook:
    """One rule book of the queries, keyed by (topic, rule), seeing the shared sets.

    Raises QueryError for the first bad query (unknown `@set`, a ticker or regex reaching
    `NEAR` through a set, and everything `parse_query` rejects).
    """
    rules: dict[str, list[RuleSpec]] = {}
    for (topic, name), text in queries.items():
        rules.setdefault(topic, []).append(parse_query(text, name=name))
    files = [
        FileSpec(_path(topic), is_topic=True, topic=topic, rules=tuple(specs))
        for topic, specs in rules.items()
    ]
    book, problems = compile_specs(files, shared_sets)
    if not problems:
        return book
    # Rare: find the query at fault alone, so that the position is its own.
    for (topic, name), text in queries.items():
        spec = FileSpec(
            _path(topic), is_topic=True, topic=topic, rules=(parse_query(text, name=name),)
        )
        _, found = compile_specs([spec], shared_sets)
        own = [problem for problem in found if problem.path == spec.path]
        if own:
            raise QueryError(text, own[0].column, own[0].message)
    text = next(iter(queries.values()))
    raise QueryError(text, 1, str(problems[0]))


def query_regex_cost(text: str) -> int:
    """What the query's regexes cost together (RE2 program instructions); 0 without any."""
    try:
        tokens = _tokens(text)
    except QueryError:
        return 0
    total = 0
    for token in tokens:
        if token.kind != "regex":
            continue
        try:
            total += regexes.regex_cost(token.text[1:-1])
        except (re2.error, TypeError, ValueError):  # refused by the parser, costs nothing
            continue
    return total


def shared_sets(book: RuleBook) -> dict[str, SetSpec]:
    """The sets of the rule book's `_` files and its entities (`@@id`): what a query can name."""
    found: dict[str, SetSpec] = dict(book.entity_sets)
    for path, info in sorted(book.files.items()):
        if info.topic is None:
            spec, _ = parse_file(path, info.text)
            if spec is not None:
                found.update(spec.sets)
    return found


def _path(topic: str) -> str:
    return f"<query {topic}>"


# -- reading -------------------------------------------------------------------------------


def _tokens(text: str) -> list[_Token]:
    """The query split into tokens; unclosed quotes and regexes are errors."""
    tokens: list[_Token] = []
    index, size = 0, len(text)
    match = _PLAIN_TOKEN.match
    while (found := match(text, index)) is not None:
        kind = found.lastindex or 0  # one group of the alternatives always took part
        if kind == 1:
            tokens.append(_new_token(_Token, (found[1], found[1], found.start(1) + 1, 0)))
        elif kind == 4:
            tokens.append(_word_token(text, found[4], found.start(4) + 1))
        else:  # a phrase: its position is its opening quote's
            tokens.append(_new_token(_Token, ("phrase", found[kind], found.start(kind), 0)))
        index = found.end()
    if index == size or text[index:].isspace():
        return tokens
    return _tokens_one_by_one(text)  # a regex, or a quote the fast path does not take


# What `_tokens_one_by_one` makes of plain queries (words, parentheses, phrases followed by a
# space, a parenthesis or the end), in one regex step per token: 100,000 stored watches are
# read at every start. Anything else (a regex, an unclosed quote) takes the slow path, which
# says what is wrong.
_PLAIN_TOKEN = re.compile(
    r"\s*(?:([()])"
    r'|"([^"]*)"(?=[\s()]|\Z)'
    r"|\u201c([^\u201d]*)\u201d(?=[\s()]|\Z)"
    r'|([^\s()"\u201c/][^\s()"\u201c]*))'
)
_new_token = tuple.__new__


def _tokens_one_by_one(text: str) -> list[_Token]:
    """`_tokens` a character at a time: every query, with every error found."""
    tokens: list[_Token] = []
    index, size = 0, len(text)
    while index < size:
        char = text[index]
        position = index + 1
        if char.isspace():
            index += 1
        elif char in "()":
            tokens.append(_Token(char, char, position))
            index += 1
        elif char in _QUOTES:
            end = text.find(_QUOTES[char], index + 1)
            if end < 0:
                raise QueryError(
                    text, position, f"this quote is never closed: add a closing {_QUOTES[char]}"
                )
            tokens.append(_Token("phrase", text[index + 1 : end], position))
            index = _after_closing(text, end, "quote")
        elif char == "/":
            end = _regex_end(text, index)
            if end < 0:
                raise QueryError(text, position, "this regex is never closed: end it with /")
            tokens.append(_Token("regex", text[index : end + 1], position))
            index = _after_closing(text, end, "regex")
        else:
            found = _WORD_RUN.match(text, index)
            end = found.end() if found is not None else index + 1
            tokens.append(_word_token(text, text[index:end], position))
            index = end
    return tokens


def _regex_end(text: str, start: int) -> int:
    """The index of the `/` that closes the regex opened at `start`, or -1."""
    index = start + 1
    while index < len(text):
        if text[index] == "\\":
            index += 2
            continue
        if text[index] == "/":
            return index
        index += 1
    return -1


def _after_closing(text: str, end: int, what: str) -> int:
    """The index after a closing quote or slash, which must end the token."""
    after = end + 1
    if after < len(text) and not text[after].isspace() and text[after] not in "()":
        raise QueryError(text, after + 1, f"put a space after the closing {what}")
    return after


def _word_token(text: str, word: str, position: int) -> _Token:
    if word in _OPERATORS:
        return _Token(_OPERATORS[word], word, position)
    if not word.startswith(_NEAR):
        return _Token("term", word, position)
    number = word[len(_NEAR) :]
    if not (number.isascii() and number.isdigit()):
        raise QueryError(
            text,
            position,
            f"{word}: NEAR/ takes a number of words from 1 to {MAX_WITHIN}, such as NEAR/5",
        )
    within = int(number)
    if not 1 <= within <= MAX_WITHIN:
        raise QueryError(
            text, position, f"{word}: the number must be from 1 to {MAX_WITHIN}, not {within}"
        )
    return _Token("near", word, position, within)


class _Parser:
    """Recursive descent over the tokens: OR of ANDs of NOT, parentheses, NEAR and terms."""

    def __init__(self, text: str, tokens: list[_Token]) -> None:
        self.text = text
        self.tokens = tokens
        self.index = 0
        self.depth = 0

    def error(self, position: int, reason: str) -> QueryError:
        return QueryError(self.text, position, reason)

    def peek(self) -> _Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def starts_item(self) -> bool:
        token = self.peek()
        return token is not None and token.kind in ("term", "phrase", "regex", "not", "near", "(")

    def query(self) -> _Node:
        root = self.either()
        token = self.peek()
        if token is not None:  # only a `)` can stop `either` early
            raise self.error(token.position, "`)` has no `(` to close")
        return root

    def either(self) -> _Node:
        items = [self.both()]
        while (token := self.peek()) is not None and token.kind == "or":
            self.take()
            if not self.starts_item():
                raise self.error(token.position, "`OR` needs something after it")
            items.append(self.both())
        return items[0] if len(items) == 1 else _Either(tuple(items), _position(items[0]))

    def both(self) -> _Node:
        items = [self.unary()]
        while (token := self.peek()) is not None:
            if token.kind == "and":
                self.take()
                if not self.starts_item():
                    raise self.error(token.position, "`AND` needs something after it")
            elif not self.starts_item():
                break
            items.append(self.unary())
        return items[0] if len(items) == 1 else _Both(tuple(items), _position(items[0]))

    def unary(self) -> _Node:
        token = self.peek()
        if token is None:
            raise self.error(len(self.text) + 1, "the query ends too early")
        if token.kind in ("and", "or"):
            raise self.error(token.position, f"`{token.text}` needs something before it")
        if token.kind == ")":
            raise self.error(token.position, "`)` has no `(` to close")
        self.take()
        if token.kind in ("not", "("):
            # Bounded, so that no query can exhaust the parser's (or the engine's) stack.
            self.depth += 1
            if self.depth > MAX_NESTING:
                raise self.error(
                    token.position,
                    f"nested too deep: at most {MAX_NESTING} levels of parentheses and NOT",
                )
            try:
                return self.nested(token)
            finally:
                self.depth -= 1
        if token.kind == "near":
            return self.near(token)
        return self.term(token)

    def nested(self, token: _Token) -> _Node:
        """What follows a `NOT` or a `(`."""
        if token.kind == "not":
            if not self.starts_item():
                raise self.error(token.position, "`NOT` needs something after it")
            return _Not(self.unary(), token.position)
        following = self.peek()
        if following is not None and following.kind == ")":
            raise self.error(token.position, "empty parentheses: put something between them")
        if following is None:
            raise self.error(token.position, "`(` is never closed: add `)`")
        inner = self.either()
        if self.peek() is None:
            raise self.error(token.position, "`(` is never closed: add `)`")
        self.take()
        return inner

    def near(self, near: _Token) -> Near:
        example = f"such as {near.text}(Putin talks)"
        opening = self.peek()
        if opening is None or opening.kind != "(":
            raise self.error(
                near.position, f"{near.text} needs its terms in parentheses, {example}"
            )
        self.take()
        terms: list[Term] = []
        while (token := self.peek()) is not None and token.kind != ")":
            if token.kind not in ("term", "phrase", "regex"):
                raise self.error(
                    token.position,
                    f"{near.text}(...) takes terms only, not `{token.text}`, {example}",
                )
            term = self.term(self.take())
            if term.text.strip().startswith(("$", "/")):
                raise self.error(
                    token.position,
                    f"{near.text}(...) takes keyword, phrase, prefix or exact-case terms, "
                    f"not {term.text!r}",
                )
            terms.append(term)
        if token is None:
            raise self.error(opening.position, "`(` is never closed: add `)`")
        self.take()
        if len(terms) < 2:
            found = "no terms" if not terms else "one term"
            raise self.error(
                near.position, f"{near.text} has {found}: it needs at least two, {example}"
            )
        return Near(tuple(terms), near.within, 1, near.position)

    def term(self, token: _Token) -> Term:
        if token.kind == "phrase" and not token.text.strip():
            raise self.error(token.position, 'empty quotes: put a phrase between the "')
        problem = term_problem(token.text)
        if problem:
            raise self.error(token.position, problem)
        return Term(token.text, 1, token.position)


def _position(node: _Node) -> int:
    return node.column if isinstance(node, Term | Near) else node.position


def _looks_for_something(node: _Node) -> bool:
    """Whether some term or NEAR is not under a NOT (else the query is only NOT items)."""
    if isinstance(node, _Not):
        return False
    if isinstance(node, _Both | _Either):
        return any(_looks_for_something(item) for item in node.items)
    return True


# -- the rule ------------------------------------------------------------------------------


def _flat(node: _Both | _Either) -> tuple[Condition, ...]:
    """The node's conditions, with nested groups of the same kind spliced in."""
    found: list[Condition] = []
    for item in node.items:
        if type(item) is type(node):
            found.extend(_flat(item))
        else:
            found.append(_condition(item))
    return tuple(found)


def _condition(node: _Node) -> Condition:
    if isinstance(node, Term | Near):
        return node
    if isinstance(node, _Both):
        return Group("all", _flat(node), 1, node.position)
    if isinstance(node, _Either):
        return Group("any", _flat(node), 1, node.position)
    # NOT (a OR b) is "none of a, b".
    inner = node.item
    items = _flat(inner) if isinstance(inner, _Either) else (_condition(inner),)
    return Group("none", items, 1, node.position)


__all__ = [
    "QUERY_RULE",
    "QUERY_TOPIC",
    "QueryError",
    "compile_queries",
    "compile_query",
    "parse_query",
    "shared_sets",
]
