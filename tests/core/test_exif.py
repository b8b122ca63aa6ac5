"""EXIF reading: real photos against the upstream dump, synthetic edge cases, bad files."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from PIL import Image, TiffImagePlugin

from workbench.media.exif import ExifInfo, read_exif

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "exif_gps"
if not DATA.is_dir():  # the checkout may live elsewhere; /work/shared is the fixed location
    DATA = Path("/work/shared/data/exif_gps")
EXPECTED = json.loads((DATA / "expected_gps.json").read_text(encoding="utf-8"))["files"]
R = TiffImagePlugin.IFDRational


def _jpeg(
    gps: dict[int, object] | None = None,
    exif_tags: dict[int, object] | None = None,
    base: dict[int, object] | None = None,
) -> bytes:
    exif = Image.Exif()
    for tag, value in (base or {}).items():
        exif[tag] = value
    if gps is not None:
        ifd = exif.get_ifd(0x8825)
        ifd.update(gps)
    if exif_tags is not None:
        exif.get_ifd(0x8769).update(exif_tags)
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), "teal").save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_photos_agree_with_the_upstream_dump(name: str) -> None:
    expected = EXPECTED[name]
    info = read_exif(DATA / name)
    assert info.problem is None
    assert info.latitude is not None and info.longitude is not None
    assert abs(info.latitude - expected["decimal_lat"]) < 1e-6
    assert abs(info.longitude - expected["decimal_lon"]) < 1e-6
    assert info.make == expected["dump_Image_Make"]
    assert info.model == expected["dump_Image_Model"]
    date, time = expected["dump_EXIF_DateTimeOriginal"].split(" ")
    assert info.taken_at == date.replace(":", "-") + "T" + time
    assert info.raw["GPSLatitudeRef"] == expected["dump_GPS_GPSLatitudeRef"]


def test_southern_hemisphere_with_minutes_carrying_the_fraction() -> None:
    info = read_exif(DATA / "Kodak_CX7530.jpg")
    assert info.latitude is not None and info.latitude < 0  # "S", degrees 0
    assert info.software == "GIMP 2.4.5"


def test_stream_input_is_read_and_left_open() -> None:
    with open(DATA / "DSCN0010.jpg", "rb") as handle:
        info = read_exif(handle)
        assert not handle.closed
    assert info.has_position


def test_south_west_altitude_below_sea_level_and_offset_time() -> None:
    data = _jpeg(
        gps={
            1: "S",
            2: (R(33, 1), R(51, 1), R(54, 1)),
            3: "W",
            4: (R(151, 1), R(12, 1), R(36, 1)),
            5: b"\x01",
            6: R(15, 2),
        },
        exif_tags={0x9003: "2024:03:01 10:11:12", 0x9011: "+09:00", 0x9291: "25"},
        base={271: "Canon", 272: "Canon EOS 5D", 305: "Adobe Photoshop"},
    )
    info = read_exif(io.BytesIO(data))
    assert info.problem is None
    assert info.latitude == pytest.approx(-(33 + 51 / 60 + 54 / 3600), abs=1e-9)
    assert info.longitude == pytest.approx(-(151 + 12 / 60 + 36 / 3600), abs=1e-9)
    assert info.altitude == -7.5
    assert info.taken_at == "2024-03-01T10:11:12.25+09:00"
    assert (info.make, info.model, info.software) == ("Canon", "Canon EOS 5D", "Adobe Photoshop")


def test_degree_minute_form_and_bare_decimal_degrees() -> None:
    info = read_exif(
        io.BytesIO(
            _jpeg(gps={1: "N", 2: (R(48, 1), R(5163, 100)), 3: "E", 4: (R(2, 1), R(1767, 100))})
        )
    )
    assert info.latitude == pytest.approx(48 + 51.63 / 60, abs=1e-9)
    assert info.longitude == pytest.approx(2 + 17.67 / 60, abs=1e-9)
    info = read_exif(
        io.BytesIO(_jpeg(gps={1: "N", 2: (R(3568, 100),), 3: "E", 4: (R(13976, 100),)}))
    )
    assert (info.latitude, info.longitude) == (pytest.approx(35.68), pytest.approx(139.76))


def test_zero_over_zero_seconds_count_as_zero() -> None:
    data = _jpeg(
        gps={1: "N", 2: (R(10, 1), R(30, 1), R(0, 0)), 3: "E", 4: (R(20, 1), R(0, 1), R(0, 0))}
    )
    info = read_exif(io.BytesIO(data))
    assert info.problem is None
    assert (info.latitude, info.longitude) == (10.5, 20.0)


def test_nonzero_over_zero_is_broken_exif_not_an_exception() -> None:
    data = _jpeg(
        gps={1: "N", 2: (R(5, 0), R(0, 1), R(0, 1)), 3: "E", 4: (R(1, 1), R(0, 1), R(0, 1))}
    )
    info = read_exif(io.BytesIO(data))
    assert info.latitude is None
    assert info.problem is not None and info.problem.startswith("broken EXIF")
    assert "GPSLatitude" in info.problem and "zero denominator" in info.problem


def test_all_zero_denominators_or_zero_zero_means_no_position() -> None:
    unset = (R(0, 0), R(0, 0), R(0, 0))
    info = read_exif(io.BytesIO(_jpeg(gps={1: "N", 2: unset, 3: "E", 4: unset})))
    assert info.problem == "no GPS position"
    zero = (R(0, 1), R(0, 1), R(0, 1))
    info = read_exif(io.BytesIO(_jpeg(gps={1: "N", 2: zero, 3: "E", 4: zero})))
    assert info.problem is not None and info.problem.startswith("no GPS position")
    assert not info.has_position


def test_position_outside_the_globe_is_broken() -> None:
    info = read_exif(io.BytesIO(_jpeg(gps={1: "N", 2: (R(95, 1),), 3: "E", 4: (R(1, 1),)})))
    assert info.problem is not None and "outside the globe" in info.problem


def test_image_with_exif_but_no_gps() -> None:
    info = read_exif(
        io.BytesIO(_jpeg(base={271: "NIKON"}, exif_tags={0x9003: "0000:00:00 00:00:00"}))
    )
    assert info == ExifInfo(make="NIKON", raw=info.raw, problem="no GPS position")
    assert info.taken_at is None  # the placeholder date is not a date


def test_image_without_exif(tmp_path: Path) -> None:
    path = tmp_path / "plain.png"
    Image.new("RGB", (4, 4)).save(path)
    assert read_exif(path).problem == "no EXIF"


def test_non_image_empty_and_missing_files(tmp_path: Path) -> None:
    text = tmp_path / "notes.jpg"
    text.write_text("not a picture at all", encoding="utf-8")
    assert read_exif(text).problem == "not an image: the file is not in a format that can be read"
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    assert read_exif(empty).problem == "not an image: the file is empty"
    missing = read_exif(tmp_path / "missing.jpg")
    assert missing.problem is not None and missing.problem.startswith("cannot read the file")


def test_truncated_copies_never_raise(tmp_path: Path) -> None:
    original = (DATA / "DSCN0010.jpg").read_bytes()
    assert original[2:4] == b"\xff\xe1"
    app1_end = 4 + int.from_bytes(original[4:6], "big")  # SOI + APP1 marker + length
    gps_ifd = 12 + 926  # TIFF header starts after "Exif\0\0"; the GPS IFD offset is 926
    expected_lat = EXPECTED["DSCN0010.jpg"]["decimal_lat"]
    for cut in (2, 3):
        info = read_exif(_cut(tmp_path, original, cut))
        assert info.problem == "broken image: truncated or damaged JPEG (no readable image header)"
    for cut in (20, 300, gps_ifd + 2, gps_ifd + 20, gps_ifd + 60):
        info = read_exif(_cut(tmp_path, original, cut))
        assert info.problem is not None and info.problem.startswith("broken EXIF: "), cut
        assert not info.has_position
    # Cut after the GPS directory (in the thumbnail, or in the image data): the position reads.
    for cut in (app1_end - 10, app1_end + 2, len(original) // 2, len(original) - 1):
        info = read_exif(_cut(tmp_path, original, cut))
        assert info.problem is None, cut
        assert info.latitude == pytest.approx(expected_lat, abs=1e-6)


def _cut(folder: Path, data: bytes, length: int) -> Path:
    path = folder / f"cut_{length}.jpg"
    path.write_bytes(data[:length])
    return path


def test_garbage_inside_the_gps_directory(tmp_path: Path) -> None:
    data = bytearray(
        _jpeg(
            gps={1: "N", 2: (R(10, 1), R(0, 1), R(0, 1)), 3: "E", 4: (R(20, 1), R(0, 1), R(0, 1))}
        )
    )
    start = data.index(b"Exif\x00\x00") + 6
    for offset in range(start + 8, min(start + 200, len(data)), 7):
        damaged = bytearray(data)
        damaged[offset : offset + 4] = b"\xff\xff\xff\xff"
        info = read_exif(io.BytesIO(bytes(damaged)))  # must not raise, whatever it finds
        assert info.problem is None or isinstance(info.problem, str)
        if info.problem is None:
            assert info.has_position
