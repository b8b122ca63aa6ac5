"""The tier-rule language: a tiny, safe expression language parsed into a tree (never eval()).

    rule      := or
    or        := and ("or" and)*
    and       := unary ("and" unary)*
    unary     := "not" unary | "(" rule ")" | count | comparison
    count     := "count" "(" rule ("," rule)* ")" op NUMBER
    comparison:= FACTOR ["." "recency"] op value ["within" RECENCY]
    op        := "=" | "!=" | "<" | "<=" | ">" | ">=" | "in" | "not in"
    value     := WORD | "(" WORD ("," WORD)* ")"      (a list only after in / not in)

Examples:
    sh_intent = yes within 24h
    tv_pathway >= preparation
    tv_direct_threat = present and imm_timeframe <= 7d and (imm_means = yes or imm_target = yes)
    count(tv_fixation = present, tv_leakage = present, tv_last_resort = present) >= 2

Names are only checked against a template later (`rules.check`); this module knows syntax.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

KEYWORDS = frozenset({"and", "or", "not", "in", "within", "count"})
ORDER_OPS = frozenset({"<", "<=", ">", ">="})
COMPARISON_OPS = frozenset({"=", "!=", "in", "not in"}) | ORDER_OPS
_TOKEN = re.compile(
    r"\s*(?:(?P<op><=|>=|!=|=|<|>)|(?P<punct>[(),])|(?P<word>[A-Za-z0-9_][A-Za-z0-9_.\-]*)"
    r"|(?P<bad>\S))"
)


class ExprError(ValueError):
    """A rule that does not parse; `column` is 1-based within the rule text."""

    def __init__(self, message: str, column: int):
        super().__init__(message)
        self.message = message
        self.column = column


@dataclass(frozen=True)
class Comparison:
    factor: str
    attribute: str  # "value" or "recency"
    op: str
    values: tuple[str, ...]
    within: str | None
    column: int


@dataclass(frozen=True)
class AllOf:
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class AnyOf:
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class Negation:
    item: Expr


@dataclass(frozen=True)
class Count:
    items: tuple[Expr, ...]
    op: str
    number: int
    column: int


Expr = Comparison | AllOf | AnyOf | Negation | Count


@dataclass(frozen=True)
class _Token:
    kind: str  # op | punct | word | keyword | end
    text: str
    column: int


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            break
        position = match.end()
        kind = match.lastgroup
        if kind is None:
            break
        value = match.group(kind)
        column = match.start(kind) + 1
        if kind == "bad":
            raise ExprError(f"unexpected character {value!r}", column)
        if kind == "word" and value.lower() in KEYWORDS:
            tokens.append(_Token("keyword", value.lower(), column))
        else:
            tokens.append(_Token(kind, value, column))
    tokens.append(_Token("end", "", len(text) + 1))
    return tokens


class _Parser:
    def __init__(self, text: str):
        self.tokens = _tokenize(text)
        self.index = 0

    @property
    def current(self) -> _Token:
        return self.tokens[self.index]

    def _advance(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def _at(self, kind: str, text: str | None = None) -> bool:
        token = self.current
        return token.kind == kind and (text is None or token.text == text)

    def _expect(self, kind: str, text: str, what: str) -> _Token:
        if not self._at(kind, text):
            raise ExprError(f"expected {what}, found {self._describe(self.current)}", self.column)
        return self._advance()

    @property
    def column(self) -> int:
        return self.current.column

    @staticmethod
    def _describe(token: _Token) -> str:
        return "the end of the rule" if token.kind == "end" else repr(token.text)

    def parse(self) -> Expr:
        if self._at("end"):
            raise ExprError("the rule is empty", 1)
        expr = self._or()
        if not self._at("end"):
            raise ExprError(
                f"expected 'and', 'or' or the end of the rule, found "
                f"{self._describe(self.current)}",
                self.column,
            )
        return expr

    def _or(self) -> Expr:
        items = [self._and()]
        while self._at("keyword", "or"):
            self._advance()
            items.append(self._and())
        return items[0] if len(items) == 1 else AnyOf(tuple(items))

    def _and(self) -> Expr:
        items = [self._unary()]
        while self._at("keyword", "and"):
            self._advance()
            items.append(self._unary())
        return items[0] if len(items) == 1 else AllOf(tuple(items))

    def _unary(self) -> Expr:
        if self._at("keyword", "not"):
            self._advance()
            return Negation(self._unary())
        if self._at("punct", "("):
            self._advance()
            inner = self._or()
            self._expect("punct", ")", "')'")
            return inner
        if self._at("keyword", "count"):
            return self._count()
        return self._comparison()

    def _count(self) -> Count:
        column = self._advance().column
        self._expect("punct", "(", "'(' after count")
        items = [self._or()]
        while self._at("punct", ","):
            self._advance()
            items.append(self._or())
        self._expect("punct", ")", "')' to close count(...)")
        if not self._at("op"):
            raise ExprError(
                f"count(...) must be compared with a number, e.g. count(...) >= 2; found "
                f"{self._describe(self.current)}",
                self.column,
            )
        op = self._advance().text
        token = self.current
        if token.kind != "word" or not token.text.isdigit():
            raise ExprError(
                f"expected a whole number after {op}, found {self._describe(token)}", token.column
            )
        self._advance()
        return Count(tuple(items), op, int(token.text), column)

    def _comparison(self) -> Comparison:
        token = self.current
        if token.kind != "word":
            raise ExprError(
                f"expected a factor name, 'not', 'count' or '(', found {self._describe(token)}",
                token.column,
            )
        self._advance()
        factor, _, attribute = token.text.partition(".")
        if attribute not in ("", "recency"):
            raise ExprError(
                f"{token.text!r}: only '.recency' may follow a factor name", token.column
            )
        op = self._operator()
        values = self._values(op)
        within: str | None = None
        if self._at("keyword", "within"):
            self._advance()
            recency = self.current
            if recency.kind != "word":
                raise ExprError(
                    f"expected a recency after 'within' (in_progress, 24h, 1m, 3m, older), "
                    f"found {self._describe(recency)}",
                    recency.column,
                )
            self._advance()
            within = recency.text
        return Comparison(factor, attribute or "value", op, values, within, token.column)

    def _operator(self) -> str:
        if self._at("op"):
            return self._advance().text
        if self._at("keyword", "in"):
            self._advance()
            return "in"
        if self._at("keyword", "not"):
            self._advance()
            self._expect("keyword", "in", "'in' after 'not'")
            return "not in"
        raise ExprError(
            f"expected a comparison (=, !=, <, <=, >, >=, in), found "
            f"{self._describe(self.current)}",
            self.column,
        )

    def _values(self, op: str) -> tuple[str, ...]:
        if op in ("in", "not in"):
            self._expect("punct", "(", f"'(' and a list of values after {op!r}")
            values = [self._value()]
            while self._at("punct", ","):
                self._advance()
                values.append(self._value())
            self._expect("punct", ")", "')' to close the list")
            return tuple(values)
        return (self._value(),)

    def _value(self) -> str:
        token = self.current
        if token.kind != "word":
            raise ExprError(f"expected a value, found {self._describe(token)}", token.column)
        self._advance()
        return token.text


def parse(text: str) -> Expr:
    """Parse a rule; raises ExprError with a 1-based column on bad syntax."""
    return _Parser(text).parse()


def comparisons(expr: Expr) -> list[Comparison]:
    """Every comparison in the rule, in reading order (for checks against a template)."""
    if isinstance(expr, Comparison):
        return [expr]
    if isinstance(expr, Negation):
        return comparisons(expr.item)
    found: list[Comparison] = []
    for item in expr.items:
        found.extend(comparisons(item))
    return found
