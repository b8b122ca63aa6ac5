"""Streaming reader of CSV and JSON-lines exports: encoding, delimiter, line numbers, bytes.

Encoding: a byte-order mark decides (UTF-8, UTF-16 LE/BE); else the head must decode as
UTF-8; else the declared encoding (Shift_JIS, cp932, latin-1...) is used, and without one
the error says which byte failed and what to declare. UTF-16 without a BOM is recognised
by its zero bytes. The file is read in binary through a byte counter, so progress is bytes
read / file size at any size, and memory does not grow with the file.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.errors import ValidationError
from workbench.tabular.mapping import DELIMITERS

HEAD_BYTES = 256 * 1024
BUFFER = 1024 * 1024
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class TableFormatError(ValidationError):
    """The file cannot be read as the table it was said to be."""


@dataclass(frozen=True)
class Detected:
    """What a file looks like: format, encoding (and how it was found), delimiter, columns."""

    path: Path
    size: int
    format: str  # csv | jsonl
    encoding: str
    encoding_reason: str  # "byte-order mark", "valid UTF-8", "declared", "UTF-16 zero bytes"
    delimiter: str | None  # csv only
    sniffed_delimiter: str | None  # what the head suggests (csv only)
    columns: tuple[str, ...]
    head: tuple[tuple[str, ...], ...] = field(default_factory=tuple)  # first rows, as text

    def describe(self) -> str:
        what = "JSON lines" if self.format == "jsonl" else "CSV"
        if self.format == "csv" and self.delimiter is not None:
            what += f", {DELIMITERS.get(self.delimiter, repr(self.delimiter))}-separated"
        return f"{what}, {self.encoding} ({self.encoding_reason}), {len(self.columns)} columns"


class _CountingRaw(io.RawIOBase):
    """Counts the bytes read from the file (progress), for TextIOWrapper on top."""

    def __init__(self, raw: io.FileIO):
        self._raw = raw
        self.count = 0
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        read = self._raw.readinto(buffer) or 0
        if read:
            self.count += read
            self.digest.update(memoryview(buffer)[:read])
        return read

    def close(self) -> None:
        self._raw.close()
        super().close()


# ---- detection -----------------------------------------------------------------------


def detect_encoding(head: bytes, declared: str | None) -> tuple[str, str]:
    """(Python codec name, reason). Raises TableFormatError when nothing fits."""
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name, "byte-order mark"
    if len(head) >= 4 and head.count(b"\x00") >= len(head) // 4:
        evens, odds = head[0::2].count(b"\x00"), head[1::2].count(b"\x00")
        return ("utf-16-le" if odds > evens else "utf-16-be"), "UTF-16 zero bytes"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8", "valid UTF-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    if declared:
        try:
            codecs.getincrementaldecoder(declared)().decode(head, final=False)
        except LookupError as exc:
            raise TableFormatError(f"{declared!r} is not a known encoding.") from exc
        except UnicodeDecodeError as exc:
            hint = (
                " (try cp932: Windows Japanese, a superset of Shift_JIS)"
                if declared.lower().replace("-", "_") in ("shift_jis", "sjis")
                else ""
            )
            raise TableFormatError(
                f"The file is not UTF-8 and not {declared} either: byte 0x{head[exc.start]:02x} "
                f"at offset {exc.start} does not decode{hint}. Declare the right encoding."
            ) from exc
        return declared, "declared"
    raise TableFormatError(
        f"The file is not UTF-8 (byte 0x{head[utf8_error.start]:02x} at offset "
        f"{utf8_error.start}) and has no byte-order mark. Declare its encoding: cp932 for "
        "Japanese Windows exports (Shift_JIS), latin-1 or cp1252 for Western European ones "
        "(--encoding, or the Encoding box)."
    )


def sniff_delimiter(text: str) -> str | None:
    """The delimiter of a CSV head (csv.Sniffer, then a count over the first lines)."""
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    if not lines:
        return None
    sample = "\n".join(lines)
    try:
        found = csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
        if found in DELIMITERS:
            return found
    except csv.Error:
        pass
    counts = {d: min(line.count(d) for line in lines[:20]) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else None


def _decode_head(head: bytes, encoding: str) -> str:
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    return decoder.decode(head, final=False)


def detect(
    path: Path,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    format: str = "auto",
    preview_rows: int = 10,
) -> Detected:
    """Look at the head of `path` only. `encoding` is the declared fallback, `delimiter`
    forces one (None: detected)."""
    path = Path(path)
    if not path.is_file():
        raise TableFormatError(f"{path} is not a readable file.")
    size = path.stat().st_size
    if size == 0:
        raise TableFormatError(f"{path.name} is empty: there is no header and no rows.")
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    codec, reason = detect_encoding(head, encoding)
    text = _decode_head(head, codec).lstrip("\ufeff")
    if len(head) < size:  # drop the last, probably cut line
        text = text[: text.rfind("\n") + 1] or text
    kind = format if format != "auto" else _guess_format(path, text)
    if kind == "jsonl":
        columns, rows = _jsonl_head(text, preview_rows)
        return Detected(path, size, "jsonl", codec, reason, None, None, columns, rows)
    sniffed = sniff_delimiter(text)
    chosen = delimiter or sniffed or ","
    rows_iter = csv.reader(io.StringIO(text, newline=""), delimiter=chosen)
    header = next(rows_iter, [])
    columns = tuple(column.strip() for column in header)
    head_rows: list[tuple[str, ...]] = []
    for row in rows_iter:
        if len(head_rows) >= preview_rows:
            break
        head_rows.append(tuple(row))
    return Detected(path, size, "csv", codec, reason, chosen, sniffed, columns, tuple(head_rows))


def _guess_format(path: Path, text: str) -> str:
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    return "jsonl" if text.lstrip().startswith("{") else "csv"


def _flatten(obj: dict[str, Any], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in obj.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, name + "."))
        elif value is None:
            out[name] = ""
        elif isinstance(value, str):
            out[name] = value
        elif isinstance(value, bool):
            out[name] = "true" if value else "false"
        elif isinstance(value, (int, float)):
            out[name] = repr(value) if isinstance(value, float) else str(value)
        else:
            out[name] = json.dumps(value, ensure_ascii=False)
    return out


def _jsonl_head(
    text: str, preview_rows: int
) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    columns: dict[str, None] = {}
    objects: list[dict[str, str]] = []
    for line in text.splitlines()[:1000]:
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            flat = _flatten(value)
            columns.update(dict.fromkeys(flat))
            if len(objects) < preview_rows:
                objects.append(flat)
    names = tuple(columns)
    return names, tuple(tuple(obj.get(name, "") for name in names) for obj in objects)


# ---- streaming -----------------------------------------------------------------------


@dataclass
class RowError:
    line: int
    reason: str


Chunk = tuple[list[int], list[list[str] | RowError]]  # lines, rows (see TableReader.chunks)


class TableReader:
    """Iterate `chunks(columns, size)` -> (lines, rows: values or RowError); `bytes_read`."""

    def __init__(self, detected: Detected):
        self.detected = detected
        self._counter: _CountingRaw | None = None

    @property
    def bytes_read(self) -> int:
        return self._counter.count if self._counter is not None else 0

    @property
    def total_bytes(self) -> int:
        return self.detected.size

    @property
    def sha256(self) -> str:
        """SHA-256 of the bytes read so far (the whole file once `chunks` is exhausted)."""
        return self._counter.digest.hexdigest() if self._counter is not None else ""

    def _open_text(self) -> io.TextIOWrapper:
        self._counter = _CountingRaw(io.FileIO(self.detected.path, "r"))
        buffered = io.BufferedReader(self._counter, BUFFER)
        return io.TextIOWrapper(buffered, encoding=self.detected.encoding, newline="")

    def positions(self, columns: Sequence[str]) -> list[int]:
        """Where each of `columns` sits in the rows that `chunks(columns, ...)` yields."""
        if self.detected.format == "jsonl":
            return list(range(len(columns)))
        index = {name: position for position, name in enumerate(self.detected.columns)}
        return [index[column] for column in columns]

    def chunks(self, columns: Sequence[str], size: int) -> Iterator[Chunk]:
        """The records in file order, `size` at a time, as (lines, rows): each row's line
        (the physical line where its record starts) and the row (CSV: the whole record, see
        `positions`; JSON: the object flattened to `columns`) or a RowError. Blank lines are
        skipped. Chunks keep the per-record work to appending to two lists."""
        if self.detected.format == "jsonl":
            return self._jsonl_chunks(columns, size)
        return self._csv_chunks(size)

    def _csv_chunks(self, size: int) -> Iterator[Chunk]:
        delimiter = self.detected.delimiter or ","
        with self._open_text() as text:
            reader = csv.reader(text, delimiter=delimiter, strict=False)
            lines: list[int] = []
            rows: list[list[str] | RowError] = []
            try:
                width = len(next(reader, []))
                previous = reader.line_num
                for row in reader:
                    line = previous + 1
                    previous = reader.line_num
                    record: list[str] | RowError = row
                    if len(row) != width:
                        if not row or (len(row) == 1 and not row[0].strip()):
                            continue  # blank line
                        if len(row) < width:
                            row += [""] * (width - len(row))
                        else:
                            record = RowError(
                                line,
                                f"{len(row)} fields where the header has {width} (a stray "
                                f"{DELIMITERS.get(delimiter, delimiter)} or an unclosed quote?)",
                            )
                    lines.append(line)
                    rows.append(record)
                    if len(lines) == size:
                        yield lines, rows
                        lines, rows = [], []
            except UnicodeDecodeError as exc:
                raise _decode_error(self.detected, reader.line_num + 1, exc) from exc
            except csv.Error as exc:
                raise TableFormatError(
                    f"{self.detected.path.name} line {reader.line_num}: not readable as CSV "
                    f"({exc})."
                ) from exc
            if lines:
                yield lines, rows

    def _jsonl_chunks(self, columns: Sequence[str], size: int) -> Iterator[Chunk]:
        loads = json.loads
        line = 0
        lines: list[int] = []
        rows: list[list[str] | RowError] = []
        with self._open_text() as text:
            try:
                for raw in text:
                    line += 1
                    if not raw.strip():
                        continue
                    record: list[str] | RowError
                    try:
                        value = loads(raw)
                    except json.JSONDecodeError as exc:
                        reason = f"not valid JSON ({exc.msg} at column {exc.colno})"
                        record = RowError(line, reason)
                    else:
                        if isinstance(value, dict):
                            flat = _flatten(value)
                            record = [flat.get(column, "") for column in columns]
                        else:
                            reason = f"a JSON {type(value).__name__}, not an object"
                            record = RowError(line, reason)
                    lines.append(line)
                    rows.append(record)
                    if len(lines) == size:
                        yield lines, rows
                        lines, rows = [], []
            except UnicodeDecodeError as exc:
                raise _decode_error(self.detected, line + 1, exc) from exc
        if lines:
            yield lines, rows


def _decode_error(detected: Detected, line: int, exc: UnicodeDecodeError) -> TableFormatError:
    located = _locate_bad_bytes(detected)
    if located is not None:
        line, offset, byte = located
        where = f"line {line} (byte 0x{byte:02x} at offset {offset:,})"
    else:
        where = f"near line {line}"
    return TableFormatError(
        f"{detected.path.name} {where}: bytes that are not {detected.encoding} "
        f"({exc.reason}); the head of the file looked like {detected.encoding_reason}. "
        "Declare the file's real encoding (e.g. cp932, latin-1) and import again. Nothing "
        "was imported."
    )


def _locate_bad_bytes(detected: Detected) -> tuple[int, int, int] | None:
    """(line, file offset, byte) of the first byte that does not decode (a second pass)."""
    decoder = codecs.getincrementaldecoder(detected.encoding)()
    offset = 0
    lines = 1
    with detected.path.open("rb") as handle:
        while chunk := handle.read(BUFFER):
            try:
                decoder.decode(chunk, final=False)
            except UnicodeDecodeError as exc:
                # The decoder may hold up to a few bytes of the previous chunk.
                start = max(0, exc.start - (len(exc.object) - len(chunk)))
                lines += chunk.count(b"\n", 0, start)
                return lines, offset + start, chunk[start] if start < len(chunk) else 0
            lines += chunk.count(b"\n")
            offset += len(chunk)
    return None
