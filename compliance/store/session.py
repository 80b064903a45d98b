"""Engines, sessions and the schema: created by Alembic (``upgrade head``), never ``create_all``.

First use is serialised between processes (:func:`initialisation_lock`): on PostgreSQL by a
transaction-scoped advisory lock, on SQLite by ``flock`` on a ``<database>.init.lock`` file
beside the database. Waits are bounded by the busy timeout
(``COMPLIANCE_DB_BUSY_TIMEOUT_SECONDS``).

A SQLite file another user could replace or rewrite is refused before it is opened
(:func:`check_sqlite_location`).
"""

from __future__ import annotations

import json
import math
import os
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DataError, DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from compliance.errors import (
    BadInputError,
    ComplianceError,
    ConfigurationError,
    DatabaseLockedError,
    DatabaseUnavailableError,
)
from compliance.permissions import ownership_problem

MIGRATIONS_DIR = Path(__file__).resolve().parents[1] / "migrations"
DEFAULT_BUSY_TIMEOUT = 30.0
"""Seconds to wait for a database another process holds (the setting's default)."""

_PG_INIT_LOCK_KEY = 0x436F6D7069  # any constant other than the audit log's
_POLL_SECONDS = 0.05


class RawJSON(str):
    """JSON text serialised already (by a screening worker): a JSON column stores it as it
    is instead of serialising the value again in the process that writes to the database."""


def json_dumps(value: Any) -> str:
    """The engines' JSON serialiser: :class:`RawJSON` as it is, anything else ``json.dumps``."""
    if isinstance(value, RawJSON):
        return str.__str__(value)
    return json.dumps(value, ensure_ascii=False)


def make_engine(
    url: str,
    *,
    busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
    connect_timeout: float | None = None,
) -> Engine:
    """Create an engine. SQLite gets foreign keys on, WAL and a busy timeout of
    ``busy_timeout`` seconds; its directory is created if missing, and the file and directory
    are checked (:func:`check_sqlite_location`). PostgreSQL gets a connect timeout of
    ``connect_timeout`` seconds (whole seconds, at least 1) when given."""
    try:
        parsed = make_url(url)
    except Exception as exc:  # sqlalchemy raises ArgumentError with a terse message
        raise ConfigurationError(f"COMPLIANCE_DATABASE_URL is not a valid URL: {exc}") from None
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            check_sqlite_location(Path(database))
        kwargs["connect_args"] = {"timeout": busy_timeout}
    elif parsed.get_backend_name() == "postgresql" and connect_timeout is not None:
        kwargs["connect_args"] = {"connect_timeout": max(1, math.ceil(connect_timeout))}
    kwargs["json_serializer"] = json_dumps
    engine = create_engine(url, **kwargs)
    if parsed.get_backend_name() == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

    return engine


_SQLITE_SIDECARS = ("-wal", "-shm", "-journal")
_GROUP_OTHER_WRITE = stat.S_IWGRP | stat.S_IWOTH
_WRITABLE = "writable by group or others"


def check_sqlite_location(database: Path) -> None:
    """Refuse (:class:`ConfigurationError`, exit 3) a SQLite database another user could
    replace or rewrite: the file (and its ``-wal``/``-shm``/``-journal`` files, when present)
    must be ours and not group/world-writable; its directory ours or root's, and not
    group/world-writable unless sticky (like /tmp) with the file already ours and private.
    Symlinks are resolved first. A no-op where there are no user ids."""
    if not hasattr(os, "geteuid"):
        return
    real = database.expanduser().resolve()
    directory = real.parent
    try:
        dir_st = os.stat(directory)
        present: list[tuple[Path, os.stat_result]] = []
        for path in (real, *(real.with_name(real.name + s) for s in _SQLITE_SIDECARS)):
            try:
                present.append((path, os.lstat(path)))
            except FileNotFoundError:
                continue
    except OSError as exc:
        raise ConfigurationError(f"cannot check {directory}: {exc.strerror or exc}") from None
    problems = [
        problem
        for path, st in present
        if (problem := ownership_problem(st, path, _GROUP_OTHER_WRITE, _WRITABLE, "chmod go-w"))
    ]
    file_is_private = bool(present) and present[0][0] == real and not problems
    sticky = bool(dir_st.st_mode & stat.S_ISVTX)
    dir_problem = ownership_problem(
        dir_st,
        directory,
        0 if sticky and file_is_private else _GROUP_OTHER_WRITE,
        _WRITABLE
        + (" (sticky, but the database in it is missing or not private)" if sticky else ""),
        "chmod go-w",
        root_ok=True,
    )
    if dir_problem:
        problems.insert(0, dir_problem)
    if problems:
        raise ConfigurationError(
            f"refusing to open the SQLite database {real}: another user could replace or "
            f"rewrite it (and clear listed parties). {'; '.join(problems)}. Or set "
            "COMPLIANCE_HOME (or COMPLIANCE_DATABASE_URL) to a directory only you can write"
        )


def sqlite_path(engine: Engine) -> Path | None:
    """The file of a file-backed SQLite database, else None."""
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).expanduser()


@contextmanager
def initialisation_lock(engine: Engine, timeout: float = DEFAULT_BUSY_TIMEOUT) -> Iterator[None]:
    """Hold the store's first-use lock (schema creation, the demo list) for the block.

    Only one process (or thread) at a time holds it; the others wait up to ``timeout``
    seconds, then :class:`~compliance.errors.DatabaseLockedError`."""
    deadline = time.monotonic() + timeout
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:  # the lock ends with this transaction, whatever happens
            lock = text("SELECT pg_try_advisory_xact_lock(:k)")
            while not conn.scalar(lock, {"k": _PG_INIT_LOCK_KEY}):
                if time.monotonic() > deadline:
                    raise _locked(timeout, "its first-use setup")
                time.sleep(_POLL_SECONDS)
            yield
        return
    path = sqlite_path(engine)
    if path is None:
        yield
        return
    import fcntl

    fd = os.open(f"{path}.init.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise _locked(timeout, "its first-use setup") from None
                time.sleep(_POLL_SECONDS)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _locked(timeout: float, what: str = "") -> DatabaseLockedError:
    return DatabaseLockedError(
        f"database is locked by another process (waited {timeout:g} s"
        + (f" for {what}" if what else "")
        + "; COMPLIANCE_DB_BUSY_TIMEOUT_SECONDS sets the wait)"
    )


def _first_line(message: str, limit: int = 300) -> str:
    line = next((part.strip() for part in message.splitlines() if part.strip()), "")
    return line if len(line) <= limit else line[: limit - 3] + "..."


def database_error(
    exc: SQLAlchemyError, *, url: str | None = None, busy_timeout: float = DEFAULT_BUSY_TIMEOUT
) -> ComplianceError:
    """A one-line, password-free error for a failure raised by SQLAlchemy or the driver.

    A SQLite lock held past the busy timeout is :class:`DatabaseLockedError`; a value the
    database refuses (``DataError``) is bad input (exit 2); anything else is
    :class:`DatabaseUnavailableError` (exit 3). The SQL text and parameters are left out."""
    raw = str(exc.orig) if isinstance(exc, DBAPIError) and exc.orig is not None else str(exc)
    where = ""
    if url:
        try:
            parsed = make_url(url)
        except Exception:  # an unparsable URL is named by nothing
            parsed = None
        if parsed is not None:
            if parsed.password:
                raw = raw.replace(str(parsed.password), "***")
            where = f" ({parsed.render_as_string(hide_password=True)})"
    detail = _first_line(raw) or type(exc).__name__
    if "database is locked" in detail or "database table is locked" in detail:
        return _locked(busy_timeout)
    if isinstance(exc, DataError):
        return BadInputError(f"the database refused a value: {detail}")
    return DatabaseUnavailableError(f"database error{where}: {detail}")


def alembic_config(engine: Engine | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        cfg.set_main_option(
            "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
        )
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise ConfigurationError("no Alembic revisions found")
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        rev: str | None = MigrationContext.configure(conn).get_current_revision()
        return rev


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` with the project's Alembic migrations."""
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def downgrade(engine: Engine, revision: str) -> None:
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def ensure_schema(engine: Engine, *, lock_timeout: float | None = DEFAULT_BUSY_TIMEOUT) -> bool:
    """Upgrade to head if needed, under :func:`initialisation_lock` (``lock_timeout`` None:
    the caller holds it). Returns True when a migration ran."""
    if current_revision(engine) == head_revision():
        return False
    if lock_timeout is None:
        upgrade(engine)
        return True
    with initialisation_lock(engine, lock_timeout):
        if current_revision(engine) == head_revision():
            return False  # another process migrated while we waited
        upgrade(engine)
        return True


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any exception."""
    with factory() as session, session.begin():
        yield session
