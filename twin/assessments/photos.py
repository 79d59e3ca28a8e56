"""Photos for assessments: checked by content, stripped of metadata, re-encoded, addressed by hash.

An upload is accepted only if Pillow recognises it as JPEG, PNG or WebP from its bytes (the file
name is never trusted), it is not too large in bytes or pixels, and it decodes completely. It is
then re-encoded as a fresh JPEG: EXIF (GPS position, camera, owner), XMP, IPTC and comments are
gone because nothing of the original container is copied; the EXIF orientation is applied to
the pixels first so the photo stays upright. A stored photo is named by the SHA-256 of its
bytes, so the same photo is kept once, and a reference can be checked.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from twin.assessments.errors import AssessmentInputError
from twin.assessments.limits import (
    MAX_PHOTO_BYTES,
    MAX_PHOTO_PIXELS,
    PHOTO_JPEG_QUALITY,
    PHOTO_MAX_EDGE_PX,
)

__all__ = ["ACCEPTED_FORMATS", "Photo", "check_stored_photo", "photo_from_upload"]

#: Image formats accepted on upload, as Pillow names them after sniffing the content.
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")


@dataclass(frozen=True)
class Photo:
    """A sanitised photo: JPEG bytes without metadata, and their SHA-256 (the reference)."""

    sha256: str
    data: bytes
    width: int
    height: int
    mime: str = "image/jpeg"


def _check_size(data: bytes, name: str) -> None:
    if len(data) > MAX_PHOTO_BYTES:
        raise AssessmentInputError(
            "photo_too_large",
            name=name,
            size_mb=len(data) / 2**20,
            limit_mb=MAX_PHOTO_BYTES / 2**20,
        )


def _open(data: bytes, name: str) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=list(ACCEPTED_FORMATS))
    except (UnidentifiedImageError, Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise AssessmentInputError("photo_wrong_type", name=name) from None
    except OSError:
        raise AssessmentInputError("photo_unreadable", name=name) from None
    width, height = image.size
    if width * height > MAX_PHOTO_PIXELS:
        raise AssessmentInputError(
            "photo_too_many_pixels",
            name=name,
            width=width,
            height=height,
            limit_mp=MAX_PHOTO_PIXELS / 1e6,
        )
    return image


def photo_from_upload(data: bytes, name: str = "photo") -> Photo:
    """A :class:`Photo` from uploaded bytes, or :class:`AssessmentInputError` saying why not."""
    _check_size(data, name)
    image = _open(data, name)
    try:
        image.load()
        image = ImageOps.exif_transpose(image)
    except (OSError, SyntaxError, ValueError):
        raise AssessmentInputError("photo_unreadable", name=name) from None
    if image.mode in ("RGBA", "LA", "P", "PA"):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        image = flat
    elif image.mode != "RGB":
        image = image.convert("RGB")
    image.thumbnail((PHOTO_MAX_EDGE_PX, PHOTO_MAX_EDGE_PX), Image.Resampling.LANCZOS)
    # A new image from the pixels alone: no info dict, no EXIF, no ICC, nothing of the source.
    clean = Image.frombytes("RGB", image.size, image.tobytes())
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=PHOTO_JPEG_QUALITY, optimize=True)
    encoded = out.getvalue()
    return Photo(hashlib.sha256(encoded).hexdigest(), encoded, clean.width, clean.height)


def check_stored_photo(data: bytes, sha256: str, name: str = "photo") -> Photo:
    """Check a photo file from an exchange folder: its hash matches, it is a JPEG without
    metadata (as this store writes them). Raises :class:`AssessmentInputError` otherwise."""
    _check_size(data, name)
    if hashlib.sha256(data).hexdigest() != sha256:
        raise AssessmentInputError("photo_unreadable", name=name)
    image = _open(data, name)
    if image.format != "JPEG" or image.getexif() or image.info.get("exif"):
        raise AssessmentInputError("photo_wrong_type", name=name)
    try:
        image.load()
    except OSError:
        raise AssessmentInputError("photo_unreadable", name=name) from None
    return Photo(sha256, data, image.width, image.height)
