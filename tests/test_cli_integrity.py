"""Issue 8.4 end to end: tampering with list entries or the audit log is caught by the CLI."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from compliance.cli import app

runner = CliRunner()
HUAWEI = "Huawei Technologies Co., Ltd."


def _sql(env: Path, *statements: str) -> None:
    conn = sqlite3.connect(env / "home" / "compliance.db")
    try:
        for statement in statements:
            conn.execute(statement)
        conn.commit()
    finally:
        conn.close()


def _rename_huawei(env: Path) -> None:
    _sql(
        env,
        "UPDATE list_entries SET primary_name = 'Harmless Trading Ltd' WHERE key = 'demo-el-001'",
    )


def test_edited_entry_is_refused_by_screen_name_and_audit_verify(env: Path) -> None:
    assert runner.invoke(app, ["lists", "status"]).exit_code == 0  # store + demo list, no index
    _rename_huawei(env)
    r = runner.invoke(app, ["screen-name", HUAWEI])
    assert r.exit_code == 3, r.output
    assert "demo version 1" in r.stderr and "demo-el-001" in r.stderr
    assert "list content does not match its version" in r.stderr
    assert "clear" not in r.stdout
    r = runner.invoke(app, ["audit", "verify"])
    assert r.exit_code == 3
    assert "list content BROKEN" in r.stderr and "demo version 1" in r.stderr
    assert "demo-el-001" in r.stderr
    r = runner.invoke(app, ["audit", "verify", "--json"])
    report = json.loads(r.stdout)
    assert r.exit_code == 3 and not report["ok"] and report["audit"]["ok"]
    assert report["lists"][0]["bad_entries"][0].startswith("'demo-el-001'")


def test_an_edit_after_the_index_was_cached_never_clears_and_audit_verify_catches_it(
    env: Path,
) -> None:
    """The on-disk index is built from verified content and keyed by the version hashes: an
    edit made after it was built does not reach screening (which keeps the loaded content) and
    is caught by `audit verify`."""
    r = runner.invoke(app, ["screen-name", HUAWEI])
    assert r.exit_code == 0 and "license_required" in r.stdout
    _rename_huawei(env)
    r = runner.invoke(app, ["screen-name", HUAWEI])
    assert r.exit_code == 3 or (r.exit_code == 0 and "license_required" in r.stdout), r.output
    r = runner.invoke(app, ["audit", "verify"])
    assert r.exit_code == 3 and "demo-el-001" in r.stderr


def test_audit_head_is_shown_and_a_recorded_head_is_checked(env: Path) -> None:
    r = runner.invoke(app, ["audit", "verify", "--json"])
    assert r.exit_code == 0, r.output
    report = json.loads(r.stdout)
    head, count = report["audit"]["head_hash"], report["audit"]["count"]
    assert report["ok"] and count == 1 and len(head) == 64
    assert report["lists"][0]["source"] == "demo" and report["lists"][0]["digest_checked"]
    r = runner.invoke(app, ["audit", "verify"])
    assert f"anchored head {head} at count {count}" in r.stdout
    assert "demo version 1" in r.stdout and "entries digest verified" in r.stdout
    r = runner.invoke(app, ["lists", "status"])
    assert f"audit log: {count} rows, head {head} (matches its anchor)" in r.stdout
    rows = json.loads(runner.invoke(app, ["lists", "status", "--json"]).stdout)
    assert rows[0]["audit"]["head_hash"] == head and rows[0]["audit"]["anchor_matches"]

    runner.invoke(app, ["lists", "deactivate", "demo"])  # one more audit row
    r = runner.invoke(app, ["audit", "verify", "--expect-head", head, "--expect-count", "1"])
    assert r.exit_code == 0, r.output
    assert "the recorded head is in the chain" in r.stdout
    r = runner.invoke(app, ["audit", "verify", "--expect-head", head, "--expect-count", "2"])
    assert r.exit_code == 3 and "row 2 no longer has the recorded hash" in r.stderr
    r = runner.invoke(app, ["audit", "verify", "--expect-head", "0" * 64])
    assert r.exit_code == 3 and "not in the chain" in r.stderr
    r = runner.invoke(app, ["audit", "verify", "--expect-count", "1"])
    assert r.exit_code == 2 and "--expect-head" in r.stderr
    r = runner.invoke(app, ["audit", "verify", "--expect-head", "abc"])
    assert r.exit_code == 2 and "64-digit hex" in r.stderr


def test_deleting_the_newest_audit_row_is_caught(env: Path) -> None:
    assert runner.invoke(app, ["lists", "deactivate", "demo"]).exit_code == 0  # row 2
    _sql(
        env,
        "DROP TRIGGER audit_log_no_delete",
        "DELETE FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log)",
    )
    r = runner.invoke(app, ["audit", "verify"])
    assert r.exit_code == 3
    assert "audit log BROKEN at seq 2" in r.stderr and "1 newest row(s) missing" in r.stderr
    r = runner.invoke(app, ["lists", "status"])
    assert "does NOT match its anchor" in r.stderr


def test_the_database_refuses_to_delete_audit_rows(env: Path) -> None:
    assert runner.invoke(app, ["lists", "status"]).exit_code == 0
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        _sql(env, "DELETE FROM audit_log")


def test_deleted_entry_with_cleared_digest_and_count_is_caught(env: Path) -> None:
    """Issue 8.4, round 2 (A): an entry deleted (with its aliases), the version's digest set to
    NULL and its count lowered, the index cache removed. The load audit row recorded the
    digest and the count: screening refuses (exit 3, never `clear`) and `audit verify` fails
    (was: clear, and "no version digest (loaded before revision 0002)", exit 0)."""
    import shutil

    r = runner.invoke(app, ["screen-name", HUAWEI])
    assert r.exit_code == 0 and "license_required" in r.stdout
    conn = sqlite3.connect(env / "home" / "compliance.db")
    try:
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute(
            "DELETE FROM list_entries WHERE key = 'demo-el-001' AND version_id IN "
            "(SELECT id FROM list_versions WHERE is_active)"
        )
        conn.execute(
            "UPDATE list_versions SET entries_sha256 = NULL, entry_count = entry_count - 1 "
            "WHERE is_active"
        )
        conn.commit()
    finally:
        conn.close()
    shutil.rmtree(env / "home" / "cache")
    r = runner.invoke(app, ["screen-name", HUAWEI])
    assert r.exit_code == 3, r.output
    assert "clear" not in r.stdout and "demo version 1" in r.stderr
    assert "load audit row" in r.stderr
    r = runner.invoke(app, ["audit", "verify"])
    assert r.exit_code == 3, r.output
    assert "list content BROKEN" in r.stderr and "no version digest" not in r.output
    assert "entries digest none differs" in r.stderr and "entry count" in r.stderr
    report = json.loads(runner.invoke(app, ["audit", "verify", "--json"]).stdout)
    assert not report["ok"] and report["audit"]["ok"] and not report["lists"][0]["ok"]


def test_the_issues_repro_on_the_real_sdn_loaded_by_lists_update(
    env: Path, shared_lists: Path
) -> None:
    """The reviewer's repro: SDN entry 552 (alias CRYMSA) deleted from a version that
    `lists update` stored, its digest cleared and its count lowered, the cache removed."""
    import shutil

    from compliance.lists.service import ListService
    from compliance.settings import get_settings
    from compliance.store.database import open_database

    files = ("sdn_2024-05-03.csv", "alt_watchman-2025-12.csv", "add_watchman-2025-12.csv")
    db = open_database(get_settings())
    try:
        ListService(db.sessions, actor="tester").load(
            [shared_lists / "ofac" / f for f in files],
            fmt="ofac",
            source="us-ofac-sdn",
            policy=None,
            action="lists.update",
        )
    finally:
        db.dispose()
    r = runner.invoke(app, ["screen-name", "CRYMSA"])
    assert r.exit_code == 0 and "prohibited" in r.stdout, r.output
    conn = sqlite3.connect(env / "home" / "compliance.db")
    try:
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute(
            "DELETE FROM list_entries WHERE key = '552' AND version_id IN "
            "(SELECT v.id FROM list_versions v JOIN list_sources s ON s.id = v.source_id "
            "WHERE v.is_active AND s.name = 'us-ofac-sdn')"
        )
        conn.execute(
            "UPDATE list_versions SET entries_sha256 = NULL, entry_count = entry_count - 1 "
            "WHERE is_active AND source_id = (SELECT id FROM list_sources "
            "WHERE name = 'us-ofac-sdn')"
        )
        conn.commit()
    finally:
        conn.close()
    shutil.rmtree(env / "home" / "cache")
    r = runner.invoke(app, ["screen-name", "CRYMSA"])
    assert r.exit_code == 3 and "clear" not in r.stdout, r.output
    assert "us-ofac-sdn version 1" in r.stderr and "lists.update" in r.stderr
    r = runner.invoke(app, ["audit", "verify"])
    assert r.exit_code == 3 and "no version digest" not in r.output
    assert "list content BROKEN" in r.stderr and "us-ofac-sdn version 1" in r.stderr


def test_a_load_row_rewritten_to_look_older_than_revision_0002_is_caught(env: Path) -> None:
    """An entry deleted, the version's digest cleared and its counts lowered, and the load
    audit row's details rewritten to match without a digest (as if loaded before revision
    0002): everything agrees but that row no longer matches its own hash, so screening
    refuses, and `audit verify` reports the broken chain."""
    assert runner.invoke(app, ["lists", "status"]).exit_code == 0
    conn = sqlite3.connect(env / "home" / "compliance.db")
    try:
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("DELETE FROM list_entries WHERE key = 'demo-el-001'")
        conn.execute(
            "UPDATE list_versions SET entries_sha256 = NULL, "
            "entry_count = (SELECT count(*) FROM list_entries), "
            "alias_count = (SELECT count(*) FROM list_aliases), "
            "address_count = (SELECT coalesce(sum(json_array_length(addresses)), 0) "
            "FROM list_entries)"
        )
        conn.execute("DROP TRIGGER audit_log_no_update")
        conn.execute(
            "UPDATE audit_log SET details = json_set(json_remove(details, '$.entries_sha256'), "
            "'$.entries', v.entry_count, '$.aliases', v.alias_count, "
            "'$.addresses', v.address_count) FROM list_versions v WHERE action = 'lists.load'"
        )
        conn.commit()
    finally:
        conn.close()
    r = runner.invoke(app, ["screen-name", HUAWEI])
    assert r.exit_code == 3 and "clear" not in r.stdout, r.output
    assert "does not match its own hash" in r.stderr
    r = runner.invoke(app, ["audit", "verify"])
    assert r.exit_code == 3
    assert "audit log BROKEN at seq 1" in r.stderr and "list content BROKEN" in r.stderr
