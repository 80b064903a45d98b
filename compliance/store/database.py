"""Opening the store: engine, schema (Alembic upgrade on first use) and the embedded default."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from compliance.settings import Settings
from compliance.store.session import ensure_schema, make_engine, session_factory
from compliance.store.tables import ListSource

DEMO_LIST = Path(__file__).resolve().parents[1] / "data" / "demo_list.csv"
DEMO_SOURCE = "demo"


@dataclass
class Database:
    engine: Engine
    sessions: sessionmaker[Session]

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(settings: Settings, *, actor: str = "system") -> Database:
    """Connect, bring the schema to head, and on a brand-new store load the bundled demo list
    (unless ``COMPLIANCE_LOAD_DEMO_LIST=false``)."""
    engine = make_engine(settings.effective_database_url)
    ensure_schema(engine)
    db = Database(engine, session_factory(engine))
    if settings.load_demo_list:
        ensure_demo_list(db, actor=actor)
    return db


def ensure_demo_list(db: Database, *, actor: str = "system") -> bool:
    """Load the demo list if the store has never held any list. Returns True if it loaded."""
    with db.sessions() as session:
        if session.scalar(select(ListSource.id).limit(1)) is not None:
            return False
    from compliance.lists.service import ListService

    ListService(db.sessions, actor=actor).load([DEMO_LIST], fmt="csl", source=DEMO_SOURCE)
    return True
