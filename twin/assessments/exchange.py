"""Export and import of assessments: GeoJSON, GeoPackage and CSV with one column schema.

Export writes the current version of each assessment (``version``, ``author``, ``saved_at``,
``created_*`` and the ``history`` of every version's metadata travel along) and, when there
are photos, their JPEG files into a folder beside the file (``<name>_photos/<sha256>.jpg``):
photos travel by reference, checked by hash on import.

Import validates every row and reports every bad one with its reason; it writes nothing unless
all rows are good, or ``good_rows_only`` is chosen (then the good rows, in one transaction).
Per row, by its ``id`` and ``version`` against the store:

- no id, or an id not in the store: created (with the file's version and history metadata);
- same version, same content: unchanged;
- same version, other content (edited outside, e.g. in QGIS): saved as the next version;
- a later version whose history continues this store's: fast-forwarded to it;
- anything else (changed here after the export, or histories that diverged): a conflict, a bad
  row — nothing is overwritten.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
import shapely.errors
from shapely.geometry import Polygon

from twin.assessments.columns import as_text, column_names
from twin.assessments.errors import AssessmentError, AssessmentInputError
from twin.assessments.form import PRINCIPLE_IDS, message
from twin.assessments.formats import ImportFileError, Row, format_from_path, read_rows, write_rows
from twin.assessments.identity import Author
from twin.assessments.limits import MAX_AREA_M2
from twin.assessments.photos import Photo, check_stored_photo
from twin.assessments.record import (
    ACTIONS,
    NA,
    Assessment,
    Target,
    make_assessment,
)
from twin.assessments.store import AssessmentStore, _now, _Write
from twin.crs import to_wgs84
from twin.model import Twin

__all__ = [
    "ImportRejected",
    "ImportReport",
    "RowError",
    "export_assessments",
    "import_assessments",
    "rows_from_store",
]

#: (x, y, lon, lat, buurt, street) of a row's point, computed for the whole file at once.
_Located = tuple[float, float, float, float, str | None, str | None] | None
_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
#: Columns an import cannot do without (a location comes from x_rd/y_rd, lon/lat or geometry).
REQUIRED = ("target_kind",)


@dataclass(frozen=True)
class RowError:
    """One bad row: its number (1 = first data row), its id, and why (NL and EN)."""

    row: int
    id: str | None
    column: str | None
    key: str
    params: dict[str, Any]

    def text(self, lang: str = "en") -> str:
        reason = message(self.key, lang, **self.params)
        if self.column:
            reason = message("import_bad_value", lang, column=self.column, reason=reason)
        rij = "rij" if lang == "nl" else "row"
        return f"{rij} {self.row}" + (f" ({self.id})" if self.id else "") + f": {reason}"


@dataclass
class ImportReport:
    """What an import did (or would do): counts and every bad row."""

    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    written: bool = False

    @property
    def skipped(self) -> int:
        return len(self.errors)

    def summary(self, lang: str = "en") -> str:
        return message(
            "import_done",
            lang,
            created=self.created,
            updated=self.updated,
            unchanged=self.unchanged,
            skipped=self.skipped,
        )


class ImportRejected(AssessmentError):
    """The file has bad rows and the user did not choose to import the good ones."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        super().__init__("import_rejected", bad=report.skipped, total=report.total)


# -- export -------------------------------------------------------------------------------
def _score_text(value: object) -> str | None:
    return None if value is None else (NA if value == NA else str(value))


def rows_from_store(store: AssessmentStore, *, include_deleted: bool = False) -> list[Row]:
    """One exchange row per assessment (its current version), in creation order."""
    rows = []
    for head, v, history in store.current_versions(include_deleted=include_deleted):
        a, t = v.assessment, v.assessment.target
        ps = a.principle_scores
        row: dict[str, Any] = {
            "id": v.assessment_id,
            "version": v.version,
            "deleted": v.deleted,
            "target_kind": t.kind,
            "target_id": t.id,
            "x_rd": t.x,
            "y_rd": t.y,
            "lon": t.lon,
            "lat": t.lat,
            "area_wkt_rd": t.area_wkt,
            "buurt": t.buurt,
            "street": t.street,
            "observed_at": a.observed_at,
            "time_of_day": a.time_of_day,
            "overall": None if a.overall is None else round(a.overall, 4),
            **{f"p_{p}": None if (s := ps[p]) is None else round(s, 4) for p in PRINCIPLE_IDS},
            **{f"s_{k}": _score_text(s) for k, s in a.scores.items()},
            "notes": a.notes,
            "measures": ";".join(a.measures),
            "photos": ";".join(a.photos),
            "author": v.author,
            "saved_at": v.saved_at,
            "created_by": head["created_by"],
            "created_at": head["created_at"],
            "history": json.dumps(history, ensure_ascii=False),
        }
        rows.append({c: as_text(c, row.get(c)) for c in column_names()})
    return rows


def photos_dir_for(path: str | Path) -> Path:
    """The photo folder that travels with an exchange file: ``<stem>_photos/`` beside it."""
    path = Path(path)
    return path.with_name(path.stem + "_photos")


def export_assessments(
    store: AssessmentStore,
    path: str | Path,
    fmt: str | None = None,
    *,
    include_deleted: bool = False,
    photos_dir: str | Path | None = None,
) -> tuple[Path, int, int]:
    """Write the store to ``path``; returns the path, the rows and the photos written."""
    fmt = format_from_path(path, fmt)
    rows = rows_from_store(store, include_deleted=include_deleted)
    out = write_rows(rows, path, fmt)
    refs = sorted({r for row in rows for r in (row["photos"] or "").split(";") if r})
    if refs:
        folder = Path(photos_dir) if photos_dir else photos_dir_for(out)
        folder.mkdir(parents=True, exist_ok=True)
        for ref in refs:
            target = folder / f"{ref}.jpg"
            if not target.exists():
                tmp = target.with_suffix(".partial")
                tmp.write_bytes(store.photo(ref).data)
                tmp.replace(target)
    return out, len(rows), len(refs)


# -- import -------------------------------------------------------------------------------
class _RowProblem(Exception):
    def __init__(self, column: str | None, key: str, **params: Any) -> None:
        self.column, self.key, self.params = column, key, params


def _float(row: Row, column: str) -> float | None:
    value = row.get(column)
    if value is None or value.strip() == "":
        return None
    try:
        return float(value.replace(",", "."))
    except ValueError:
        raise _RowProblem(column, "coord_malformed", text=value[:60]) from None


def _target_from_row(row: Row, twin: Twin | None, located: _Located) -> Target:
    from twin.assessments.target import _LONLAT_DECIMALS, _round_rd, parse_coordinate

    kind = (row.get("target_kind") or "").strip()
    area_wkt = row.get("area_wkt_rd")
    if area_wkt:
        try:
            polygon = shapely.from_wkt(area_wkt)
        except shapely.errors.GEOSException:
            raise _RowProblem("area_wkt_rd", "area_invalid") from None
        if not isinstance(polygon, Polygon) or not polygon.is_valid or polygon.area <= 0:
            raise _RowProblem("area_wkt_rd", "area_invalid")
        if polygon.area > MAX_AREA_M2:
            raise _RowProblem("area_wkt_rd", "area_too_large", area=polygon.area, limit=MAX_AREA_M2)
        p = polygon.representative_point()
        x, y = _round_rd(p.x), _round_rd(p.y)
        parse_coordinate((x, y))  # in the Netherlands
        area_wkt = shapely.to_wkt(polygon, rounding_precision=2)
    else:
        x_in, y_in = _float(row, "x_rd"), _float(row, "y_rd")
        lon_in, lat_in = _float(row, "lon"), _float(row, "lat")
        try:
            if x_in is not None and y_in is not None:
                x, y = parse_coordinate((x_in, y_in))
            elif lon_in is not None and lat_in is not None:
                x, y = parse_coordinate((lon_in, lat_in))
            elif twin is not None and row.get("target_id") and kind in ("building", "street"):
                return _target_of_object(twin, kind, row)
            else:
                raise _RowProblem("x_rd", "coord_malformed", text="")
        except AssessmentInputError as exc:
            raise _RowProblem("x_rd", exc.key, **exc.params) from None
    if located is not None and (located[0], located[1]) == (x, y):
        lon_calc, lat_calc = located[2], located[3]
        found_buurt, found_street = located[4], located[5]
    else:
        lon_calc, lat_calc = (float(v) for v in to_wgs84(x, y))
        found_buurt = found_street = None
        if twin is not None:
            from twin.assessments.target import locate_points

            (found_buurt,), (found_street,) = locate_points(twin, [x], [y])
    lon, lat = _float(row, "lon"), _float(row, "lat")
    if lon is None or lat is None or abs(lon - lon_calc) > 2e-7 or abs(lat - lat_calc) > 2e-7:
        lon, lat = round(lon_calc, _LONLAT_DECIMALS), round(lat_calc, _LONLAT_DECIMALS)
    target_id = row.get("target_id") or None
    if twin is not None and target_id:
        layer = {"building": "buildings", "street": "streets"}.get(kind)
        if layer is not None:
            from twin.assessments.target import _row_of

            if target_id not in _row_of(twin, layer):
                key = "unknown_building" if kind == "building" else "unknown_street"
                raise _RowProblem("target_id", key, id=target_id)
    buurt = row.get("buurt") or found_buurt
    if twin is not None and buurt is None:
        raise _RowProblem("x_rd", "coord_outside_twin", x=x, y=y)
    street = row.get("street") or (target_id if kind == "street" else found_street)
    try:
        return Target(kind, target_id, x, y, lon, lat, buurt, street, area_wkt)
    except AssessmentInputError as exc:
        raise _RowProblem("target_kind", exc.key, **exc.params) from None


def _target_of_object(twin: Twin, kind: str, row: Row) -> Target:
    """A building or street row without coordinates: its location comes from the twin."""
    from twin.assessments.target import target_from_building, target_from_street

    make = target_from_building if kind == "building" else target_from_street
    try:
        target = make(twin, str(row["target_id"]))
    except AssessmentInputError as exc:
        raise _RowProblem("target_id", exc.key, **exc.params) from None
    buurt, street = row.get("buurt") or target.buurt, row.get("street") or target.street
    return Target(kind, target.id, target.x, target.y, target.lon, target.lat, buurt, street)


def _assessment_from_row(row: Row, target: Target) -> Assessment:
    scores = {}
    for name, value in row.items():
        if name.startswith("s_") and value is not None and value.strip() != "":
            scores[name[2:]] = value
    measures = [m.strip() for m in (row.get("measures") or "").split(";") if m.strip()]
    photos = [p.strip() for p in (row.get("photos") or "").split(";") if p.strip()]
    try:
        return make_assessment(
            target,
            scores,
            notes=row.get("notes") or "",
            observed_at=row.get("observed_at") or None,
            time_of_day=row.get("time_of_day") or "day",
            measures=measures,
            photos=photos,
        )
    except AssessmentInputError as exc:
        column = {
            "score_invalid": f"s_{exc.params.get('item')}",
            "unknown_item": f"s_{exc.params.get('item')}",
            "unknown_measure": "measures",
            "time_of_day_invalid": "time_of_day",
            "observed_at_invalid": "observed_at",
            "observed_at_future": "observed_at",
            "note_too_long": "notes",
            "too_many_photos": "photos",
        }.get(exc.key)
        raise _RowProblem(column, exc.key, **exc.params) from None


def _history(row: Row) -> list[list[Any]]:
    text = row.get("history")
    if not text:
        return []
    try:
        history = json.loads(text)
        ok = isinstance(history, list) and all(
            isinstance(h, list) and len(h) == 4 and isinstance(h[0], int) and h[1] in ACTIONS
            for h in history
        )
    except ValueError:
        ok = False
    if not ok:
        raise _RowProblem("history", "import_bad_history")
    return history


def import_assessments(
    store: AssessmentStore,
    path: str | Path,
    author: Author,
    fmt: str | None = None,
    *,
    twin: Twin | None = None,
    good_rows_only: bool = False,
    photos_dir: str | Path | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Validate and import an exchange file (see the module docstring for the rules).

    Raises :class:`ImportFileError` when the file cannot be read, :class:`ImportRejected`
    (nothing written, every bad row on ``.report``) when rows are bad and ``good_rows_only``
    is False. With ``twin``, target ids are checked and empty ``buurt``/``street`` looked up.
    """
    path = Path(path)
    fmt = format_from_path(path, fmt)
    rows, columns = read_rows(path, fmt)
    missing = [c for c in REQUIRED if c not in columns]
    has_location = {"x_rd", "y_rd"} <= set(columns) or {"lon", "lat"} <= set(columns)
    has_location |= fmt != "csv" or "area_wkt_rd" in columns
    if missing or not has_location:
        need = missing + ([] if has_location else ["x_rd", "y_rd"])
        raise ImportFileError("import_missing_columns", columns=", ".join(need))
    unknown_items = [c for c in columns if c.startswith("s_") and c not in column_names()]
    if unknown_items:
        raise ImportFileError("unknown_item", item=", ".join(c[2:] for c in unknown_items))

    report = ImportReport(total=len(rows))
    located = _locate(twin, rows)
    file_ids = [i for r in rows if (i := r.get("id"))]
    state = store.import_state(sorted(set(file_ids)))
    folder = Path(photos_dir) if photos_dir else photos_dir_for(path)
    new_photos: dict[str, Photo] = {}
    known_photos = store.has_photos(
        sorted({p for r in rows for p in (r.get("photos") or "").split(";") if p.strip()})
    )
    writes: list[_Write] = []
    seen: set[str] = set()
    now = _now()
    for number, (row, loc) in enumerate(zip(rows, located, strict=True), start=1):
        rid = (row.get("id") or "").strip() or None
        try:
            if row.get("__extra__"):
                raise _RowProblem(None, "import_bad_row_shape")
            if row.get("__geometry__"):
                raise _RowProblem("geometry", "area_invalid")
            if rid is not None:
                if not _ID.match(rid):
                    raise _RowProblem("id", "import_bad_id", id=rid[:70])
                if rid in seen:
                    raise _RowProblem("id", "import_duplicate_id", id=rid)
                seen.add(rid)
            target = _target_from_row(row, twin, loc)
            assessment = _assessment_from_row(row, target)
            for ref in assessment.photos:
                if ref in known_photos or ref in new_photos:
                    continue
                file = folder / f"{ref}.jpg"
                if not re.fullmatch(r"[0-9a-f]{64}", ref) or not file.is_file():
                    raise _RowProblem("photos", "photo_missing", ref=ref[:12])
                try:
                    new_photos[ref] = check_stored_photo(file.read_bytes(), ref, file.name)
                except AssessmentInputError as exc:
                    raise _RowProblem("photos", exc.key, **exc.params) from None
            write = _plan(row, rid, assessment, state.get(rid or ""), author, now, report)
        except _RowProblem as p:
            report.errors.append(RowError(number, rid, p.column, p.key, p.params))
            continue
        if write is not None:
            write.new_photos = [new_photos[r] for r in assessment.photos if r in new_photos]
            writes.append(write)
    if report.errors and not good_rows_only:
        raise ImportRejected(report)
    if not dry_run and writes:
        store.write_batch(writes)
        report.written = True
    return report


def _locate(twin: Twin | None, rows: Sequence[Row]) -> list[_Located]:
    """buurt, street and WGS84 of every row's RD point, vectorised (one transform, one
    spatial-index query for the whole file); rows without a readable RD point get None."""
    from twin.assessments.target import locate_points

    need, xs, ys = [], [], []
    for i, row in enumerate(rows):
        try:
            if row.get("area_wkt_rd"):
                p = shapely.from_wkt(row["area_wkt_rd"]).representative_point()
                x, y = p.x, p.y
            elif (x_rd := row.get("x_rd")) and (y_rd := row.get("y_rd")):
                x, y = float(x_rd), float(y_rd)
            else:
                continue
        except (ValueError, shapely.errors.GEOSException, AttributeError):
            continue
        need.append(i)
        xs.append(round(x, 2))
        ys.append(round(y, 2))
    out: list[_Located] = [None] * len(rows)
    if not need:
        return out
    lons, lats = to_wgs84(np.asarray(xs), np.asarray(ys))
    codes: list[str | None] = [None] * len(need)
    streets: list[str | None] = [None] * len(need)
    if twin is not None:
        codes, streets = locate_points(twin, xs, ys)
    for k, i in enumerate(need):
        out[i] = (xs[k], ys[k], float(lons[k]), float(lats[k]), codes[k], streets[k])
    return out


def _plan(
    row: Row,
    rid: str | None,
    assessment: Assessment,
    stored: tuple[Any, list[list[Any]]] | None,
    author: Author,
    now: str,
    report: ImportReport,
) -> _Write | None:
    """The write for one valid row (None when unchanged), or a conflict."""
    import uuid

    from twin.assessments.columns import typed

    try:
        version = typed("version", row.get("version")) or 1
        deleted = bool(typed("deleted", row.get("deleted")) or False)
    except ValueError as exc:
        raise _RowProblem("version", "import_bad_number", value=str(exc)[:60]) from None
    if version < 1:
        raise _RowProblem("version", "import_bad_number", value=str(version))
    history = _history(row)
    saved_by = row.get("author") or author.name
    saved_at = row.get("saved_at") or now
    action = history[-1][1] if history and history[-1][0] == version else "import"
    if stored is None:
        report.created += 1
        return _Write(
            assessment_id=rid or uuid.uuid4().hex,
            version=version,
            action=action,
            author=saved_by,
            saved_at=saved_at,
            deleted=deleted,
            assessment=assessment,
            recorded_by=author.name,
            expect_current=None,
            created_at=row.get("created_at") or saved_at,
            created_by=row.get("created_by") or saved_by,
            foreign_history=[h for h in history if h[0] < version],
        )
    current, store_history = stored
    same = assessment.to_data() == current.assessment.to_data() and deleted == current.deleted
    if version == current.version:
        if same:
            report.unchanged += 1
            return None
        report.updated += 1
        return _Write(
            assessment_id=current.assessment_id,
            version=current.version + 1,
            action="import",
            author=author.name,
            saved_at=now,
            deleted=deleted,
            assessment=assessment,
            recorded_by=author.name,
            expect_current=current.version,
        )
    prefix = [h[:4] for h in history[: len(store_history)]]
    if version > current.version and prefix == [list(h) for h in store_history]:
        report.updated += 1
        return _Write(
            assessment_id=current.assessment_id,
            version=version,
            action=action,
            author=saved_by,
            saved_at=saved_at,
            deleted=deleted,
            assessment=assessment,
            recorded_by=author.name,
            expect_current=current.version,
            foreign_history=[h for h in history if h[0] < version],
        )
    raise _RowProblem(
        "version",
        "import_conflict",
        id=current.assessment_id,
        file_version=version,
        store_version=current.version,
    )
