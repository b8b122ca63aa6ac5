"""geocode: a place text to coordinates (search) and "lat, lon" to an address (reverse).

Nominatim's usage policy (https://operations.osmfoundation.org/policies/nominatim/) is
kept: one request per second per host (manifest rate limit, shared by every run), answers
cached for 30 days (manifest cache_ttl), an identifying User-Agent (the run is refused
before anything is sent when the User-Agent is a generic one) and the ODbL attribution on
every result.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

from workbench.sdk import (
    Context,
    EntityResult,
    EvidenceResult,
    HttpStatusError,
    LinkResult,
    NoteResult,
    Query,
    Result,
    Source,
    SourceDataError,
    SourceError,
)

PUBLIC_HOST = "nominatim.openstreetmap.org"
ATTRIBUTION = "Data © OpenStreetMap contributors, ODbL 1.0. https://osm.org/copyright"
_COORDINATES = re.compile(
    r"^\s*\(?\s*([-+]?\d{1,2}(?:\.\d+)?)\s*[,;\s]\s*([-+]?\d{1,3}(?:\.\d+)?)\s*\)?\s*$"
)
_CONTACT = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|https?://[\w-]+(?:\.[\w-]+)+")
STOCK_AGENTS = (
    "python-requests",
    "python-urllib",
    "curl/",
    "wget/",
    "mozilla/",
    "java/",
    "go-http",
)


def base_url(settings: Mapping[str, Any]) -> str:
    base = str(settings["base_url"]).strip().rstrip("/")
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SourceError(
            f"The geocode source's base_url {base!r} is not an http(s) URL. Set it to "
            f"https://{PUBLIC_HOST} or to your own Nominatim's address."
        )
    return base


def coordinates(text: str) -> tuple[float, float] | None:
    """(lat, lon) when the text is a coordinate pair such as '51.228, 6.7205'."""
    match = _COORDINATES.match(text)
    if not match:
        return None
    lat, lon = float(match.group(1)), float(match.group(2))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


def generic_agent_problem(agent: str) -> str:
    """Why `agent` does not identify its user to Nominatim, or '' when it does."""
    lowered = agent.strip().lower()
    if any(lowered.startswith(stock) for stock in STOCK_AGENTS):
        return "it is a stock library or browser User-Agent"
    if not _CONTACT.search(agent):
        return "it gives no contact (an e-mail address or a web address)"
    return ""


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


class Geocode(Source):
    def plan_hosts(self, query: Query, settings: Mapping[str, Any]) -> list[str]:
        parts = urlsplit(base_url(settings))
        host = (parts.hostname or "").lower()
        return [f"{host}:{parts.port}" if parts.port else host]

    def run(self, query: Query, ctx: Context) -> Iterator[Result]:
        base = base_url(ctx.settings)
        host = (urlsplit(base).hostname or "").lower()
        agent = ctx.http.policy.user_agent
        problem = generic_agent_problem(agent)
        if host == PUBLIC_HOST and problem:
            raise SourceError(
                f"Nominatim's usage policy requires a User-Agent that identifies you, and the "
                f"current one ({agent!r}) does not: {problem}. Nothing was sent. Set your own "
                "in Sources > Network settings… (e.g. 'OSINT-Workbench/1.0 (trust-safety@"
                "your-org.example)'), or use your own Nominatim (setting base_url)."
            )
        headers = {"Accept-Language": str(ctx.settings["language"]).strip() or "en"}
        point = coordinates(query.value)
        ctx.progress(0, 2, f"asking {host}")
        if point is not None:
            params: dict[str, Any] = {"format": "jsonv2", "lat": point[0], "lon": point[1]}
            response = ctx.http.get(f"{base}/reverse", params=params, headers=headers)
        else:
            params = {"format": "jsonv2", "q": query.value.strip(), "limit": ctx.settings["limit"]}
            if str(ctx.settings["countrycodes"]).strip():
                params["countrycodes"] = str(ctx.settings["countrycodes"]).strip().lower()
            response = ctx.http.get(f"{base}/search", params=params, headers=headers)
        if response.status >= 400:
            raise HttpStatusError(
                f"Nominatim at {host} answered HTTP {response.status}"
                + (" (it is overloaded or down)" if response.status >= 500 else "")
                + (
                    " (too many requests: it may have blocked this address)"
                    if response.status in (403, 429)
                    else ""
                )
                + "; nothing was added. Try again later.",
                response.status,
            )
        answer = response.json()
        places = self._places(answer, point is not None, host)
        yield EvidenceResult(
            response.content,
            filename=f"nominatim-{'reverse' if point else 'search'}.json",
            description=f"Nominatim {'reverse' if point else 'search'} answer for {query.value!r}",
            mime_type="application/json",
            source_url=response.url,
            metadata={"attribution": ATTRIBUTION, "cached": response.from_cache},
            about=(query,),
        )
        if not places:
            yield NoteResult(
                f"Nominatim ({host}) found no place for {query.value!r}"
                + (" at these coordinates (open sea or no data)." if point else ".")
                + f" {ATTRIBUTION}"
            )
            return
        ctx.progress(1, 2, f"{len(places)} place(s)")
        lines = []
        for rank, place in enumerate(places, start=1):
            found = self._entity(place)
            if found is None:
                continue
            yield found
            yield LinkResult(
                query,
                found,
                "related_to",
                confidence="suspected" if point is None and len(places) > 1 else "confirmed",
                properties={
                    "relation": "reverse geocoded" if point else "geocoded",
                    "rank": rank,
                    "source": f"Nominatim ({host})",
                    "attribution": ATTRIBUTION,
                },
            )
            lines.append(
                f"{rank}. {found.value} ({found.properties['latitude']:.6f}, "
                f"{found.properties['longitude']:.6f}; {found.properties['osm_category']}/"
                f"{found.properties['osm_type']})"
            )
        what = "Reverse geocoding of" if point else "Places found for"
        yield NoteResult(
            f"{what} {query.value!r} by Nominatim ({host}):\n"
            + "\n".join(lines)
            + f"\n{ATTRIBUTION}"
        )
        ctx.progress(2, 2, "done")

    @staticmethod
    def _places(answer: Any, reverse: bool, host: str) -> list[dict[str, Any]]:
        if reverse:
            if isinstance(answer, dict) and "error" in answer:
                return []  # "Unable to geocode": nothing at these coordinates
            if not isinstance(answer, dict):
                raise SourceDataError(
                    f"Nominatim at {host} answered with an unexpected reverse format."
                )
            return [answer]
        if not isinstance(answer, list) or not all(isinstance(p, dict) for p in answer):
            raise SourceDataError(
                f"Nominatim at {host} answered with JSON that is not a list of places; check "
                "that base_url points to a Nominatim."
            )
        return answer

    @staticmethod
    def _entity(place: Mapping[str, Any]) -> EntityResult | None:
        name = str(place.get("display_name") or "").strip()
        lat, lon = _number(place.get("lat")), _number(place.get("lon"))
        if not name or lat is None or lon is None:
            return None
        details = place.get("address")
        address: Mapping[str, Any] = details if isinstance(details, dict) else {}
        box = [_number(v) for v in place.get("boundingbox") or []]
        return EntityResult(
            "location",
            name,
            properties={
                "address": name,
                "latitude": lat,
                "longitude": lon,
                "country": str(address.get("country_code", "")).upper(),
                "bounding_box": box if len(box) == 4 and None not in box else [],
                "osm": f"{place.get('osm_type', '')}/{place.get('osm_id', '')}",
                "osm_category": str(place.get("category") or place.get("class") or ""),
                "osm_type": str(place.get("type") or ""),
                "place_rank": place.get("place_rank"),
                "attribution": str(place.get("licence") or ATTRIBUTION),
            },
        )
