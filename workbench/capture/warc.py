"""Write a capture as a WARC 1.1 file (warcio) and read its final page back.

Layout: one `warcinfo` record (tool, investigator, persona, machine), then for each hop of
the redirect chain a `request` record (request line and headers as sent) and a `response`
record (status line, headers, body; `WARC-IP-Address`, `WARC-Concurrent-To` its request),
then a `metadata` record (JSON: requested and final URL, the chain, hashes, collector).

The HTTP layer hands bodies over decoded (no gzip, no chunking); headers that describe the
transfer encoding are kept renamed `X-Archive-Orig-...` (the pywb convention) so the record
stays self-consistent and nothing the server said is lost.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator  # type: ignore[import-untyped]
from warcio.statusandheaders import StatusAndHeaders  # type: ignore[import-untyped]
from warcio.warcwriter import WARCWriter  # type: ignore[import-untyped]

from workbench.capture.fetch import Hop
from workbench.timeutil import to_iso

WARC_MIME = "application/warc"
_TRANSFER_HEADERS = ("content-encoding", "transfer-encoding", "content-length")


@dataclass(frozen=True)
class WarcWritten:
    record_ids: dict[str, str]  # "response" -> id of the final response, "metadata" -> id
    payload_digest: str  # WARC-Payload-Digest of the final response (sha1 base32, warcio)


def _warc_date(hop: Hop) -> str:
    return to_iso(hop.started_at)


def _response_headers(hop: Hop) -> list[tuple[str, str]]:
    kept: list[tuple[str, str]] = []
    length_ok = False
    for name, value in hop.response_headers:
        lower = name.lower()
        if lower == "content-length" and value.strip() == str(len(hop.body)):
            length_ok = True
            kept.append((name, value))
        elif lower in _TRANSFER_HEADERS:
            kept.append((f"X-Archive-Orig-{name}", value))
        else:
            kept.append((name, value))
    if not length_ok:
        kept.append(("Content-Length", str(len(hop.body))))
    return kept


def write_warc(
    out: io.BufferedWriter | io.BytesIO,
    hops: list[Hop],
    warcinfo: dict[str, str],
    capture_info: dict[str, Any],
) -> WarcWritten:
    writer = WARCWriter(out, gzip=False, warc_version="WARC/1.1")
    info_record = writer.create_warcinfo_record("capture.warc", warcinfo)
    writer.write_record(info_record)
    record_ids: dict[str, str] = {}
    payload_digest = ""
    for index, hop in enumerate(hops):
        request_line = f"GET {hop.request_target} {hop.http_version}"
        request = writer.create_warc_record(
            hop.url,
            "request",
            http_headers=StatusAndHeaders(request_line, hop.request_headers, is_http_request=True),
            warc_headers_dict={"WARC-Date": _warc_date(hop)},
        )
        request_id = request.rec_headers.get_header("WARC-Record-ID")
        warc_headers = {
            "WARC-Date": _warc_date(hop),
            "WARC-Concurrent-To": request_id,
        }
        if hop.server_ip:
            warc_headers["WARC-IP-Address"] = hop.server_ip
        status_line = f"{hop.status} {hop.reason}".strip()
        response = writer.create_warc_record(
            hop.url,
            "response",
            payload=io.BytesIO(hop.body),
            length=len(hop.body),
            http_headers=StatusAndHeaders(
                status_line, _response_headers(hop), protocol=hop.http_version
            ),
            warc_headers_dict=warc_headers,
        )
        writer.write_record(request)
        writer.write_record(response)
        if index == len(hops) - 1:
            record_ids["response"] = response.rec_headers.get_header("WARC-Record-ID")
            record_ids["request"] = request_id
            payload_digest = response.rec_headers.get_header("WARC-Payload-Digest") or ""
    meta = writer.create_warc_record(
        hops[-1].url,
        "metadata",
        payload=io.BytesIO(json.dumps(capture_info, indent=2, ensure_ascii=False).encode()),
        warc_content_type="application/json",
        warc_headers_dict={
            "WARC-Date": _warc_date(hops[-1]),
            "WARC-Refers-To": record_ids["response"],
        },
    )
    writer.write_record(meta)
    record_ids["metadata"] = meta.rec_headers.get_header("WARC-Record-ID")
    record_ids["warcinfo"] = info_record.rec_headers.get_header("WARC-Record-ID")
    return WarcWritten(record_ids, payload_digest)


@dataclass(frozen=True)
class CapturedPage:
    url: str
    status: int
    content_type: str
    body: bytes
    headers: list[tuple[str, str]]


def final_response(path: Path) -> CapturedPage | None:
    """The last `response` record of a WARC file (the page the redirect chain ended on)."""
    last: CapturedPage | None = None
    with path.open("rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type != "response":
                continue
            http = record.http_headers
            body = record.content_stream().read()
            last = CapturedPage(
                url=record.rec_headers.get_header("WARC-Target-URI") or "",
                status=int(http.get_statuscode() or 0) if http else 0,
                content_type=(http.get_header("Content-Type") or "") if http else "",
                body=body,
                headers=list(http.headers) if http else [],
            )
    return last
