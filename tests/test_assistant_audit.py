"""The audit log (SQLite, WAL) and ``socialtwin ask`` headless."""

from __future__ import annotations

import json
import sqlite3

import pytest

from assistant import Assistant, AuditLog
from twin import get_settings
from viewer.cli import main


def test_every_answer_is_logged_with_its_tool_calls(demo, tmp_path):
    audit = AuditLog(tmp_path / "audit.sqlite")
    assistant = Assistant(demo, audit=audit)
    answer = assistant.ask(
        "Hoe verhoudt Lindeveld zich tot de stad op leegstand?", area="BU09173303"
    )
    refused = assistant.ask("Wie woont er op de Akerstraat 12?")
    rows = audit.recent(5)
    assert [r["question"] for r in rows] == [refused.question, answer.question]
    latest, first = rows
    assert latest["backend"] == "guard" and latest["refusal"]["category"] == "individual"
    assert latest["tool_calls"] == []
    assert (
        first["backend"] == "offline"
        and first["intent"] == "compare"
        and first["area"] == "BU09173303"
    )
    assert first["answer"] == answer.marked_text and first["grounded"] == 1
    assert first["grounding"]["ok"] is True and first["usage"]["total"] == 0
    assert first["tool_calls"] == [
        {
            "name": "compare_areas",
            "arguments": {"areas": ["BU09173303"], "indicators": ["vacancy_pct"]},
            "ok": True,
            "ms": first["tool_calls"][0]["ms"],
        }
    ]
    con = sqlite3.connect(audit.path)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.close()
    assert audit.count() == 2


def test_the_log_refuses_a_newer_schema(tmp_path):
    path = tmp_path / "audit.sqlite"
    AuditLog(path)
    con = sqlite3.connect(path)
    con.execute("PRAGMA user_version=99")
    con.commit()
    con.close()
    with pytest.raises(RuntimeError, match="written by a newer version"):
        AuditLog(path)


def test_a_broken_log_does_not_lose_the_answer(demo, tmp_path, caplog):
    audit = AuditLog(tmp_path / "audit.sqlite")
    assistant = Assistant(demo, audit=audit)
    audit.path.unlink()
    audit.path.mkdir()  # the file is now a folder: every write fails
    answer = assistant.ask("Hoeveel inwoners heeft Lindeveld?")
    assert answer.grounding.ok and "Lindeveld" in answer.marked_text
    assert "could not write the assistant audit log" in caplog.text


def test_cli_ask_text_and_json(capsys, small_dir):
    assert main(["ask", "Hoeveel inwoners heeft Heerlen-Centrum?", "--twin", str(small_dir)]) == 0
    out = capsys.readouterr().out
    assert "**Inwoners** in Heerlen-Centrum" in out
    assert "Bronnen:\n  [1] CBS, Kerncijfers wijken en buurten (CC BY 4.0)" in out
    assert "[offline; alle 16 getallen gecontroleerd]" in out  # years, values, city
    args = [
        "ask",
        "Why is liveability low here?",
        "--area",
        "BU09173300",
        "--json",
        "--twin",
        str(small_dir),
    ]
    assert main(args) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["backend"] == "offline" and data["intent"] == "why_low" and data["lang"] == "en"
    assert data["grounding"]["ok"] is True and data["grounding"]["flagged"] == []
    assert data["citations"][0]["synthetic"] is True and data["areas"] == ["BU09173300"]
    assert data["answer"].startswith("**Liveability in Heerlen-Centrum**")
    assert data["reading"]["intent"] == "why_low"
    log = AuditLog(get_settings().home_path / "assistant_audit.sqlite")
    assert [r["question"] for r in log.recent(2)] == [
        "Why is liveability low here?",
        "Hoeveel inwoners heeft Heerlen-Centrum?",
    ]


def test_cli_ask_refusal_and_unknown_area(capsys, small_dir):
    assert main(["ask", "Who lives at Akerstraat 12?", "--twin", str(small_dir)]) == 0
    assert "I won't answer that question" in capsys.readouterr().out
    assert main(["ask", "How is it here?", "--area", "BU99999999", "--twin", str(small_dir)]) == 2
    err = capsys.readouterr().err
    assert "socialtwin ask: error: --area BU99999999: no such area in Heerlen (demo)" in err
