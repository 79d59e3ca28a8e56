"""Printable reports: escaped everywhere, rendered by a real browser, printed to PDF."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from twin.assessments import make_assessment
from twin.assessments.report import entries_from_store, report_html

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture
def filled(store, small, ch):
    ids = ch.fill_store(store, small)
    # an author name and a note that try to break out of the markup
    v = store.get(ids["street"])
    evil = make_assessment(
        v.assessment.target, {"ma_repairs": 1}, notes=f"{XSS}<script>alert(2)</script>"
    )
    from twin.assessments import Author

    store.save(ids["street"], evil, base_version=1, author=Author(f"Eve {XSS}"))
    return store, ids


def _area_html(store, small, lang="nl"):
    frame = store.frame(include_deleted=True)
    names = dict(zip(small.neighbourhoods["code"], small.neighbourhoods["name"], strict=True))
    return report_html(
        entries_from_store(store, frame["id"].tolist()),
        lang=lang,
        area_name="Heerlen-Centrum (BU09173300)",
        twin_name=small.name,
        synthetic=True,
        area_names=names,
    )


def test_html_escapes_notes_and_names(filled, small):
    store, _ = filled
    html = _area_html(store, small)
    assert "<img src=x" not in html and "<script>alert" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "Eve &lt;img src=x" in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html
    assert "<script" not in html.lower()  # the report has no script at all
    assert "default-src 'none'" in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # nothing remote


def test_report_shows_scores_measures_photos_history(filled, small):
    store, ids = filled
    html = _area_html(store, small, lang="en")
    assert "CPTED assessments in Heerlen-Centrum (BU09173300)" in html
    assert "Number of assessments" in html and "Improve street lighting" in html
    assert html.count('src="data:image/jpeg;base64,') == 1
    assert "Sight lines are clear" in html and "not applicable" in html
    assert "Bram Janssen" in html and "edited" in html and "deleted" in html
    assert "Score ma_repairs: – → 2" in html  # the diff of version 2
    one = report_html(entries_from_store(store, [ids["building"]]), lang="nl")
    assert "CPTED-beoordeling" in one and "Samenvatting" not in one
    assert "Geschiedenis" in one and "aangemaakt" in one and "gewijzigd" in one


@pytest.mark.browser
def test_browser_renders_the_xss_note_as_text(filled, small, page):
    store, _ = filled
    html = _area_html(store, small)
    ARTIFACTS.mkdir(exist_ok=True)
    page_file = ARTIFACTS / "cpted_report.html"
    page_file.write_text(html, encoding="utf-8")
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(page_file.as_uri())
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)
    assert dialogs == []  # no alert ran
    assert page.evaluate("document.querySelectorAll('script').length") == 0
    srcs = page.evaluate("[...document.images].map(i => i.getAttribute('src').slice(0, 20))")
    assert len(srcs) == 1  # only the real photo is an image
    assert srcs[0].startswith("data:image/jpeg")
    notes = page.evaluate("[...document.querySelectorAll('.notes')].map(n => n.textContent)")
    assert any(XSS in n for n in notes)
    assert page.get_by_text("Eve <img src=x onerror=alert(1)>").count() >= 1
    assert [u for u in page.requested_urls if not u.startswith(("file:", "data:"))] == []
    page.screenshot(path=str(ARTIFACTS / "cpted_report.png"), full_page=True)


@pytest.mark.browser
@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
def test_pdf_report_prints_every_page(filled, small, tmp_path):
    from viewer.printing import pdf_from_html

    store, _ = filled
    out = pdf_from_html(_area_html(store, small), tmp_path / "area.pdf")
    assert out.read_bytes().startswith(b"%PDF")
    ARTIFACTS.mkdir(exist_ok=True)
    subprocess.run(
        ["pdftoppm", "-r", "50", "-png", str(out), str(ARTIFACTS / "cpted_report_page")],
        check=True,
    )
    pages = sorted(ARTIFACTS.glob("cpted_report_page-*.png"))
    assert len(pages) >= 5  # a summary page, then one page per assessment (4) at least
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True).stdout
    assert "A4" in info or "595" in info
