"""Exchange and reports in the CPTED studio: export as downloads, import with a report of every
bad row, printable reports per location and per buurt (HTML, and PDF via headless Chromium).

The file work is done by ``twin.assessments`` (export, import, report); this module turns
uploads into temporary files and files into downloads.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd
import streamlit as st

from twin import Twin
from twin.assessments import (
    FORMATS,
    AssessmentError,
    ImportRejected,
    export_assessments,
    import_assessments,
    photos_dir_for,
)
from twin.assessments.report import entries_from_store, report_html
from viewer.cpted_data import assessments_frame, get_store
from viewer.cpted_form import acting_author, meta
from viewer.cpted_model import form_language, md_escape
from viewer.i18n import language, t

__all__ = [
    "export_bytes",
    "export_name",
    "import_check",
    "import_run",
    "render_exchange",
    "render_reports",
    "report_bytes",
    "unpack_upload",
]

#: File name stem of exports.
EXPORT_STEM = "cpted_beoordelingen"
#: What an unpacked ZIP upload may hold at most (a photo folder for 10,000 assessments fits).
MAX_UNZIPPED_BYTES = 2 * 1024**3
MAX_ZIP_MEMBERS = 50_000
_MIME = {
    "geojson": "application/geo+json",
    "gpkg": "application/geopackage+sqlite3",
    "csv": "text/csv",
}
S_IMPORT = "cpted_import"


# -- export -----------------------------------------------------------------------------------
def export_bytes(fmt: str, *, include_deleted: bool = False) -> tuple[bytes, str, str]:
    """The whole store as one download: (bytes, file name, MIME type).

    With photos, a ZIP holding the file and its ``<name>_photos/`` folder, as the command line
    writes them side by side (import takes that ZIP back).
    """
    ext = FORMATS[fmt][0]
    with tempfile.TemporaryDirectory(prefix="socialtwin-export-") as tmp:
        path = Path(tmp) / f"{EXPORT_STEM}{ext}"
        _, _, n_photos = export_assessments(get_store(), path, fmt, include_deleted=include_deleted)
        if not n_photos:
            return path.read_bytes(), path.name, _MIME[fmt]
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            z.write(path, path.name)
            for photo in sorted(photos_dir_for(path).iterdir()):
                z.write(photo, f"{photos_dir_for(path).name}/{photo.name}")
        return buf.getvalue(), f"{EXPORT_STEM}_{fmt}.zip", "application/zip"


# -- import -----------------------------------------------------------------------------------
def unpack_upload(name: str, data: bytes, folder: Path) -> Path:
    """Write an upload into ``folder``; a ZIP is unpacked (safely) and its exchange file found.

    Raises ``ValueError`` with an English reason when the ZIP is unusable.
    """
    safe = PurePosixPath(name).name or "upload"
    if not safe.lower().endswith(".zip"):
        path = folder / safe
        path.write_bytes(data)
        return path
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise ValueError(f"not a ZIP archive ({exc})") from None
    members = [m for m in z.infolist() if not m.is_dir()]
    if len(members) > MAX_ZIP_MEMBERS or sum(m.file_size for m in members) > MAX_UNZIPPED_BYTES:
        raise ValueError("the ZIP archive is too large")
    found = []
    for m in members:
        parts = PurePosixPath(m.filename).parts
        if m.filename.startswith("/") or ".." in parts or not parts:
            raise ValueError(f"unsafe path in the ZIP archive: {m.filename[:80]}")
        target = folder.joinpath(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(z.read(m))
        if len(parts) == 1 and any(target.suffix.lower() in s for s in FORMATS.values()):
            found.append(target)
    if len(found) != 1:
        raise ValueError("the ZIP archive must hold exactly one .geojson, .gpkg or .csv file")
    return found[0]


def _run_import(name: str, data: bytes, *, good_rows_only: bool, dry_run: bool, twin: Twin):
    with tempfile.TemporaryDirectory(prefix="socialtwin-import-") as tmp:
        path = unpack_upload(name, data, Path(tmp))
        return import_assessments(
            get_store(),
            path,
            acting_author(),
            twin=twin,
            good_rows_only=good_rows_only,
            dry_run=dry_run,
        )


def import_check(name: str, data: bytes, twin: Twin) -> dict[str, Any]:
    """Validate an upload without writing anything: the report, or the reason it is unreadable."""
    lang = form_language(language())
    try:
        report = _run_import(name, data, good_rows_only=True, dry_run=True, twin=twin)
    except AssessmentError as exc:
        return {"name": name, "error": exc.text(lang)}
    except ValueError as exc:
        return {"name": name, "error": t("cpted.exchange.bad_zip", reason=str(exc))}
    return {"name": name, "report": report}


def import_run(name: str, data: bytes, twin: Twin, *, good_rows_only: bool) -> dict[str, Any]:
    """Import an upload; with bad rows only when ``good_rows_only`` (then only the good ones)."""
    lang = form_language(language())
    try:
        report = _run_import(name, data, good_rows_only=good_rows_only, dry_run=False, twin=twin)
    except ImportRejected as exc:
        return {"name": name, "report": exc.report, "error": exc.text(lang)}
    except AssessmentError as exc:
        return {"name": name, "error": exc.text(lang)}
    except ValueError as exc:
        return {"name": name, "error": t("cpted.exchange.bad_zip", reason=str(exc))}
    return {"name": name, "report": report, "done": True}


def _report_table(report, lang: str) -> pd.DataFrame:
    flang = form_language(lang)
    return pd.DataFrame(
        [
            {
                t("cpted.exchange.col.row"): e.row,
                t("cpted.exchange.col.id"): e.id or "",
                t("cpted.exchange.col.column"): e.column or "",
                t("cpted.exchange.col.reason"): e.text(flang).split(": ", 1)[-1],
            }
            for e in report.errors
        ]
    )


def _render_import(twin: Twin, lang: str) -> None:
    flang = form_language(lang)
    ss = st.session_state
    upload = st.file_uploader(
        t("cpted.exchange.upload"),
        key="cpted-import-file",
        type=["geojson", "json", "gpkg", "csv", "zip"],
        help=t("cpted.exchange.upload_help"),
    )
    if upload is None:
        ss.pop(S_IMPORT, None)
        return
    state = ss.get(S_IMPORT)
    if not state or state.get("file_id") != upload.file_id:
        with st.spinner(t("cpted.exchange.checking")):
            state = {
                **import_check(upload.name, upload.getvalue(), twin),
                "file_id": upload.file_id,
            }
        ss[S_IMPORT] = state
    if state.get("error") and "report" not in state:
        st.error(md_escape(state["error"]))
        return
    report = state["report"]
    if state.get("done"):
        st.success(md_escape(report.summary(flang)))
        if report.errors:
            st.table(_report_table(report, lang), hide_index=True)
        return
    good = report.total - len(report.errors)
    st.markdown(
        md_escape(
            t(
                "cpted.exchange.checked",
                name=upload.name,
                total=report.total,
                good=good,
                bad=len(report.errors),
            )
        )
    )
    if report.errors:
        st.error(
            md_escape(
                t("cpted.exchange.nothing_imported", bad=len(report.errors), total=report.total)
            )
        )
        st.table(_report_table(report, lang), hide_index=True)
    st.button(
        t("cpted.exchange.import_good", n=good)
        if report.errors
        else t("cpted.exchange.import_all", n=good),
        key="cpted-import-run",
        type="primary",
        disabled=good == 0,
        on_click=_do_import,
        args=(twin, bool(report.errors)),
    )


def _do_import(twin: Twin, good_rows_only: bool) -> None:
    """Callback of the import button: import the checked upload."""
    upload = st.session_state.get("cpted-import-file")
    if upload is None:
        return
    result = import_run(upload.name, upload.getvalue(), twin, good_rows_only=good_rows_only)
    st.session_state[S_IMPORT] = {**result, "file_id": upload.file_id}


def export_name(fmt: str, *, with_photos: bool) -> tuple[str, str]:
    """File name and MIME type of an export (a ZIP when photos travel along)."""
    if with_photos:
        return f"{EXPORT_STEM}_{fmt}.zip", "application/zip"
    return f"{EXPORT_STEM}{FORMATS[fmt][0]}", _MIME[fmt]


def render_exchange(twin: Twin, frame: pd.DataFrame) -> None:
    """Export as downloads (made when clicked); import with a report of every bad row."""
    lang = language()
    st.markdown(f"**{t('cpted.exchange.export')}**")
    c1, c2 = st.columns([2, 1])
    fmt = c1.radio(
        t("cpted.exchange.format"),
        options=list(FORMATS),
        horizontal=True,
        format_func=lambda x: {"geojson": "GeoJSON", "gpkg": "GeoPackage", "csv": "CSV"}[x],
        key="cpted.export_fmt",
    )
    deleted = c2.checkbox(t("cpted.exchange.include_deleted"), key="cpted.export_deleted")
    rows = assessments_frame(get_store(), include_deleted=True) if deleted else frame
    name, mime = export_name(fmt, with_photos=bool(rows["n_photos"].sum()))
    st.download_button(
        t("cpted.exchange.download", name=name, n=len(rows)),
        data=lambda: export_bytes(fmt, include_deleted=deleted)[0],
        file_name=name,
        mime=mime,
        key="cpted-export",
        icon=":material/download:",
        disabled=not len(rows),
    )
    st.caption(t("cpted.exchange.schema_note"))
    st.divider()
    st.markdown(f"**{t('cpted.exchange.import')}**")
    _render_import(twin, lang)


# -- reports ----------------------------------------------------------------------------------
def report_bytes(twin: Twin, ids: list[str], *, area: str | None, lang: str, pdf: bool) -> bytes:
    """A printable report of ``ids`` (a location report for one id without ``area``)."""
    names = dict(zip(twin.neighbourhoods["code"], twin.neighbourhoods["name"], strict=True))
    html = report_html(
        entries_from_store(get_store(), ids),
        lang=form_language(lang),
        area_name=area,
        twin_name=twin.name,
        synthetic=any(m.synthetic for m in twin.manifest.layers.values()),
        area_names=names,
    )
    if not pdf:
        return html.encode("utf-8")
    from viewer.printing import pdf_from_html

    with tempfile.TemporaryDirectory(prefix="socialtwin-report-") as tmp:
        return pdf_from_html(html, Path(tmp) / "report.pdf").read_bytes()


def _report_buttons(twin: Twin, ids: list[str], area: str | None, stem: str, key: str) -> None:
    from viewer.printing import chromium_path

    lang = language()
    kinds = [("html", "text/html", ":material/description:")]
    if chromium_path() is not None:
        kinds.append(("pdf", "application/pdf", ":material/picture_as_pdf:"))
    for col, (ext, mime, icon) in zip(st.columns(2), kinds, strict=False):
        col.download_button(
            t(f"cpted.report.{ext}"),
            data=lambda pdf=ext == "pdf": report_bytes(twin, ids, area=area, lang=lang, pdf=pdf),
            file_name=f"{stem}.{ext}",
            mime=mime,
            key=f"cpted-report-{ext}-{key}",
            icon=icon,
        )
    if len(kinds) == 1:
        st.caption(t("cpted.report.no_pdf"))


def render_reports(twin: Twin, frame: pd.DataFrame) -> None:
    """Report of the open assessment, and of all (filtered) assessments in a buurt."""
    m = meta()
    st.markdown(f"**{t('cpted.report.location')}**")
    if m["aid"]:
        _report_buttons(twin, [m["aid"]], None, f"cpted_{m['aid'][:8]}", "location")
    else:
        st.caption(t("cpted.report.open_first"))
    st.markdown(f"**{t('cpted.report.area')}**")
    codes = sorted(c for c in frame["buurt"].dropna().unique())
    if not codes:
        st.caption(t("cpted.report.none"))
        return
    default = (m["target"] or {}).get("buurt")
    if st.session_state.get("cpted.report_buurt") not in codes:
        st.session_state["cpted.report_buurt"] = default if default in codes else codes[0]
    code = st.selectbox(
        t("cpted.report.buurt"),
        options=codes,
        key="cpted.report_buurt",
        format_func=lambda c: f"{twin.area_name(c)} ({c})",
    )
    ids = frame.loc[frame["buurt"] == code, "id"].tolist()
    st.caption(t("cpted.report.count", n=len(ids)))
    _report_buttons(twin, ids, f"{twin.area_name(code)} ({code})", f"cpted_{code}", "area")
