"""A streaming safety pass over a GraphML or GEXF file before networkx reads it: refuses a
DTD (entity expansion), malformed XML and text that is not in the declared encoding, counts
nodes and edges against a cap, and finds edges that point at undeclared nodes (networkx
would silently invent those nodes)."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import ParseError, iterparse

from workbench.errors import ValidationError
from workbench.exchange.model import MAX_ITEMS

_ENCODING = re.compile(rb"""<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


@dataclass
class ScanResult:
    nodes: int = 0
    edges: int = 0
    dangling: list[tuple[str, str]] = field(default_factory=list)  # (edge, missing node)
    root: str = ""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _refuse_doctype(path: Path) -> None:
    tail = b""
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            window = tail + chunk
            if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
                raise ValidationError(
                    f"{path.name} declares a DTD (<!DOCTYPE>/<!ENTITY>). Graph files do not "
                    "need one and entity declarations can expand without bound, so it is "
                    "refused; export the graph again without a DOCTYPE."
                )
            tail = chunk[-16:]


def _encoding_problem(path: Path) -> str | None:
    """If the bytes are not valid in the declared (or default UTF-8) encoding, say where."""
    with path.open("rb") as handle:
        head = handle.read(4096)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    match = _ENCODING.search(head)
    declared = match.group(1).decode("ascii") if match else "UTF-8"
    try:
        decoder = codecs.getincrementaldecoder(declared)()
    except LookupError:
        return f"it declares an unknown encoding {declared!r}"
    offset = 0
    line = 1
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                where = offset + exc.start
                line += chunk[: exc.start].count(b"\n")
                return (
                    f"byte {where} (line {line}) is not valid {declared} (the file "
                    f"{'declares' if match else 'defaults to'} {declared}); it was probably "
                    f"saved in another encoding. Re-save it as {declared} and import it again"
                )
            offset += len(chunk)
            line += chunk.count(b"\n")
    return None


def scan(path: Path, fmt: str, expected_root: str) -> ScanResult:
    _refuse_doctype(path)
    result = ScanResult()
    declared: set[str] = set()
    edge_refs: list[tuple[str, str, str]] = []
    try:
        for event, element in iterparse(str(path), events=("start", "end")):
            name = _local(element.tag)
            if event == "start":
                if not result.root:
                    result.root = name
                    if name != expected_root:
                        raise ValidationError(
                            f"{path.name} is not a {fmt} file: its root element is <{name}>, "
                            f"expected <{expected_root}>. Choose the right format."
                        )
                continue
            if name == "node":
                result.nodes += 1
                node_id = element.get("id")
                if node_id is None:
                    raise ValidationError(f"{path.name}: node #{result.nodes} has no id.")
                declared.add(node_id)
            elif name == "edge":
                result.edges += 1
                source, target = element.get("source"), element.get("target")
                key = element.get("id") or f"#{result.edges}"
                if source is None or target is None:
                    raise ValidationError(
                        f"{path.name}: edge {key} lacks a source or target attribute."
                    )
                edge_refs.append((key, source, target))
            if result.nodes + result.edges > MAX_ITEMS:
                raise ValidationError(
                    f"{path.name} holds more than {MAX_ITEMS:,} nodes and edges; a {fmt} "
                    "import is capped there. Split the graph, or import it as CSV."
                )
            if name in ("node", "edge"):
                element.clear()
    except ParseError as exc:
        encoding = _encoding_problem(path)
        if encoding:
            raise ValidationError(f"{path.name} cannot be read: {encoding}.") from exc
        raise ValidationError(
            f"{path.name} is not well-formed XML ({exc}); the file is damaged or not a {fmt} "
            "file. Nothing was imported."
        ) from exc
    for key, source, target in edge_refs:
        for end in (source, target):
            if end not in declared:
                result.dangling.append((key, end))
    return result
