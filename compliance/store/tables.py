"""SQLAlchemy 2.0 table models. Every change here needs an Alembic revision (see migrations/).

Portable across SQLite and PostgreSQL: JSON columns via ``sqlalchemy.JSON``, timestamps stored
timezone-aware in UTC, no database-specific types.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Deterministic constraint names, so migrations are stable across databases.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# BIGINT on PostgreSQL, INTEGER (rowid alias, autoincrement) on SQLite.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ListSource(Base):
    """A named source of list data: ``us-csl``, ``us-ofac-sdn``, ``un-sc``, ``internal-...``."""

    __tablename__ = "list_sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    format: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    versions: Mapped[list[ListVersion]] = relationship(
        back_populates="source", order_by="ListVersion.seq"
    )


class ListVersion(Base):
    """One loaded content of a source. Identified by the sha256 of its files' bytes.

    Exactly one version per source is active (the one screening uses); a partial unique index
    enforces "at most one" in the database itself.
    """

    __tablename__ = "list_versions"
    __table_args__ = (
        UniqueConstraint("source_id", "content_sha256"),
        UniqueConstraint("source_id", "seq", name="uq_list_versions_source_id_seq"),
        Index(
            "uq_list_versions_one_active",
            "source_id",
            unique=True,
            sqlite_where=text("is_active"),
            postgresql_where=text("is_active"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("list_sources.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)  # 1, 2, 3... within the source
    is_active: Mapped[bool] = mapped_column(Boolean)
    content_sha256: Mapped[str] = mapped_column(String(71))  # "sha256:" + 64 hex
    format: Mapped[str] = mapped_column(String(20))
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    loaded_by: Mapped[str] = mapped_column(String(200))
    published: Mapped[str | None] = mapped_column(String(32))  # ISO date when the file says
    entry_count: Mapped[int] = mapped_column(Integer)
    alias_count: Mapped[int] = mapped_column(Integer)
    address_count: Mapped[int] = mapped_column(Integer)
    files: Mapped[list[Any]] = mapped_column(JSON)  # [{name, bytes, sha256}]
    problems: Mapped[list[Any]] = mapped_column(JSON)  # LoadProblem dicts
    stats: Mapped[dict[str, Any]] = mapped_column(JSON)
    # sha256 over the sorted (key, entry content hash) pairs, written at load; NULL for
    # versions loaded before revision 0002 (see compliance/store/integrity.py).
    entries_sha256: Mapped[str | None] = mapped_column(String(71))

    source: Mapped[ListSource] = relationship(back_populates="versions")


class ListEntryRow(Base):
    """One entry of one version. Everything a loader produced, queryable or as JSON."""

    __tablename__ = "list_entries"
    __table_args__ = (
        UniqueConstraint("version_id", "key"),
        Index("ix_list_entries_content_hash", "content_hash"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("list_versions.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(200))
    list_code: Mapped[str] = mapped_column(String(40))
    primary_name: Mapped[str] = mapped_column(Text)
    entity_type: Mapped[str] = mapped_column(String(20))
    programs: Mapped[list[Any]] = mapped_column(JSON)
    countries: Mapped[list[Any]] = mapped_column(JSON)
    nationalities: Mapped[list[Any]] = mapped_column(JSON)
    addresses: Mapped[list[Any]] = mapped_column(JSON)
    identifiers: Mapped[list[Any]] = mapped_column(JSON)
    dates_of_birth: Mapped[list[Any]] = mapped_column(JSON)
    title: Mapped[str | None] = mapped_column(Text)
    license_requirement: Mapped[str | None] = mapped_column(Text)
    license_policy: Mapped[str | None] = mapped_column(Text)
    federal_register: Mapped[str | None] = mapped_column(Text)
    start_date: Mapped[str | None] = mapped_column(String(32))
    end_date: Mapped[str | None] = mapped_column(String(32))
    remarks: Mapped[str | None] = mapped_column(Text)
    source_url: Mapped[str | None] = mapped_column(Text)
    declared_outcome: Mapped[str | None] = mapped_column(String(20))
    extra: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(71))

    aliases: Mapped[list[ListAliasRow]] = relationship(
        back_populates="entry", order_by="ListAliasRow.position"
    )


class ListAliasRow(Base):
    """An alternative name of an entry, with its kind (aka / fka / nka / weak)."""

    __tablename__ = "list_aliases"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("list_entries.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(10))

    entry: Mapped[ListEntryRow] = relationship(back_populates="aliases")


class AuditEvent(Base):
    """Append-only audit log. Each row stores the previous row's hash and its own hash over
    (seq, at, actor, action, subject, outcome, details, prev_hash), so any edit, deletion or
    insertion breaks the chain (``compliance audit verify``)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(String(400))
    outcome: Mapped[str] = mapped_column(String(20))  # ok | failed | unchanged | refused
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    row_hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditAnchor(Base):
    """The audit chain's head, kept apart from the rows: one row (id 1) with the newest row's
    seq and hash, and a hash over both. Updated in the same transaction as every append, so
    deleting or rewriting the newest audit rows alone no longer verifies."""

    __tablename__ = "audit_anchor"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    row_count: Mapped[int] = mapped_column(BigInteger)
    head_hash: Mapped[str] = mapped_column(String(64))
    anchor_hash: Mapped[str] = mapped_column(String(64))
