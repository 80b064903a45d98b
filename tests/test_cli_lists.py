"""The `compliance lists ...` and `audit` commands, end to end on a SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from compliance.cli import app
from tests.lists.test_service import V1, V2, write_csl

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
