"""`compliance rules ...` and rules in `compliance screen`, end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from compliance.cli import app

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "data" / "samples"
runner = CliRunner()


def _bad_rules(directory: Path) -> Path:
    directory.mkdir()
    (directory / "mine.yaml").write_text(
        "file: {title: Mine, jurisdiction: US, basis: policy}\n"
        "rules:\n"
        "  - id: mine.one\n"
        "    title: A rule with a typo\n"
        "    citation: Provider policy\n"
        "    source_url: https://example.invalid/p\n"
        "    effective_from: 2020-01-01\n"
        "    verified: true\n"
        "    when: {fact: party.contry, op: eq, value: CN}\n"
        "    outcome: review\n"
        "    reason: typo\n",
        encoding="utf-8",
    )
    return directory


def test_rules_check_passes_on_the_shipped_rules(env: Path) -> None:
    r = runner.invoke(app, ["rules", "check"])
    assert r.exit_code == 0, r.output
    assert "valid" in r.stdout and "pass" in r.stdout


def test_rules_check_reports_file_line_and_field(env: Path) -> None:
    r = runner.invoke(app, ["rules", "check", str(_bad_rules(env / "rules"))])
    assert r.exit_code == 2
    assert "mine.yaml, line 9, field 'rules[0].when'" in r.stderr
    assert "unknown fact 'party.contry'" in r.stderr


def test_rules_check_fails_on_a_changed_outcome(env: Path) -> None:
    """An operator policy that changes a shipped answer shows up as failing cases."""
    from compliance.rules import shipped_dir

    mine = env / "rules"
    mine.mkdir()
    text = (shipped_dir() / "lists.yaml").read_text(encoding="utf-8")
    (mine / "lists.yaml").write_text(text, encoding="utf-8")
    policy = (shipped_dir() / "provider_policy.yaml").read_text(encoding="utf-8")
    (mine / "provider_policy.yaml").write_text(
        policy.replace("    outcome: prohibited\n", "    outcome: review\n", 1), encoding="utf-8"
    )
    r = runner.invoke(app, ["rules", "check", str(mine)])
    # The answer changed through the replaced file's own rule: shown, not a failure.
    assert r.exit_code == 0, r.output
    assert "CHANGED by your rules  ear_advanced_computing.cases.yaml: Cuba is embargoed" in r.stdout
    assert "expected prohibited" in r.stdout and "got license_required" in r.stdout
    assert "1 changed by your own rule files" in r.stdout
    # A new file of the operator's that changes shipped answers changes them through the
    # operator's own rules too (the example overlay examples/rules/cip_incomplete.yaml does so
    # on purpose): shown, not a failure.
    (mine / "extra.yaml").write_text(
        "file: {title: Extra, jurisdiction: US, basis: policy}\n"
        "rules:\n"
        "  - id: extra.us\n"
        "    title: Everyone in the US\n"
        "    citation: Provider policy\n"
        "    source_url: https://example.invalid/p\n"
        "    effective_from: 2020-01-01\n"
        "    verified: true\n"
        "    when: {fact: destination.country, op: eq, value: US}\n"
        "    outcome: review\n"
        "    reason: in the US\n",
        encoding="utf-8",
    )
    r = runner.invoke(app, ["rules", "check", str(mine)])
    assert r.exit_code == 0, r.output
    assert "CHANGED by your rules  ear_advanced_computing.cases.yaml: US data centre" in r.stdout
    # ...while a shipped answer that changes with no rule of the operator's involved fails:
    # an operator's copy of the country groups that drops China from D:5.
    (mine / "extra.yaml").unlink()
    groups = (shipped_dir() / "country_groups.yaml").read_text(encoding="utf-8")
    (mine / "country_groups.yaml").write_text(
        groups.replace("members: [AF, BY, CD, CF, CN, ", "members: [AF, BY, CD, CF, ", 1),
        encoding="utf-8",
    )
    r = runner.invoke(app, ["rules", "check", str(mine)])
    assert r.exit_code == 1, r.output
    assert "FAIL  " in r.stdout


def test_rules_explain_and_list(env: Path) -> None:
    r = runner.invoke(
        app, ["rules", "explain", "ownership.bis-affiliates", "--as-of", "2026-01-01"]
    )
    assert r.exit_code == 0, r.output
    assert "suspended 2025-11-10 to 2026-11-09" in r.stdout
    assert "status on 2026-01-01: suspended" in r.stdout
    assert "share: 50" in r.stdout and "LAW" in r.stdout
    r = runner.invoke(
        app, ["rules", "explain", "ownership.bis-affiliates", "--as-of", "2026-11-27"]
    )
    assert "status on 2026-11-27: in force" in r.stdout
    r = runner.invoke(app, ["rules", "explain", "policy.ac.hq-d5"])
    assert "POLICY, not law" in r.stdout
    r = runner.invoke(app, ["rules", "explain", "no.such-rule"])
    assert r.exit_code == 2 and "no rule 'no.such-rule'" in r.stderr
    r = runner.invoke(app, ["rules", "list", "--json", "--as-of", "2026-11-27"])
    rows = {row["id"]: row for row in json.loads(r.stdout)}
    assert rows["aid.tier2"]["status"].startswith("disabled")
    assert rows["ear.ac.hq-d5"]["status"] == "in force"


def test_screen_data_centres(env: Path) -> None:
    out = env / "dc.jsonl"
    r = runner.invoke(
        app,
        ["screen", str(SAMPLES / "data_centres.csv"), "--kind", "data-centres", "--out", str(out),
         "--as-of", "2026-11-27"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    rows = {row["record_id"]: row for row in map(json.loads, out.read_text().splitlines())}
    assert len(rows) == 16 and rows["DC06"]["kind"] == "data_centre"
    assert rows["DC06"]["decision"] == "license_required"
    assert "ear.ac.destination-d5" in {h["rule_id"] for h in rows["DC06"]["rule_hits"]}
    assert rows["DC01"]["decision"] == "clear"
    assert rows["DC06"]["ruleset_version"].startswith("sha256:")


def test_screen_data_centre_bad_rows(env: Path) -> None:
    bad = env / "dc.csv"
    bad.write_text(
        "id,name,country,eccn,tpp_per_device\nD1,Hall,MO,3A090.a,\nD2,Hall 2,Narnia,,\n"
        "D3,Hall 3,DE,,lots\n",
        encoding="utf-8",
    )
    out = env / "dc.jsonl"
    r = runner.invoke(app, ["screen", str(bad), "--kind", "data-centres", "--out", str(out)])
    assert r.exit_code == 2
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [row["record_id"] for row in rows] == ["D1", "D2", "D3"]
    assert rows[0]["decision"] == "license_required"
    assert rows[1]["error"] and rows[1]["line"] == 3 and "country" in rows[1]["error"]
    assert rows[2]["error"] and "tpp" in rows[2]["error"]


def test_a_bad_rules_directory_stops_screening_before_any_output(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from compliance.settings import get_settings

    monkeypatch.setenv("COMPLIANCE_RULES_DIR", str(_bad_rules(env / "rules")))
    get_settings.cache_clear()
    out = env / "out.jsonl"
    r = runner.invoke(app, ["screen", str(SAMPLES / "customers.csv"), "--out", str(out)])
    assert r.exit_code == 2 and "party.contry" in r.stderr
    assert not out.exists()


def test_screen_name_shows_rule_hits(env: Path) -> None:
    r = runner.invoke(app, ["screen-name", "Megvii Technology", "--country", "CN"])
    assert r.exit_code == 0, r.output
    assert "decision license_required" in r.stdout
    assert "rule lists.el -> license_required" in r.stdout
