"""The council pack's PDF report, and writing a whole pack to a folder.

The map image of every step is rendered server-side by headless Chromium from the pack's own
HTML (so the PDF shows exactly what the pack shows), with every request that is not a local file
refused — and counted: a pack that tries to reach the network fails the build. The report
(Jinja2 with autoescaping, ``data/present/report.html.j2``) holds per step the image, the
text, caption and legend, the table behind the colours, a scenario's totals with 80 % and 95 %
intervals and its evidence grades; then all tables and the sources. :func:`viewer.printing.
pdf_from_html` prints it.
"""

from __future__ import annotations

import base64
import datetime as dt
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import numpy as np

from twin import Twin, data_dir, format_value
from viewer.i18n import t, use_language
from viewer.map import legends_payload
from viewer.story import Story
from viewer.story_player import slug, step_scene
from viewer.story_scene import Scene, signed_pct, sources_of

__all__ = ["PackError", "PackResult", "refuse_network", "report_html", "step_images", "write_pack"]

#: Size of the map images in the report (CSS pixels): 16:9, sharp on A4 at 170 mm wide.
IMAGE_SIZE = (1600, 900)
#: Seconds a step may take to draw in software WebGL before the build gives up.
STEP_TIMEOUT_S = 240
#: Rows of the "highest and lowest" table next to each step.
TOP_ROWS = 5
_CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]


class PackError(RuntimeError):
    """The pack could not be built (no browser, a step that does not draw, a network request)."""


@dataclass(frozen=True)
class PackResult:
    """What :func:`write_pack` wrote and how long it took."""

    html: Path
    pdf: Path | None
    html_bytes: int
    seconds: float
    blocked_requests: tuple[str, ...] = ()


def refuse_network(context) -> list[str]:
    """Let a Playwright browser context load only local files; returns the list of the URLs it
    refused (filled as the page tries them)."""
    refused: list[str] = []

    def route(r) -> None:
        if r.request.url.startswith("file://"):
            r.continue_()
        else:
            refused.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    return refused


def _render(html_path: Path, count: int, size: tuple[int, int], timeout_s: float):
    from playwright.sync_api import sync_playwright

    from viewer.printing import chromium_path

    exe = chromium_path()
    if exe is None:
        raise PackError("Chromium was not found; the HTML pack is written, the PDF needs it")
    images: list[bytes] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, args=_CHROMIUM_ARGS, headless=True)
        try:
            ctx = browser.new_context(viewport={"width": size[0], "height": size[1]})
            attempts = refuse_network(ctx)
            page = ctx.new_page()
            page.goto(html_path.resolve().as_uri())
            page.add_style_tag(
                content=".stp-card,.stp-legends,.stp-nav,.stp-progress{display:none!important}"
            )
            page.wait_for_selector('.twinmap[data-drawn="1"]', timeout=timeout_s * 1000)
            for i in range(count):
                page.evaluate("(i) => window.__storyPlayer.go(i, true)", i)
                page.wait_for_function(
                    f"() => window.__storyPlayer.index() === {i} && window.__storyPlayer.idle()",
                    timeout=timeout_s * 1000,
                )
                page.evaluate(
                    "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
                )
                images.append(page.locator(".stp-map").screenshot(type="jpeg", quality=88))
        finally:
            browser.close()
    return images, attempts


def step_images(
    html_path: Path,
    count: int,
    *,
    size: tuple[int, int] = IMAGE_SIZE,
    timeout_s: float = STEP_TIMEOUT_S,
) -> tuple[list[bytes], list[str]]:
    """A JPEG of each step's map, drawn by headless Chromium from the pack with the network off.

    Returns the images and the requests the page attempted beyond local files (refused).
    Runs in its own thread: Playwright's sync API may not run inside an event loop.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_render, Path(html_path), count, size, timeout_s).result()


@cache
def _template() -> jinja2.Template:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(data_dir() / "present"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("report.html.j2")


def _interval(lo: float, hi: float, lang: str) -> str:
    return f"{signed_pct(lo, lang)} … {signed_pct(hi, lang)}"


def _status(text: str) -> str:
    key = "present.evidence." + str(text).replace(" ", "_")
    from viewer.i18n import has

    return t(key) if has(key) else str(text)


def _scenario_block(scene: Scene, lang: str) -> dict[str, Any] | None:
    part = scene.scenario
    if part is None:
        return None
    from scenarios import load_registry

    reg = load_registry()
    rl = "en" if lang == "de" else lang
    rows = []
    for r in part.totals.itertuples():
        rows.append(
            {
                "outcome": reg.outcomes[r.outcome].name(rl),
                "horizon": int(r.horizon),
                "baseline": format_value(float(r.baseline_median), lang=lang, decimals=0),
                "median": signed_pct(r.change_pct_median, lang),
                "i80": _interval(r.change_pct_lo80, r.change_pct_hi80, lang),
                "i95": _interval(r.change_pct_lo95, r.change_pct_hi95, lang),
                "p": format_value(float(r.p_reduction) * 100, lang=lang, decimals=0) + " %",
                "evidence": _status(r.evidence),
                "synthetic": bool(r.synthetic),
                "current": r.outcome == part.outcome and int(r.horizon) == part.horizon,
            }
        )
    evidence = []
    for item in part.evidence:
        for o in item["outcomes"]:
            evidence.append(
                {
                    "measure": item.get("label") or item["type"],
                    "type": item["type"],
                    "outcome": reg.outcomes[o["outcome"]].name(rl),
                    "grade": o.get("grade", "–"),
                    "status": _status(o.get("status", "")),
                    "citations": "; ".join(c["text"] for c in o.get("citations", [])),
                }
            )
    return {
        "name": part.name,
        "totals": rows,
        "evidence": evidence,
        "assumptions": part.assumptions,
    }


def _table_rows(scene: Scene) -> tuple[list[dict], list[dict], int]:
    """Highest and lowest rows of what colours the areas, and how many are suppressed/missing.

    For a scenario: the buurten it reaches, largest fall first (and none "lowest").
    """
    if scene.table is None or scene.table.empty:
        return [], [], 0
    df = scene.table
    if scene.scenario is not None:
        reached = df[scene.scenario.areas["affected"].to_numpy(bool)].sort_values("sort")
        return reached.head(2 * TOP_ROWS).to_dict("records"), [], 0
    finite = df[np.isfinite(df["sort"].to_numpy(float))].sort_values("sort", ascending=False)
    hidden = len(df) - len(finite)
    rows = finite.to_dict("records")
    return rows[:TOP_ROWS], rows[-TOP_ROWS:][::-1] if len(rows) > TOP_ROWS else [], hidden


def report_html(
    twin: Twin, story: Story, images: list[bytes], *, lang: str = "nl", scenario_store=None
) -> str:
    """The report as one self-contained HTML document (images as data URIs, no script)."""
    steps, tables = [], {}
    with use_language(lang):
        for i, (step, img) in enumerate(zip(story.steps, images, strict=True), start=1):
            scene, problem = step_scene(
                twin, step.view, lang=lang, story=story, scenario_store=scenario_store
            )
            top, bottom, hidden = _table_rows(scene)
            steps.append(
                {
                    "n": i,
                    "title": step.title,
                    "paragraphs": [p.strip() for p in step.text.split("\n\n") if p.strip()],
                    "caption": scene.view.caption or scene.description,
                    "problem": problem,
                    "image": "data:image/jpeg;base64," + base64.b64encode(img).decode(),
                    "legends": legends_payload(scene.legends),
                    "top": top,
                    "bottom": bottom,
                    "hidden": hidden,
                    "scenario": _scenario_block(scene, lang),
                    "camera": scene.view.camera,
                }
            )
            if scene.table is not None and scene.scenario is None:
                v = scene.view
                key = (v.indicator, v.year, v.level)
                title = scene.legends[0].title if scene.legends else str(v.indicator)
                tables.setdefault(
                    key,
                    {"title": title, "rows": scene.table.sort_values("name").to_dict("records")},
                )
        sources = sources_of(twin, [s.view for s in story.steps])
        labels = {k.rsplit(".", 1)[1]: t(k) for k in _REPORT_KEYS}
        synthetic = bool(twin.meta.get("synthetic_geometry") or twin.manifest.any_synthetic())
        from viewer.state import indicator_label

        for s in sources:
            s["label"] = (
                t(f"terms.layer.{s['what']}")
                if s["min_count"] is None
                else indicator_label(twin, s["what"], lang=lang)
            )
    return _template().render(
        lang=lang,
        title=story.title,
        description=story.description,
        steps=steps,
        tables=list(tables.values()),
        sources=sources,
        labels=labels,
        synthetic=synthetic,
        twin=twin.name,
        fingerprint=twin.fingerprint[:12],
        made=dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
    )


_REPORT_KEYS = tuple(
    f"present.report.{k}"
    for k in (
        "contents",
        "step",
        "caption",
        "legend",
        "highest",
        "lowest",
        "area",
        "value",
        "hidden",
        "scenario",
        "totals",
        "outcome",
        "horizon",
        "baseline",
        "median",
        "i80",
        "i95",
        "p_reduction",
        "evidence",
        "measure",
        "grade",
        "status",
        "citations",
        "assumptions",
        "tables",
        "sources",
        "what",
        "source",
        "licence",
        "synthetic",
        "min_count",
        "suppression",
        "made",
        "synthetic_banner",
        "camera",
        "problem",
        "years",
        "grades",
    )
)


def write_pack(
    twin: Twin,
    story: Story,
    out_dir: str | Path,
    *,
    lang: str = "nl",
    pdf: bool = True,
    scenario_store=None,
) -> PackResult:
    """Write ``<slug>.html`` (and ``<slug>.pdf``) for ``story`` into ``out_dir``."""
    from viewer.pack import pack_html
    from viewer.printing import pdf_from_html

    start = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    name = slug(story.title)
    html_path = out / f"{name}.html"
    text = pack_html(twin, story, lang=lang, scenario_store=scenario_store)
    tmp = html_path.with_name(f".{html_path.name}.partial")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(html_path)
    pdf_path, attempts = None, []
    if pdf and story.steps:
        images, attempts = step_images(html_path, len(story.steps))
        if attempts:
            html_path.unlink()
            raise PackError(f"the pack tried to reach the network ({attempts[0]}); not written")
        report = report_html(twin, story, images, lang=lang, scenario_store=scenario_store)
        pdf_path = pdf_from_html(report, out / f"{name}.pdf")
    return PackResult(
        html_path, pdf_path, len(text.encode()), time.perf_counter() - start, tuple(attempts)
    )
