"""Line numbers of keys in a TOML file, so schema errors can name the line, not only the file.

`tomllib` reports lines for syntax errors only; its parsed dicts carry no positions. This
scanner reads the same text line by line and records where each table header and key
starts. It understands what TOML files can hold (dotted and quoted keys, arrays of tables,
multi-line strings and arrays) well enough to place a key; it does not validate anything,
which `tomllib` has already done.
"""

from __future__ import annotations

import re

PathPart = str | int
KeyPath = tuple[PathPart, ...]

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _parse_key(text: str) -> tuple[list[str], int]:
    """Parse a (dotted, possibly quoted) key at the start of `text`: the parts and the end."""
    parts: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        while i < n and text[i] in " \t":
            i += 1
        if i >= n:
            break
        char = text[i]
        if char == '"':
            j = i + 1
            chunk: list[str] = []
            while j < n and text[j] != '"':
                if text[j] == "\\" and j + 1 < n:
                    chunk.append(text[j + 1])
                    j += 2
                    continue
                chunk.append(text[j])
                j += 1
            parts.append("".join(chunk))
            i = j + 1
        elif char == "'":
            j = text.find("'", i + 1)
            j = n if j < 0 else j
            parts.append(text[i + 1 : j])
            i = j + 1
        else:
            match = _BARE_KEY.match(text, i)
            if match is None:
                break
            parts.append(match.group(0))
            i = match.end()
        while i < n and text[i] in " \t":
            i += 1
        if i < n and text[i] == ".":
            i += 1
            continue
        break
    return parts, i


class KeyLines:
    """Maps key paths such as ("factors", "sh_intent", "type") to 1-based line numbers.

    Arrays of tables get an index: the second `[[tiers.rules]]` is ("tiers", "rules", 1).
    """

    def __init__(self, text: str):
        self._lines: dict[KeyPath, int] = {}
        self._array_counts: dict[KeyPath, int] = {}
        self._scan(text)

    def line(self, *path: PathPart) -> int | None:
        """The line of `path`, or of its longest recorded prefix; None if nothing matches."""
        for end in range(len(path), 0, -1):
            found = self._lines.get(tuple(path[:end]))
            if found is not None:
                return found
        return None

    def _resolve(self, parts: list[str]) -> KeyPath:
        """A header's path with the current index of every array of tables it passes through."""
        resolved: list[PathPart] = []
        plain: list[str] = []
        for part in parts:
            plain.append(part)
            resolved.append(part)
            count = self._array_counts.get(tuple(plain))
            if count is not None:
                resolved.append(count - 1)
        return tuple(resolved)

    def _record(self, path: KeyPath, line: int) -> None:
        self._lines.setdefault(path, line)

    def _scan(self, text: str) -> None:
        current: KeyPath = ()
        state = _ValueState()
        for number, raw in enumerate(text.splitlines(), start=1):
            if state.open:
                state.feed(raw)
                continue
            stripped = raw.strip()
            if not stripped or stripped.startswith("#"):
                continue
            if stripped.startswith("[["):
                parts, _ = _parse_key(stripped[2:])
                plain = tuple(parts)
                self._array_counts[plain] = self._array_counts.get(plain, 0) + 1
                current = self._resolve(parts)
                self._record(current[:-1], number)
                self._record(current, number)
                continue
            if stripped.startswith("["):
                parts, _ = _parse_key(stripped[1:])
                current = self._resolve(parts)
                self._record(current, number)
                continue
            parts, end = _parse_key(stripped)
            if not parts:
                continue
            self._record((*current, *parts), number)
            rest = stripped[end:]
            if rest.startswith("="):
                state.feed(rest[1:])


class _ValueState:
    """Tracks whether a value continues on the next line (multi-line string or array)."""

    def __init__(self) -> None:
        self.depth = 0
        self.in_basic = False  # inside """ ... """
        self.in_literal = False  # inside ''' ... '''

    @property
    def open(self) -> bool:
        return self.depth > 0 or self.in_basic or self.in_literal

    def feed(self, text: str) -> None:
        i = 0
        n = len(text)
        while i < n:
            if self.in_basic:
                if text[i] == "\\":
                    i += 2
                    continue
                if text.startswith('"""', i):
                    self.in_basic = False
                    i += 3
                    while i < n and text[i] == '"':
                        i += 1
                    continue
                i += 1
                continue
            if self.in_literal:
                end = text.find("'''", i)
                if end < 0:
                    return
                self.in_literal = False
                i = end + 3
                while i < n and text[i] == "'":
                    i += 1
                continue
            char = text[i]
            if char == "#":
                return
            if text.startswith('"""', i):
                self.in_basic = True
                i += 3
            elif text.startswith("'''", i):
                self.in_literal = True
                i += 3
            elif char == '"':
                i += 1
                while i < n and text[i] != '"':
                    i += 2 if text[i] == "\\" else 1
                i += 1
            elif char == "'":
                end = text.find("'", i + 1)
                i = n if end < 0 else end + 1
            else:
                if char in "[{":
                    self.depth += 1
                elif char in "]}":
                    self.depth -= 1
                i += 1
