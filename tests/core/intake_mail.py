"""Building test e-mails byte by byte, so a test controls the declared charset exactly
(including wrong or missing declarations) and the MIME structure (including broken ones)."""

from __future__ import annotations

import base64
import io
from datetime import UTC, datetime, timedelta

POLICE_BODY = (
    "To the StreamHub Law Enforcement Response Team,\n\n"
    "I am Detective Sergeant Maria Okafor (badge 4471), Public Protection Unit, Harbour "
    "Police. A friend of the user @nightowl_rin (user ID 58214407) called us: she announced "
    "a 'last stream ever' tonight and intends to harm herself. Profile: "
    "https://streamhub.example/nightowl_rin . Calls to +44 7700 900123 fail.\n\n"
    "We request subscriber information and recent login IP addresses.\n\n"
    "DS Maria Okafor\nHarbour Police\nDesk: +44 20 7946 0018\n"
)


def rfc_date(moment: datetime) -> str:
    from email.utils import format_datetime

    return format_datetime(moment)


def headers(**values: str) -> bytes:
    lines = []
    for name, value in values.items():
        lines.append(f"{name.replace('_', '-')}: {value}")
    return ("\r\n".join(lines) + "\r\n").encode("ascii")


def simple_message(
    body: bytes,
    *,
    charset: str | None,
    subject: bytes = b"Emergency request",
    sender: str = "DS Maria Okafor <m.okafor@harbour-police.example>",
    message_id: str | None = "<req-1@harbour-police.example>",
    date: datetime | None = None,
    extra: bytes = b"",
    transfer: str = "8bit",
) -> bytes:
    date = date or datetime.now(UTC) - timedelta(minutes=5)
    head = (
        f"From: {sender}\r\nTo: lert@streamhub.example\r\nDate: {rfc_date(date)}\r\n".encode()
        + b"Subject: "
        + subject
        + b"\r\n"
    )
    if message_id:
        head += f"Message-ID: {message_id}\r\n".encode()
    content_type = "text/plain" + (f"; charset={charset}" if charset else "")
    head += f"MIME-Version: 1.0\r\nContent-Type: {content_type}\r\n".encode()
    head += f"Content-Transfer-Encoding: {transfer}\r\n".encode() + extra
    return head + b"\r\n" + body


def with_attachment(
    body: str,
    attachment: bytes,
    filename: str,
    content_type: str = "application/pdf",
    *,
    message_id: str = "<req-att@harbour-police.example>",
    date: datetime | None = None,
    sender: str = "DS Maria Okafor <m.okafor@harbour-police.example>",
    extra_headers: str = "",
) -> bytes:
    date = date or datetime.now(UTC) - timedelta(minutes=5)
    boundary = "==BOUNDARY42=="
    encoded = base64.encodebytes(attachment).decode("ascii").replace("\n", "\r\n")
    text = (
        f"{extra_headers}"
        f"From: {sender}\r\nTo: lert@streamhub.example\r\nDate: {rfc_date(date)}\r\n"
        f"Subject: EMERGENCY disclosure request\r\nMessage-ID: {message_id}\r\n"
        f'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'
        f"--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"Content-Transfer-Encoding: 8bit\r\n\r\n"
    )
    tail = (
        f"\r\n--{boundary}\r\nContent-Type: {content_type}\r\n"
        f'Content-Disposition: attachment; filename="{filename}"\r\n'
        f"Content-Transfer-Encoding: base64\r\n\r\n{encoded}\r\n--{boundary}--\r\n"
    )
    return text.encode("ascii") + body.encode("utf-8") + tail.encode("ascii")


def pdf_bytes(
    *,
    producer: str = "Microsoft Word for Microsoft 365",
    author: str = "Maria Okafor",
    created: datetime | None = None,
    modified: datetime | None = None,
) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)

    def pdf_date(moment: datetime) -> str:
        return moment.strftime("D:%Y%m%d%H%M%S+00'00'")

    meta = {"/Producer": producer, "/Author": author, "/Creator": "Word"}
    if created:
        meta["/CreationDate"] = pdf_date(created)
    if modified:
        meta["/ModDate"] = pdf_date(modified)
    writer.add_metadata(meta)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
