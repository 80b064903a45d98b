"""The append-only, hash-chained audit log.

Each row's hash covers its own content and the previous row's hash, so changing, deleting or
inserting any row breaks every hash after it. The newest row (the head) is also written to the
``audit_anchor`` row in the same transaction, so removing or rewriting the newest rows breaks
the match between chain and anchor. :func:`verify_chain` recomputes the chain and compares it
with the anchor and, optionally, with a head the operator recorded elsewhere. On both
databases, triggers (revision 0002) refuse UPDATE and DELETE on ``audit_log``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from compliance.store.tables import AuditAnchor, AuditEvent

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


def anchor_hash(row_count: int, head_hash: str) -> str:
    """The anchor row's own hash over (row count, head hash)."""
    canonical = json.dumps({"count": row_count, "head_hash": head_hash}, sort_keys=True)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def row_intact(row: AuditEvent) -> bool:
    """Whether ``row``'s stored hash recomputes from its content (the chain around it is
    :func:`verify_chain`'s job)."""
    return row.row_hash == compute_hash(
        seq=row.seq,
        at=row.at,
        actor=row.actor,
        action=row.action,
        subject=row.subject,
        outcome=row.outcome,
        details=row.details,
        prev_hash=row.prev_hash,
    )


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
    anchor = session.get(AuditAnchor, 1, populate_existing=True)
    last_seq = 0 if last is None else last.seq
    # The anchor is the authoritative head: a new row extends the anchored head, so rows
    # removed from the end stay visible as a gap instead of being healed by the next append.
    seq = max(last_seq, anchor.row_count if anchor is not None else 0) + 1
    if anchor is not None:
        prev_hash = anchor.head_hash
    else:
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
    if anchor is not None:
        anchor.row_count = seq
        anchor.head_hash = row.row_hash
        anchor.anchor_hash = anchor_hash(seq, row.row_hash)
    elif seq == 1:  # a missing anchor is only created for the very first row
        session.add(
            AuditAnchor(
                id=1, row_count=1, head_hash=row.row_hash, anchor_hash=anchor_hash(1, row.row_hash)
            )
        )
    session.flush()
    return row


@dataclass(frozen=True)
class AuditHead:
    """The chain's newest row as the rows say (``seq``, ``row_hash``) and as the anchor says."""

    seq: int
    row_hash: str
    anchor_count: int | None
    anchor_head: str | None

    @property
    def anchored(self) -> bool:
        return self.anchor_count == self.seq and self.anchor_head == self.row_hash

    def to_dict(self) -> dict[str, Any]:
        return {
            "count": self.seq,
            "head_hash": self.row_hash,
            "anchor_count": self.anchor_count,
            "anchor_head_hash": self.anchor_head,
            "anchor_matches": self.anchored,
        }


def head(session: Session) -> AuditHead:
    """The newest row and the anchor, cheaply (no chain walk): for ``lists status``."""
    last = session.execute(
        select(AuditEvent.seq, AuditEvent.row_hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    anchor = session.get(AuditAnchor, 1)
    return AuditHead(
        0 if last is None else last.seq,
        GENESIS if last is None else last.row_hash,
        None if anchor is None else anchor.row_count,
        None if anchor is None else anchor.head_hash,
    )


@dataclass(frozen=True)
class ChainReport:
    rows: int
    ok: bool
    first_bad_seq: int | None = None
    problem: str | None = None
    head_hash: str = GENESIS  # the newest row's hash (GENESIS for an empty log)
    anchor_count: int | None = None
    anchor_head: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "count": self.rows,
            "head_hash": self.head_hash,
            "anchor_count": self.anchor_count,
            "anchor_head_hash": self.anchor_head,
            "first_bad_seq": self.first_bad_seq,
            "problem": self.problem,
        }


def _normal_hash(value: str) -> str:
    value = value.strip().lower()
    return value.removeprefix("sha256:")


def verify_chain(
    session: Session, *, expect_head: str | None = None, expect_count: int | None = None
) -> ChainReport:
    """Recompute every row's hash in order and report the first row that does not verify; then
    check the anchor (its own hash, and that it names the chain's newest row). With
    ``expect_head`` (a head recorded earlier), the row at ``expect_count`` (or, without a
    count, some row) must still carry that hash: a chain that grew since is fine."""
    prev_hash = GENESIS
    expected_seq = 1
    count = 0
    anchor = session.get(AuditAnchor, 1, populate_existing=True)
    a_count = None if anchor is None else anchor.row_count
    a_head = None if anchor is None else anchor.head_hash
    wanted = None if expect_head is None else _normal_hash(expect_head)
    wanted_at: int | None = None  # the seq whose hash equals ``wanted``
    expected_row_hash: str | None = None  # the hash of row ``expect_count``

    def broken(seq: int | None, problem: str) -> ChainReport:
        return ChainReport(count, False, seq, problem, prev_hash, a_count, a_head)

    for row in session.scalars(select(AuditEvent).order_by(AuditEvent.seq)):
        count += 1
        if row.seq != expected_seq:
            return broken(row.seq, f"sequence gap: expected {expected_seq}")
        if row.prev_hash != prev_hash:
            return broken(row.seq, "prev_hash does not match the row before")
        if not row_intact(row):
            return broken(row.seq, "row content does not match its hash")
        prev_hash = row.row_hash
        if wanted is not None and row.row_hash == wanted and wanted_at is None:
            wanted_at = row.seq
        if expect_count is not None and row.seq == expect_count:
            expected_row_hash = row.row_hash
        expected_seq += 1
    if anchor is None:
        return broken(None, "the audit anchor row is missing")
    if anchor.anchor_hash != anchor_hash(anchor.row_count, anchor.head_hash):
        return broken(None, "the audit anchor does not match its own hash")
    if anchor.row_count != count or anchor.head_hash != prev_hash:
        missing = anchor.row_count - count
        what = f"{missing} newest row(s) missing" if missing > 0 else "rows or hashes differ"
        return broken(
            count + 1 if missing > 0 else anchor.row_count,
            f"the anchor says {anchor.row_count} rows ending in {anchor.head_hash[:16]}..., "
            f"the chain has {count} ending in {prev_hash[:16]}... ({what})",
        )
    if wanted is not None:
        if expect_count is not None:
            if expect_count > count:
                return broken(
                    None, f"the recorded head is row {expect_count}; the chain has only {count}"
                )
            if expected_row_hash != wanted:
                return broken(
                    expect_count,
                    f"row {expect_count} no longer has the recorded hash {wanted[:16]}...",
                )
        elif wanted_at is None:
            return broken(None, f"the recorded head {wanted[:16]}... is not in the chain")
    return ChainReport(count, True, None, None, prev_hash, a_count, a_head)
