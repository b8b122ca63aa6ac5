"""wayback: the snapshots the Wayback Machine holds of a URL, from its CDX API.

One request: `/cdx/search/cdx?url=...&output=json&fl=...&collapse=...&limit=...`. The answer
(a JSON array whose first row names the columns) is kept as evidence. Each snapshot becomes
a `url` entity `https://web.archive.org/web/<timestamp>/<original>` linked from the input
with its capture time, status and digest, so the investigator can capture a chosen one as
evidence. The first and last capture are summarised in a note.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

from workbench.sdk import (
    Context,
    EntityResult,
    EvidenceResult,
    HttpStatusError,
    NoteResult,
    Query,
    Result,
    Source,
    SourceDataError,
    SourceError,
    is_valid,
)

FIELDS = ("timestamp", "original", "statuscode", "mimetype", "digest", "length")


def base_url(settings: Mapping[str, Any]) -> str:
    base = str(settings["base_url"]).strip().rstrip("/")
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SourceError(
            f"The wayback source's base_url {base!r} is not an http(s) URL. Set it to "
            "https://web.archive.org or to your own archive's address."
        )
    return base


def capture_time(timestamp: str) -> str:
    """'20180427140438' -> '2018-04-27T14:04:38Z' (shorter stamps are padded like the CDX API)."""
    if not 4 <= len(timestamp) <= 14:
        return ""
    digits = timestamp + "0101000000"[len(timestamp) - 4 :]  # month/day 01, time 000000
    if not digits.isdigit():
        return ""
    return (
        f"{digits[0:4]}-{digits[4:6]}-{digits[6:8]}T{digits[8:10]}:{digits[10:12]}:{digits[12:14]}Z"
    )


def read_rows(answer: Any, where: str) -> list[dict[str, str]]:
    """CDX JSON rows as dicts keyed by the header row's names (any column order)."""
    if not isinstance(answer, list):
        raise SourceDataError(
            f"{where} answered with JSON that is not a CDX list (a list of rows whose first "
            "row names the columns); nothing was added."
        )
    if not answer:
        return []
    header = answer[0]
    if not isinstance(header, list) or not {"timestamp", "original"} <= set(map(str, header)):
        raise SourceDataError(
            f"{where} answered with a CDX list whose first row {str(header)[:80]} does not "
            "name the timestamp and original columns; nothing was added."
        )
    rows = []
    for row in answer[1:]:
        if isinstance(row, list) and len(row) == len(header):
            rows.append({str(k): str(v) for k, v in zip(header, row, strict=True)})
    return rows


class Wayback(Source):
    def plan_hosts(self, query: Query, settings: Mapping[str, Any]) -> list[str]:
        parts = urlsplit(base_url(settings))
        host = (parts.hostname or "").lower()
        return [f"{host}:{parts.port}" if parts.port else host]

    def run(self, query: Query, ctx: Context) -> Iterator[Result]:
        base = base_url(ctx.settings)
        target = query.value.strip()
        params: dict[str, Any] = {
            "url": target,
            "output": "json",
            "fl": ",".join(FIELDS),
            "limit": int(ctx.settings["limit"]),
        }
        if ctx.settings["collapse"] != "none":
            params["collapse"] = ctx.settings["collapse"]
        where = urlsplit(base).netloc
        ctx.progress(0, 2, f"asking {where} for captures of {target}")
        response = ctx.http.get(f"{base}/cdx/search/cdx", params=params)
        if response.status in (502, 503, 504):
            raise HttpStatusError(
                f"The archive at {where} is unavailable (HTTP {response.status}) even after "
                "retrying; the Wayback Machine is sometimes overloaded. Nothing was added; try "
                "again later.",
                response.status,
            )
        if response.status >= 400:
            raise HttpStatusError(
                f"The archive at {where} refused the query (HTTP {response.status}): "
                f"{response.text[:200].strip()}",
                response.status,
            )
        rows = read_rows(response.json(), where)
        yield EvidenceResult(
            response.content,
            filename=f"wayback-cdx-{urlsplit(target).hostname or target}.json"[:120],
            description=f"Wayback Machine CDX index of {target} ({len(rows)} captures)",
            mime_type="application/json",
            source_url=response.url,
            metadata={"query": params, "captures": len(rows)},
            about=(query,),
        )
        if not rows:
            yield NoteResult(
                f"The Wayback Machine ({where}) has no capture of {target}"
                + (f" (collapse={params['collapse']})" if "collapse" in params else "")
                + ". It may never have been archived, or its owner excluded it."
            )
            return
        ctx.progress(1, 2, f"{len(rows)} captures")
        dated = sorted(
            (r for r in rows if capture_time(r.get("timestamp", ""))), key=lambda r: r["timestamp"]
        )
        first, last = dated[0], dated[-1]
        shown = 0
        for row in dated[: int(ctx.settings["max_snapshots"])]:
            snapshot = f"{base}/web/{row['timestamp']}/{row['original']}"
            if not is_valid("url", snapshot):
                continue
            captured = capture_time(row["timestamp"])
            shown += 1
            yield EntityResult(
                "url",
                snapshot,
                label=f"{row['original']} archived {captured}",
                properties={
                    "title": f"Wayback Machine snapshot of {row['original']}",
                    "archived_url": row["original"],
                    "timestamp": row["timestamp"],
                    "captured_at": captured,
                    "status": row.get("statuscode", ""),
                    "mime_type": row.get("mimetype", ""),
                    "digest": row.get("digest", ""),
                    "length": row.get("length", ""),
                    "archive": where,
                },
                link="related_to",
                link_properties={"relation": "archived snapshot", "captured_at": captured},
            )
        statuses = sorted({r.get("statuscode", "") for r in dated} - {""})
        yield NoteResult(
            f"Wayback Machine ({where}): {len(dated)} capture(s) of {target}"
            + (f" (collapse={params['collapse']})" if "collapse" in params else "")
            + f"; first seen {capture_time(first['timestamp'])} ({first['original']}), last "
            f"seen {capture_time(last['timestamp'])} ({last['original']}); HTTP statuses "
            f"{', '.join(statuses) or 'not stated'}. {shown} added as URL entities"
            + (
                f" (limit max_snapshots={ctx.settings['max_snapshots']})"
                if shown < len(dated)
                else ""
            )
            + "."
        )
        ctx.progress(2, 2, "done")
