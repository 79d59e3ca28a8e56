"""The offline council pack: one self-contained HTML file, the report, the command line."""

from __future__ import annotations

import base64
import io
import json
import re

import pytest
from PIL import Image

from viewer.story import Camera, SavedView, Step, Story, demo_story, story_to_json

CAM = Camera(5.9768, 50.8875, 15.2, 50.0, 0.0)
NASTY = '<script>alert("x")</script> & Co'


def _story(title: str = "Raad 12 mei") -> Story:
    return Story(title, (
        Step("Onveiligheid", SavedView(CAM, indicator="perceived_unsafety_pct", year=2020,
                                       caption="Gevoel van onveiligheid"), "Tekst een."),
        Step(NASTY, SavedView(replace_cam(zoom=16.0, bearing=40.0), night=True,
                              buildings="vacancy"), f"Tekst {NASTY}"),
    ))  # fmt: skip


def replace_cam(**kw) -> Camera:
    from dataclasses import replace

    return replace(CAM, **kw)


@pytest.fixture(scope="module")
def pack(small):
    from viewer.pack import pack_html

    return pack_html(small, _story(NASTY), lang="nl")


def _assets(html: str) -> dict[str, bytes]:
    found = re.findall(
        r'<script type="application/octet-stream" data-asset="([^"]+)" data-type="[^"]+">\n'
        r"(.*?)\n</script>",
        html,
        flags=re.S,
    )
    return {name: base64.b64decode(body.replace("\n", "")) for name, body in found}


def test_pack_loads_nothing_from_anywhere(pack):
    head = pack[: pack.index("</head>")]
    assert "Content-Security-Policy" in head and "default-src 'none'" in head
    # everything outside the scripts' contents: no tag may reference a file or a host
    outside = re.sub(r"(<script\b[^>]*>).*?</script>", r"\1</script>", pack, flags=re.S)
    # story data, 5 baked layers, twinmap + player, deck.gl, the boot module: nothing else
    assert outside.count("<script") == 1 + 5 + 2 + 1 + 1
    for pattern in (r"\bsrc\s*=", r"\bhref\s*=", "<link", "@import", r"url\(", "<iframe"):
        assert not re.search(pattern, outside), pattern
    # the story data points only at files inside the pack
    data = re.search(r'<script type="application/json" id="story-data">(.*?)</script>', pack,
                     flags=re.S).group(1)  # fmt: skip
    assert "/_socialtwin/" not in data and "http" not in data


def test_pack_inlines_deck_the_map_and_the_geometry(pack, small):
    from layers import bake_twin
    from viewer.assets import deck_bundle_path, map_js_path
    from viewer.story_player import player_js_path

    deck = deck_bundle_path().read_text(encoding="utf-8")
    assert deck[:2000] in pack and deck[-2000:] in pack  # read from the pydeck wheel
    assets = _assets(pack)
    assert assets["twinmap"] == map_js_path().read_bytes()
    assert assets["player"] == player_js_path().read_bytes()
    baked = set(bake_twin(small).files.values())
    assert baked <= set(assets.values()), "every baked layer file is inside the pack"
    assert len(pack.encode()) < 15e6


def test_pack_text_is_escaped_everywhere(pack):
    assert NASTY not in pack  # neither in the title, the text version nor the JSON
    assert "<title>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co</title>" in pack
    data = re.search(r'id="story-data">(.*?)</script>', pack, flags=re.S).group(1)
    story = json.loads(data)
    assert story["steps"][1]["title"] == NASTY  # the player sets it as text, never as HTML
    assert [s["camera"]["zoom"] for s in story["steps"]] == [15.2, 16.0]
    assert story["hash"] is True and story["steps"][0]["legends"][0]["entries"]


def _jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (160, 90), (40, 90, 160)).save(buf, "JPEG")
    return buf.getvalue()


def test_report_has_images_tables_sources(small):
    from viewer.pack_report import report_html

    html = report_html(small, _story(), [_jpeg(), _jpeg()], lang="nl")
    assert html.count("data:image/jpeg;base64,") == 2
    assert "Stap 1: Onveiligheid" in html and "Bijlage: bronnen en licenties" in html
    assert "Hoogste waarden" in html and "Heerlen-Centrum" in html
    assert "&lt;script&gt;" in html and NASTY not in html
    assert "<script" not in html.split("</head>")[1]
    en = report_html(small, _story(), [_jpeg(), _jpeg()], lang="en")
    assert "Appendix: sources and licences" in en and "Step 1: Onveiligheid" in en


@pytest.mark.slow
def test_report_gives_scenario_intervals_and_evidence_grades(demo):
    from viewer.pack_report import report_html

    story = demo_story("en")
    html = report_html(demo, story, [_jpeg()] * len(story.steps), lang="en")
    assert "80% interval" in html and "95% interval" in html
    assert re.search(r'class="grade g[ABCD]">[ABCD]<', html)
    assert "Welsh, Farrington" in html  # a citation behind a grade
    assert "nan" not in html.lower().replace("nanc", "")  # no missing number leaks as "nan"
    assert "synthetic" in html


def test_step_that_cannot_show_says_why(small):
    """The demo's scenario names streets the small twin lacks: a plain view and the reason."""
    from viewer.story_player import player_story

    data = player_story(small, demo_story("nl"), lang="nl")
    problems = [s["problem"] for s in data["steps"] if s["problem"]]
    assert len(problems) == 1 and "kan niet worden doorgerekend" in problems[0]


# -- command line --------------------------------------------------------------------------------
def test_cli_pack_story_file(tmp_path, small_dir, capsys):
    from viewer.cli import main

    path = tmp_path / "raad.json"
    path.write_text(story_to_json(_story()), encoding="utf-8")
    rc = main(["pack", str(path), "--out", str(tmp_path / "out"), "--no-pdf",
               "--twin", str(small_dir)])  # fmt: skip
    out = capsys.readouterr().out
    assert rc == 0, out
    html = tmp_path / "out" / "raad-12-mei.html"
    assert html.exists() and "opens offline" in out and "2 steps" in out


def test_cli_story_export_import_and_errors(tmp_path, capsys):
    from viewer.cli import main

    assert main(["story", "export", "demo", "-", "--lang", "en"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["format"] == "socialtwin-story" and doc["title"].startswith("Heerlen")
    good = tmp_path / "demo.json"
    good.write_text(json.dumps(doc), encoding="utf-8")
    assert main(["story", "import", str(good)]) == 0
    assert "saved story 1" in capsys.readouterr().out
    assert main(["story", "list"]) == 0
    assert "Heerlen: safety in view (demo)" in capsys.readouterr().out
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "socialtwin-story", "version": 1}', encoding="utf-8")
    assert main(["story", "import", str(bad)]) == 1
    err = capsys.readouterr().err
    assert err.strip() == "socialtwin story: error: title is missing"
    assert main(["pack", "nothing-saved", "--out", str(tmp_path)]) == 1
    assert "no saved story 'nothing-saved'" in capsys.readouterr().err


def test_cli_receipts(capsys):
    from viewer.cli import main

    assert main(["receipt", "new", "--buurt", "BU09173300", "--topic", "Donker pad",
                 "--on", "2024-03-01"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    code = re.search(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", out).group(0)
    assert main(["receipt", "advance", "1", "assessed", "--note", "Bekeken", "--on",
                 "2024-03-05"]) == 0  # fmt: skip
    capsys.readouterr()
    assert main(["receipt", "show", code]) == 0
    shown = capsys.readouterr().out
    assert "assessed  2024-03-05  Bekeken" in shown and "Donker pad" in shown
    assert main(["receipt", "show", "ABCD"]) == 1
    assert "has 12 characters" in capsys.readouterr().err
    assert main(["receipt", "new", "--buurt", "BU09173300", "--topic", "bel 0612345678"]) == 1
    assert "personal data" in capsys.readouterr().err
