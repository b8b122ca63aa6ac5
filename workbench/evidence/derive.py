"""Derived copies: a working or production copy made from an original, recorded as a new
item that points to it (the original is never touched).

`strip_metadata` re-encodes an image from its pixels only (EXIF, GPS, XMP, ICC, comments
dropped; the EXIF orientation applied first so the copy looks the same), for sharing.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.errors import IntegrityError, ValidationError
from workbench.evidence.errors import storage_error
from workbench.evidence.model import CopyType

if TYPE_CHECKING:
    from workbench.model import Evidence
    from workbench.store.workspace import Workspace

# Pillow format -> (suffix, save options)
_FORMATS: dict[str, tuple[str, dict[str, object]]] = {
    "JPEG": (".jpg", {"quality": 95, "subsampling": 0}),
    "PNG": (".png", {"optimize": True}),
    "WEBP": (".webp", {"quality": 95}),
    "TIFF": (".tif", {"compression": "tiff_lzw"}),
    "BMP": (".bmp", {}),
    "GIF": (".gif", {}),
}


def strip_metadata(
    ws: Workspace,
    evidence_id: str,
    *,
    copy_type: CopyType = CopyType.WORKING,
    purpose: str = "working copy without metadata, for sharing",
) -> Evidence:
    from PIL import Image, ImageOps, UnidentifiedImageError

    if copy_type is CopyType.ORIGINAL:
        raise ValidationError("A derived copy is a working copy or a production copy.")
    original = ws.evidence.get(evidence_id)
    result = ws.evidence.verify(evidence_id, purpose="checked before making a copy")
    if not result.ok:
        raise IntegrityError(
            f"{original.filename} no longer matches its recorded hash ({result.detail}); no "
            "copy was made. Restore the original first."
        )
    source = ws.blobs.path_for(original.sha256)
    try:
        with Image.open(source) as image:
            kind = image.format or ""
            if kind not in _FORMATS:
                raise ValidationError(
                    f"{original.filename} is a {kind or 'non-image'} file; metadata can be "
                    f"stripped from images only ({', '.join(_FORMATS)})."
                )
            frames = int(getattr(image, "n_frames", 1))
            if frames > 1:
                raise ValidationError(
                    f"{original.filename} is animated ({frames} frames); stripping "
                    "would keep only the first frame. Export a still first."
                )
            upright = ImageOps.exif_transpose(image) or image
            if kind == "JPEG" and upright.mode not in ("RGB", "L", "CMYK"):
                upright = upright.convert("RGB")
            clean = Image.frombytes(upright.mode, upright.size, upright.tobytes())
            if upright.mode == "P" and upright.getpalette():
                clean.putpalette(upright.getpalette() or [])
    except (UnidentifiedImageError, Image.DecompressionBombError) as exc:
        raise ValidationError(
            f"{original.filename} is not an image that can be read ({exc}); metadata can be "
            "stripped from images only."
        ) from exc
    suffix, options = _FORMATS[kind]
    stem = Path(original.filename).stem
    temp_dir = ws.root / "tmp"
    try:
        temp_dir.mkdir(parents=True, exist_ok=True)
        handle, temp_name = tempfile.mkstemp(prefix="derived-", suffix=suffix, dir=temp_dir)
        os.close(handle)
        clean.save(temp_name, kind, **options)
    except OSError as exc:
        if "temp_name" in locals() and os.path.exists(temp_name):
            os.unlink(temp_name)
        raise storage_error(exc, "the working copy") from exc
    try:
        from workbench.store.evidence import Lineage

        return ws.evidence.add_file(
            original.case_id,
            Path(temp_name),
            filename=f"{stem}-no-metadata{suffix}",
            description=f"{copy_type.value} copy of {original.filename} without metadata",
            sensitivity=original.sensitivity,
            metadata={"derived": {"from": original.id, "from_sha256": original.sha256}},
            lineage=Lineage(original.id, copy_type, "strip-metadata", purpose),
            purpose=purpose,
        )
    finally:
        os.unlink(temp_name)
