"""Issue 11: a crash mid-batch (the process killed) loses nothing already stored and leaves
no half-written screening; the same file again stores the rest, and nothing twice."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from typer.testing import CliRunner

from compliance.cli import app
from tests.samples import repeated_customers

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "data" / "samples"
ROWS = 8_000


def _stored(db: Path) -> int:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    except sqlite3.OperationalError:
        return 0
    try:
        return int(conn.execute("SELECT count(*) FROM screenings").fetchone()[0])
    except sqlite3.OperationalError:  # not migrated yet
        return 0
    finally:
        conn.close()


def test_a_batch_killed_midway_leaves_only_whole_screenings(env: Path) -> None:
    big = env / "big.csv"
    repeated_customers(big, ROWS)
    home = env / "home"
    db = home / "compliance.db"
    cmd = [sys.executable, "-m", "compliance", "screen", str(big), "--out", str(env / "o.jsonl")]
    environ = {**os.environ, "COMPLIANCE_HOME": str(home)}
    proc = subprocess.Popen(
        cmd, env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 240
        while _stored(db) < 1500 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
        assert proc.poll() is None, "the batch ended before it could be killed"
        os.killpg(proc.pid, signal.SIGKILL)  # the whole job, workers too: a crash
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    conn = sqlite3.connect(db)
    try:
        stored = conn.execute("SELECT count(*) FROM screenings").fetchone()[0]
        assert 1500 <= stored < ROWS
        assert stored % 512 == 0  # whole chunks only
        # every stored screening has exactly the matches and rule hits its decision lists
        for result, n_matches, n_hits in conn.execute(
            "SELECT s.result,"
            " (SELECT count(*) FROM screening_matches m WHERE m.screening_pk = s.id),"
            " (SELECT count(*) FROM screening_rule_hits h WHERE h.screening_pk = s.id)"
            " FROM screenings s"
        ):
            decision = json.loads(result)
            assert len(decision["matches"]) == n_matches
            assert len(decision["rule_hits"]) == n_hits
        # every flagged party stored has its case
        missing = conn.execute(
            "SELECT count(*) FROM screenings s WHERE s.outcome <> 'clear' AND NOT EXISTS "
            "(SELECT 1 FROM cases c WHERE c.party_id = s.party_id)"
        ).fetchone()[0]
        assert missing == 0
        assert conn.execute("SELECT status FROM screening_runs").fetchall() == [("running",)]
    finally:
        conn.close()
    assert not (env / "o.jsonl").exists()  # the output file is written whole or not at all

    # The same file again: the stored chunks are recognised, the rest is stored once.
    r = CliRunner().invoke(app, ["screen", str(big), "--out", str(env / "o.jsonl")])
    assert r.exit_code == 0, r.output
    assert f"{ROWS - stored} new screenings, {stored} already stored" in r.stderr
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT count(*) FROM screenings").fetchone()[0] == ROWS
    finally:
        conn.close()
    r = CliRunner().invoke(app, ["audit", "verify", "--json"])
    report = json.loads(r.stdout)
    assert r.exit_code == 0, report
    assert report["decisions"]["unsealed_runs"] == [1]  # the killed run: reported, not broken
