"""Whether the stored decisions and review records are what the audit log says they were.

The audit log is hash-chained (:mod:`compliance.store.audit`); these checks tie the rows it
describes to it, so a row changed directly in the database shows:

- a finished screening run's audit event carries a sha256 over its screenings (each
  screening id with the sha256 of its stored decision JSON): recomputed from the rows;
- every review event row must agree with the audit event that recorded it (who, role, what,
  why, when; and who approved or rejected it, with the approval's own audit event);
- every suppression must be the one its clear (or approval) audit event recorded;
- every match a case shows as confirmed, cleared or pending must have the review event that
  made it so, and its score and content hashes must be those of the sealed screening it came
  from; a case's outcomes must be those of its party's sealed screenings, and a closed case
  must have been closed by review events;
- every party's identity hash must be that of its stored record and of its latest sealed
  screening (a clearance is keyed to it).

A run that never finished (interrupted) has no audit event: its screenings are reported as
unsealed, which is not a failure by itself (the chunks it stored are complete) but says that
they are only as good as the database.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from compliance.jsontext import dumps
from compliance.model import Outcome
from compliance.review import (
    Action,
    CaseStatus,
    EventState,
    MatchState,
    identity_fields,
    identity_hash,
)
from compliance.store.tables import (
    AuditEvent,
    CaseMatchRow,
    CaseRow,
    MatchRow,
    PartyRow,
    ReviewEventRow,
    ScreeningRow,
    ScreeningRun,
    SuppressionRow,
)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def result_hash(result: dict[str, Any]) -> str:
    """sha256 of a stored decision's JSON text (its output line: the stored JSON reads back
    as the same keys in the same order, so writing it again gives the same text)."""
    return text_hash(dumps(result))


def digest_line(screening_id: str, result_sha: str, identity: str) -> bytes:
    return f"{screening_id} {result_sha} {identity}\n".encode()


class RunDigest:
    """The digest of a run's stored screenings, in the order they were stored (their row
    ids): one line per screening, its id, the sha256 of its decision JSON, its identity."""

    def __init__(self) -> None:
        self._sha = hashlib.sha256()
        self.count = 0

    def add(self, screening_id: str, result_sha: str, identity: str) -> None:
        self._sha.update(digest_line(screening_id, result_sha, identity))
        self.count += 1

    def hexdigest(self) -> str:
        return "sha256:" + self._sha.hexdigest()


def runs_digest(session: Session, run_id: int) -> tuple[str, int]:
    """A run's digest recomputed from the stored rows, and their count."""
    digest = RunDigest()
    rows = session.execute(
        select(ScreeningRow.screening_id, ScreeningRow.result, ScreeningRow.identity_hash)
        .where(ScreeningRow.run_id == run_id)
        .order_by(ScreeningRow.id)
    )
    for sid, result, identity in rows:
        digest.add(sid, result_hash(result), identity)
    return digest.hexdigest(), digest.count


def suppression_record(s: SuppressionRow) -> dict[str, Any]:
    """What of a suppression its audit event records (and verification compares)."""
    return {
        "kind": s.kind, "record_key": s.record_key, "source": s.source,
        "entry_key": s.entry_key, "party_hash": s.party_hash, "entry_hash": s.entry_hash,
        "case_id": s.case_id, "event_id": s.event_id, "created_by": s.created_by,
        "approved_by": s.approved_by, "expires": s.expires,
    }  # fmt: skip


_EVENT_FIELDS = (
    "action", "actor", "role", "rationale", "expires", "match_id", "at", "party_hash",
    "entry_hash",
)  # fmt: skip


def _utc_iso(value: Any) -> str | None:
    """A timestamp as naive-UTC ISO text, whether it came back from the database (SQLite:
    naive UTC) or from the audit log's JSON (ISO with its offset)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return str(value.isoformat())


@dataclass
class DecisionCheck:
    runs: int = 0
    screenings: int = 0
    review_events: int = 0
    suppressions: int = 0
    unsealed_runs: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok, "runs": self.runs, "screenings": self.screenings,
            "review_events": self.review_events, "suppressions": self.suppressions,
            "unsealed_runs": self.unsealed_runs, "problems": self.problems,
        }  # fmt: skip


def _audit(session: Session, prefix: str) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent).where(AuditEvent.action.like(prefix + "%")).order_by(AuditEvent.seq)
        )
    )


def verify_decisions(session: Session, *, limit: int = 20) -> DecisionCheck:
    """Check the decision and review rows against the audit log (see the module docstring);
    at most ``limit`` problems are listed."""
    check = DecisionCheck()

    def problem(text: str) -> None:
        if len(check.problems) < limit:
            check.problems.append(text)
        elif len(check.problems) == limit:
            check.problems.append("... (more)")

    sealed: dict[int, dict[str, Any]] = {}
    for event in _audit(session, "screening.run"):
        sealed[int(event.details.get("run_id", -1))] = event.details
    for run in session.scalars(select(ScreeningRun).order_by(ScreeningRun.id)):
        check.runs += 1
        digest, n = runs_digest(session, run.id)
        check.screenings += n
        details = sealed.get(run.id)
        if details is None:
            if run.status == "complete":
                problem(f"run {run.id} says it is complete but no audit event sealed it")
            else:
                check.unsealed_runs.append(run.id)
            continue
        if details.get("ids_sha256") != digest or int(details.get("stored", -1)) != n:
            problem(
                f"run {run.id}: its stored decisions are not those the audit log sealed "
                f"({n} screenings now, {details.get('stored')} sealed; digest differs)"
            )
    # review events
    recorded: dict[int, dict[str, Any]] = {}
    decided: dict[int, dict[str, Any]] = {}  # pending event id -> its approve/reject event
    suppressions: dict[int, dict[str, Any]] = {}  # suppression event id -> record
    for event in _audit(session, "review."):
        body = event.details.get("event") or {}
        if "event_id" in body:
            recorded[int(body["event_id"])] = body
        if event.details.get("decides") is not None:
            decided[int(event.details["decides"])] = body
        if event.details.get("suppression") is not None:
            sup = event.details["suppression"]
            suppressions[int(sup["event_id"])] = sup
    events = {e.id: e for e in session.scalars(select(ReviewEventRow).order_by(ReviewEventRow.id))}
    for e in events.values():
        check.review_events += 1
        body = recorded.get(e.id)
        if body is None:
            problem(f"review event {e.id} (case {e.case_id}) is not in the audit log")
            continue
        row = {
            "action": e.action, "actor": e.actor, "role": e.role, "rationale": e.rationale,
            "expires": e.expires, "match_id": e.case_match_id, "at": _utc_iso(e.at),
            "party_hash": e.party_hash, "entry_hash": e.entry_hash,
        }  # fmt: skip
        recorded_body = {**body, "at": _utc_iso(body.get("at"))}
        changed = [k for k in _EVENT_FIELDS if row[k] != recorded_body.get(k)]
        if changed:
            problem(
                f"review event {e.id} (case {e.case_id}) differs from its audit record: {changed}"
            )
        if e.state in (EventState.APPROVED.value, EventState.REJECTED.value):
            by = decided.get(e.id)
            want = (
                Action.APPROVE.value
                if e.state == EventState.APPROVED.value
                else Action.REJECT.value
            )
            if by is None or by.get("action") != want or by.get("actor") != e.decided_by:
                problem(
                    f"review event {e.id} (case {e.case_id}) is {e.state} with no audit "
                    "record of it"
                )
        elif e.state != body.get("state"):
            problem(
                f"review event {e.id} (case {e.case_id}) is {e.state}; the audit log "
                f"recorded {body.get('state')}"
            )
    for missing in sorted(set(recorded) - set(events)):
        problem(f"review event {missing} is in the audit log but not in the database")
    stored_suppressions: set[int] = set()
    for s in session.scalars(select(SuppressionRow).order_by(SuppressionRow.id)):
        stored_suppressions.add(s.event_id)
        check.suppressions += 1
        if suppressions.get(s.event_id) != suppression_record(s):
            problem(
                f"suppression {s.id} ({s.kind} {s.record_key} / {s.source} {s.entry_key}) is not "
                "the one the audit log recorded"
            )
    for missing in sorted(set(suppressions) - stored_suppressions):
        problem(f"the suppression recorded with review event {missing} is not in the database")
    # case match states must come from review events
    effective: dict[int, set[str]] = {}
    for e in events.values():
        if e.case_match_id is None:
            continue
        if e.state in (EventState.APPLIED.value, EventState.APPROVED.value):
            effective.setdefault(e.case_match_id, set()).add(e.action)
        if e.state == EventState.PENDING.value:
            effective.setdefault(e.case_match_id, set()).add("pending")
    need = {
        MatchState.CONFIRMED.value: Action.CONFIRM.value,
        MatchState.CLEARED.value: Action.CLEAR.value,
        MatchState.PENDING.value: "pending",
    }
    for m in session.scalars(select(CaseMatchRow).where(CaseMatchRow.state.in_(list(need)))):
        if need[m.state] not in effective.get(m.id, set()):
            problem(
                f"case {m.case_id} match {m.id} ({m.source} {m.entry_key}) is {m.state} "
                "but no review event made it so"
            )
    _check_case_matches(session, problem)
    _check_cases(session, events, problem)
    _check_parties(session, problem)
    return check


def _check_case_matches(session: Session, problem: Callable[[str], None]) -> None:
    """A case's match shows the score and hashes of the sealed screening it last came from."""
    rows = session.execute(
        select(CaseMatchRow, MatchRow.score, MatchRow.entry_hash, ScreeningRow.identity_hash)
        .outerjoin(ScreeningRow, ScreeningRow.screening_id == CaseMatchRow.last_screening_id)
        .outerjoin(
            MatchRow,
            (MatchRow.screening_pk == ScreeningRow.id)
            & (MatchRow.source == CaseMatchRow.source)
            & (MatchRow.entry_key == CaseMatchRow.entry_key),
        )
    )
    for m, score, entry_hash, identity in rows:
        if score is None:
            problem(f"case {m.case_id} match {m.id}: no stored screening holds this match")
        elif (round(m.score, 4), m.entry_hash, m.party_hash) != (
            round(score, 4),
            entry_hash,
            identity,
        ):
            problem(
                f"case {m.case_id} match {m.id}: its score or hashes are not those of screening "
                f"{m.last_screening_id}"
            )


def _check_cases(
    session: Session, events: dict[int, ReviewEventRow], problem: Callable[[str], None]
) -> None:
    """A case's outcomes are its party's screenings'; a closed case was closed by reviews."""
    closing: set[int] = set()  # cases with an applied confirm of no match (rules only)
    for e in events.values():
        if (
            e.action == Action.CONFIRM.value
            and e.case_match_id is None
            and e.state in (EventState.APPLIED.value, EventState.APPROVED.value)
        ):
            closing.add(e.case_id)
    states: dict[int, list[str]] = {}
    for case_id, state in session.execute(select(CaseMatchRow.case_id, CaseMatchRow.state)):
        states.setdefault(case_id, []).append(state)
    decided = {MatchState.CONFIRMED.value, MatchState.CLEARED.value}
    # every screening of a party that has a case, read once: (screening id, outcome, when)
    screened: dict[int, list[tuple[str, str, str]]] = {}
    for pid, sid, outcome, at in session.execute(
        select(
            ScreeningRow.party_id, ScreeningRow.screening_id, ScreeningRow.outcome,
            ScreeningRow.created_at,
        ).where(ScreeningRow.party_id.in_(select(CaseRow.party_id)))
    ):  # fmt: skip
        screened.setdefault(pid, []).append((sid, outcome, str(_utc_iso(at))))
    for case in session.scalars(select(CaseRow).order_by(CaseRow.id)):
        opened, closed = str(_utc_iso(case.opened_at)), _utc_iso(case.closed_at)
        mine_screened = screened.get(case.party_id, [])
        outcomes = [
            o for _, o, at in mine_screened if at >= opened and (closed is None or at <= closed)
        ]
        latest = next((o for sid, o, _ in mine_screened if sid == case.latest_screening_id), None)
        strongest = max(outcomes, key=lambda o: Outcome(o).rank, default=None)
        if latest != case.outcome or strongest != case.strongest_outcome:
            problem(
                f"case {case.id}: its outcome ({case.outcome}, strongest "
                f"{case.strongest_outcome}) is not its party's stored screenings'"
            )
        if case.status == CaseStatus.CLOSED.value:
            mine = states.get(case.id, [])
            by_matches = bool(mine) and all(s in decided for s in mine)
            if not by_matches and case.id not in closing:
                problem(f"case {case.id} is closed but no review decided it")


def _check_parties(session: Session, problem: Callable[[str], None]) -> None:
    """A party's identity hash is its record's, and its latest sealed screening's."""
    rows = session.execute(
        select(PartyRow, ScreeningRow.identity_hash).outerjoin(
            ScreeningRow, ScreeningRow.screening_id == PartyRow.last_screening_id
        )
    )
    for party, screened in rows:
        own = identity_hash(identity_fields(party.kind, party.record))
        if (
            party.identity_hash != own
            or party.identity_hash != screened
            or party.name != str(party.record.get("name") or "")
            or str(party.record.get("id")) != party.record_key
        ):
            problem(
                f"party {party.kind} {party.record_key}: its record or identity hash is not "
                "what its latest screening stored"
            )
