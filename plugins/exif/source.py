"""exif: the GPS position, camera, original time and software recorded in a photo.

The image is the evidence item behind the input (a document entity's `evidence_id`, or the
item's SHA-256 as a hash entity), read read-only through `ctx.evidence_file` after its hash
was checked. EXIF can be edited by anyone who had the file: every link is "suspected" and
says that its basis is the file's metadata.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from workbench.sdk import (
    Context,
    EntityResult,
    EvidenceFile,
    ExifInfo,
    LinkResult,
    NoteResult,
    Query,
    Result,
    Source,
    read_exif,
)

BASIS = "EXIF metadata of the image file; it can be edited, so check it against other sources"


class ExifSource(Source):
    def run(self, query: Query, ctx: Context) -> Iterator[Result]:
        item = ctx.evidence_file(query)
        ctx.progress(0, 1, f"reading the EXIF of {item.filename}")
        with item.open() as handle:
            info = read_exif(handle)
        ctx.progress(1, 1, "done")
        decimals = max(0, min(10, int(ctx.settings["decimals"])))
        common = _common(item, info)
        yield NoteResult(_summary(item, info))
        device = _device(info)
        if device is not None:
            yield device
            yield LinkResult(query, device, "taken_with", "suspected", common)
        if info.latitude is None or info.longitude is None:
            ctx.log.info("%s: no location (%s)", item.filename, info.problem)
            return
        location = _location(info.latitude, info.longitude, info.altitude, decimals)
        yield location
        properties = dict(common)
        if info.altitude is not None:
            properties["altitude_m"] = round(info.altitude, 2)
        yield LinkResult(query, location, "located_at", "suspected", properties)


def _common(item: EvidenceFile, info: ExifInfo) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "basis": BASIS,
        "evidence_id": item.evidence_id,
        "evidence_sha256": item.sha256,
        "filename": item.filename,
    }
    if info.taken_at:
        properties["taken_at"] = info.taken_at
    if info.software:
        properties["software"] = info.software
    return properties


def _device(info: ExifInfo) -> EntityResult | None:
    make, model = info.make, info.model
    if not make and not model:
        return None
    # Many cameras repeat the make in the model ("Canon" + "Canon EOS 5D").
    if make and model and model.lower().startswith(make.lower()):
        name = model
    else:
        name = " ".join(part for part in (make, model) if part)
    properties = {key: value for key, value in (("make", make), ("model", model)) if value}
    return EntityResult("device", name, label=name, properties=properties)


def _location(
    latitude: float, longitude: float, altitude: float | None, decimals: int
) -> EntityResult:
    value = f"{latitude:.{decimals}f}, {longitude:.{decimals}f}"
    north = "N" if latitude >= 0 else "S"
    east = "E" if longitude >= 0 else "W"
    label = f"{abs(latitude):.5f}° {north}, {abs(longitude):.5f}° {east} (photo GPS)"
    properties: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
    if altitude is not None:
        properties["altitude_m"] = round(altitude, 2)
    return EntityResult("location", value, label=label, properties=properties)


def _summary(item: EvidenceFile, info: ExifInfo) -> str:
    lines = [f"EXIF of {item.filename} (SHA-256 {item.sha256[:16]}…):"]
    if info.latitude is not None and info.longitude is not None:
        where = f"{info.latitude:.7f}, {info.longitude:.7f}"
        if info.altitude is not None:
            where += f", altitude {info.altitude:.1f} m"
        lines.append(f"location: {where}")
    else:
        lines.append(f"no location: {info.problem or 'no GPS position'}")
    camera = " ".join(part for part in (info.make, info.model) if part)
    lines.append(f"camera: {camera or 'not recorded'}")
    lines.append(f"taken at: {info.taken_at or 'not recorded'}")
    if info.software:
        lines.append(f"software: {info.software}")
    lines.append("EXIF can be edited by anyone who had the file; corroborate before relying on it.")
    return "\n".join(lines)
