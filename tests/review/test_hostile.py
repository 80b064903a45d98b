"""Issue 11, a hostile review's findings, each as the attack it was: a listed party must not
end up cleared, confirmed or unscreened without the reviews the workflow requires."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import select

from compliance.decision import HitStatus
from compliance.matching.engine import Matcher
from compliance.model import EntityType, Identifier, ListEntry, Owner, Party
from compliance.review import Action, ReviewError, person_key
from compliance.services.review import Reviewer, act, list_cases, show_case
from compliance.store.database import Database
from compliance.store.tables import CaseMatchRow, CaseRow, MatchRow, PartyRow, ScreeningRow
from tests.review.test_workflow import (
    ALICE,
    BOB,
    CUSTOMER,
    ZENITH,
    decide,
    only_case,
    screen,
    version_of,
)

ORG = EntityType.ORGANIZATION


def test_a_pending_clearance_cannot_be_approved_once_the_party_changed(db: Database) -> None:
    screen(db, [CUSTOMER])
    case_id = only_case(db)["case_id"]
    decide(db, case_id, Action.CLEAR, ALICE, four_eyes_score=0.5)
    # the file now says something else about the same record id
    screen(db, [replace(CUSTOMER, address="Industriestrasse 9, Jena")])
    with pytest.raises(ReviewError, match="party changed since alice proposed this clear"):
        decide(db, case_id, Action.APPROVE, BOB)
    decide(db, case_id, Action.REJECT, BOB)
    with db.sessions() as session:
        assert show_case(session, case_id)["matches"][0]["state"] == "open"


def test_a_what_if_screening_does_not_lower_what_a_decision_needs(db: Database) -> None:
    """A prohibited party screened again as of a date before its listing: the case's latest
    outcome drops, its strongest does not, and clearing still needs a second reviewer."""
    sdn = replace(
        ListEntry("sdn-9", "KESTREL AVIONICS TRADING LLC", ORG, "SDN", programs=("IRAN",)),
        start_date="2026-06-01",
    )
    matcher = Matcher.build([("us-ofac-sdn", [sdn])])
    party = Party("c-9", "Kestrel Avionics Trading LLC", entity_type=ORG, country="AE")
    (now,) = screen(db, [party], matcher)
    assert now.outcome == "prohibited"
    (before,) = screen(db, [party], matcher, as_of=date(2026, 1, 1))
    assert before.outcome == "clear"  # not yet listed then: what-if
    case = only_case(db)
    assert case["strongest_outcome"] == "prohibited"
    assert decide(db, case["case_id"], Action.CLEAR, ALICE)["state"] == "pending"


def test_a_rules_only_prohibited_case_needs_a_second_reviewer_to_close(db: Database) -> None:
    party = Party(
        "c-5", "Tehran Data Services", entity_type=ORG, country="IR", service="advanced_compute"
    )
    (d,) = screen(db, [party])
    assert d.outcome == "prohibited" and not d.matches
    case_id = only_case(db)["case_id"]
    assert decide(db, case_id, Action.CONFIRM, ALICE)["state"] == "pending"
    assert decide(db, case_id, Action.APPROVE, BOB)["case_status"] == "closed"


def test_a_changed_party_opens_a_new_case_after_one_was_closed(db: Database) -> None:
    party = Party(
        "c-6", "Blue Meadow Cloud", entity_type=ORG, country="IR", service="advanced_compute"
    )
    screen(db, [party])
    case_id = only_case(db)["case_id"]
    decide(db, case_id, Action.CONFIRM, ALICE)  # prohibited: pending a second reviewer
    decide(db, case_id, Action.APPROVE, BOB)
    # a field that neither identifies the party nor changes the rules: nothing new, no case
    screen(db, [replace(party, extra=(("email", "ops@bluemeadow.example"),))])
    with db.sessions() as session:
        assert list_cases(session, status="open") == []
    screen(db, [replace(party, country="SY")])  # the same rules fire, for another party
    assert only_case(db)["case_id"] != case_id


@pytest.mark.parametrize(
    "impostor",
    ["alice\u200b", "\u0430lice", "\uff41\uff4c\uff49\uff43\uff45", "al\u00adice", " ALICE "],
)
def test_a_look_alike_name_is_not_a_second_reviewer(db: Database, impostor: str) -> None:
    screen(db, [CUSTOMER])
    case_id = only_case(db)["case_id"]
    decide(db, case_id, Action.CLEAR, ALICE, four_eyes_score=0.5)
    with pytest.raises(ReviewError):
        decide(db, case_id, Action.APPROVE, Reviewer(impostor, "reviewer"))
    assert person_key(impostor.replace("\u200b", "").replace("\u00ad", "")) == "alice"


def test_a_confirmation_does_not_follow_the_record_id_to_another_party(db: Database) -> None:
    screen(db, [CUSTOMER])
    decide(db, only_case(db)["case_id"], Action.CONFIRM, ALICE)
    other = replace(CUSTOMER, name="Zenith Photonics GmbH", country="AT", address="Wien")
    (later,) = screen(db, [other])
    assert later.matches[0].status is not HitStatus.CONFIRMED
    assert "changed since it was confirmed" in later.matches[0].review["void"]  # type: ignore[index]
    assert only_case(db)["open_matches"] == 1


def test_control_characters_are_refused_in_rationales_and_names(db: Database) -> None:
    screen(db, [CUSTOMER])
    case_id = only_case(db)["case_id"]
    with db.sessions.begin() as session, pytest.raises(ReviewError, match="control or invisible"):
        act(session, case_id, Action.COMMENT, ALICE, "ok\x1b[2K\x1b[1Aforged line")
    with db.sessions.begin() as session, pytest.raises(ReviewError, match="COMPLIANCE_ACTOR"):
        act(session, case_id, Action.COMMENT, Reviewer("bob\x1b[0m", "x"), "a comment")


def test_a_clearance_must_expire_in_the_future(db: Database) -> None:
    screen(db, [CUSTOMER])
    with pytest.raises(ReviewError, match="not after today"):
        decide(db, only_case(db)["case_id"], Action.CLEAR, ALICE, expires=date(2000, 1, 1))


def test_a_long_record_id_is_stored(db: Database) -> None:
    party = replace(CUSTOMER, id="x" * 5000)
    (d,) = screen(db, [party])
    with db.sessions() as session:
        assert len(show_case(session, only_case(db)["case_id"])["party"]["record_id"]) == 5000
    assert d.outcome == "license_required"


# What PostgreSQL's COPY text format gives a meaning to (tab, newline, carriage return,
# backslash, its "\\N" for NULL and "\\." for the end of data) and quotes.
COPY_HOSTILE = "a\tb\nc\rd \\ e \\N \\. \"q' \\\\"


def test_text_copy_could_misread_is_stored_as_written(db: Database) -> None:
    entry = replace(ZENITH, key="el-" + COPY_HOSTILE, name="ZENITH PHOTONICS GMBH " + COPY_HOSTILE)
    party = replace(CUSTOMER, id="c-" + COPY_HOSTILE, aliases=(COPY_HOSTILE,))
    (d,) = screen(db, [party], Matcher.build([("us-csl", [entry])]))
    assert d.matches and d.matches[0].match.entry_key == entry.key
    with db.sessions() as session:
        stored = session.scalars(select(ScreeningRow)).one()
        assert stored.result == d.to_dict()
        party_row = session.scalars(select(PartyRow)).one()
        assert party_row.record_key == party.id
        assert party_row.record["aliases"] == [COPY_HOSTILE]
        match = session.scalars(select(MatchRow)).one()
        assert (match.entry_key, match.entry_name) == (entry.key, entry.name)
        assert session.scalars(select(CaseMatchRow)).one().entry_key == entry.key
    with db.sessions() as session:
        case = show_case(session, only_case(db)["case_id"])
    assert case["party"]["record_id"] == party.id


def test_a_reviewer_acting_while_a_batch_stores_does_not_abort_it(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The chunk whose case a reviewer changed at that moment is stored again, not lost."""
    from sqlalchemy.orm.exc import StaleDataError

    from compliance.store import decisions

    screen(db, [CUSTOMER])
    real = decisions.DecisionStore.store_chunk
    calls = {"n": 0}

    def racing(self, run, chunk, now):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 1:
            raise StaleDataError("a reviewer changed case 1 meanwhile")
        return real(self, run, chunk, now)

    monkeypatch.setattr(decisions.DecisionStore, "store_chunk", racing)
    (d,) = screen(db, [replace(CUSTOMER, address="Jena")])
    assert calls["n"] == 2 and d.outcome == "license_required"
    with db.sessions() as session:
        assert session.scalars(select(CaseRow)).one().latest_screening_id == d.screening_id


# ------------------------------------------------------------------ delta re-screen routes
def _rescreen(db: Database, matcher: Matcher, as_of: date = date(2026, 12, 1)) -> dict:  # type: ignore[type-arg]
    from compliance.rules import load_ruleset, rule_dirs
    from compliance.screening import ScreeningContext
    from compliance.services.rescreen import rescreen

    ruleset = load_ruleset(rule_dirs())
    version = version_of([e for _, e in matcher.index.entries])
    ctx = ScreeningContext(
        matcher, {"us-csl": version}, as_of, ruleset_version=ruleset.version,
        rules=ruleset.compiled(as_of),
    )  # fmt: skip
    return rescreen(db.sessions, ctx, full=False, actor="t").to_dict()


def _version(db: Database, entries: list[ListEntry]) -> None:
    """Store a list version holding ``entries`` (delta reads the versions from the store)."""
    from datetime import UTC, datetime

    from compliance.store.repository import ListRepository
    from compliance.store.tables import ListVersion

    with db.sessions.begin() as session:
        repo = ListRepository(session)
        now = datetime.now(UTC)
        source = repo.get_or_create_source("us-csl", "csl", now)
        sha = version_of(entries)
        if repo.version_by_hash(source, sha) is not None:
            return
        version = ListVersion(
            source=source, seq=repo.next_seq(source), is_active=False, content_sha256=sha,
            format="csl", loaded_at=now, loaded_by="t", published=None,
            entry_count=len(entries), alias_count=0, address_count=0, files=[], problems=[],
            stats={}, entries_sha256=None,
        )  # fmt: skip
        repo.add_version(version, entries)


ROUTES = {
    "owner": (
        Party("r-1", "Northwind Robotics Ltd", entity_type=ORG, country="GB",
              owners=(Owner("Kestrel Avionics Trading LLC", 60.0, "AE"),)),
        ListEntry("sdn-2", "KESTREL AVIONICS TRADING LLC", ORG, "SDN", programs=("IRAN",)),
    ),
    "parent": (
        Party("r-2", "Northwind Robotics Ltd", entity_type=ORG, country="GB",
              parent_name="Kestrel Avionics Trading LLC", parent_country="AE"),
        ListEntry("sdn-2", "KESTREL AVIONICS TRADING LLC", ORG, "SDN", programs=("IRAN",)),
    ),
    "identifier": (
        Party("r-3", "Northwind Robotics Ltd", entity_type=ORG, country="GB",
              registration_number="HRB 998877"),
        ListEntry("sdn-3", "SOMETHING ELSE ENTIRELY LLC", ORG, "SDN", programs=("IRAN",),
                  identifiers=(Identifier("Registration Number", "HRB998877"),)),
    ),
}  # fmt: skip


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_delta_rescreen_follows_every_route_screening_uses(db: Database, route: str) -> None:
    party, new_entry = ROUTES[route]
    base = [ZENITH]
    _version(db, base)
    (before,) = screen(db, [party], Matcher.build([("us-csl", base)]))
    after = [*base, new_entry]
    _version(db, after)
    report = _rescreen(db, Matcher.build([("us-csl", after)]))
    assert report["screened"] == 1, report
    (change,) = report["changes"]
    assert change["decision_before"] == before.outcome.value  # type: ignore[union-attr]
    assert change["decision"] != before.outcome.value  # type: ignore[union-attr]


def test_delta_rescreen_sees_an_entry_come_into_force(db: Database) -> None:
    later = replace(
        ListEntry("sdn-4", "NORTHWIND ROBOTICS LTD", ORG, "SDN", programs=("IRAN",)),
        start_date="2026-12-15",
    )
    entries = [ZENITH, later]
    _version(db, entries)
    matcher = Matcher.build([("us-csl", entries)])
    party = Party("r-4", "Northwind Robotics Ltd", entity_type=ORG, country="GB")
    (before,) = screen(db, [party], matcher, as_of=date(2026, 12, 1))
    assert before.outcome == "clear"  # listed from the 15th: not in force yet
    report = _rescreen(db, matcher, as_of=date(2026, 12, 20))
    assert report["screened"] == 1 and report["changes"][0]["decision"] == "prohibited"
