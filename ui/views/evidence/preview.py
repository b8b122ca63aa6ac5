"""What the safe viewer shows for an item, prepared off the GUI thread: the original is
opened through the core (hash checked, "view" logged), HTML is reduced to sanitized
structure (no scripts, no remote resources), WARC captures show their final page."""

from __future__ import annotations

from dataclasses import dataclass

from workbench.capture.page import is_html, read_page
from workbench.capture.warc import final_response
from workbench.store.workspace import Workspace

MAX_TEXT = 1024 * 1024
MAX_IMAGE = 64 * 1024 * 1024
TEXT_TYPES = ("text/", "application/json", "application/xml", "message/rfc822")


@dataclass(frozen=True)
class Preview:
    kind: str  # html | text | image | media | none
    html: str = ""
    text: str = ""
    image: bytes = b""
    note: str = ""


def load_preview(ws: Workspace, evidence_id: str) -> Preview:
    item = ws.evidence.get(evidence_id)
    path = ws.evidence.open(evidence_id, purpose="shown in the safe viewer")
    mime = item.mime_type
    if mime == "application/warc":
        page = final_response(path)
        if page is None:
            return Preview("none", note="The capture holds no response record.")
        note = f"Captured page {page.url} (HTTP {page.status}), shown without scripts or images."
        if is_html(page.content_type, page.body[:2048]):
            return Preview(
                "html", html=read_page(page.body, page.content_type).safe_html, note=note
            )
        if page.content_type.startswith("image/"):
            return Preview("image", image=page.body, note=f"Captured image {page.url}")
        if page.content_type.startswith(TEXT_TYPES):
            return Preview("text", text=page.body[:MAX_TEXT].decode("utf-8", "replace"), note=note)
        return Preview("none", note=f"The captured answer is {page.content_type or 'binary'}.")
    if mime in ("text/html", "application/xhtml+xml"):
        with path.open("rb") as stream:
            data = stream.read(MAX_TEXT * 4)
        return Preview(
            "html", html=read_page(data).safe_html, note="Shown without scripts or images."
        )
    if mime.startswith("image/"):
        if item.size > MAX_IMAGE:
            thumb = ws.evidence.thumbnail(evidence_id) or b""
            return Preview("image", image=thumb, note="Large image: its thumbnail is shown.")
        return Preview("image", image=path.read_bytes())
    if mime.startswith(("audio/", "video/")):
        return Preview(
            "media",
            note="Audio and video are never played here (muted, no autoplay). Export the item "
            "to a player of your choice when you are ready to watch or listen.",
        )
    if mime.startswith(TEXT_TYPES):
        with path.open("rb") as stream:
            data = stream.read(MAX_TEXT)
        return Preview("text", text=data.decode("utf-8", "replace"))
    text = ws.evidence.text(evidence_id)
    if text:
        return Preview("text", text=text[:MAX_TEXT], note="Text extracted from the file.")
    return Preview("none", note=f"No preview for {mime}; see the metadata and hashes.")
