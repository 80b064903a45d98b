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
    Float,
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


# ------------------------------------------------------------------ decisions and review
class ScreeningRun(Base):
    """One run of screening (a ``screen`` of a file, a ``rescreen``, later an API batch): what
    it screened with, who ran it, and, once finished, its counts and a sha256 over its
    screening ids (also written to the audit log). A run left ``running`` was interrupted:
    what it stored before is complete, chunk by chunk."""

    __tablename__ = "screening_runs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(200))
    command: Mapped[str] = mapped_column(String(40))  # screen | rescreen | api
    input: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20))
    list_versions: Mapped[dict[str, Any]] = mapped_column(JSON)
    ruleset_version: Mapped[str | None] = mapped_column(String(80))
    engine_version: Mapped[str] = mapped_column(String(40))
    threshold: Mapped[float] = mapped_column(Float)
    as_of: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20))  # running | complete
    stored: Mapped[int] = mapped_column(Integer)  # new screenings stored
    reused: Mapped[int] = mapped_column(Integer)  # already stored under the same id
    errors: Mapped[int] = mapped_column(Integer)  # rows that could not be screened
    counts: Mapped[dict[str, Any]] = mapped_column(JSON)  # outcome -> records
    ids_sha256: Mapped[str | None] = mapped_column(String(71))


class PartyRow(Base):
    """A screened customer or data centre, known by (kind, its record id) across screenings;
    ``record`` is its input as last screened, ``identity_hash`` the hash of its identifying
    fields then (a clearance is void once it changes)."""

    __tablename__ = "parties"
    __table_args__ = (UniqueConstraint("kind", "record_key", name="uq_parties_kind_record_key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    record_key: Mapped[str] = mapped_column(Text)  # as long as an input id may be
    name: Mapped[str] = mapped_column(Text)
    identity_hash: Mapped[str] = mapped_column(String(71))
    record: Mapped[dict[str, Any]] = mapped_column(JSON)
    first_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_screened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_screening_id: Mapped[str] = mapped_column(String(32))
    # The list versions its standing decision is known to be current with: those of its
    # latest screening, moved on by a delta re-screen that found nothing new for it.
    list_versions: Mapped[dict[str, Any]] = mapped_column(JSON)
    as_of: Mapped[str] = mapped_column(String(10))  # ... and the date it is current on


class ScreeningRow(Base):
    """One decision, stored once per screening id (the same inputs give the same id, so a
    re-run is recognised). ``result`` is the decision's output-contract JSON, as written."""

    __tablename__ = "screenings"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    screening_id: Mapped[str] = mapped_column(String(32), unique=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("screening_runs.id"), index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(20))
    as_of: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    # the hash of the record's identifying fields as screened (sealed with the result)
    identity_hash: Mapped[str] = mapped_column(String(71))


class MatchRow(Base):
    """A match of a stored decision, with its feature explanations."""

    __tablename__ = "screening_matches"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    screening_pk: Mapped[int] = mapped_column(
        ForeignKey("screenings.id", ondelete="CASCADE"), index=True
    )
    rank: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(100))
    entry_key: Mapped[str] = mapped_column(String(200))
    list_code: Mapped[str] = mapped_column(String(40))
    entry_name: Mapped[str] = mapped_column(Text)
    matched_name: Mapped[str] = mapped_column(Text)
    query_name: Mapped[str] = mapped_column(Text)
    score: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(20))
    in_force: Mapped[bool] = mapped_column(Boolean)
    entry_hash: Mapped[str] = mapped_column(String(71))
    features: Mapped[dict[str, Any]] = mapped_column(JSON)


class RuleHitRow(Base):
    """A rule that fired for a stored decision (its full record is in the result JSON)."""

    __tablename__ = "screening_rule_hits"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    screening_pk: Mapped[int] = mapped_column(
        ForeignKey("screenings.id", ondelete="CASCADE"), index=True
    )
    rule_id: Mapped[str] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(20))
    citation: Mapped[str] = mapped_column(Text)
    basis: Mapped[str] = mapped_column(String(10))


class CaseRow(Base):
    """A party's case in the review queue (states: :mod:`compliance.review`). At most one
    case per party is not closed (a partial unique index). ``version`` is optimistic
    locking: a reviewer acting on a case someone changed since they read it gets a
    conflict, never a silent overwrite."""

    __tablename__ = "cases"
    __table_args__ = (
        Index(
            "uq_cases_one_open_per_party",
            "party_id",
            unique=True,
            sqlite_where=text("status <> 'closed'"),
            postgresql_where=text("status <> 'closed'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str] = mapped_column(String(20))  # the latest screening's decision
    # the strongest decision any screening stored while the case was open: four-eyes reads
    # it, so a what-if screening (another as_of) cannot lower what a decision needs
    strongest_outcome: Mapped[str] = mapped_column(String(20))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    latest_screening_id: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's own form


class CaseMatchRow(Base):
    """One list entry a case is about, with where its review stands (``MatchState``)."""

    __tablename__ = "case_matches"
    __table_args__ = (
        UniqueConstraint("case_id", "source", "entry_key", name="uq_case_matches_case_entry"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    source: Mapped[str] = mapped_column(String(100))
    entry_key: Mapped[str] = mapped_column(String(200))
    list_code: Mapped[str] = mapped_column(String(40))
    entry_name: Mapped[str] = mapped_column(Text)
    matched_name: Mapped[str] = mapped_column(Text)
    score: Mapped[float] = mapped_column(Float)
    entry_hash: Mapped[str] = mapped_column(String(71))
    party_hash: Mapped[str] = mapped_column(String(71))
    state: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    first_screening_id: Mapped[str] = mapped_column(String(32))
    last_screening_id: Mapped[str] = mapped_column(String(32))


class ReviewEventRow(Base):
    """One reviewer action on a case: who, in which role, what, why, when; and, for an action
    that needed a second reviewer, who approved or rejected it."""

    __tablename__ = "review_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    case_match_id: Mapped[int | None] = mapped_column(ForeignKey("case_matches.id"))
    action: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20))  # applied | pending | approved | rejected
    actor: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(40))
    rationale: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires: Mapped[str | None] = mapped_column(String(10))
    # a match decision: the party's and entry's content hashes the reviewer decided on
    party_hash: Mapped[str | None] = mapped_column(String(71))
    entry_hash: Mapped[str | None] = mapped_column(String(71))
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_rationale: Mapped[str | None] = mapped_column(Text)


class SuppressionRow(Base):
    """A cleared false positive ("good-guy" decision): party + entry + both content hashes,
    optionally expiring. Later screenings treat the match as cleared only while both hashes
    are unchanged and it has not expired."""

    __tablename__ = "suppressions"
    __table_args__ = (Index("ix_suppressions_party", "kind", "record_key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    record_key: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(100))
    entry_key: Mapped[str] = mapped_column(String(200))
    party_hash: Mapped[str] = mapped_column(String(71))
    entry_hash: Mapped[str] = mapped_column(String(71))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    event_id: Mapped[int] = mapped_column(ForeignKey("review_events.id"))
    created_by: Mapped[str] = mapped_column(String(200))
    approved_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires: Mapped[str | None] = mapped_column(String(10))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
