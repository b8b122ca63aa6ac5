"""The Info dictionary of a PDF (Producer, Creator, Author, CreationDate, ModDate) and what is
implausible about it for a document attached to a request (document sanity, check 9)."""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

CLOCK_TOLERANCE = timedelta(hours=26)  # zones and sloppy clocks: a day either way


@dataclass(frozen=True)
class PdfInfo:
    filename: str
    producer: str = ""
    creator: str = ""
    author: str = ""
    title: str = ""
    created: datetime | None = None
    modified: datetime | None = None
    pages: int | None = None
    error: str = ""
    red_flags: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, object]:
        return {
            "filename": self.filename,
            "producer": self.producer,
            "creator": self.creator,
            "author": self.author,
            "title": self.title,
            "created": self.created.isoformat() if self.created else None,
            "modified": self.modified.isoformat() if self.modified else None,
            "pages": self.pages,
            "error": self.error,
            "red_flags": list(self.red_flags),
        }

    def describe(self) -> str:
        if self.error:
            return f"{self.filename}: {self.error}"
        parts = [
            f"Producer {self.producer or '—'}",
            f"Creator {self.creator or '—'}",
            f"Author {self.author or '—'}",
            f"created {self.created:%Y-%m-%d %H:%M %Z}" if self.created else "no creation date",
            f"modified {self.modified:%Y-%m-%d %H:%M %Z}" if self.modified else "no mod. date",
        ]
        return f"{self.filename}: " + ", ".join(parts)


def _aware(moment: object) -> datetime | None:
    if not isinstance(moment, datetime):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def read_info(data: bytes, filename: str, received_at: datetime | None = None) -> PdfInfo:
    """Read the Info dictionary; a damaged or encrypted file yields an `error`, not an
    exception (the document is still evidence)."""
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError:  # pragma: no cover - a packaging fault, reported to the user
        return PdfInfo(filename, error="PDF metadata reader (pypdf) is not installed.")
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                reader.decrypt("")
            except Exception:
                return PdfInfo(
                    filename, error="encrypted; metadata not readable without the password"
                )
        meta = reader.metadata
        pages: int | None = len(reader.pages)
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        return PdfInfo(filename, error=f"not a readable PDF ({exc})")
    except Exception as exc:  # pypdf raises many kinds on hostile input
        return PdfInfo(filename, error=f"not a readable PDF ({type(exc).__name__}: {exc})")
    if meta is None:
        return PdfInfo(filename, pages=pages, red_flags=("no Info dictionary (metadata removed)",))

    def text(value: object) -> str:
        return str(value).strip() if value is not None else ""

    try:
        created = _aware(meta.creation_date)
    except Exception:
        created = None
    try:
        modified = _aware(meta.modification_date)
    except Exception:
        modified = None
    flags: list[str] = []
    if received_at is not None:
        limit = received_at + CLOCK_TOLERANCE
        if created and created > limit:
            flags.append("created after the request arrived")
        if modified and modified > limit:
            flags.append("modified after the request arrived")
    if created and modified and modified < created - CLOCK_TOLERANCE:
        flags.append("modification date before creation date")
    return PdfInfo(
        filename,
        producer=text(meta.producer),
        creator=text(meta.creator),
        author=text(meta.author),
        title=text(meta.title),
        created=created,
        modified=modified,
        pages=pages,
        red_flags=tuple(flags),
    )
