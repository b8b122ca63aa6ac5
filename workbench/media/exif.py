"""EXIF metadata of an image (Pillow): GPS position, camera, original time, software.

`read_exif` never raises for bad input: a truncated JPEG, a file that is not an image or an
image without GPS gives an `ExifInfo` whose `problem` says what is missing, so callers can
show a "no location" result instead of an error dialog.

GPS coordinates are computed exactly from the stored rationals (degrees + minutes/60 +
seconds/3600, negative for S/W), which handles the degree/decimal-minute form (seconds 0)
and a bare decimal degree. A 0/0 rational (a camera's "unset") counts as 0 unless every
component is 0/0; n/0 with n != 0 is broken EXIF.
"""

from __future__ import annotations

import io
import math
import re
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from typing import BinaryIO

from PIL import ExifTags, Image, TiffImagePlugin, UnidentifiedImageError

__all__ = ["ExifInfo", "read_exif"]

_GPS_IFD = 0x8825
_EXIF_IFD = 0x8769
_MAKER_NOTE = 0x927C
_MAX_SCAN = 4 * 1024 * 1024  # bytes scanned for an APP1 segment when Pillow cannot open it
_MAX_RAW_VALUE = 200


@dataclass(frozen=True)
class ExifInfo:
    """What an image's EXIF says; `problem` is None or why no position could be read."""

    latitude: float | None = None
    longitude: float | None = None
    altitude: float | None = None
    make: str | None = None
    model: str | None = None
    software: str | None = None
    taken_at: str | None = None
    raw: dict[str, str] = field(default_factory=dict)
    problem: str | None = None

    @property
    def has_position(self) -> bool:
        return self.latitude is not None and self.longitude is not None


class _BrokenExif(Exception):
    """A GPS value that cannot be turned into a coordinate."""


def read_exif(source: Path | BinaryIO) -> ExifInfo:
    """The EXIF of the image at `source` (a path or a readable binary stream, which is read
    from its current position and not closed). Never raises for bad or truncated images."""
    try:
        data = _read_source(source)
    except OSError as exc:
        return ExifInfo(problem=f"cannot read the file: {exc.strerror or exc}")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        exif, problem = _load_exif(data)
        if exif is None:
            info = ExifInfo(problem=problem)
        else:
            try:
                info = _interpret(exif)
            except Exception as exc:  # malformed tag structures must not escape
                info = ExifInfo(problem=f"broken EXIF: {_short(exc)}")
    complaints = [
        " ".join(str(w.message).split())
        for w in caught
        if "EXIF" in str(w.message) or "Truncated" in str(w.message) or "Tag data" in str(w.message)
    ]
    if complaints and not info.has_position and (info.problem or "").startswith("no "):
        # Pillow skipped what it could not read; say so rather than "no GPS position".
        info = replace(info, problem=f"broken EXIF: {_short(complaints[0])}")
    return info


# ---- loading ----------------------------------------------------------------------------


def _read_source(source: Path | BinaryIO) -> bytes:
    if isinstance(source, (str, Path)):
        with open(source, "rb") as handle:
            return handle.read()
    return source.read()


def _load_exif(data: bytes) -> tuple[Image.Exif | None, str]:
    """Pillow's parsed EXIF, or (None, problem)."""
    if not data:
        return None, "not an image: the file is empty"
    try:
        with Image.open(io.BytesIO(data)) as image:
            exif = image.getexif()
            _touch_sub_ifds(exif)
    except Exception as exc:  # Pillow raises many types for bad files
        # A JPEG cut off before its image header still carries a whole APP1 segment.
        segment = _find_app1_exif(data)
        if segment is None:
            if data[:2] == b"\xff\xd8":
                return None, f"broken image: truncated or damaged JPEG ({_reason(exc)})"
            return None, "not an image: the file is not in a format that can be read"
        exif = Image.Exif()
        try:
            exif.load(segment)
            _touch_sub_ifds(exif)
        except Exception as inner:  # same: any parse failure is a problem
            return None, f"broken EXIF: {_short(inner)}"
    if len(exif) == 0:
        return None, "no EXIF"
    return exif, ""


def _touch_sub_ifds(exif: Image.Exif) -> None:
    """Parse the GPS and Exif sub-IFDs now, while any error can still be reported."""
    for ifd in (_GPS_IFD, _EXIF_IFD):
        if ifd in exif:
            exif.get_ifd(ifd)


def _find_app1_exif(data: bytes) -> bytes | None:
    """The TIFF payload of the first `Exif` APP1 segment of a (possibly truncated) JPEG."""
    if data[:2] != b"\xff\xd8":
        return None
    position = data.find(b"\xff\xe1", 2, _MAX_SCAN)
    while position != -1:
        if data[position + 4 : position + 10] == b"Exif\x00\x00":
            length = int.from_bytes(data[position + 2 : position + 4], "big")
            payload = data[position + 10 : position + 2 + length]
            return payload if len(payload) >= 8 else None
        position = data.find(b"\xff\xe1", position + 2, _MAX_SCAN)
    return None


# ---- interpretation ---------------------------------------------------------------------


def _interpret(exif: Image.Exif) -> ExifInfo:
    base = dict(exif)
    sub = dict(exif.get_ifd(_EXIF_IFD)) if _EXIF_IFD in exif else {}
    gps = dict(exif.get_ifd(_GPS_IFD)) if _GPS_IFD in exif else {}
    raw = _raw(base, ExifTags.TAGS) | _raw(sub, ExifTags.TAGS) | _raw(gps, ExifTags.GPSTAGS)
    make = _text(base.get(ExifTags.Base.Make))
    model = _text(base.get(ExifTags.Base.Model))
    software = _text(base.get(ExifTags.Base.Software))
    taken_at = _taken_at(sub)

    def result(problem: str | None, lat: float | None = None, lon: float | None = None) -> ExifInfo:
        return ExifInfo(
            latitude=lat,
            longitude=lon,
            altitude=_altitude(gps) if lat is not None else None,
            make=make,
            model=model,
            software=software,
            taken_at=taken_at,
            raw=raw,
            problem=problem,
        )

    if not gps:
        return result("no GPS position")
    try:
        latitude = _coordinate(gps, ExifTags.GPS.GPSLatitude, ExifTags.GPS.GPSLatitudeRef, "S")
        longitude = _coordinate(gps, ExifTags.GPS.GPSLongitude, ExifTags.GPS.GPSLongitudeRef, "W")
    except _BrokenExif as exc:
        return result(f"broken EXIF: {exc}")
    if latitude is None or longitude is None:
        return result("no GPS position")
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return result(f"broken EXIF: GPS position {latitude}, {longitude} is outside the globe")
    if latitude == 0 and longitude == 0:
        return result("no GPS position (the camera wrote 0, 0: it had no satellite fix)")
    return result(None, latitude, longitude)


def _coordinate(gps: Mapping[int, object], tag: int, ref_tag: int, negative: str) -> float | None:
    value = gps.get(tag)
    if value is None:
        return None
    name = ExifTags.GPSTAGS.get(tag, str(tag))
    parts = list(value) if isinstance(value, (tuple, list)) else [value]
    if not 1 <= len(parts) <= 3:
        raise _BrokenExif(f"{name} has {len(parts)} components (expected 1 to 3)")
    fractions = [_fraction(part, name) for part in parts]
    if all(part is None for part in fractions):
        return None  # every component 0/0: the camera had no position
    total = Fraction(0)
    for part, scale in zip(fractions, (1, 60, 3600), strict=False):
        if part is not None:
            total += abs(part) / scale
    ref = _text(gps.get(ref_tag))
    sign = -1 if ref is not None and ref.strip().upper().startswith(negative) else 1
    return sign * float(total)


def _fraction(value: object, name: str) -> Fraction | None:
    """A rational as an exact Fraction; None for 0/0 (unset); n/0 is broken."""
    if isinstance(value, TiffImagePlugin.IFDRational):
        numerator, denominator = value.numerator, value.denominator
        if denominator == 0:
            if numerator == 0:
                return None
            raise _BrokenExif(f"{name} has a zero denominator ({numerator}/0)")
        return Fraction(int(numerator), int(denominator))
    if isinstance(value, tuple) and len(value) == 2:
        return _fraction(TiffImagePlugin.IFDRational(value[0], value[1]), name)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _BrokenExif(f"{name} holds {value!r}, not a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise _BrokenExif(f"{name} is not a finite number")
    return Fraction(value)


def _altitude(gps: Mapping[int, object]) -> float | None:
    value = gps.get(ExifTags.GPS.GPSAltitude)
    if value is None:
        return None
    try:
        altitude = _fraction(value, "GPSAltitude")
    except _BrokenExif:
        return None
    if altitude is None:
        return None
    ref = gps.get(ExifTags.GPS.GPSAltitudeRef)
    below = ref in (1, b"\x01", "\x01", "1")
    return -float(abs(altitude)) if below else float(altitude)


_EXIF_TIME = re.compile(r"^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$")
_OFFSET = re.compile(r"^[+-]\d{2}:\d{2}$")


def _taken_at(sub: Mapping[int, object]) -> str | None:
    """DateTimeOriginal (else DateTimeDigitized) in ISO 8601, with sub-seconds and the
    offset when the image records them; None when absent or not a real date."""
    for time_tag, subsec_tag, offset_tag in (
        (ExifTags.Base.DateTimeOriginal, 0x9291, 0x9011),
        (ExifTags.Base.DateTimeDigitized, 0x9292, 0x9012),
    ):
        text = _text(sub.get(time_tag))
        if text is None or not _EXIF_TIME.match(text):
            continue
        try:
            moment = datetime.strptime(text.replace("T", " "), "%Y:%m:%d %H:%M:%S")
        except ValueError:
            continue  # "0000:00:00 00:00:00" and other placeholders
        iso = moment.isoformat()
        subsec = _text(sub.get(subsec_tag))
        if subsec and subsec.isdigit():
            iso += "." + subsec
        offset = _text(sub.get(offset_tag))
        if offset and _OFFSET.match(offset):
            iso += offset
        return iso
    return None


# ---- printable values -------------------------------------------------------------------


def _text(value: object) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return None
    cleaned = value.replace("\x00", "").strip()
    return cleaned or None


def _raw(tags: Mapping[int, object], names: Mapping[int, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for tag, value in tags.items():
        if tag in (_MAKER_NOTE, _GPS_IFD, _EXIF_IFD):
            continue
        out[names.get(tag, f"0x{tag:04x}")] = _printable(value)
    return out


def _printable(value: object) -> str:
    if isinstance(value, TiffImagePlugin.IFDRational):
        numerator, denominator = value.numerator, value.denominator
        text = str(numerator) if denominator == 1 else f"{numerator}/{denominator}"
    elif isinstance(value, bytes):
        stripped = value.rstrip(b"\x00")
        if stripped and all(32 <= byte < 127 for byte in stripped):
            text = stripped.decode("ascii")
        else:
            text = value[: _MAX_RAW_VALUE // 2].hex(" ")
    elif isinstance(value, str):
        text = value.replace("\x00", "").strip()
    elif isinstance(value, Iterable):
        text = "[" + ", ".join(_printable(part) for part in value) + "]"
    else:
        text = str(value)
    return text if len(text) <= _MAX_RAW_VALUE else text[: _MAX_RAW_VALUE - 1] + "…"


def _short(exc: BaseException | str) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 120 else text[:119] + "…"


def _reason(exc: BaseException) -> str:
    if isinstance(exc, UnidentifiedImageError):
        return "no readable image header"
    return _short(exc)
