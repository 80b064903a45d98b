"""Opening the store: engine, schema (Alembic upgrade on first use) and the embedded default."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from compliance.settings import Settings
from compliance.store.session import (
    current_revision,
    ensure_schema,
    head_revision,
    initialisation_lock,
    make_engine,
    session_factory,
)
from compliance.store.tables import ListSource

DEMO_LIST = Path(__file__).resolve().parents[1] / "data" / "demo_list.csv"
DEMO_SOURCE = "demo"


@dataclass
class Database:
    engine: Engine
    sessions: sessionmaker[Session]

    def dispose(self) -> None:
        self.engine.dispose()


def engine_for(
    settings: Settings,
    *,
    busy_timeout: float | None = None,
    connect_timeout: float | None = None,
) -> Engine:
    """An engine for ``settings``' database with its busy and connect timeouts (or these)."""
    return make_engine(
        settings.effective_database_url,
        busy_timeout=settings.db_busy_timeout_seconds if busy_timeout is None else busy_timeout,
        connect_timeout=(
            settings.db_connect_timeout_seconds if connect_timeout is None else connect_timeout
        ),
    )


def open_database(settings: Settings, *, actor: str = "system") -> Database:
    """Connect, bring the schema to head, and on a brand-new store load the bundled demo list
    (unless ``COMPLIANCE_LOAD_DEMO_LIST=false``).

    First use is serialised between processes: whoever holds the initialisation lock creates
    the schema and loads the demo list; the others wait (up to the busy timeout), then find
    both done."""
    engine = engine_for(settings)
    db = Database(engine, session_factory(engine))
    if _ready(db, settings):
        return db
    with initialisation_lock(engine, settings.db_busy_timeout_seconds):
        ensure_schema(engine, lock_timeout=None)  # we hold the lock
        if settings.load_demo_list:
            ensure_demo_list(db, actor=actor)
    return db


def _ready(db: Database, settings: Settings) -> bool:
    """The schema is at head and, if wanted, some list has been loaded (no lock needed)."""
    if current_revision(db.engine) != head_revision():
        return False
    if not settings.load_demo_list:
        return True
    with db.sessions() as session:
        return session.scalar(select(ListSource.id).limit(1)) is not None


def ensure_demo_list(db: Database, *, actor: str = "system") -> bool:
    """Load the demo list if the store has never held any list. Returns True if it loaded.

    Callers racing other processes hold :func:`initialisation_lock` around this."""
    with db.sessions() as session:
        if session.scalar(select(ListSource.id).limit(1)) is not None:
            return False
    from compliance.lists.service import ListService

    ListService(db.sessions, actor=actor).load([DEMO_LIST], fmt="csl", source=DEMO_SOURCE)
    return True
