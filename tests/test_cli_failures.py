"""Issue 8.11: every failure of a command exits 2 (bad input) or 3 (operational) with a
one-line message: never 1 (the --fail-on code), never a traceback."""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from compliance.cli import app
from compliance.settings import get_settings

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "data" / "samples"
UNREACHABLE_PG = "postgresql+psycopg://postgres@127.0.0.1:1/x"
runner = CliRunner()


def _error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.strip()]


# ------------------------------------------------------------------ database unreachable
def test_pg_unreachable_with_fail_on_is_3_not_1(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPLIANCE_DATABASE_URL", UNREACHABLE_PG)
    r = runner.invoke(
        app,
        ["screen", str(SAMPLES / "customers.csv"), "--fail-on", "prohibited", "--workers", "1"],
    )
    assert r.exit_code == 3, (r.exit_code, r.output, r.exception)
    assert not isinstance(r.exception, Exception) or isinstance(r.exception, SystemExit)
    lines = _error_lines(r.stderr)
    assert len(lines) == 1, lines
    assert lines[0].startswith(
        "error: database error (postgresql+psycopg://postgres@127.0.0.1:1/x)"
    )
    assert "Traceback" not in r.output


def test_pg_unreachable_in_a_real_process_hides_the_password(tmp_path: Path) -> None:
    """Through the console entry point: exit 3, one line, no traceback, no password."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPLIANCE_")}
    env |= {
        "COMPLIANCE_HOME": str(tmp_path / "home"),
        "COMPLIANCE_DATABASE_URL": "postgresql+psycopg://postgres:s3cretpw@127.0.0.1:1/x",
    }
    proc = subprocess.run(
        [sys.executable, "-m", "compliance", "screen", str(SAMPLES / "customers.csv"),
         "--fail-on", "prohibited", "--workers", "1"],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 3, proc.stderr
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr and "s3cretpw" not in proc.stderr
    lines = _error_lines(proc.stderr)
    assert len(lines) == 1 and "postgres:***@127.0.0.1:1/x" in lines[0], lines


# --------------------------------------------------------------------- SQLite write lock
def test_sqlite_lock_past_the_busy_timeout_is_3(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert runner.invoke(app, ["lists", "status"]).exit_code == 0  # creates the store
    monkeypatch.setenv("COMPLIANCE_DB_BUSY_TIMEOUT_SECONDS", "0.3")
    get_settings.cache_clear()
    holder = sqlite3.connect(env / "home" / "compliance.db", timeout=1, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        started = time.monotonic()
        r = runner.invoke(app, ["lists", "deactivate", "demo"])
        elapsed = time.monotonic() - started
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert r.exit_code == 3, (r.output, r.exception)
    lines = _error_lines(r.stderr)
    assert len(lines) == 1 and "database is locked by another process" in lines[0], lines
    assert "COMPLIANCE_DB_BUSY_TIMEOUT_SECONDS" in lines[0]
    assert elapsed < 10, elapsed  # the setting, not the old fixed 30 s
    # Once the lock is gone the same command works.
    assert runner.invoke(app, ["lists", "deactivate", "demo"]).exit_code == 0


# ------------------------------------------------------------------ unexpected exceptions
@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (RuntimeError("boom\nsecond line"), "internal error: RuntimeError: boom second line"),
        (RecursionError("maximum recursion depth exceeded"), "internal error: RecursionError:"),
        (MemoryError(), "internal error: MemoryError"),
        (KeyError("x"), "internal error: KeyError: 'x'"),
    ],
)
def test_unexpected_exception_in_a_command_is_3_and_audited(
    env: Path, monkeypatch: pytest.MonkeyPatch, exc: BaseException, expected: str
) -> None:
    import compliance.batch

    assert runner.invoke(app, ["lists", "status"]).exit_code == 0  # the store exists

    def explode(*_args: object, **_kwargs: object) -> None:
        raise exc

    monkeypatch.setattr(compliance.batch, "run_batch", explode)
    r = runner.invoke(
        app, ["screen", str(SAMPLES / "customers.csv"), "--fail-on", "review", "--workers", "1"]
    )
    assert r.exit_code == 3, (r.output, r.exception)
    lines = _error_lines(r.stderr)
    assert len(lines) == 1 and lines[0].startswith("error: " + expected), lines
    assert "Traceback" not in r.output

    tail = runner.invoke(app, ["audit", "tail", "-n", "1", "--json"])
    (event,) = json.loads(tail.stdout)
    assert (event["action"], event["outcome"]) == ("cli.screen", "failed")
    assert event["subject"] == str(SAMPLES / "customers.csv")
    assert event["details"]["exit_code"] == 3 and event["details"]["type"] == type(exc).__name__
    assert runner.invoke(app, ["audit", "verify"]).exit_code == 0


def test_bad_input_is_audited_once(env: Path, tmp_path: Path) -> None:
    """A failure the service already wrote to the audit log is not written twice."""
    assert runner.invoke(app, ["lists", "status"]).exit_code == 0
    bad = tmp_path / "bad.csv"
    bad.write_text("not,a,list\n1,2,3\n", encoding="utf-8")
    r = runner.invoke(app, ["lists", "load", str(bad), "--format", "csl"])
    assert r.exit_code == 2, r.output
    events = json.loads(runner.invoke(app, ["audit", "tail", "-n", "3", "--json"]).stdout)
    failed = [e for e in events if e["outcome"] == "failed"]
    assert len(failed) == 1, events


@pytest.mark.parametrize(
    ("code", "target", "exit_code"),
    [
        (errno.EACCES, "input", 2),  # the user's own file: bad input
        (errno.ENOSPC, "out", 3),  # the disk: operational
        (errno.EACCES, "elsewhere", 3),  # a file the user did not name: operational
    ],
)
def test_os_errors(
    env: Path, monkeypatch: pytest.MonkeyPatch, code: int, target: str, exit_code: int
) -> None:
    import compliance.batch

    source = env / "in.csv"
    source.write_bytes((SAMPLES / "customers.csv").read_bytes())
    out = env / "out.csv"
    name = {"input": source, "out": out, "elsewhere": Path("/var/lib/something")}[target]

    def fail(*_args: object, **_kwargs: object) -> None:
        raise OSError(code, os.strerror(code), str(name))

    monkeypatch.setattr(compliance.batch, "count_lines", fail)
    r = runner.invoke(app, ["screen", str(source), "--out", str(out), "--workers", "1"])
    assert r.exit_code == exit_code, (r.output, r.exception)
    lines = _error_lines(r.stderr)
    assert lines == [f"error: {name}: {os.strerror(code)}"]


def test_error_text_is_printed_verbatim(env: Path) -> None:
    """Rich markup and lone surrogates in a message are printed, not interpreted or fatal."""
    r = runner.invoke(app, ["rules", "explain", "[bold]x[/] \udcff"])
    assert r.exit_code == 2, (r.output, r.exception)
    assert "[bold]x[/]" in r.stderr and "\\udcff" in r.stderr


# --------------------------------------------------------------------- exit precedence
def _precedence_input(tmp_path: Path, *, listed: bool, rejected: bool) -> Path:
    lines = (SAMPLES / "customers.csv").read_text(encoding="utf-8").splitlines()
    sample = {line.split(",", 1)[0]: line for line in lines}
    rows = [lines[0], sample["C049"] if listed else sample["C001"]]  # C049: prohibited (SDN)
    if rejected:
        rows.append("P2" + "," * lines[0].count(","))  # no name: the row is rejected
    path = tmp_path / "in.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("listed", "rejected", "exit_code"),
    [(True, True, 1), (True, False, 1), (False, True, 2), (False, False, 0)],
)
def test_exit_precedence_finding_over_rejected_rows(
    env: Path, listed: bool, rejected: bool, exit_code: int
) -> None:
    path = _precedence_input(env, listed=listed, rejected=rejected)
    r = runner.invoke(app, ["screen", str(path), "--fail-on", "prohibited", "--workers", "1"])
    assert r.exit_code == exit_code, (r.output, r.exception)
    assert f"{1 if rejected else 0} rejected rows" in r.stderr
    if listed:
        assert "--fail-on prohibited: 1 records at or above prohibited" in r.stderr
        assert ("(and 1 rejected rows)" in r.stderr) is rejected


# ------------------------------------------------------------------------ closed output
@pytest.mark.parametrize("args", [["lists", "status"], ["lists", "status", "--json"]])
def test_a_closed_output_is_3_not_1(env: Path, args: list[str]) -> None:
    """``compliance lists status | head -1``: rich's console exits 1 when its reader goes away,
    and 1 reads as a --fail-on finding. The reader here is gone before anything is written."""
    home = env / "home"
    environ = {**os.environ, "COMPLIANCE_HOME": str(home)}
    subprocess.run(  # first use: schema and demo list, with an open output
        [sys.executable, "-m", "compliance", "lists", "status"],
        env=environ, capture_output=True, check=True, timeout=120,
    )  # fmt: skip
    read_end, write_end = os.pipe()
    os.close(read_end)  # nobody will ever read
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "compliance", *args],
            env=environ, stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=120,
        )  # fmt: skip
    finally:
        os.close(write_end)
    assert proc.returncode == 3, proc.stderr
    assert "Traceback" not in proc.stderr
    assert _error_lines(proc.stderr) == [
        "error: the output was closed early (broken pipe); it is incomplete"
    ]
