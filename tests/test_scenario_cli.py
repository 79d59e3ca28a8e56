"""``socialtwin scenario``: template → run, JSON output, compare, catalogue, errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from scenarios import scenario_from_toml
from viewer.cli import main


@pytest.fixture(scope="module")
def template_file(tmp_path_factory):
    out = subprocess.run(
        [sys.executable, "-m", "viewer.cli", "scenario", "template"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    ).stdout
    path = tmp_path_factory.mktemp("sc") / "voorbeeld.toml"
    path.write_text(out, encoding="utf-8")
    return path


def test_template_is_commented_and_runs_as_it_is(template_file, capsys):
    text = template_file.read_text(encoding="utf-8")
    assert text.count("#") > 10 and "[[intervention]]" in text
    s = scenario_from_toml(template_file)
    assert len(s.interventions) == 4
    assert main(["scenario", "run", str(template_file)]) == 0
    out = capsys.readouterr().out
    assert "Year 1:" in out and "Year 3:" in out
    assert "NO RELIABLE EVIDENCE" in out or "no reliable evidence" in out
    assert "80 %" in out and "95 %" in out
    assert "SYNTHETIC" in out
    assert "lights_added" in out  # the twin change is shown too


def test_run_json(template_file, capsys):
    assert main(["scenario", "run", str(template_file), "--json", "--areas"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data["totals"]) == {"1", "3"}
    burglary = data["totals"]["3"]["burglary"]
    assert (
        burglary["change"]["95"][0] <= burglary["change"]["80"][0] <= burglary["change"]["median"]
    )
    assert data["cost"]["horizons"]["3"]["cost_eur"] > 0
    assert data["harm_index"]["weights"]["violence"] == 3.0
    assert data["evidence"][1]["type"] == "hedge_trimming"
    assert all(o["status"] == "no reliable estimate" for o in data["evidence"][1]["outcomes"])
    assert len(data["areas"]["burglary"]["3"]) == 57
    assert data["twin_changes"][0]["type"] == "street_lighting"
    assert data["settings"]["draws"] == 10_000


def test_compare(template_file, tmp_path, capsys):
    other = tmp_path / "b.toml"
    other.write_text(
        '[scenario]\nname = "Alleen inbraakpreventie"\n'
        '[[intervention]]\ntype = "burglary_proofing"\nareas = ["BU09174000"]\n',
        encoding="utf-8",
    )
    assert main(["scenario", "compare", str(template_file), str(other)]) == 0
    out = capsys.readouterr().out
    assert "Alleen inbraakpreventie" in out and "P(lower than" in out
    assert main(["scenario", "compare", str(template_file), str(other), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["paired"] is True and len(data["scenarios"]) == 2


def test_catalogue(capsys):
    assert main(["scenario", "catalogue"]) == 0
    out = capsys.readouterr().out
    assert "street_lighting" in out and "no reliable estimate" in out
    assert main(["scenario", "catalogue", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["interventions"]) == 10 and data["interventions"][0]["evidence"]


def test_errors_are_one_line(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[scenario]\nname = "x"\n[[intervention]]\ntype = "teleport"\nareas = ["BU09173300"]\n',
        encoding="utf-8",
    )
    r = subprocess.run(
        [sys.executable, "-m", "viewer.cli", "scenario", "run", str(bad)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert r.stderr.strip().count("\n") == 0
    assert "type 'teleport' is not an intervention" in r.stderr
    missing = subprocess.run(
        [sys.executable, "-m", "viewer.cli", "scenario", "run", str(tmp_path / "none.toml")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert missing.returncode != 0 and "file does not exist" in missing.stderr
