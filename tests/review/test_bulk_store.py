"""Issue 11: how a run's chunks are written. New rows go in with COPY on PostgreSQL (ids
drawn from the sequences first) and as multi-row INSERTs on SQLite; either way every match
and rule hit belongs to its own screening, and PostgreSQL's planner statistics are refreshed
while a run fills a new store (else a chunk's parties are looked up by scanning them all)."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DataError

from compliance.decision import Decision
from compliance.matching.engine import Matcher
from compliance.store.database import Database
from compliance.store.tables import CaseMatchRow, CaseRow, MatchRow, RuleHitRow, ScreeningRow
from tests.review.test_workflow import CUSTOMER, ZENITH, screen


def test_each_match_and_rule_hit_belongs_to_its_screening(db: Database) -> None:
    parties = [replace(CUSTOMER, id=f"c-{i}") for i in range(40)]
    parties += [replace(CUSTOMER, id=f"clean-{i}", name=f"Unrelated Bakery {i}") for i in range(40)]
    decisions = screen(db, parties)
    by_record = {d.record_id: d for d in decisions}
    with db.sessions() as session:
        rows = session.execute(select(ScreeningRow.id, ScreeningRow.result)).all()
        assert len(rows) == 80
        for pk, result in rows:
            d = by_record[result["record_id"]]
            assert result == d.to_dict()
            matches = session.scalars(select(MatchRow).where(MatchRow.screening_pk == pk)).all()
            assert sorted((m.source, m.entry_key) for m in matches) == sorted(
                m.key for m in d.matches
            )
            hits = session.scalars(select(RuleHitRow).where(RuleHitRow.screening_pk == pk)).all()
            assert sorted(h.rule_id for h in hits) == sorted(h.rule_id for h in d.rule_hits)
        cases = session.scalars(select(CaseRow)).all()
        assert len(cases) == 40 and all(c.version == 1 for c in cases)
        assert session.scalar(select(CaseMatchRow.id).limit(1)) is not None


def _analyzed(db: Database) -> dict[str, bool]:
    with db.sessions() as session:
        rows = session.execute(
            text(
                "SELECT relname, last_analyze IS NOT NULL FROM pg_stat_user_tables "
                "WHERE relname IN ('parties', 'cases')"
            )
        ).all()
    return {name: bool(done) for name, done in rows}


def test_postgresql_statistics_are_refreshed_once_a_run_has_stored_enough(db: Database) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite's planner keeps no statistics to refresh")
    screen(db, [replace(CUSTOMER, id=f"small-{i}") for i in range(3)])
    assert _analyzed(db) == {"parties": False, "cases": False}  # a sign-up-sized run: never
    screen(db, [replace(CUSTOMER, id=f"c-{i}") for i in range(3)], analyze_first=2)
    assert _analyzed(db) == {"parties": True, "cases": True}


def test_a_value_copy_refuses_is_a_database_error_not_an_internal_one(db: Database) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite does not enforce column lengths")
    entry = replace(ZENITH, key="k" * 300)  # longer than screening_matches.entry_key allows
    with pytest.raises(DataError):  # as an INSERT's error would be: the CLI says "refused"
        screen(db, [CUSTOMER], Matcher.build([("us-csl", [entry])]))
    with db.sessions() as session:  # and the chunk left nothing behind
        assert session.scalar(select(func.count()).select_from(ScreeningRow)) == 0


def test_a_lock_held_elsewhere_does_not_stall_a_run(db: Database) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite's planner keeps no statistics to refresh")
    screen(db, [replace(CUSTOMER, id="first")])  # the tables exist and hold a row
    done: list[Decision] = []
    with db.engine.connect() as other:  # e.g. a VACUUM or another run's ANALYZE
        other.execute(text("LOCK TABLE cases IN SHARE UPDATE EXCLUSIVE MODE"))
        run = threading.Thread(
            target=lambda: done.extend(screen(db, [replace(CUSTOMER, id="2")], analyze_first=1)),
            daemon=True,
        )
        run.start()
        run.join(60)  # the refresh gives up after 2 s; without that it waits for the lock
        stalled = run.is_alive()
        other.rollback()
    run.join()
    assert not stalled and len(done) == 1
    with db.sessions() as session:
        stored = session.scalars(select(ScreeningRow.screening_id)).all()
    assert done[0].screening_id in stored
