"""Reading an RFC 822 message (.eml) into what the intake needs, tolerating broken mail.

Uses the stdlib `email` package with `policy.default`. Every problem that does not stop us
(a MIME defect, a missing header, a charset guessed) becomes a warning that names it; a file
that is not a message at all is refused with a `ValidationError`.
"""

from __future__ import annotations

import email.policy
import email.utils
import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage, Message
from email.parser import BytesParser

from workbench.errors import ValidationError
from workbench.intake.charsets import decode_bytes, decode_header_value

MAX_MESSAGE_BYTES = 256 * 1024 * 1024
MAX_NARRATIVE_CHARS = 200_000
KNOWN_HEADERS = ("from", "to", "subject", "date", "message-id", "received", "return-path")
DEFECT_TEXT = {
    "CloseBoundaryNotFoundDefect": "the closing MIME boundary is missing (truncated message?)",
    "StartBoundaryNotFoundDefect": "the MIME boundary named in Content-Type never appears",
    "NoBoundaryInMultipartDefect": "a multipart part has no boundary parameter",
    "MultipartInvariantViolationDefect": "a multipart part has no sub-parts",
    "MissingHeaderBodySeparatorDefect": "no blank line between headers and body",
    "FirstHeaderLineIsContinuationDefect": "the first header line is a continuation line",
    "MisplacedEnvelopeHeaderDefect": "an mbox 'From ' line inside the headers",
    "InvalidBase64PaddingDefect": "base64 content with wrong padding",
    "InvalidBase64CharactersDefect": "base64 content with invalid characters",
    "InvalidBase64LengthDefect": "base64 content of an impossible length",
    "InvalidMultipartContentTransferEncodingDefect": (
        "a multipart part declares a transfer encoding (not allowed)"
    ),
    "UndecodableBytesDefect": "bytes that cannot be decoded",
    "InvalidHeaderDefect": "a malformed header",
    "HeaderMissingRequiredValue": "a header without its required value",
    "NonPrintableDefect": "non-printable characters in a header",
    "ObsoleteHeaderDefect": "an obsolete header syntax",
}


def _defect(defect: object) -> str:
    name = type(defect).__name__
    detail = str(defect).strip()
    text = DEFECT_TEXT.get(name, name)
    return f"{text} ({detail})" if detail else text


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes
    inline: bool = False

    @property
    def is_pdf(self) -> bool:
        return self.content_type == "application/pdf" or (
            self.filename.lower().endswith(".pdf") or self.data[:5] == b"%PDF-"
        )


@dataclass
class ParsedMessage:
    raw: bytes
    subject: str = ""
    from_name: str = ""
    from_address: str = ""
    reply_to: list[str] = field(default_factory=list)
    return_path: str = ""
    envelope_from: str = ""
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    date: datetime | None = None
    message_id: str = ""
    body_text: str = ""
    auth_results: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def warn(self, text: str) -> None:
        if text not in self.warnings:
            self.warnings.append(text)


class _TextFromHtml:
    """Visible text of an HTML body, without a dependency: tags out, entities decoded."""

    BLOCK = re.compile(r"<\s*(br|/p|/div|/tr|/li|/h\d)[^>]*>", re.I)
    DROP = re.compile(r"<(script|style|head)[^>]*>.*?</\1\s*>", re.I | re.S)
    TAG = re.compile(r"<[^>]+>")

    @classmethod
    def convert(cls, markup: str) -> str:
        text = cls.DROP.sub(" ", markup)
        text = cls.BLOCK.sub("\n", text)
        text = cls.TAG.sub(" ", text)
        text = html.unescape(text)
        lines = [" ".join(line.split()) for line in text.splitlines()]
        return "\n".join(line for line in lines if line).strip()


def _raw_header(message: Message, name: str) -> list[str]:
    """Header values exactly as in the file (raw 8-bit kept as surrogate escapes)."""
    wanted = name.lower()
    return [str(value) for key, value in message.raw_items() if key.lower() == wanted]


def _header(parsed: ParsedMessage, message: Message, name: str) -> str:
    values = _raw_header(message, name)
    if not values:
        return ""
    found = decode_header_value(values[0], name)
    if found.warning:
        parsed.warn(found.warning)
    return found.text


def _addresses(parsed: ParsedMessage, message: Message, name: str) -> list[tuple[str, str]]:
    """(display name, address) pairs. The policy's structured parse first; our own decoding
    when a display name came out damaged (raw 8-bit or a wrong charset)."""
    pairs: list[tuple[str, str]] = []
    try:
        header = message[name]
        addresses = getattr(header, "addresses", None) if header is not None else None
    except Exception as exc:  # a header too broken for the structured parser
        parsed.warn(f"The {name} header cannot be parsed ({exc}).")
        addresses = None
    if addresses:
        pairs = [(a.display_name or "", a.addr_spec or "") for a in addresses]
    elif _raw_header(message, name):
        for value in _raw_header(message, name):
            found = decode_header_value(value, name)
            pairs.extend(email.utils.getaddresses([found.text]))
    damaged = any("\ufffd" in n or any("\udc80" <= ch <= "\udcff" for ch in n) for n, _ in pairs)
    if damaged:
        found = decode_header_value(_raw_header(message, name)[0], name)
        if found.warning:
            parsed.warn(found.warning)
        repaired = email.utils.getaddresses([found.text])
        if len(repaired) == len(pairs):
            pairs = [(rn, addr) for (rn, _), (_, addr) in zip(repaired, pairs, strict=True)]
    cleaned = []
    for display, address in pairs:
        display = display.strip().strip('"').strip()
        if "@" in display and email.utils.parseaddr(display)[1]:
            display = ""  # a display name that is itself an address tells us no name
        if address.strip() and "@" in address:
            cleaned.append((display, address.strip()))
    return cleaned


def _date(parsed: ParsedMessage, message: Message) -> datetime | None:
    text = _header(parsed, message, "date")
    candidates: list[tuple[str, str]] = []
    if text:
        candidates.append(("Date", text))
    received = _raw_header(message, "received")
    if received:
        candidates.append(("topmost Received", received[0].rpartition(";")[2]))
    for index, (where, value) in enumerate(candidates):
        try:
            moment = email.utils.parsedate_to_datetime(value.strip())
        except (TypeError, ValueError, IndexError):
            parsed.warn(f"The {where} header {value.strip()[:60]!r} is not a valid date.")
            continue
        if moment.tzinfo is None:
            parsed.warn(f"The {where} header has no time zone; read it as UTC.")
            moment = moment.replace(tzinfo=UTC)
        if index > 0:
            parsed.warn(f"No usable Date header; used the {where} time instead.")
        return moment.astimezone(UTC)
    if not text:
        parsed.warn("No Date header; the import time is used as received-at.")
    return None


def _part_text(parsed: ParsedMessage, part: Message, where: str) -> str | None:
    try:
        data = part.get_payload(decode=True)
    except Exception as exc:  # a broken transfer encoding
        parsed.warn(f"{where}: cannot decode its transfer encoding ({exc}); skipped.")
        return None
    if not isinstance(data, bytes):
        return None
    declared = part.get_param("charset")
    charset = declared if isinstance(declared, str) else None
    found = decode_bytes(data, charset, where)
    if found.warning:
        parsed.warn(found.warning)
    return found.text


def _filename(parsed: ParsedMessage, part: Message, index: int) -> str:
    try:
        name = part.get_filename()
    except Exception:
        name = None
    if name:
        found = decode_header_value(name, f"attachment {index} filename")
        if found.warning:
            parsed.warn(found.warning)
        name = found.text
    if not name:
        subtype = part.get_content_subtype() or "bin"
        ext = {"plain": "txt", "rfc822": "eml", "octet-stream": "bin", "jpeg": "jpg"}.get(
            subtype, subtype
        )
        name = f"part-{index}.{ext}"
    return re.sub(r"[\\/\x00-\x1f]", "_", name).strip() or f"part-{index}"


def parse_message(raw: bytes, source: str = "message") -> ParsedMessage:
    """Parse `raw`; raises ValidationError for input that is not an e-mail message."""
    if not raw.strip():
        raise ValidationError(f"{source} is empty; nothing to import.")
    if len(raw) > MAX_MESSAGE_BYTES:
        raise ValidationError(
            f"{source} is {len(raw) / 2**20:.0f} MiB, over the {MAX_MESSAGE_BYTES // 2**20} MiB "
            "limit for one message; split it or attach its files as evidence by hand."
        )
    if b"\x00" in raw[:4096]:
        raise ValidationError(f"{source} is a binary file, not an e-mail message (.eml).")
    message = BytesParser(policy=email.policy.default).parsebytes(raw)
    names = {key.lower() for key in message}
    if not names & set(KNOWN_HEADERS):
        raise ValidationError(
            f"{source} is not an e-mail message: it has none of the headers "
            "From, To, Subject, Date, Message-ID, Received. Save the mail as .eml "
            '("Save as" / "Download original") and import that.'
        )
    parsed = ParsedMessage(raw=raw)
    for defect in message.defects:
        parsed.warn(f"MIME problem: {_defect(defect)}.")
    parsed.subject = _header(parsed, message, "subject")
    senders = _addresses(parsed, message, "from")
    if senders:
        parsed.from_name, parsed.from_address = senders[0]
        if len(senders) > 1:
            parsed.warn(f"The From header names {len(senders)} senders; the first is used.")
    else:
        parsed.warn("No From address: the requester's e-mail is unknown.")
    parsed.reply_to = [a for _, a in _addresses(parsed, message, "reply-to")]
    return_path = _addresses(parsed, message, "return-path")
    parsed.return_path = return_path[0][1] if return_path else ""
    spf_envelope = " ".join(_raw_header(message, "received-spf"))
    match = re.search(r"envelope-from=\"?<?([^\s\";>]+@[^\s\";>]+)", spf_envelope)
    parsed.envelope_from = match.group(1) if match else ""
    parsed.to = [a for _, a in _addresses(parsed, message, "to")]
    parsed.cc = [a for _, a in _addresses(parsed, message, "cc")]
    parsed.date = _date(parsed, message)
    parsed.message_id = _header(parsed, message, "message-id").strip()
    if not parsed.message_id:
        parsed.warn("No Message-ID: duplicates can only be found by their targets.")
    if not parsed.subject:
        parsed.warn("No Subject header.")
    parsed.auth_results = [
        decode_header_value(v, "Authentication-Results").text
        for v in _raw_header(message, "authentication-results")
    ]
    _walk(parsed, message)
    return parsed


def _walk(parsed: ParsedMessage, message: EmailMessage | Message) -> None:
    plain: list[str] = []
    html_parts: list[str] = []
    index = 0
    for part in message.walk():
        if part.is_multipart():
            if part is not message:
                for defect in part.defects:
                    parsed.warn(f"MIME problem: {_defect(defect)}.")
            continue
        index += 1
        for defect in part.defects:
            parsed.warn(f"MIME problem in part {index}: {_defect(defect)}.")
        content_type = part.get_content_type()
        disposition = (part.get_content_disposition() or "").lower()
        has_name = bool(
            part.get_param("name") or part.get_param("filename", header="content-disposition")
        )
        is_body = (
            content_type in ("text/plain", "text/html")
            and disposition != "attachment"
            and not has_name
        )
        where = f"part {index} ({content_type})"
        if is_body:
            text = _part_text(parsed, part, where)
            if text is None:
                continue
            (plain if content_type == "text/plain" else html_parts).append(text)
            continue
        try:
            data = part.get_payload(decode=True)
        except Exception as exc:
            parsed.warn(f"{where}: cannot decode its transfer encoding ({exc}); skipped.")
            continue
        if content_type == "message/rfc822" and not isinstance(data, bytes):
            inner = part.get_payload()
            inner_message = inner[0] if isinstance(inner, list) and inner else None
            data = inner_message.as_bytes() if isinstance(inner_message, Message) else None
        if not isinstance(data, bytes):
            parsed.warn(f"{where}: no content; skipped.")
            continue
        parsed.attachments.append(
            Attachment(_filename(parsed, part, index), content_type, data, disposition == "inline")
        )
    plain = [text for text in plain if text.strip()]
    if plain:
        body = "\n\n".join(plain)
    elif any(h.strip() for h in html_parts):
        body = "\n\n".join(_TextFromHtml.convert(h) for h in html_parts)
    else:
        body = ""
        parsed.warn("The message has no readable text body.")
    body = body.replace("\r\n", "\n").strip()
    if len(body) > MAX_NARRATIVE_CHARS:
        parsed.warn(
            f"The text body is {len(body):,} characters; the narrative keeps the first "
            f"{MAX_NARRATIVE_CHARS:,} (the whole message is kept as evidence)."
        )
        body = body[:MAX_NARRATIVE_CHARS]
    parsed.body_text = body
