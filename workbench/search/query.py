"""The search box language, parsed into terms; never handed to FTS5 as typed.

    bridge 自殺            both must occur (anywhere in the text, also inside longer words)
    "last stream"        a phrase: these characters in this order, spaces included
    owl OR 自殺           either of the two
    -demo   NOT demo     leave out items that contain it
    AND                  allowed between words and ignored (every word is required anyway)

Matching is by substring, case-insensitive, so a trailing `*` adds nothing and is dropped.
Everything else (FTS5 operators, `:`, `^`, `(`, `+`, quotes inside words) is literal text.
Mistakes raise `SearchQueryError` with a message that says what to change.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from workbench.errors import ValidationError

MAX_QUERY_CHARS = 500
MAX_TERMS = 32
KEYWORDS = ("AND", "OR", "NOT")


_AND_MESSAGE = (
    "AND needs a word on both sides. Every word is required anyway, so AND can be left out."
)
_OR_MESSAGE = "OR needs a word on both sides, for example: owl OR 自殺."
_NOT_MESSAGE = "NOT needs a word after it, for example: rin NOT demo."


class SearchQueryError(ValidationError):
    """The search text cannot be read; the message says how to fix it."""


@dataclass(frozen=True)
class Query:
    """Groups must all match; a group matches if any of its terms occurs (OR)."""

    groups: tuple[tuple[str, ...], ...]
    excluded: tuple[str, ...]

    @property
    def terms(self) -> tuple[str, ...]:
        """Every positive term, for highlighting."""
        return tuple(term for group in self.groups for term in group)


@dataclass(frozen=True)
class _Token:
    text: str
    quoted: bool


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char.isspace():
            i += 1
            continue
        if char == '"' or (char == "-" and text[i + 1 : i + 2] == '"'):
            negated = char == "-"
            start = i + 1 if negated else i
            end = text.find('"', start + 1)
            if end < 0:
                raise SearchQueryError(
                    f'The quote " at position {start + 1} is not closed. Close the phrase '
                    '("like this") or remove the quote.'
                )
            phrase = " ".join(text[start + 1 : end].split())
            if not phrase:
                raise SearchQueryError(
                    'An empty phrase ("") was given. Put words between the quotes or remove them.'
                )
            tokens.append(_Token(("-" if negated else "") + phrase, quoted=True))
            i = end + 1
            continue
        end = i
        while end < n and not text[end].isspace():
            end += 1
        tokens.append(_Token(text[i:end], quoted=False))
        i = end
    return tokens


def _unprintable(char: str) -> bool:
    return char in "\ue000\ue001" or unicodedata.category(char) in ("Cc", "Cs")


def _clean_word(word: str) -> str:
    stripped = word.rstrip("*")
    if not stripped:
        raise SearchQueryError(
            f"'{word}' is not a search: there is no wildcard. Every word already matches "
            "inside longer words (bank finds embankment), so type the letters you know."
        )
    return stripped


def parse_query(text: str) -> Query:
    """Read the search box text; raises SearchQueryError on mistakes."""
    # Control characters (NUL ends an FTS5 string) and the snippet markers are not text.
    text = "".join(" " if _unprintable(char) else char for char in text or "")
    if not text.strip():
        raise SearchQueryError("Type something to search for.")
    if len(text) > MAX_QUERY_CHARS:
        raise SearchQueryError(
            f"The search text is {len(text)} characters long; the limit is {MAX_QUERY_CHARS}. "
            "Search for the most distinctive words only."
        )
    groups: list[list[str]] = []
    excluded: list[str] = []
    last = ""  # "", "term", "excluded", "AND", "OR", "NOT"
    for token in _tokens(text):
        word = token.text
        if not token.quoted and word in KEYWORDS:
            if word == "AND" and last not in ("term", "excluded"):
                raise SearchQueryError(_AND_MESSAGE)
            if word == "OR" and last != "term":
                raise SearchQueryError(_OR_MESSAGE)
            if word == "NOT" and last in ("OR", "NOT"):
                raise SearchQueryError(_NOT_MESSAGE)
            last = word
            continue
        negated = last == "NOT"
        if word.startswith("-") and (token.quoted or len(word) > 1):
            negated, word = True, word[1:]
        elif word == "-":
            raise SearchQueryError("'-' needs a word right after it, for example: rin -demo.")
        term = word if token.quoted else _clean_word(word)
        if negated:
            if last == "OR":
                raise SearchQueryError(
                    "OR cannot be followed by an excluded word; write the excluded word on "
                    "its own, for example: owl OR rin -demo."
                )
            excluded.append(term)
            last = "excluded"
            continue
        if last == "OR":
            groups[-1].append(term)
        else:
            groups.append([term])
        last = "term"
    if last in ("AND", "OR", "NOT"):
        raise SearchQueryError({"AND": _AND_MESSAGE, "OR": _OR_MESSAGE}.get(last, _NOT_MESSAGE))
    if not groups:
        raise SearchQueryError(
            "Add a word to look for: excluded words (-word, NOT word) only remove results."
        )
    if sum(map(len, groups)) + len(excluded) > MAX_TERMS:
        raise SearchQueryError(
            f"Too many words (the limit is {MAX_TERMS}). Search for the most distinctive ones."
        )
    return Query(tuple(tuple(dict.fromkeys(g)) for g in groups), tuple(dict.fromkeys(excluded)))
