"""The append-only, hash-chained audit log.

Each row's hash covers its own content and the previous row's hash, so changing, deleting or
inserting any row breaks every hash after it. :func:`verify_chain` recomputes the chain.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from compliance.store.tables import AuditEvent

GENESIS = "0" * 64
_PG_LOCK_KEY = 0x436F6D706C  # any constant; serialises appends on PostgreSQL


def _utc_naive(at: datetime) -> datetime:
    """The form we hash: UTC without tzinfo (SQLite drops tzinfo on the way back)."""
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at


def compute_hash(
    *,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    subject: str,
    outcome: str,
    details: dict[str, Any],
    prev_hash: str,
) -> str:
    payload = {
        "seq": seq,
        "at": _utc_naive(at).isoformat(timespec="microseconds"),
        "actor": actor,
        "action": action,
        "subject": subject,
        "outcome": outcome,
        "details": details,
        "prev_hash": prev_hash,
    }
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def append(
    session: Session,
    *,
    actor: str,
    action: str,
    subject: str,
    outcome: str,
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Add one event in the caller's transaction (the caller commits)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
    last = session.execute(
        select(AuditEvent.seq, AuditEvent.row_hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    seq = 1 if last is None else last.seq + 1
    prev_hash = GENESIS if last is None else last.row_hash
    when = _utc_naive(at or datetime.now(UTC)).replace(tzinfo=UTC)
    body = json.loads(json.dumps(details or {}, default=str))  # JSON-safe, as it will be stored
    fields: dict[str, Any] = {
        "seq": seq,
        "at": when,
        "actor": actor,
        "action": action,
        "subject": subject,
        "outcome": outcome,
        "details": body,
        "prev_hash": prev_hash,
    }
    row = AuditEvent(**fields, row_hash=compute_hash(**fields))
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class ChainReport:
    rows: int
    ok: bool
    first_bad_seq: int | None = None
    problem: str | None = None


def verify_chain(session: Session) -> ChainReport:
    """Recompute every row's hash in order; report the first row that does not verify."""
    prev_hash = GENESIS
    expected_seq = 1
    count = 0
    for row in session.scalars(select(AuditEvent).order_by(AuditEvent.seq)):
        count += 1
        if row.seq != expected_seq:
            return ChainReport(count, False, row.seq, f"sequence gap: expected {expected_seq}")
        if row.prev_hash != prev_hash:
            return ChainReport(count, False, row.seq, "prev_hash does not match the row before")
        recomputed = compute_hash(
            seq=row.seq,
            at=row.at,
            actor=row.actor,
            action=row.action,
            subject=row.subject,
            outcome=row.outcome,
            details=row.details,
            prev_hash=row.prev_hash,
        )
        if recomputed != row.row_hash:
            return ChainReport(count, False, row.seq, "row content does not match its hash")
        prev_hash = row.row_hash
        expected_seq += 1
    return ChainReport(count, True)
