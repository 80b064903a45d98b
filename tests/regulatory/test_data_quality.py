"""Issue 10, finding 9: data-quality findings are not decisions. Missing customer-identification
fields are reported in ``data_quality`` (JSON, CSV, XLSX); the decision reflects law and risk
policy only; an operator who wants "incomplete -> review" enables the example overlay."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from compliance.cli import app
from compliance.matching.engine import Matcher
from compliance.model import EntityType, ListEntry, Party
from compliance.rules import load_ruleset, rule_dirs
from compliance.screening import ScreeningContext
from tests.contract import screen_party

REPO = Path(__file__).resolve().parents[2]
OVERLAY = REPO / "examples" / "rules"
runner = CliRunner()
TODAY = date(2026, 11, 27)
# A file of names and countries only, foreign advanced-compute customers.
BARE = Party("c1", "Saigon Render Co", entity_type=EntityType.ORGANIZATION, country="VN",
             service="advanced_compute")  # fmt: skip
FULL = Party("c2", "Lyon Render SAS", entity_type=EntityType.ORGANIZATION, country="FR",
             address="1 rue de la Paix, Lyon", service="advanced_compute",
             extra=(("email", "ops@lyon.example"), ("payment_fingerprint", "pf_1")))  # fmt: skip


def _screen(party: Party, dirs: list[Path]) -> dict[str, object]:
    ruleset = load_ruleset(dirs)
    matcher = Matcher.build(
        [("x", [ListEntry("x1", "UNRELATED HOLDINGS", EntityType.ORGANIZATION, "EL")])]
    )
    ctx = ScreeningContext(matcher, {"x": "sha256:x"}, TODAY, rules=ruleset.compiled(TODAY))
    return screen_party(party, ctx)


def test_missing_fields_are_reported_not_decided() -> None:
    result = _screen(BARE, rule_dirs())
    assert result["decision"] == "license_required"  # Vietnam is D:1: law, not the gaps
    assert [h["rule_id"] for h in result["rule_hits"]] == ["policy.ac.destination-d1-d4"]  # type: ignore[index]
    codes = [(q["code"], q["field"]) for q in result["data_quality"]]  # type: ignore[attr-defined]
    assert codes == [
        ("missing_kyc", "address"),
        ("missing_kyc", "email"),
        ("missing_kyc", "payment_fingerprint"),
    ]
    full = _screen(FULL, rule_dirs())
    assert full["decision"] == "clear" and full["data_quality"] == []
    nowhere = _screen(Party("c3", "Nowhere Ltd", service="general_cloud"), rule_dirs())
    assert ("missing_field", "country") in [
        (q["code"], q["field"])
        for q in nowhere["data_quality"]  # type: ignore[attr-defined]
    ]


def test_the_example_overlay_turns_incomplete_into_review() -> None:
    dirs = rule_dirs(OVERLAY)
    bare = _screen(Party("c4", "Lyon Render SAS", entity_type=EntityType.ORGANIZATION,
                         country="FR", service="advanced_compute"), dirs)  # fmt: skip
    assert bare["decision"] == "review"
    assert [h["rule_id"] for h in bare["rule_hits"]] == ["policy.ac.cip-incomplete"]  # type: ignore[index]
    assert _screen(FULL, dirs)["decision"] == "clear"


def test_rules_check_with_the_example_overlay(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    r = runner.invoke(app, ["rules", "check", str(OVERLAY)])
    assert r.exit_code == 0, r.output
    assert "changed by your own rule files" in r.stdout  # the shipped cases it changes on purpose


def test_data_quality_in_every_output_form(env: Path) -> None:
    src = env / "in.csv"
    src.write_text("id,name,country,service\nc1,Saigon Render Co,VN,advanced_compute\n")
    out = env / "out.jsonl"
    r = runner.invoke(app, ["screen", str(src), "--out", str(out), "--workers", "1"])
    assert r.exit_code == 0, r.output
    [line] = out.read_text().splitlines()
    assert ("missing_kyc", "email") in [
        (q["code"], q["field"]) for q in json.loads(line)["data_quality"]
    ]
    out_csv = env / "out.csv"
    r = runner.invoke(app, ["screen", str(src), "--out", str(out_csv), "--workers", "1"])
    assert r.exit_code == 0, r.output
    [row] = list(csv.DictReader(out_csv.open(encoding="utf-8")))
    assert "missing_kyc (email)" in row["data_quality"]
    out_xlsx = env / "out.xlsx"
    r = runner.invoke(app, ["screen", str(src), "--out", str(out_xlsx), "--workers", "1"])
    assert r.exit_code == 0, r.output
    from openpyxl import load_workbook

    sheet = load_workbook(out_xlsx, read_only=True)["Results"]
    rows = list(sheet.iter_rows(values_only=True))
    col = rows[0].index("data_quality")
    assert "missing_kyc (email)" in str(rows[1][col])
