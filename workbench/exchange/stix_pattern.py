"""A parser for the STIX 2.1 patterning language (STIX 2.1 part 9), small enough to read.

`parse_pattern` turns an indicator's pattern into a tree, or raises `PatternError` naming the
character where it stops making sense. `simple_comparisons` then says whether the tree is
only `[type:path = 'value']` comparisons joined by OR (inside one observation or between
observations, without qualifiers), which is what an import can turn into observables; it
returns None for anything else (AND, other operators, NOT, qualifiers such as WITHIN).

Grammar (precedence from loose to tight):

    pattern      := obs_or (FOLLOWEDBY obs_or)*
    obs_or       := obs_and (OR obs_and)*
    obs_and      := observation (AND observation)*
    observation  := ('[' comparison ']' | '(' pattern ')') qualifier*
    qualifier    := WITHIN number SECONDS | REPEATS int TIMES | START t'..' STOP t'..'
    comparison   := comp_and (OR comp_and)*
    comp_and     := test (AND test)*
    test         := '(' comparison ')' | EXISTS path
                  | path NOT? (= | == | != | <> | < | <= | > | >=) literal
                  | path NOT? IN '(' literal (',' literal)* ')'
                  | path NOT? (LIKE | MATCHES | ISSUBSET | ISSUPERSET) 'string'
    path         := object-type ':' (name | 'quoted') ('.' (name | 'quoted') | '[' int|* ']')*
    literal      := 'string' | int | float | true | false | t'timestamp' | h'hex' | b'base64'

"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

KEYWORDS = {
    "AND", "OR", "NOT", "FOLLOWEDBY", "LIKE", "MATCHES", "ISSUPERSET", "ISSUBSET", "EXISTS",
    "IN", "START", "STOP", "SECONDS", "WITHIN", "REPEATS", "TIMES",
}  # fmt: skip
ORDER_OPERATORS = {"<", "<=", ">", ">="}
STRING_OPERATORS = {"LIKE", "MATCHES", "ISSUBSET", "ISSUPERSET"}
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
_HEX = re.compile(r"^([0-9a-fA-F]{2})*$")
_BASE64 = re.compile(r"^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d+)?|\.\d+)")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_OPERATORS = ("==", "!=", "<>", "<=", ">=", "=", "<", ">")
_PUNCTUATION = {"[": "[", "]": "]", "(": "(", ")": ")", ",": ",", ":": ":", ".": ".", "*": "*"}


class PatternError(ValueError):
    """The pattern does not follow the STIX patterning grammar."""

    def __init__(self, message: str, position: int):
        super().__init__(f"{message} (at character {position + 1})")
        self.position = position


@dataclass(frozen=True)
class Token:
    kind: str  # punctuation itself, "op", "string", "timestamp", "hex", "binary", "int",
    # "float", "bool", "ident", "keyword", "end"
    text: str
    value: Any
    position: int


@dataclass(frozen=True)
class Comparison:
    object_type: str
    path: tuple[str | int, ...]  # "*" stands for any list index
    operator: str  # "=", "!=", "<", ..., "IN", "LIKE", ..., "EXISTS"
    negated: bool
    value: Any
    value_kind: str  # "string", "int", "float", "bool", "timestamp", "hex", "binary", "set"


@dataclass(frozen=True)
class Junction:
    operator: str  # AND, OR (comparisons or observations), FOLLOWEDBY (observations)
    parts: tuple[Any, ...]


@dataclass(frozen=True)
class Observation:
    expression: Any  # Comparison or Junction of comparisons
    qualifiers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Grouped:
    """A parenthesised observation expression, possibly with qualifiers."""

    expression: Any
    qualifiers: tuple[str, ...] = ()


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char.isspace():
            i += 1
            continue
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise PatternError("a comment is not closed with */", i)
            i = end + 2
            continue
        if text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end + 1
            continue
        if char in "thb" and text.startswith("'", i + 1):
            value, end = _string(text, i + 1)
            kind = {"t": "timestamp", "h": "hex", "b": "binary"}[char]
            check = {"timestamp": _TIMESTAMP, "hex": _HEX, "binary": _BASE64}[kind]
            if not check.match(value):
                what = {
                    "timestamp": "a timestamp (t'YYYY-MM-DDThh:mm:ssZ')",
                    "hex": "hexadecimal bytes",
                    "binary": "base64",
                }[kind]
                raise PatternError(f"{char}'{value}' is not {what}", i)
            tokens.append(Token(kind, text[i:end], value, i))
            i = end
            continue
        if char == "'":
            value, end = _string(text, i)
            tokens.append(Token("string", text[i:end], value, i))
            i = end
            continue
        operator = next((op for op in _OPERATORS if text.startswith(op, i)), None)
        if operator is not None:
            tokens.append(Token("op", operator, operator, i))
            i += len(operator)
            continue
        number = _NUMBER.match(text, i)
        if number and (char.isdigit() or char in "+-."):
            literal = number.group(0)
            is_float = "." in literal
            amount: float | int = float(literal) if is_float else int(literal)
            tokens.append(Token("float" if is_float else "int", literal, amount, i))
            i = number.end()
            continue
        if char in _PUNCTUATION:
            tokens.append(Token(char, char, char, i))
            i += 1
            continue
        word = _IDENTIFIER.match(text, i)
        if word:
            literal = word.group(0)
            if literal in ("true", "false"):
                tokens.append(Token("bool", literal, literal == "true", i))
            elif literal in KEYWORDS:
                tokens.append(Token("keyword", literal, literal, i))
            else:
                tokens.append(Token("ident", literal, literal, i))
            i = word.end()
            continue
        raise PatternError(f"unexpected character {char!r}", i)
    tokens.append(Token("end", "", None, n))
    return tokens


def _string(text: str, start: int) -> tuple[str, int]:
    """The value of the quoted string at `start` (only \\' and \\\\ are escapes) and the
    index after its closing quote."""
    out: list[str] = []
    i = start + 1
    while i < len(text):
        char = text[i]
        if char == "\\":
            following = text[i + 1 : i + 2]
            if following not in ("'", "\\"):
                raise PatternError(
                    "a backslash in a string may only escape a quote or a backslash", i
                )
            out.append(following)
            i += 2
            continue
        if char == "'":
            return "".join(out), i + 1
        out.append(char)
        i += 1
    raise PatternError("a string is not closed with a quote", start)


class _Parser:
    def __init__(self, text: str):
        self.tokens = tokenize(text)
        self.index = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.index]

    def take(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def at(self, kind: str, text: str | None = None) -> bool:
        token = self.token
        return token.kind == kind and (text is None or token.text == text)

    def expect(self, kind: str, text: str | None = None, what: str | None = None) -> Token:
        if not self.at(kind, text):
            wanted = what or repr(text or kind)
            raise PatternError(
                f"expected {wanted}, found {_describe(self.token)}", self.token.position
            )
        return self.take()

    def pattern(self) -> Any:
        tree = self.observations()
        if not self.at("end"):
            raise PatternError(
                f"unexpected {_describe(self.token)} after a complete pattern", self.token.position
            )
        return tree

    def observations(self) -> Any:
        return self._joined("FOLLOWEDBY", self.observation_or)

    def observation_or(self) -> Any:
        return self._joined("OR", self.observation_and)

    def observation_and(self) -> Any:
        return self._joined("AND", self.observation)

    def _joined(self, keyword: str, part: Any) -> Any:
        parts = [part()]
        while self.at("keyword", keyword):
            self.take()
            parts.append(part())
        return parts[0] if len(parts) == 1 else Junction(keyword, tuple(parts))

    def observation(self) -> Any:
        if self.at("["):
            self.take()
            expression = self.comparison()
            self.expect("]", what="']' closing the observation")
            return Observation(expression, self.qualifiers())
        if self.at("("):
            self.take()
            inner = self.observations()
            self.expect(")", what="')'")
            return Grouped(inner, self.qualifiers())
        raise PatternError(
            f"expected '[' to start an observation, found {_describe(self.token)}",
            self.token.position,
        )

    def qualifiers(self) -> tuple[str, ...]:
        found: list[str] = []
        while self.at("keyword"):
            word = self.token.text
            if word == "WITHIN":
                self.take()
                amount = self.token
                if amount.kind not in ("int", "float") or amount.text.startswith("-"):
                    raise PatternError(
                        "WITHIN needs a number of seconds (not negative)", amount.position
                    )
                self.take()
                self.expect("keyword", "SECONDS")
                found.append(f"WITHIN {amount.text} SECONDS")
            elif word == "REPEATS":
                self.take()
                amount = self.token
                if amount.kind != "int" or amount.text.startswith("-"):
                    raise PatternError(
                        "REPEATS needs a whole number (not negative)", amount.position
                    )
                self.take()
                self.expect("keyword", "TIMES")
                found.append(f"REPEATS {amount.text} TIMES")
            elif word == "START":
                self.take()
                start = self.expect("timestamp", what="a timestamp t'...' after START")
                self.expect("keyword", "STOP")
                stop = self.expect("timestamp", what="a timestamp t'...' after STOP")
                found.append(f"START {start.text} STOP {stop.text}")
            else:
                break
        return tuple(found)

    def comparison(self) -> Any:
        return self._joined("OR", self.comparison_and)

    def comparison_and(self) -> Any:
        return self._joined("AND", self.test)

    def test(self) -> Any:
        if self.at("("):
            self.take()
            inner = self.comparison()
            self.expect(")", what="')'")
            return inner
        if self.at("keyword", "EXISTS"):
            self.take()
            object_type, path = self.path()
            return Comparison(object_type, path, "EXISTS", False, None, "bool")
        object_type, path = self.path()
        negated = False
        if self.at("keyword", "NOT"):
            self.take()
            negated = True
        token = self.token
        if token.kind == "op":
            self.take()
            operator = "=" if token.text == "==" else "!=" if token.text == "<>" else token.text
            literal = self.literal()
            if operator in ORDER_OPERATORS and literal.kind == "bool":
                raise PatternError(f"{operator} cannot compare with true/false", literal.position)
            return Comparison(object_type, path, operator, negated, literal.value, literal.kind)
        if token.kind == "keyword" and token.text == "IN":
            self.take()
            self.expect("(", what="'(' starting the set after IN")
            values: list[Any] = []
            if not self.at(")"):
                values.append(self.literal().value)
                while self.at(","):
                    self.take()
                    values.append(self.literal().value)
            self.expect(")", what="')' closing the set")
            return Comparison(object_type, path, "IN", negated, tuple(values), "set")
        if token.kind == "keyword" and token.text in STRING_OPERATORS:
            self.take()
            literal = self.expect("string", what=f"a quoted string after {token.text}")
            return Comparison(object_type, path, token.text, negated, literal.value, "string")
        raise PatternError(
            f"expected a comparison operator after the object path, found {_describe(token)}",
            token.position,
        )

    def literal(self) -> Token:
        token = self.token
        if token.kind in ("string", "int", "float", "bool", "timestamp", "hex", "binary"):
            return self.take()
        raise PatternError(f"expected a value, found {_describe(token)}", token.position)

    def path(self) -> tuple[str, tuple[str | int, ...]]:
        token = self.token
        if token.kind != "ident":
            raise PatternError(
                f"expected an object path such as file:name, found {_describe(token)}",
                token.position,
            )
        self.take()
        self.expect(":", what="':' after the object type")
        first = self.token
        if (first.kind == "ident" and "-" not in first.text) or first.kind == "string":
            self.take()
        else:
            raise PatternError(
                f"expected a property name after ':', found {_describe(first)}", first.position
            )
        components: list[str | int] = [str(first.value)]
        while True:
            if self.at("."):
                self.take()
                name = self.token
                if (name.kind == "ident" and "-" not in name.text) or name.kind == "string":
                    self.take()
                    components.append(str(name.value))
                    continue
                raise PatternError(
                    f"expected a property name after '.', found {_describe(name)}", name.position
                )
            if self.at("[") and self.tokens[self.index + 1].kind in ("int", "*"):
                self.take()
                index = self.take()
                self.expect("]", what="']' closing the list index")
                components.append("*" if index.kind == "*" else int(index.value))
                continue
            return token.text, tuple(components)


def _describe(token: Token) -> str:
    if token.kind == "end":
        return "the end of the pattern"
    return repr(token.text)


def parse_pattern(text: str) -> Any:
    """The pattern's tree; `PatternError` says where it breaks the grammar."""
    if not isinstance(text, str) or not text.strip():
        raise PatternError("the pattern is empty", 0)
    return _Parser(text).pattern()


def simple_comparisons(tree: Any) -> list[Comparison] | None:
    """The `path = 'string'` comparisons of a pattern made only of them and OR; else None."""
    if isinstance(tree, Junction):
        if tree.operator != "OR":
            return None
        found: list[Comparison] = []
        for part in tree.parts:
            inner = simple_comparisons(part)
            if inner is None:
                return None
            found += inner
        return found
    if isinstance(tree, Observation | Grouped):
        return None if tree.qualifiers else simple_comparisons(tree.expression)
    if isinstance(tree, Comparison):
        plain = tree.operator == "=" and not tree.negated and tree.value_kind == "string"
        return [tree] if plain else None
    return None
