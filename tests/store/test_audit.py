"""The audit log is append-only (database triggers) and tamper-evident (hash chain + anchor)."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from compliance.store import audit
from compliance.store.session import transaction
from compliance.store.tables import AuditAnchor, AuditEvent
from tests.store.guards import drop_audit_guards


def _write(db, n: int, start: int = 0) -> None:  # type: ignore[no-untyped-def]
    for i in range(start, start + n):
        with transaction(db.sessions) as session:
            audit.append(
                session,
                actor="alice",
                action="test.event",
                subject=f"s{i}",
                outcome="ok",
                details={"i": i, "text": "Beijing 北京", "nested": {"x": [1, 2]}},
            )


def _tamper(db, *statements) -> None:  # type: ignore[no-untyped-def]
    with transaction(db.sessions) as session:
        drop_audit_guards(session)
        for statement in statements:
            session.execute(statement)


def _verify(db, **expect) -> audit.ChainReport:  # type: ignore[no-untyped-def]
    with db.sessions() as session:
        return audit.verify_chain(session, **expect)


def _hash_of(db, seq: int) -> str:  # type: ignore[no-untyped-def]
    with db.sessions() as session:
        found = session.scalar(select(AuditEvent.row_hash).where(AuditEvent.seq == seq))
        assert found is not None
        return found


def test_chain_verifies_and_links(db) -> None:  # type: ignore[no-untyped-def]
    _write(db, 5)
    with db.sessions() as session:
        report = audit.verify_chain(session)
        rows = session.query(AuditEvent).order_by(AuditEvent.seq).all()
        anchor = session.get(AuditAnchor, 1)
        head = audit.head(session)
    assert report.ok and report.rows == 5
    assert rows[0].prev_hash == audit.GENESIS
    for before, after in itertools.pairwise(rows):
        assert after.prev_hash == before.row_hash
        assert after.seq == before.seq + 1
    assert anchor is not None and (anchor.row_count, anchor.head_hash) == (5, rows[-1].row_hash)
    assert report.head_hash == rows[-1].row_hash == head.row_hash
    assert head.seq == 5 and head.anchored


def test_empty_log_verifies_against_its_anchor(db) -> None:  # type: ignore[no-untyped-def]
    report = _verify(db)
    assert report.ok and report.rows == 0 and report.head_hash == audit.GENESIS


def test_database_refuses_update_and_delete_of_audit_rows(db) -> None:  # type: ignore[no-untyped-def]
    _write(db, 2)
    for statement in (
        update(AuditEvent).where(AuditEvent.seq == 1).values(actor="mallory"),
        delete(AuditEvent).where(AuditEvent.seq == 2),
        delete(AuditAnchor),
    ):
        with pytest.raises(DBAPIError, match="append-only"), transaction(db.sessions) as s:
            s.execute(statement)
    if db.engine.dialect.name == "postgresql":
        with pytest.raises(DBAPIError, match="append-only"), transaction(db.sessions) as s:
            s.execute(text("TRUNCATE audit_log"))
    assert _verify(db).ok and _verify(db).rows == 2


def test_edited_row_is_detected(db) -> None:  # type: ignore[no-untyped-def]
    _write(db, 4)
    _tamper(db, update(AuditEvent).where(AuditEvent.seq == 2).values(actor="mallory"))
    report = _verify(db)
    assert not report.ok
    assert report.first_bad_seq == 2
    assert "hash" in (report.problem or "")


def test_deleted_row_is_detected(db) -> None:  # type: ignore[no-untyped-def]
    _write(db, 4)
    _tamper(db, delete(AuditEvent).where(AuditEvent.seq == 3))
    report = _verify(db)
    assert not report.ok
    assert report.first_bad_seq == 4


def test_deleted_newest_row_is_detected(db) -> None:  # type: ignore[no-untyped-def]
    """Issue 8.4: the chain of the remaining rows is intact; only the anchor shows the loss."""
    _write(db, 4)
    _tamper(db, delete(AuditEvent).where(AuditEvent.seq == 4))
    report = _verify(db)
    assert not report.ok
    assert report.first_bad_seq == 4 and "1 newest row(s) missing" in (report.problem or "")
    with db.sessions() as session:
        assert not audit.head(session).anchored


def test_append_after_deleting_the_newest_row_does_not_heal_the_chain(db) -> None:  # type: ignore[no-untyped-def]
    _write(db, 3)
    _tamper(db, delete(AuditEvent).where(AuditEvent.seq == 3))
    _write(db, 1, start=10)
    report = _verify(db)
    assert not report.ok and report.first_bad_seq == 4


def test_edited_anchor_is_detected(db) -> None:  # type: ignore[no-untyped-def]
    _write(db, 3)
    _tamper(db, update(AuditAnchor).values(row_count=2))
    report = _verify(db)
    assert not report.ok and "anchor does not match its own hash" in (report.problem or "")


def test_missing_anchor_is_detected_and_not_recreated(db) -> None:  # type: ignore[no-untyped-def]
    _write(db, 2)
    _tamper(db, delete(AuditAnchor))
    _write(db, 1, start=5)
    report = _verify(db)
    assert not report.ok and "anchor row is missing" in (report.problem or "")


def test_a_recorded_head_catches_a_consistently_rewritten_tail(db) -> None:  # type: ignore[no-untyped-def]
    """Deleting the newest row AND rewriting the anchor to match passes the chain and anchor
    checks; the head the operator recorded elsewhere does not."""
    _write(db, 4)
    recorded, third = _hash_of(db, 4), _hash_of(db, 3)
    assert _verify(db, expect_head=recorded, expect_count=4).ok
    _write(db, 2, start=4)  # the chain grows: the recorded head is still in it
    assert _verify(db, expect_head=recorded, expect_count=4).ok
    assert _verify(db, expect_head="sha256:" + recorded.upper()).ok
    assert not _verify(db, expect_head=recorded, expect_count=3).ok
    _tamper(
        db,
        delete(AuditEvent).where(AuditEvent.seq >= 4),
        update(AuditAnchor).values(
            row_count=3, head_hash=third, anchor_hash=audit.anchor_hash(3, third)
        ),
    )
    assert _verify(db).ok  # consistent rewrite: only an outside record can tell
    broken = _verify(db, expect_head=recorded, expect_count=4)
    assert not broken.ok and "the chain has only 3" in (broken.problem or "")
    broken = _verify(db, expect_head=recorded)
    assert not broken.ok and "is not in the chain" in (broken.problem or "")


def test_rewritten_details_are_detected(db) -> None:  # type: ignore[no-untyped-def]
    _write(db, 3)
    _tamper(db, update(AuditEvent).where(AuditEvent.seq == 1).values(details={"i": 99}))
    assert _verify(db).first_bad_seq == 1
