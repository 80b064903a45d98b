"""Alembic environment. Uses the connection handed over by compliance.store.session when there
is one (the CLI and tests), else the URL from alembic.ini / COMPLIANCE_DATABASE_URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from compliance.store.session import make_engine
from compliance.store.tables import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        from compliance.settings import get_settings

        url = get_settings().effective_database_url
    engine = make_engine(url)
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run against a database")
run_migrations_online()
