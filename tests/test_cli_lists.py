"""The `compliance lists ...` and `audit` commands, end to end on a SQLite file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from compliance.cli import app
from tests.lists.test_service import V1, V2, csl_row, write_csl

runner = CliRunner()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from compliance.settings import get_settings

    monkeypatch.setenv("COMPLIANCE_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    get_settings.cache_clear()
    return tmp_path


def test_first_use_creates_schema_and_loads_demo_list(env: Path) -> None:
    result = runner.invoke(app, ["lists", "status", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["source"] for r in rows] == ["demo"]
    assert rows[0]["active_version"] == 1 and 95 <= rows[0]["entries"] <= 110
    assert rows[0]["content_sha256"].startswith("sha256:")


def test_load_status_diff_cycle(env: Path) -> None:
    v1, v2 = write_csl(env / "v1.csv", V1), write_csl(env / "v2.csv", V2)
    r = runner.invoke(app, ["lists", "load", str(v1), "--source", "el-test"])
    assert r.exit_code == 0, r.output
    assert "loaded version 1" in r.stdout
    assert "3 entries, 2 aliases (5 names in all)" in r.stdout  # packed names would show here
    r = runner.invoke(app, ["lists", "load", str(v1), "--source", "el-test"])
    assert r.exit_code == 0 and "unchanged" in r.stdout and "no new version" in r.stdout
    r = runner.invoke(app, ["lists", "load", str(v2), "--source", "el-test"])
    assert r.exit_code == 2 and "would be removed" in r.stderr and "Old Entry Ltd." in r.stderr
    assert "--allow-shrink" in r.stderr
    r = runner.invoke(app, ["lists", "load", str(v2), "--source", "el-test", "--allow-shrink"])
    assert "loaded version 2" in r.stdout and "+1 added, -1 removed, ~1 changed" in r.stdout
    r = runner.invoke(app, ["lists", "diff", "el-test", "--json"])
    diff = json.loads(r.stdout)
    assert diff["counts"] == {"added": 1, "removed": 1, "changed": 1, "unchanged": 1}
    r = runner.invoke(app, ["lists", "diff", "el-test"])
    assert "added" in r.stdout and "New Entry GmbH" in r.stdout and "aliases" in r.stdout
    r = runner.invoke(app, ["lists", "status"])
    assert "el-test" in r.stdout and "demo" in r.stdout
    r = runner.invoke(app, ["audit", "verify"])
    assert r.exit_code == 0 and "hash chain verified" in r.stdout


def test_bad_file_exits_2_naming_file_line_and_field(env: Path) -> None:
    bad = env / "bad.csv"
    bad.write_text('_id,source,name\n"1","x"\n', encoding="utf-8")
    r = runner.invoke(app, ["lists", "load", str(bad), "--format", "csl", "--source", "x"])
    assert r.exit_code == 2
    assert "bad.csv" in r.stderr
    r = runner.invoke(app, ["lists", "load", str(env / "nope.csv"), "--format", "csl"])
    assert r.exit_code == 2 and "not found" in r.stderr
    r = runner.invoke(app, ["lists", "diff", "no-such-source"])
    assert r.exit_code == 2 and "no list source named" in r.stderr


def test_update_of_an_unknown_source_is_bad_input(env: Path) -> None:
    r = runner.invoke(app, ["lists", "update", "--source", "nosuch"])
    assert r.exit_code == 2 and "nosuch" in r.stderr and "us-csl" in r.stderr


def test_a_refused_load_exits_2_and_its_json_names_the_removed_entries(env: Path) -> None:
    v1, v2 = write_csl(env / "v1.csv", V1), write_csl(env / "v2.csv", V2)
    assert runner.invoke(app, ["lists", "load", str(v1), "--source", "el"]).exit_code == 0
    r = runner.invoke(app, ["lists", "load", str(v2), "--source", "el", "--json"])
    assert r.exit_code == 2
    data = json.loads(r.stdout)
    assert data["error"] == "list_refused" and data["override_flags"] == ["--allow-shrink"]
    assert data["removed"] == [{"key": "a3", "name": "Old Entry Ltd."}]
    bracketed = write_csl(env / "v3.csv", [*V1[:2], csl_row("a5", "Odd [/x] Name [b]")])
    r = runner.invoke(app, ["lists", "load", str(bracketed), "--source", "el"])
    assert r.exit_code == 2 and "Old Entry Ltd." in r.stderr, r.output
    r = runner.invoke(app, ["lists", "load", str(bracketed), "--source", "el", "--allow-shrink"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["lists", "load", str(v1), "--source", "el"])
    assert r.exit_code == 2 and "Odd [/x] Name [b] (key a5)" in r.stderr, r.output
    r = runner.invoke(app, ["audit", "verify"])
    assert r.exit_code == 0


def test_ofac_primary_file_alone_needs_allow_partial(env: Path, shared_lists: Path) -> None:
    sdn = shared_lists / "ofac/sdn_2024-05-03.csv"
    r = runner.invoke(app, ["lists", "load", str(sdn)])
    assert r.exit_code == 2 and "--allow-partial" in r.stderr and "alt.csv" in r.stderr
    r = runner.invoke(app, ["lists", "load", str(sdn), "--allow-partial"])
    assert r.exit_code == 0 and "loaded version 1" in r.stdout


def test_a_file_name_that_is_not_utf8_loads_and_fails_cleanly(env: Path) -> None:
    good = write_csl(env / os.fsdecode(b"good-\xff.csv"), V1)
    r = runner.invoke(app, ["lists", "load", str(good), "--source", "odd"])
    assert r.exit_code == 0 and "loaded version 1" in r.stdout, r.output
    bad = env / os.fsdecode(b"bad-\xfe.csv")
    bad.write_text('_id,source,name\n"1","x"\n', encoding="utf-8")
    r = runner.invoke(app, ["lists", "load", str(bad), "--format", "csl"])
    assert r.exit_code == 2 and "bad-\\xfe.csv" in r.stderr
    assert r.exception is None or isinstance(r.exception, SystemExit)
    r = runner.invoke(app, ["audit", "verify"])
    assert r.exit_code == 0, r.output


def test_an_accepted_load_names_the_entries_it_removed(env: Path) -> None:
    rows = [csl_row(f"e{i:03d}", f"Listed Party Number {i}") for i in range(100)]
    v1 = write_csl(env / "v1.csv", rows)
    assert runner.invoke(app, ["lists", "load", str(v1), "--source", "s"]).exit_code == 0
    v2 = write_csl(env / "v2.csv", rows[:10] + rows[40:])  # 30 gone from the middle
    r = runner.invoke(app, ["lists", "load", str(v2), "--source", "s", "--allow-shrink"])
    assert r.exit_code == 0, r.output
    assert "removed 30: Listed Party Number 10 (key e010);" in r.stdout
    assert "... and 10 more" in r.stdout and "(key e029)" in r.stdout
    assert "(key e030)" not in r.stdout
    v3 = write_csl(env / "v3.csv", rows[:10] + rows[41:])
    r = runner.invoke(app, ["lists", "load", str(v3), "--source", "s", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["removed"] == [{"key": "e040", "name": "Listed Party Number 40"}]
