"""decisions and review: screening runs, parties, stored decisions, cases, review events,
suppressions

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02

- ``screening_runs``: one row per run (what it screened with, who, counts, ids digest).
- ``parties``: each screened customer or data centre, by (kind, record id).
- ``screenings`` (+ ``screening_matches``, ``screening_rule_hits``): one decision per
  screening id, with its matches' feature explanations and its rule hits.
- ``cases``, ``case_matches``, ``review_events``: the review queue; at most one case per
  party is not closed (partial unique index); ``cases.version`` is optimistic locking.
- ``suppressions``: cleared false positives keyed by party + entry + both content hashes.
New tables only: nothing existing changes, so downgrading drops them.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "parties",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("record_key", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("identity_hash", sa.String(length=71), nullable=False),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_screened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_screening_id", sa.String(length=32), nullable=False),
        sa.Column("list_versions", sa.JSON(), nullable=False),
        sa.Column("as_of", sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parties")),
        sa.UniqueConstraint("kind", "record_key", name="uq_parties_kind_record_key"),
    )
    op.create_table(
        "screening_runs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("command", sa.String(length=40), nullable=False),
        sa.Column("input", sa.Text(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("list_versions", sa.JSON(), nullable=False),
        sa.Column("ruleset_version", sa.String(length=80), nullable=True),
        sa.Column("engine_version", sa.String(length=40), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("as_of", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("stored", sa.Integer(), nullable=False),
        sa.Column("reused", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("ids_sha256", sa.String(length=71), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_runs")),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("party_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("strongest_outcome", sa.String(length=20), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("latest_screening_id", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.id"], name=op.f("fk_cases_party_id_parties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cases_party_id"), ["party_id"], unique=False)
        batch_op.create_index(
            "uq_cases_one_open_per_party",
            ["party_id"],
            unique=True,
            sqlite_where=sa.text("status <> 'closed'"),
            postgresql_where=sa.text("status <> 'closed'"),
        )

    op.create_table(
        "screenings",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("screening_id", sa.String(length=32), nullable=False),
        sa.Column("run_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("party_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("as_of", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("identity_hash", sa.String(length=71), nullable=False),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.id"], name=op.f("fk_screenings_party_id_parties")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["screening_runs.id"], name=op.f("fk_screenings_run_id_screening_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screenings")),
        sa.UniqueConstraint("screening_id", name=op.f("uq_screenings_screening_id")),
    )
    with op.batch_alter_table("screenings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_screenings_party_id"), ["party_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_screenings_run_id"), ["run_id"], unique=False)

    op.create_table(
        "case_matches",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("entry_key", sa.String(length=200), nullable=False),
        sa.Column("list_code", sa.String(length=40), nullable=False),
        sa.Column("entry_name", sa.Text(), nullable=False),
        sa.Column("matched_name", sa.Text(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("entry_hash", sa.String(length=71), nullable=False),
        sa.Column("party_hash", sa.String(length=71), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_screening_id", sa.String(length=32), nullable=False),
        sa.Column("last_screening_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_matches_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_matches")),
        sa.UniqueConstraint("case_id", "source", "entry_key", name="uq_case_matches_case_entry"),
    )
    with op.batch_alter_table("case_matches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_matches_case_id"), ["case_id"], unique=False)

    op.create_table(
        "screening_matches",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "screening_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("entry_key", sa.String(length=200), nullable=False),
        sa.Column("list_code", sa.String(length=40), nullable=False),
        sa.Column("entry_name", sa.Text(), nullable=False),
        sa.Column("matched_name", sa.Text(), nullable=False),
        sa.Column("query_name", sa.Text(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("in_force", sa.Boolean(), nullable=False),
        sa.Column("entry_hash", sa.String(length=71), nullable=False),
        sa.Column("features", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["screening_pk"],
            ["screenings.id"],
            name=op.f("fk_screening_matches_screening_pk_screenings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_matches")),
    )
    with op.batch_alter_table("screening_matches", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_screening_matches_screening_pk"), ["screening_pk"], unique=False
        )

    op.create_table(
        "screening_rule_hits",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "screening_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("rule_id", sa.String(length=200), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("citation", sa.Text(), nullable=False),
        sa.Column("basis", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["screening_pk"],
            ["screenings.id"],
            name=op.f("fk_screening_rule_hits_screening_pk_screenings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_rule_hits")),
    )
    with op.batch_alter_table("screening_rule_hits", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_screening_rule_hits_screening_pk"), ["screening_pk"], unique=False
        )

    op.create_table(
        "review_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "case_match_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires", sa.String(length=10), nullable=True),
        sa.Column("party_hash", sa.String(length=71), nullable=True),
        sa.Column("entry_hash", sa.String(length=71), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_rationale", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_review_events_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["case_match_id"],
            ["case_matches.id"],
            name=op.f("fk_review_events_case_match_id_case_matches"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_events")),
    )
    with op.batch_alter_table("review_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_events_case_id"), ["case_id"], unique=False)

    op.create_table(
        "suppressions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("record_key", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("entry_key", sa.String(length=200), nullable=False),
        sa.Column("party_hash", sa.String(length=71), nullable=False),
        sa.Column("entry_hash", sa.String(length=71), nullable=False),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("approved_by", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires", sa.String(length=10), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_suppressions_case_id_cases")
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["review_events.id"], name=op.f("fk_suppressions_event_id_review_events")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suppressions")),
    )
    with op.batch_alter_table("suppressions", schema=None) as batch_op:
        batch_op.create_index("ix_suppressions_party", ["kind", "record_key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("suppressions", schema=None) as batch_op:
        batch_op.drop_index("ix_suppressions_party")

    op.drop_table("suppressions")
    with op.batch_alter_table("review_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_events_case_id"))

    op.drop_table("review_events")
    with op.batch_alter_table("screening_rule_hits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_screening_rule_hits_screening_pk"))

    op.drop_table("screening_rule_hits")
    with op.batch_alter_table("screening_matches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_screening_matches_screening_pk"))

    op.drop_table("screening_matches")
    with op.batch_alter_table("case_matches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_matches_case_id"))

    op.drop_table("case_matches")
    with op.batch_alter_table("screenings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_screenings_run_id"))
        batch_op.drop_index(batch_op.f("ix_screenings_party_id"))

    op.drop_table("screenings")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_cases_one_open_per_party",
            sqlite_where=sa.text("status <> 'closed'"),
            postgresql_where=sa.text("status <> 'closed'"),
        )
        batch_op.drop_index(batch_op.f("ix_cases_party_id"))

    op.drop_table("cases")
    op.drop_table("screening_runs")
    op.drop_table("parties")
