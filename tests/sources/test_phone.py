"""Built-in `phone`: what libphonenumber's data says about Japanese, Spanish, Brazilian, US
and UK numbers, on this machine only, and clear messages for numbers it cannot read."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.errors import ValidationError
from workbench.model import Case
from workbench.sdk.testing import make_host, run_source
from workbench.sources.results import Query
from workbench.store.workspace import Workspace

from .conftest import BUILTIN_PLUGINS, loaded

PLUGIN = BUILTIN_PLUGINS / "phone"

# number, E.164, type, location value, country code, carrier ("" = not in the data), zones
CASES = [
    ("+81 3-5321-1111", "+81353211111", "fixed line", "Tokyo, Japan", "JP", "", ["Asia/Tokyo"]),
    ("+81 90-1234-5678", "+819012345678", "mobile", "Japan", "JP", "KDDI", ["Asia/Tokyo"]),
    (
        "+34 915 88 10 00",
        "+34915881000",
        "fixed line",
        "Madrid, Spain",
        "ES",
        "",
        ["Europe/Madrid"],
    ),
    (
        "+55 21 98765-4321",
        "+5521987654321",
        "mobile",
        "Rio de Janeiro, Brazil",
        "BR",
        "Oi",
        ["America/Sao_Paulo"],
    ),
    (
        "+1 212-639-9675",
        "+12126399675",
        "fixed line or mobile",
        "New York, NY, United States",
        "US",
        "",
        ["America/New_York"],
    ),
    (
        "+44 20 7946 0958",
        "+442079460958",
        "fixed line",
        "London, United Kingdom",
        "GB",
        "",
        ["Europe/London"],
    ),
    # UK mobile ranges are shared with the Crown dependencies: four zones
    (
        "+44 7912 345678",
        "+447912345678",
        "mobile",
        "United Kingdom",
        "GB",
        "O2",
        ["Europe/Guernsey", "Europe/Isle_of_Man", "Europe/Jersey", "Europe/London"],
    ),
]


@pytest.mark.parametrize(("raw", "e164", "kind", "place", "code", "operator", "zones"), CASES)
def test_country_region_carrier_type_and_time_zones(
    tmp_path: Path,
    raw: str,
    e164: str,
    kind: str,
    place: str,
    code: str,
    operator: str,
    zones: list[str],
) -> None:
    result = run_source(PLUGIN, ("phone", raw), tmp_path=tmp_path).assert_ok()
    (note,) = result.notes()
    assert f"(E.164 {e164}): valid" in note.text and f"type: {kind};" in note.text
    assert f"time zones: {', '.join(zones)}" in note.text
    location = result.assert_entity("location", place)
    assert location.properties["country"] == code
    link = next(x for x in result.links() if x.target is location)
    assert link.type == "located_at" and link.confidence == "suspected"
    assert link.properties["time_zones"] == zones
    if operator:
        carrier = result.assert_entity("organization", operator)
        assert carrier.properties == {"kind": "telephone carrier", "country": code}
        uses = next(x for x in result.links() if x.target is carrier)
        assert uses.type == "uses" and "ported" in uses.properties["basis"]
    else:
        assert not result.entities("organization")
    assert result.summary.requests_sent == 0 and result.summary.hosts_contacted == []


def test_names_in_the_investigators_language(tmp_path: Path) -> None:
    result = run_source(
        PLUGIN, ("phone", "+81 3-5321-1111"), tmp_path=tmp_path, settings={"language": "ja"}
    ).assert_ok()
    result.assert_entity("location", "東京, 日本")


def test_national_number_needs_a_region(tmp_path: Path) -> None:
    result = run_source(PLUGIN, ("phone", "020 7946 0958"), tmp_path=tmp_path)
    assert result.summary.status == "error"
    assert "cannot be read as a phone number: its country is unknown" in result.summary.error
    assert "default_region" in result.summary.error and not result.entities()
    with_region = run_source(
        PLUGIN, ("phone", "020 7946 0958"), tmp_path=tmp_path, settings={"default_region": "GB"}
    ).assert_ok()
    with_region.assert_entity("location", "London, United Kingdom")


def test_numbers_that_do_not_parse_get_a_clear_message(tmp_path: Path) -> None:
    result = run_source(PLUGIN, ("phone", "+999 123"), tmp_path=tmp_path)
    assert result.summary.status == "error"
    assert "'+999 123' cannot be read as a phone number" in result.summary.error
    with pytest.raises(ValidationError, match="not a phone number"):
        run_source(PLUGIN, ("phone", "call me"), tmp_path=tmp_path)


def test_invalid_number_is_reported_without_guesses(tmp_path: Path) -> None:
    result = run_source(PLUGIN, ("phone", "+44 7700 900123"), tmp_path=tmp_path).assert_ok()
    (note,) = result.notes()
    assert "NOT a valid number" in note.text
    assert not result.entities("location") and not result.entities("organization")


def test_runs_offline_and_writes_into_the_case(tmp_path: Path, ws: Workspace, case: Case) -> None:
    host = make_host([loaded(PLUGIN)], tmp_path=tmp_path, offline=True)
    query = Query("phone", "+55 21 98765-4321")
    preflight = host.preflight("phone", [query], case.id)
    assert preflight.hosts == () and not preflight.needs_confirmation
    summary = host.execute("phone", query, ws=ws, case_id=case.id)
    assert summary.ok, summary.error
    values = {(e.type, e.normalized) for e in ws.graph.list_entities(case.id)}
    assert {("phone", "+5521987654321"), ("organization", "Oi")} <= values
    assert ("location", "Rio de Janeiro, Brazil") in values
