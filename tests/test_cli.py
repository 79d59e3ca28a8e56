"""The ``socialtwin`` command: info, errors as one line, demo build."""

from __future__ import annotations

import json
import subprocess
import sys

from viewer.cli import main


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "viewer.cli", *args], capture_output=True, text=True, timeout=300
    )


def test_info_json_reports_the_demo(capsys):
    assert main(["info", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["counts"]["wijken"] == 23
    assert info["counts"]["buurten"] == 57
    assert 25_000 <= info["counts"]["buildings"] <= 50_000
    assert info["counts"]["streets"] > 0 and info["counts"]["lights"] > 0
    assert info["indicators"]["inhabitants"]["source"].startswith("CBS")
    assert info["indicators"]["inhabitants"]["synthetic"] is False
    assert info["indicators"]["perceived_unsafety_pct"]["synthetic"] is True
    assert all(v["source"] for v in info["indicators"].values())
    assert info["dwellings_per_buurt"]["BU09173300"]["name"] == "Heerlen-Centrum"
    assert info["dwellings_per_buurt"]["BU09173300"]["dwellings"] == 1882
    assert info["years"] == [2016, 2017, 2018, 2019, 2020]


def test_info_text(capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "wijken 23, buurten 57" in out
    assert "[SYNTHETIC]" in out


def test_error_is_one_line_without_traceback():
    result = run("info", "--twin", "/nonexistent/twin")
    assert result.returncode != 0
    assert result.stderr.strip().count("\n") == 0
    assert "Traceback" not in result.stderr
    assert "does not exist" in result.stderr


def test_debug_shows_the_traceback():
    result = run("--debug", "info", "--twin", "/nonexistent/twin")
    assert result.returncode != 0
    assert "Traceback" in result.stderr


def test_usage_error_exit_code():
    result = run("frobnicate")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr
