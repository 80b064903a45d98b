"""Test helper: drop the append-only triggers of revision 0002, as an attacker with write
access to the database could, so the tests can tamper with audit rows."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session


def drop_audit_guards(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("DROP TRIGGER audit_log_no_update_delete ON audit_log"))
        session.execute(text("DROP TRIGGER audit_log_no_truncate ON audit_log"))
        session.execute(text("DROP TRIGGER audit_anchor_no_delete ON audit_anchor"))
    else:
        for name in ("audit_log_no_update", "audit_log_no_delete", "audit_anchor_no_delete"):
            session.execute(text(f"DROP TRIGGER {name}"))
