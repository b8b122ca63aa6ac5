"""What a stored evidence file is and says: MIME type from its content, extracted text for
search, an image thumbnail, EXIF. Reads the stored (content-addressed) copy; never raises
for a file it cannot understand: problems are returned with the result."""

from __future__ import annotations

import io
import logging
import mimetypes
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HEAD_BYTES = 64 * 1024
MAX_TEXT_BYTES = 8 * 1024 * 1024  # larger text files are indexed by their first 8 MiB
MAX_PDF_PAGES = 200
THUMB_SIZE = (256, 256)
TEXT_TYPES = ("text/", "application/json", "application/xml", "application/x-ndjson")


@dataclass
class Analysis:
    mime_type: str
    text: str = ""
    thumbnail_png: bytes | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def detect_mime(head: bytes, filename: str) -> str:
    """From the content's signature (puremagic), else the file name, else a text sniff."""
    import puremagic

    by_name = mimetypes.guess_type(filename)[0] or ""
    try:
        by_content = puremagic.from_string(head, mime=True) if head else ""
    except (puremagic.PureError, ValueError):
        by_content = ""
    if by_content and not (by_content.startswith("text/") and by_name):
        return str(by_content)
    if by_name:
        return by_name
    if head and _looks_like_text(head):
        return "text/plain"
    return "application/octet-stream"


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start > len(head) - 4  # a character cut at the end of the sample
    return True


def analyse(path: Path, filename: str, declared_mime: str | None = None) -> Analysis:
    with path.open("rb") as stream:
        head = stream.read(HEAD_BYTES)
    mime = declared_mime or detect_mime(head, filename)
    result = Analysis(mime)
    try:
        if mime.startswith("image/"):
            _image(path, result)
        elif mime in ("text/html", "application/xhtml+xml"):
            _html(path, result)
        elif mime == "message/rfc822" or filename.lower().endswith(".eml"):
            _email(path, filename, result)
        elif mime == "application/pdf":
            _pdf(path, result)
        elif mime.startswith(TEXT_TYPES) or (mime == "application/octet-stream" and not head):
            result.text = _read_text(path)
    except Exception as exc:  # hostile files raise anything; collection must go on
        result.problems.append(f"content could not be read as {mime}: {exc}")
    return result


def _read_text(path: Path) -> str:
    with path.open("rb") as stream:
        data = stream.read(MAX_TEXT_BYTES)
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def _html(path: Path, result: Analysis) -> None:
    from workbench.capture.page import read_page

    with path.open("rb") as stream:
        page = read_page(stream.read(MAX_TEXT_BYTES))
    result.text = "\n".join(x for x in (page.title, page.text) if x)
    result.metadata["page"] = {"title": page.title, "language": page.language}


def _email(path: Path, filename: str, result: Analysis) -> None:
    from workbench.intake.eml import parse_message

    message = parse_message(path.read_bytes()[: 50 * 1024 * 1024], filename)
    result.text = "\n".join(
        x
        for x in (
            f"Subject: {message.subject}",
            f"From: {message.from_name} <{message.from_address}>",
            f"To: {', '.join(message.to)}",
            message.body_text,
        )
        if x
    )
    result.metadata["email"] = {
        "subject": message.subject,
        "from": message.from_address,
        "date": message.date.isoformat() if message.date else None,
        "message_id": message.message_id,
        "attachments": [a.filename for a in message.attachments],
    }


def _pdf(path: Path, result: Analysis) -> None:
    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    reader = PdfReader(str(path))
    pages = []
    for index, page in enumerate(reader.pages):
        if index >= MAX_PDF_PAGES:
            result.problems.append(f"only the first {MAX_PDF_PAGES} pages were indexed")
            break
        pages.append(page.extract_text() or "")
    result.text = "\n".join(pages)
    result.metadata["pdf"] = {"pages": len(reader.pages)}


def _image(path: Path, result: Analysis) -> None:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            result.metadata["image"] = {
                "width": image.width,
                "height": image.height,
                "format": image.format,
            }
            image.thumbnail(THUMB_SIZE)
            out = io.BytesIO()
            converted = image.convert("RGBA" if "A" in image.getbands() else "RGB")
            converted.save(out, "PNG", optimize=True)
            result.thumbnail_png = out.getvalue()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        result.problems.append(f"no thumbnail: the image cannot be decoded ({exc})")
    result.metadata["exif"] = _exif(path, result)


def _exif(path: Path, result: Analysis) -> dict[str, Any]:
    from workbench.media.exif import read_exif

    info = read_exif(path)
    return {
        key: value
        for key, value in {
            "latitude": info.latitude,
            "longitude": info.longitude,
            "altitude": info.altitude,
            "make": info.make,
            "model": info.model,
            "software": info.software,
            "taken_at": info.taken_at,
            "raw": dict(info.raw),
            "problem": info.problem,
        }.items()
        if value not in (None, {}, "")
    }
