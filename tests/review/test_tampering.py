"""Issue 11: the decision and review rows are tied to the hash-chained audit log, and
`compliance audit verify` catches each of them changed directly in the database."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from compliance.cli import app
from compliance.settings import get_settings

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "data" / "samples"
runner = CliRunner()


def _ok(*args: str, actor: str = "alice") -> str:
    get_settings.cache_clear()  # the actor is read from the environment, once per settings
    r = runner.invoke(app, list(args), env={"COMPLIANCE_ACTOR": actor})
    get_settings.cache_clear()
    assert r.exit_code == 0, r.output
    return r.stdout


def _store(env: Path) -> dict[str, int]:
    """Screen the samples, clear one match (four-eyes approved), confirm another, comment on a
    third case; returns the case ids used."""
    _ok("screen", str(SAMPLES / "customers.csv"), "--out", str(env / "out.jsonl"), "--workers", "1")
    cases = {
        c["party"]["record_id"]: c["case_id"] for c in json.loads(_ok("review", "list", "--json"))
    }
    _ok("review", "clear", str(cases["C034"]), "--rationale", "a different company in Shenzhen")
    _ok("review", "approve", str(cases["C034"]), "--rationale", "agreed", actor="bob")
    _ok("review", "confirm", str(cases["C026"]), "--rationale", "this is Huawei")
    _ok("review", "comment", str(cases["C030"]), "--rationale", "asked the customer for documents")
    return cases


def _verify() -> tuple[int, dict]:  # type: ignore[type-arg]
    r = runner.invoke(app, ["audit", "verify", "--json"])
    return r.exit_code, json.loads(r.stdout)


def _sql(env: Path, *statements: str) -> None:
    conn = sqlite3.connect(env / "home" / "compliance.db")
    try:
        for sql in statements:
            assert conn.execute(sql).rowcount >= 1, sql
        conn.commit()
    finally:
        conn.close()


def test_an_untouched_store_verifies(env: Path) -> None:
    _store(env)
    code, report = _verify()
    assert code == 0, report
    decisions = report["decisions"]
    assert decisions["ok"] and decisions["screenings"] == 81 and decisions["review_events"] == 4
    assert decisions["suppressions"] == 1


CAUGHT_AS = {
    "decision": "not those the audit log sealed",
    "deleted decision": "not those the audit log sealed",
    "review actor": "differs from its audit record: ['actor']",
    "review rationale": "differs from its audit record: ['rationale']",
    "approval": "is approved with no audit record",
    "suppression": "is not the one the audit log recorded",
    "suppression entry": "is not the one the audit log recorded",
    "match state": "but no review event made it so",
    "deleted event": "in the audit log but not in the database",
    "party identity": "its record or identity hash is not what its latest screening stored",
    "party record": "its record or identity hash is not what its latest screening stored",
    "case status": "is closed but no review decided it",
    "case outcome": "is not its party's stored screenings'",
    "match score": "its score or hashes are not those of screening",
    "event time": "differs from its audit record: ['at']",
}

TAMPERING: dict[str, Callable[[dict[str, int]], list[str]]] = {
    # a stored decision rewritten from prohibited to clear
    "decision": lambda c: [
        "UPDATE screenings SET outcome = 'clear', result = json_set(result, '$.decision', "
        "'clear') WHERE party_id = (SELECT id FROM parties WHERE record_key = 'C040')"
    ],
    # a stored decision deleted
    "deleted decision": lambda c: [
        "DELETE FROM screening_matches WHERE screening_pk IN (SELECT id FROM screenings WHERE "
        "party_id = (SELECT id FROM parties WHERE record_key = 'C040'))",
        "DELETE FROM screenings WHERE party_id = (SELECT id FROM parties WHERE "
        "record_key = 'C040')",
    ],
    # someone else's name on a review action
    "review actor": lambda c: [
        f"UPDATE review_events SET actor = 'mallory' WHERE case_id = {c['C030']}"
    ],
    "review rationale": lambda c: [
        f"UPDATE review_events SET rationale = 'ok' WHERE case_id = {c['C026']}"
    ],
    # an approval nobody gave
    "approval": lambda c: [
        f"UPDATE review_events SET decided_by = 'mallory' WHERE case_id = {c['C034']} "
        "AND state = 'approved'"
    ],
    # a suppression widened to never expire / moved to another entry
    "suppression": lambda c: ["UPDATE suppressions SET expires = '2099-12-31'"],
    "suppression entry": lambda c: ["UPDATE suppressions SET entry_key = 'other'"],
    # a match marked cleared with no review (what a later screening would apply)
    "match state": lambda c: [
        f"UPDATE case_matches SET state = 'cleared' WHERE case_id = {c['C030']}"
    ],
    # a review event removed
    "deleted event": lambda c: [f"DELETE FROM review_events WHERE case_id = {c['C030']}"],
    # a party's identity hash aimed at another record (a clearance keys to it)
    "party identity": lambda c: [
        "UPDATE parties SET identity_hash = 'sha256:' || substr(hex(zeroblob(32)), 1, 64) "
        "WHERE record_key = 'C034'"
    ],
    "party record": lambda c: [
        "UPDATE parties SET name = 'Totally Benign Ltd', record = json_set(record, '$.name', "
        "'Totally Benign Ltd') WHERE record_key = 'C040'"
    ],
    # a case taken out of the queue, or its outcome lowered (which four-eyes reads)
    "case status": lambda c: [f"UPDATE cases SET status = 'closed' WHERE id = {c['C030']}"],
    "case outcome": lambda c: [
        "UPDATE cases SET outcome = 'review', strongest_outcome = 'review' WHERE party_id = "
        "(SELECT id FROM parties WHERE record_key = 'C040')"
    ],
    "match score": lambda c: [f"UPDATE case_matches SET score = 0.5 WHERE case_id = {c['C030']}"],
    "event time": lambda c: [
        f"UPDATE review_events SET at = '2020-01-01 00:00:00.000000' WHERE case_id = {c['C030']}"
    ],
}


@pytest.mark.parametrize("what", sorted(TAMPERING))
def test_a_row_changed_in_the_database_is_caught(env: Path, what: str) -> None:
    cases = _store(env)
    _sql(env, *TAMPERING[what](cases))
    code, report = _verify()
    assert code == 3, report
    assert report["audit"]["ok"]  # the chain itself is intact: the rows no longer match it
    problems = report["decisions"]["problems"]
    assert not report["decisions"]["ok"]
    assert any(CAUGHT_AS[what] in p for p in problems), problems
