"""integrity: audit chain anchor, append-only audit_log, per-version entries digest

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01

- ``audit_anchor``: one row with the audit chain's head (newest seq and hash) and a hash over
  both, backfilled here from the existing chain.
- Triggers on both databases that refuse UPDATE and DELETE on ``audit_log`` (and TRUNCATE on
  PostgreSQL) and DELETE on ``audit_anchor``: defence in depth, not a substitute for the chain.
- ``list_versions.entries_sha256``: sha256 over the sorted (key, entry content hash) pairs.
  Versions already stored keep NULL: a digest computed now, from rows that may have been
  edited, would vouch for whatever they hold today.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64
MESSAGE = "audit_log is append-only"

SQLITE_TRIGGERS = {
    "audit_log_no_update": "BEFORE UPDATE ON audit_log",
    "audit_log_no_delete": "BEFORE DELETE ON audit_log",
    "audit_anchor_no_delete": "BEFORE DELETE ON audit_anchor",
}
PG_FUNCTION = "compliance_audit_append_only"
PG_TRIGGERS = {
    "audit_log_no_update_delete": ("audit_log", "BEFORE UPDATE OR DELETE", "FOR EACH ROW"),
    "audit_log_no_truncate": ("audit_log", "BEFORE TRUNCATE", "FOR EACH STATEMENT"),
    "audit_anchor_no_delete": ("audit_anchor", "BEFORE DELETE OR TRUNCATE", "FOR EACH STATEMENT"),
}


def _anchor_hash(row_count: int, head_hash: str) -> str:
    """Same as compliance.store.audit.anchor_hash (copied: a revision must not change later)."""
    canonical = json.dumps({"count": row_count, "head_hash": head_hash}, sort_keys=True)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def upgrade() -> None:
    op.add_column("list_versions", sa.Column("entries_sha256", sa.String(length=71), nullable=True))

    anchor = op.create_table(
        "audit_anchor",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("row_count", sa.BigInteger(), nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.Column("anchor_hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_audit_anchor_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_anchor")),
    )

    # Backfill from the chain as it stands (audit verify checks the chain itself).
    bind = op.get_bind()
    last = bind.execute(
        sa.text("SELECT seq, row_hash FROM audit_log ORDER BY seq DESC LIMIT 1")
    ).first()
    count, head = (0, GENESIS) if last is None else (int(last[0]), str(last[1]))
    op.bulk_insert(
        anchor,
        [
            {
                "id": 1,
                "row_count": count,
                "head_hash": head,
                "anchor_hash": _anchor_hash(count, head),
            }
        ],
    )

    if bind.dialect.name == "postgresql":
        op.execute(
            f"CREATE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{MESSAGE}: % refused on %', TG_OP, TG_TABLE_NAME; END $$"
        )
        for name, (table, when, each) in PG_TRIGGERS.items():
            op.execute(
                f"CREATE TRIGGER {name} {when} ON {table} {each} EXECUTE FUNCTION {PG_FUNCTION}()"
            )
    else:
        for name, when in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {when} BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for name, (table, _when, _each) in PG_TRIGGERS.items():
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS {PG_FUNCTION}()")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("audit_anchor")
    # Plain ALTER TABLE (PostgreSQL; SQLite >= 3.35): a batch copy of list_versions would drop
    # and recreate the table, and with foreign keys on that cascades to list_entries.
    op.execute("ALTER TABLE list_versions DROP COLUMN entries_sha256")
