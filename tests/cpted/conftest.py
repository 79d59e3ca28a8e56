"""Fixtures of the CPTED assessment tests: people, targets, photos, a filled store."""

from __future__ import annotations

import io
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image

from twin.assessments import (
    Author,
    make_assessment,
    photo_from_upload,
    target_from_area,
    target_from_building,
    target_from_spot,
    target_from_street,
)

ANNA = Author("Anna de Vries")
BRAM = Author("Bram Janssen")

#: Notes that must survive every format and be shown as text everywhere.
NASTY_NOTES = (
    "<img src=x onerror=alert(1)> \"quotes\", 'single', & ampersand\n"
    "tweede regel — Heerlen ☃ 🚲 ümlaut; semi;colons, commas\r\n"
    '=HYPERLINK("http://x") and עברית and 中文\t tab'
)


def jpeg_with_gps(width: int = 320, height: int = 200, seed: int = 1) -> bytes:
    """A JPEG whose EXIF holds a camera name and a GPS position."""
    rng = np.random.default_rng(seed)
    img = Image.fromarray((rng.random((height, width, 3)) * 255).astype("uint8"))
    exif = Image.Exif()
    exif[0x0110] = "SecretCam 3000"  # model
    exif[0x8825] = {1: "N", 2: (50.0, 53.0, 17.0), 3: "E", 4: (5.0, 58.0, 46.0)}  # GPS IFD
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def small_targets(small):
    """One target of each kind in Heerlen-Centrum."""
    b = small.buildings["id"].iloc[3]
    s = small.streets["id"].iloc[2]
    c = small.buurten.geometry.iloc[0].representative_point()
    x, y = round(c.x, 2), round(c.y, 2)
    return {
        "building": target_from_building(small, b),
        "street": target_from_street(small, s),
        "spot": target_from_spot(small, f"{x} {y}"),
        "area": target_from_area(small, [(x, y), (x + 40, y), (x + 40, y + 30), (x + 5, y + 35)]),
    }


def fill_store(store, small, *, with_photo: bool = True):
    """A store with one assessment per target kind, several versions, a delete, a photo."""
    targets = small_targets(small)
    photo = photo_from_upload(jpeg_with_gps(), "site.jpg")
    ids = {}
    for i, (kind, target) in enumerate(targets.items()):
        a = make_assessment(
            target,
            {"ns_sightlines": 1 + i, "li_even_lighting": "n/a", "th_locks": 5 - i},
            notes=NASTY_NOTES if kind == "building" else f"note {kind}",
            observed_at=f"2025-0{i + 1}-1{i}",
            time_of_day="night" if i % 2 else "day",
            measures=["street_lighting", "hedge_trimming"] if i % 2 else ["cctv"],
            photos=[photo.sha256] if with_photo and kind == "building" else [],
        )
        v = store.create(a, ANNA, photos=[photo] if with_photo and kind == "building" else [])
        ids[kind] = v.assessment_id
    # a second and third version by another author, and a deleted one
    v = store.get(ids["building"])
    a2 = make_assessment(
        v.assessment.target,
        {**v.assessment.scores, "ma_repairs": 2},
        notes=v.assessment.notes,
        observed_at=v.assessment.observed_at,
        measures=[*v.assessment.measures, "burglary_proofing"],
        photos=v.assessment.photos,
    )
    store.save(ids["building"], a2, base_version=1, author=BRAM)
    store.delete(ids["spot"], BRAM)
    return ids


@pytest.fixture
def ch():
    """The helpers above, for test modules (which cannot import a conftest)."""
    return SimpleNamespace(
        ANNA=ANNA,
        BRAM=BRAM,
        NASTY_NOTES=NASTY_NOTES,
        jpeg_with_gps=jpeg_with_gps,
        small_targets=small_targets,
        fill_store=fill_store,
    )


@pytest.fixture(scope="session")
def targets(small):
    """One target of each kind in Heerlen-Centrum."""
    return small_targets(small)


@pytest.fixture
def store(tmp_path):
    from twin.assessments import open_store

    with open_store(tmp_path / "a.sqlite") as s:
        yield s
