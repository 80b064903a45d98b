"""Issue 8.11: several processes using an empty database for the first time at once all
succeed: schema creation and the demo list load are serialised by the initialisation lock."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from compliance.errors import DatabaseLockedError
from compliance.store.session import initialisation_lock, make_engine

PROCESSES = 3


def _first_uses(tmp_path: Path, database_url: str) -> list[subprocess.CompletedProcess[str]]:
    """Start PROCESSES `lists status --json` at once on the same empty database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPLIANCE_")}
    env |= {"COMPLIANCE_HOME": str(tmp_path / "home"), "COMPLIANCE_DATABASE_URL": database_url}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "compliance", "lists", "status", "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(PROCESSES)
    ]
    done = []
    for proc in procs:
        try:
            stdout, stderr = proc.communicate(timeout=180)
        except subprocess.TimeoutExpired:
            proc.kill()
            stdout, stderr = proc.communicate()
        done.append(subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr))
    return done


def _check(results: list[subprocess.CompletedProcess[str]], database_url: str) -> None:
    for result in results:
        assert result.returncode == 0, result.stderr
        (demo,) = json.loads(result.stdout)
        assert demo["source"] == "demo" and demo["versions"] == 1
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT count(*) FROM list_versions")) == 1
            assert conn.scalar(text("SELECT count(*) FROM alembic_version")) == 1
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_three_first_uses_of_an_empty_postgresql_database(tmp_path: Path, pg_url: str) -> None:
    _check(_first_uses(tmp_path, pg_url), pg_url)


def test_three_first_uses_of_an_empty_sqlite_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'first.db'}"
    _check(_first_uses(tmp_path, url), url)


def test_initialisation_lock_waits_then_gives_up(database_url: str) -> None:
    holder, waiter = make_engine(database_url), make_engine(database_url)
    held = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with initialisation_lock(holder, timeout=5):
            held.set()
            release.wait(30)

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    try:
        assert held.wait(30)
        with pytest.raises(DatabaseLockedError) as info, initialisation_lock(waiter, timeout=0.2):
            pass
        assert info.value.exit_code == 3
        assert "database is locked by another process" in info.value.message
    finally:
        release.set()
        thread.join(30)
    with initialisation_lock(waiter, timeout=5):  # free again once the holder is done
        pass
    holder.dispose()
    waiter.dispose()
