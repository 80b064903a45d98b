"""The audit log is append-only in spirit and tamper-evident in fact."""

from __future__ import annotations

import itertools

from sqlalchemy import delete, update

from compliance.store import audit
from compliance.store.session import transaction
from compliance.store.tables import AuditEvent


def _write(db, n: int) -> None:  # type: ignore[no-untyped-def]
    for i in range(n):
        with transaction(db.sessions) as session:
            audit.append(
                session,
                actor="alice",
                action="test.event",
                subject=f"s{i}",
                outcome="ok",
                details={"i": i, "text": "Beijing 北京", "nested": {"x": [1, 2]}},
            )


def test_chain_verifies_and_links(db) -> None:  # type: ignore[no-untyped-def]
    _write(db, 5)
    with db.sessions() as session:
        report = audit.verify_chain(session)
        rows = session.query(AuditEvent).order_by(AuditEvent.seq).all()
    assert report.ok and report.rows == 5
    assert rows[0].prev_hash == audit.GENESIS
    for before, after in itertools.pairwise(rows):
        assert after.prev_hash == before.row_hash
        assert after.seq == before.seq + 1


def test_edited_row_is_detected(db) -> None:  # type: ignore[no-untyped-def]
    _write(db, 4)
    with transaction(db.sessions) as session:
        session.execute(update(AuditEvent).where(AuditEvent.seq == 2).values(actor="mallory"))
    with db.sessions() as session:
        report = audit.verify_chain(session)
    assert not report.ok
    assert report.first_bad_seq == 2
    assert "hash" in (report.problem or "")


def test_deleted_row_is_detected(db) -> None:  # type: ignore[no-untyped-def]
    _write(db, 4)
    with transaction(db.sessions) as session:
        session.execute(delete(AuditEvent).where(AuditEvent.seq == 3))
    with db.sessions() as session:
        report = audit.verify_chain(session)
    assert not report.ok
    assert report.first_bad_seq == 4


def test_rewritten_details_are_detected(db) -> None:  # type: ignore[no-untyped-def]
    _write(db, 3)
    with transaction(db.sessions) as session:
        session.execute(update(AuditEvent).where(AuditEvent.seq == 1).values(details={"i": 99}))
    with db.sessions() as session:
        assert audit.verify_chain(session).first_bad_seq == 1
