"""Revision 0003 (decisions and review) upgrades a store written at 0002 that holds data: a
loaded list and its audit chain survive, and the new tables work on top of them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, inspect, select, text

from compliance.lists.service import ListService
from compliance.matching.engine import Matcher
from compliance.model import EntityType, Party
from compliance.rules import load_ruleset, rule_dirs
from compliance.screening import ScreeningContext, screen_party
from compliance.services.index import load_matcher
from compliance.services.screening import RunRecorder
from compliance.store import audit
from compliance.store.database import DEMO_LIST, Database
from compliance.store.session import (
    current_revision,
    downgrade,
    head_revision,
    make_engine,
    session_factory,
    upgrade,
)
from compliance.store.tables import CaseRow, ScreeningRow

NEW_TABLES = {
    "screening_runs", "parties", "screenings", "screening_matches", "screening_rule_hits",
    "cases", "case_matches", "review_events", "suppressions",
}  # fmt: skip


def test_upgrade_from_0002_with_data(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine, "0002")
    db = Database(engine, session_factory(engine))
    ListService(db.sessions, actor="old").load([DEMO_LIST], fmt="csl", source="demo")
    with db.sessions() as session:
        before = audit.verify_chain(session)
    assert before.ok and before.rows >= 1
    assert not NEW_TABLES & set(inspect(engine).get_table_names())

    upgrade(engine)
    assert current_revision(engine) == head_revision() == "0003"
    assert set(inspect(engine).get_table_names()) >= NEW_TABLES
    with db.sessions() as session:
        after = audit.verify_chain(session)
        assert after.ok and after.head_hash == before.head_hash  # the chain is untouched
    loaded = load_matcher(db.sessions, None)
    assert isinstance(loaded.matcher, Matcher) and loaded.list_versions
    ruleset = load_ruleset(rule_dirs())
    as_of = date(2026, 12, 1)
    ctx = ScreeningContext(
        loaded.matcher, loaded.list_versions, as_of,
        ruleset_version=ruleset.version, rules=ruleset.compiled(as_of),
    )  # fmt: skip
    recorder = RunRecorder(
        db.sessions, ctx, actor="new", command="screen", kind="customers", input_name=None
    )
    party = Party(
        "c-1", "Huawei Technologies Co., Ltd.", entity_type=EntityType.ORGANIZATION, country="CN"
    )
    (decision,) = recorder.record([screen_party(party, ctx)])
    recorder.finish()
    assert decision.outcome != "clear"
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(ScreeningRow)) == 1
        assert session.scalar(select(func.count()).select_from(CaseRow)) == 1
        assert audit.verify_chain(session).rows == after.rows + 1

    downgrade(engine, "0002")  # the way down drops the new tables and keeps the rest
    assert not NEW_TABLES & set(inspect(engine).get_table_names())
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM list_entries")).scalar() > 0
    engine.dispose()
