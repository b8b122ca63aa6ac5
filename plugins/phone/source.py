"""phone: validity, E.164, country, region, carrier, number type and time zones of a number.

All from libphonenumber's metadata (the `phonenumbers` package), on this machine. The
region and carrier describe the number *range* as allocated: a ported mobile number may
now be with another carrier, and a mobile may be anywhere; the links say so.
"""

from __future__ import annotations

from collections.abc import Iterator

import phonenumbers
from phonenumbers import PhoneNumberType, carrier, geocoder, timezone

from workbench.sdk import (
    Context,
    EntityResult,
    LinkResult,
    NoteResult,
    Query,
    Result,
    Source,
    SourceDataError,
)

TYPES = {
    PhoneNumberType.FIXED_LINE: "fixed line",
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed line or mobile",
    PhoneNumberType.TOLL_FREE: "toll free",
    PhoneNumberType.PREMIUM_RATE: "premium rate",
    PhoneNumberType.SHARED_COST: "shared cost",
    PhoneNumberType.VOIP: "VoIP",
    PhoneNumberType.PERSONAL_NUMBER: "personal number",
    PhoneNumberType.PAGER: "pager",
    PhoneNumberType.UAN: "universal access number",
    PhoneNumberType.VOICEMAIL: "voicemail",
    PhoneNumberType.UNKNOWN: "unknown",
}
PARSE_ERRORS = {
    phonenumbers.NumberParseException.INVALID_COUNTRY_CODE: (
        "its country is unknown: write it with + and the country code (e.g. +44 20 7946 "
        "0958), or set the source's default_region (e.g. GB)"
    ),
    phonenumbers.NumberParseException.NOT_A_NUMBER: "it does not look like a phone number",
    phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: "it is too short after the prefix",
    phonenumbers.NumberParseException.TOO_SHORT_NSN: "it is too short to be a phone number",
    phonenumbers.NumberParseException.TOO_LONG: "it is too long to be a phone number",
}


def parse(value: str, region: str | None) -> phonenumbers.PhoneNumber:
    try:
        return phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as exc:
        why = PARSE_ERRORS.get(exc.error_type, str(exc))
        raise SourceDataError(f"{value!r} cannot be read as a phone number: {why}.") from exc


class PhoneInfo(Source):
    def run(self, query: Query, ctx: Context) -> Iterator[Result]:
        region = str(ctx.settings["default_region"]).strip().upper() or None
        language = str(ctx.settings["language"]).strip() or "en"
        number = parse(query.value, region)
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        valid = phonenumbers.is_valid_number(number)
        possible = phonenumbers.is_possible_number(number)
        kind = TYPES.get(phonenumbers.number_type(number), "unknown")
        code = phonenumbers.region_code_for_number(number) or ""
        country = geocoder.country_name_for_number(number, language) if code else ""
        place = geocoder.description_for_number(number, language) if valid else ""
        operator = carrier.name_for_number(number, language) if valid else ""
        zones = [z for z in timezone.time_zones_for_number(number) if z != "Etc/Unknown"]
        facts = {
            "e164": e164,
            "international": phonenumbers.format_number(
                number, phonenumbers.PhoneNumberFormat.INTERNATIONAL
            ),
            "national": phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL),
            "valid": valid,
            "possible": possible,
            "number_type": kind,
            "country_code": code,
            "country": country,
            "region": place if place and place != country else "",
            "carrier": operator,
            "time_zones": zones,
        }
        lines = [
            f"Phone number {facts['international']} (E.164 {e164}): "
            + (
                "valid" if valid else "NOT a valid number" + (" (but possible)" if possible else "")
            ),
            f"type: {kind}; country: {country or 'unknown'} ({code or '?'})"
            + (f"; region: {facts['region']}" if facts["region"] else ""),
            f"carrier (range allocated to): {operator or 'not known'}",
            f"time zones: {', '.join(zones) or 'unknown'}",
            "Source: libphonenumber metadata (number ranges, not the subscriber's location).",
        ]
        yield NoteResult("\n".join(lines))
        if not valid:
            ctx.log.warning("%s is not a valid number; no location or carrier added", e164)
            return
        if country:
            address = f"{facts['region']}, {country}" if facts["region"] else country
            location = EntityResult(
                "location",
                address,
                properties={"address": address, "country": code, "region": facts["region"]},
            )
            yield location
            yield LinkResult(
                query,
                location,
                "located_at",
                confidence="suspected",
                properties={
                    "basis": "the number's range is allocated to this "
                    + ("area" if facts["region"] else "country")
                    + "; a mobile phone can be anywhere",
                    "number_type": kind,
                    "time_zones": zones,
                    "source": "libphonenumber",
                },
            )
        if operator:
            organisation = EntityResult(
                "organization",
                operator,
                properties={"kind": "telephone carrier", "country": code},
            )
            yield organisation
            yield LinkResult(
                query,
                organisation,
                "uses",
                confidence="suspected",
                properties={
                    "basis": "original carrier of the number range; the number may have been "
                    "ported to another carrier",
                    "source": "libphonenumber",
                },
            )
