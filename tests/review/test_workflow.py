"""Issue 11: decisions are stored, cases open, reviewers act on them; on SQLite and PostgreSQL.

Each case of the issue's "done means" in its own test: the suppression lifecycle (clear,
re-screen stays clear, the entry changes, the party changes, expiry), four-eyes (including the
same reviewer approving their own action), and two reviewers deciding one case at once.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from compliance.decision import Decision, HitStatus
from compliance.matching.engine import Matcher
from compliance.model import EntityType, ListEntry, Party
from compliance.review import Action, ConflictError, ReviewError
from compliance.rules import load_ruleset, rule_dirs
from compliance.screening import ScreeningContext, screen_party
from compliance.services.review import Reviewer, act, list_cases, show_case
from compliance.services.screening import RunRecorder
from compliance.store.database import Database
from compliance.store.decisions import DecisionStore
from compliance.store.tables import CaseRow, MatchRow, ScreeningRow, SuppressionRow

RULESET = load_ruleset(rule_dirs())
ORG = EntityType.ORGANIZATION
TODAY = date(2026, 12, 1)
ALICE = Reviewer("alice", "reviewer")
BOB = Reviewer("bob", "reviewer")

ZENITH = ListEntry("el-1", "ZENITH PHOTONICS GMBH", ORG, "EL", countries=("DE",))
KESTREL = ListEntry("dpl-7", "KESTREL AVIONICS TRADING LLC", ORG, "DPL", countries=("AE",))
CUSTOMER = Party("c-1", "Zenith Photonics GmbH", entity_type=ORG, country="DE")


def _matcher(*entries: ListEntry) -> Matcher:
    return Matcher.build([("us-csl", list(entries or (ZENITH, KESTREL)))])


def version_of(entries: list[ListEntry]) -> str:
    """A list version is named by its content, as a loaded one is."""
    body = "".join(sorted(e.content_hash for e in entries))
    return "sha256:" + hashlib.sha256(body.encode()).hexdigest()


def screen(
    db: Database,
    parties: list[Party],
    matcher: Matcher | None = None,
    as_of: date = TODAY,
    **recorder: int,
) -> list[Decision]:
    """Screen and store, as `compliance screen` does: standing decisions read first."""
    with db.sessions() as session:
        prior = DecisionStore(session).prior_decisions()
    matcher = matcher or _matcher()
    version = version_of([e for _, e in matcher.index.entries])
    ctx = ScreeningContext(
        matcher,
        {"us-csl": version},
        as_of,
        ruleset_version=RULESET.version,
        rules=RULESET.compiled(as_of),
        prior=prior,
    )
    recorder = RunRecorder(
        db.sessions, ctx, actor="screener", command="screen", kind="customers", input_name="t",
        **recorder,
    )  # fmt: skip
    out = list(recorder.record(screen_party(p, ctx) for p in parties))
    recorder.finish()
    return out


def decide(db: Database, case_id: int, action: Action, who: Reviewer, **kw: object) -> dict:  # type: ignore[type-arg]
    kw.setdefault("four_eyes_score", 2.0)  # no four-eyes unless a test asks for it
    with db.sessions.begin() as session:
        return act(session, case_id, action, who, f"{action.value} by {who.actor}", **kw)  # type: ignore[arg-type]


def only_case(db: Database) -> dict:  # type: ignore[type-arg]
    with db.sessions() as session:
        cases = list_cases(session, status="open")
    assert len(cases) == 1, cases
    return cases[0]


def test_a_flagged_screening_is_stored_with_its_evidence_and_opens_one_case(db: Database) -> None:
    clean = Party("c-2", "Blue Meadow Bakery", entity_type=ORG, country="DE")
    decisions = screen(db, [CUSTOMER, clean])
    assert [d.outcome for d in decisions] == ["license_required", "clear"]
    with db.sessions() as session:
        stored = {r.screening_id: r for r in session.scalars(select(ScreeningRow))}
        assert set(stored) == {d.screening_id for d in decisions}
        assert stored[decisions[0].screening_id].result == decisions[0].to_dict()
        match = session.scalars(select(MatchRow)).one()
        assert (match.entry_key, match.status) == ("el-1", "exact")
        assert "name" in match.features
    case = only_case(db)
    assert case["party"]["record_id"] == "c-1" and case["open_matches"] == 1
    # The same file again: recognised by its screening ids, nothing stored twice.
    again = screen(db, [CUSTOMER, clean])
    assert [d.screening_id for d in again] == [d.screening_id for d in decisions]
    with db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(ScreeningRow)) == 2
    assert only_case(db)["case_id"] == case["case_id"]


def test_suppression_lifecycle(db: Database) -> None:
    screen(db, [CUSTOMER])
    case = only_case(db)
    decide(db, case["case_id"], Action.CLEAR, ALICE, expires=date(2027, 6, 30))
    with db.sessions() as session:
        assert show_case(session, case["case_id"])["status"] == "closed"
    # 1. Re-screened unchanged: stays cleared, no case reopens.
    (later,) = screen(db, [CUSTOMER])
    assert later.matches[0].status is HitStatus.CLEARED
    assert later.matches[0].review is not None and "void" not in later.matches[0].review
    assert not later.unresolved
    with db.sessions() as session:
        assert list_cases(session, status="open") == []
    # 2. The list entry changes (a new alias): the hit comes back, saying why.
    changed = replace(ZENITH, countries=("DE", "AT"))
    (entry_changed,) = screen(db, [CUSTOMER], _matcher(changed, KESTREL))
    assert entry_changed.matches[0].status is HitStatus.EXACT
    assert entry_changed.matches[0].review["void"] == (  # type: ignore[index]
        "the list entry changed since it was cleared"
    )
    reopened = only_case(db)
    assert reopened["case_id"] != case["case_id"] and reopened["open_matches"] == 1


def test_a_clearance_is_void_once_the_party_changes(db: Database) -> None:
    screen(db, [CUSTOMER])
    decide(db, only_case(db)["case_id"], Action.CLEAR, ALICE)
    moved = replace(CUSTOMER, address="Hauptstrasse 1, Berlin")
    (after,) = screen(db, [moved])
    assert after.matches[0].status is HitStatus.EXACT
    assert "identifying fields changed" in after.matches[0].review["void"]  # type: ignore[index]
    # A field that does not identify the party (what is sold) leaves the clearance alone.
    (same,) = screen(db, [replace(CUSTOMER, service="general_cloud")])
    assert same.matches[0].status is HitStatus.CLEARED


def test_a_clearance_expires(db: Database) -> None:
    screen(db, [CUSTOMER])
    decide(db, only_case(db)["case_id"], Action.CLEAR, ALICE, expires=date(2027, 1, 31))
    (before,) = screen(db, [CUSTOMER], as_of=date(2027, 1, 31))
    assert before.matches[0].status is HitStatus.CLEARED
    (after,) = screen(db, [CUSTOMER], as_of=date(2027, 2, 1))
    assert after.matches[0].status is HitStatus.EXACT
    assert after.matches[0].review["void"] == "the clearance expired on 2027-01-31"  # type: ignore[index]


def test_a_confirmed_match_applies_on_later_screenings(db: Database) -> None:
    screen(db, [CUSTOMER])
    decide(db, only_case(db)["case_id"], Action.CONFIRM, ALICE)
    (later,) = screen(db, [CUSTOMER])
    assert later.matches[0].status is HitStatus.CONFIRMED
    assert later.outcome == "license_required"  # the list's outcome, not held at review


def test_four_eyes_on_a_high_score_clearance(db: Database) -> None:
    screen(db, [CUSTOMER])
    case_id = only_case(db)["case_id"]
    proposed = decide(db, case_id, Action.CLEAR, ALICE, four_eyes_score=0.95)
    assert proposed["state"] == "pending" and proposed["case_status"] == "open"
    (meanwhile,) = screen(db, [CUSTOMER])
    assert meanwhile.matches[0].status is HitStatus.EXACT  # not in effect yet
    with pytest.raises(ReviewError, match="four-eyes: alice proposed this action"):
        decide(db, case_id, Action.APPROVE, ALICE)
    with pytest.raises(ReviewError, match="four-eyes"):
        decide(db, case_id, Action.APPROVE, Reviewer(" ALICE ", "admin"))
    approved = decide(db, case_id, Action.APPROVE, BOB)
    assert approved["case_status"] == "closed"
    with db.sessions() as session:
        suppression = session.scalars(select(SuppressionRow)).one()
        assert (suppression.created_by, suppression.approved_by) == ("alice", "bob")
    (after,) = screen(db, [CUSTOMER])
    assert after.matches[0].status is HitStatus.CLEARED
    assert after.matches[0].review["by"] == "alice, approved by bob"  # type: ignore[index]


def test_a_rejected_proposal_never_takes_effect(db: Database) -> None:
    screen(db, [CUSTOMER])
    case_id = only_case(db)["case_id"]
    decide(db, case_id, Action.CLEAR, ALICE, four_eyes_score=0.5)
    decide(db, case_id, Action.REJECT, BOB)
    with db.sessions() as session:
        shown = show_case(session, case_id)
        assert session.scalar(select(func.count()).select_from(SuppressionRow)) == 0
    assert shown["status"] == "open" and shown["matches"][0]["state"] == "open"
    assert [e["state"] for e in shown["events"]] == ["rejected", "applied"]


def test_any_decision_on_a_prohibited_case_needs_a_second_reviewer(db: Database) -> None:
    sdn = ListEntry("sdn-1", "KESTREL AVIONICS TRADING LLC", ORG, "SDN", programs=("IRAN",))
    matcher = Matcher.build([("us-ofac-sdn", [sdn])])
    party = Party("c-9", "Kestrel Avionics Trading LLC", entity_type=ORG, country="AE")
    (d,) = screen(db, [party], matcher)
    assert d.outcome == "prohibited"
    case_id = only_case(db)["case_id"]
    assert decide(db, case_id, Action.CONFIRM, ALICE)["state"] == "pending"
    assert decide(db, case_id, Action.APPROVE, BOB)["case_status"] == "closed"


def test_every_action_needs_a_rationale(db: Database) -> None:
    screen(db, [CUSTOMER])
    with db.sessions.begin() as session, pytest.raises(ReviewError, match="rationale"):
        act(session, only_case(db)["case_id"], Action.CLEAR, ALICE, "  ")


def test_two_reviewers_deciding_one_case_at_once(db: Database) -> None:
    """Both read version 1; the first to write wins, the second gets a conflict and nothing
    of theirs is stored (optimistic versioning on the case row)."""
    screen(db, [CUSTOMER])
    case_id = only_case(db)["case_id"]
    first = db.sessions()
    second = db.sessions()
    try:
        act(first, case_id, Action.COMMENT, ALICE, "looking at it", four_eyes_score=2.0)
        # The second reviewer's action reads the case (version 1) before the first commits
        # and writes after: the interleaving of two concurrent requests.
        read_early = second.get(CaseRow, case_id)
        assert read_early is not None and read_early.version == 1
        first.commit()
        with pytest.raises(ConflictError):
            act(second, case_id, Action.CLEAR, BOB, "not them", four_eyes_score=2.0)
        second.rollback()
    finally:
        first.close()
        second.close()
    with db.sessions() as session:
        shown = show_case(session, case_id)
    assert [e["action"] for e in shown["events"]] == ["comment"]
    assert shown["matches"][0]["state"] == "open"


def test_a_stale_version_is_refused(db: Database) -> None:
    screen(db, [CUSTOMER])
    case_id = only_case(db)["case_id"]
    decide(db, case_id, Action.COMMENT, ALICE)
    with pytest.raises(ConflictError, match="changed since you read it"):
        decide(db, case_id, Action.CLEAR, BOB, expected_version=1)


def test_the_queue_filters(db: Database) -> None:
    other = Party("c-3", "Kestrel Avionics Trading", entity_type=ORG, country="AE")
    screen(db, [CUSTOMER, other])
    with db.sessions() as session:
        assert len(list_cases(session)) == 2
        assert [c["party"]["record_id"] for c in list_cases(session, list_code="DPL")] == ["c-3"]
        assert list_cases(session, outcome="prohibited") == []
        assert len(list_cases(session, min_score=0.5)) == 2
        later = datetime(2026, 12, 30, tzinfo=UTC)
        from datetime import timedelta

        assert list_cases(session, older_than=timedelta(days=365), now=later) == []
