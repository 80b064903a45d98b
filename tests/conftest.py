"""Shared fixtures. Real list snapshots live in ../shared/data/lists (beside the clone)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_LISTS = (REPO.parent / "shared" / "data" / "lists").resolve()
IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="session")
def shared_lists() -> Path:
    """The real list snapshots. Skipped on a machine without ../shared; never skipped in CI."""
    if not SHARED_LISTS.is_dir():
        if IN_CI:
            pytest.fail(f"CI=true but the shared list snapshots are missing at {SHARED_LISTS}")
        pytest.skip(f"real list snapshots not present at {SHARED_LISTS} (they ship with CI only)")
    return SHARED_LISTS


# ---------------------------------------------------------------------- settings isolation
@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """No test reads the user's ~/.local/share/compliance or their COMPLIANCE_* variables."""
    from compliance.settings import get_settings

    for name in list(os.environ):
        if name.startswith("COMPLIANCE_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("COMPLIANCE_HOME", str(tmp_path_factory.mktemp("home")))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A CLI test's own COMPLIANCE_HOME (fresh SQLite database, demo list, cache)."""
    from compliance.settings import get_settings

    monkeypatch.setenv("COMPLIANCE_HOME", str(tmp_path / "home"))
    get_settings.cache_clear()
    return tmp_path


# ------------------------------------------------------------------------------ databases
PG_ADMIN_URL = os.environ.get(
    "COMPLIANCE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    """The PostgreSQL server for tests. Required in CI; skipped elsewhere when unreachable."""
    from sqlalchemy import create_engine, text

    try:
        engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        if IN_CI:
            pytest.fail(f"CI=true but PostgreSQL at {PG_ADMIN_URL} is unreachable: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {type(exc).__name__}")
    return PG_ADMIN_URL


@pytest.fixture
def pg_url(pg_admin_url: str):
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    import uuid

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"compliance_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(pg_admin_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each kind: SQLite in a temp dir, and PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def db(database_url: str):
    """A migrated store (no demo list) on each kind of database."""
    from compliance.store.database import Database
    from compliance.store.session import ensure_schema, make_engine, session_factory

    engine = make_engine(database_url)
    ensure_schema(engine)
    database = Database(engine, session_factory(engine))
    yield database
    database.dispose()
