"""Issue 11: the review queue from the terminal (`compliance review ...`), as a reviewer and a
script use it; hostile text never reaches the terminal as control sequences."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from compliance.cli import app
from compliance.settings import get_settings

runner = CliRunner()


def _run(*args: str, actor: str = "alice", code: int = 0) -> str:
    get_settings.cache_clear()
    r = runner.invoke(app, list(args), env={"COMPLIANCE_ACTOR": actor})
    get_settings.cache_clear()
    assert r.exit_code == code, r.output
    return r.stdout + r.stderr


def _customers(path: Path, rows: list[tuple[str, str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "name", "country"])
        w.writerows(rows)


def test_a_reviewer_works_the_queue(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPLIANCE_FOUR_EYES_SCORE", "0.5")
    infile = env / "in.csv"
    _customers(infile, [("k1", "Kassem IT", "LB"), ("k2", "Blue Meadow Bakery", "DE")])
    out = _run("screen", str(infile), "--out", str(env / "o.jsonl"))
    assert "2 new screenings" in out and "cases: 1 opened" in out
    (case,) = json.loads(_run("review", "list", "--json"))
    assert case["party"]["record_id"] == "k1" and case["open_matches"] == 1
    shown = _run("review", "show", str(case["case_id"]))
    assert "Kassem IT" in shown and "[open]" in shown
    _run("review", "comment", str(case["case_id"]), "--rationale", "asked for the registry extract")
    stale = _run("review", "clear", str(case["case_id"]), "--rationale", "other shop",
                 "--version", "1", code=2)  # fmt: skip
    assert "changed since you read it" in stale
    done = json.loads(
        _run(
            "review",
            "clear",
            str(case["case_id"]),
            "--rationale",
            "a different shop in Tyre",
            "--json",
        )
    )
    assert done["state"] == "pending"  # an exact 1.00 match: four-eyes
    _run("review", "approve", str(case["case_id"]), "--rationale", "agreed", actor="bob")
    assert json.loads(_run("review", "list", "--json")) == []
    closed = json.loads(_run("review", "list", "--status", "closed", "--json"))
    assert [c["case_id"] for c in closed] == [case["case_id"]]
    again = _run("screen", str(infile), "--out", str(env / "o2.jsonl"))
    assert "cases: 0 opened" in again
    rows = [json.loads(x) for x in (env / "o2.jsonl").read_text().splitlines()]
    assert rows[0]["matches"][0]["status"] == "cleared"
    assert rows[0]["decision"] == "review"  # the UVL rule still asks for review of the party
    assert "OK, as the audit log sealed them" in _run("audit", "verify")


def test_screen_name_applies_no_stored_decision(env: Path) -> None:
    """A customer whose record id happens to be "screen-name" is cleared; a name typed into
    `screen-name` is not that customer."""
    infile = env / "in.csv"
    _customers(infile, [("screen-name", "Kassem IT", "LB")])
    _run("screen", str(infile), "--out", str(env / "o.jsonl"))
    (case,) = json.loads(_run("review", "list", "--json"))
    _run("review", "clear", str(case["case_id"]), "--rationale", "other shop")  # below 0.95
    typed = json.loads(_run("screen-name", "Kassem IT", "--country", "LB", "--json"))
    assert typed["matches"][0]["status"] != "cleared" and typed["decision"] == "review"


def test_terminal_escapes_in_names_are_shown_not_obeyed(env: Path) -> None:
    infile = env / "in.csv"
    _customers(infile, [("k1\x1b[2K", "Kassem IT\x1b[1A\x1b[2Kapproved by bob", "LB")])
    _run("screen", str(infile), "--out", str(env / "o.jsonl"))
    listing = _run("review", "list")
    assert "\x1b" not in listing and "\\x1b" in listing
    (case,) = json.loads(_run("review", "list", "--json"))
    assert "\x1b" not in _run("review", "show", str(case["case_id"]))
    refused = _run("review", "comment", str(case["case_id"]), "--rationale", "ok\x1b[2Kx", code=2)
    assert "control or invisible" in refused
