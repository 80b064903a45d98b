"""The review queue: list and show cases, and act on them (confirm, clear, escalate, comment,
approve, reject), each action with its audit event, in the caller's transaction.

The workflow's rules are in :mod:`compliance.review` (pure); this module reads and writes the
rows. Concurrency: every action changes its case row, whose ``version`` column is checked on
write, so of two reviewers acting on one case at once the second gets
:class:`~compliance.review.ConflictError` and nothing of theirs is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from compliance.errors import BadInputError
from compliance.review import (
    MATCH_ACTIONS,
    Action,
    CaseStatus,
    ConflictError,
    EventState,
    MatchState,
    ReviewError,
    check_actor,
    check_approver,
    check_rationale,
    needs_second_reviewer,
)
from compliance.store import audit
from compliance.store.decision_integrity import suppression_record
from compliance.store.tables import (
    CaseMatchRow,
    CaseRow,
    PartyRow,
    ReviewEventRow,
    ScreeningRow,
    SuppressionRow,
)


class UnknownCaseError(BadInputError):
    code = "unknown_case"
    http_status = 404


@dataclass(frozen=True)
class Reviewer:
    actor: str
    role: str


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _match_dict(m: CaseMatchRow) -> dict[str, Any]:
    return {
        "match_id": m.id, "list": m.source, "program": m.list_code, "entry_id": m.entry_key,
        "entry_name": m.entry_name, "matched_name": m.matched_name, "score": m.score,
        "state": m.state, "note": m.note, "decided_by": m.decided_by,
        "decided_at": _iso(m.decided_at), "first_screening_id": m.first_screening_id,
        "last_screening_id": m.last_screening_id,
    }  # fmt: skip


def _event_dict(e: ReviewEventRow) -> dict[str, Any]:
    return {
        "event_id": e.id, "action": e.action, "state": e.state, "match_id": e.case_match_id,
        "actor": e.actor, "role": e.role, "rationale": e.rationale, "at": _iso(e.at),
        "expires": e.expires, "party_hash": e.party_hash, "entry_hash": e.entry_hash,
        "decided_by": e.decided_by, "decided_at": _iso(e.decided_at),
        "decided_rationale": e.decided_rationale,
    }  # fmt: skip


def _case_summary(case: CaseRow, party: PartyRow, matches: list[CaseMatchRow]) -> dict[str, Any]:
    return {
        "case_id": case.id,
        "status": case.status,
        "outcome": case.outcome,
        "strongest_outcome": case.strongest_outcome,
        "party": {"kind": party.kind, "record_id": party.record_key, "name": party.name},
        "opened_at": _iso(case.opened_at),
        "updated_at": _iso(case.updated_at),
        "closed_at": _iso(case.closed_at),
        "version": case.version,
        "open_matches": sum(m.state == MatchState.OPEN.value for m in matches),
        "pending": sum(m.state == MatchState.PENDING.value for m in matches),
        "top_score": max((m.score for m in matches), default=None),
        "lists": sorted({m.list_code for m in matches}),
    }


def list_cases(
    session: Session,
    *,
    status: str | None = None,
    outcome: str | None = None,
    list_code: str | None = None,
    min_score: float | None = None,
    older_than: timedelta | None = None,
    now: datetime | None = None,
    limit: int = 1000,
) -> list[dict[str, Any]]:
    """The queue, oldest first. ``status`` ``open`` means not closed (open or escalated)."""
    query = select(CaseRow, PartyRow).join(PartyRow, PartyRow.id == CaseRow.party_id)
    if status == "open":
        query = query.where(CaseRow.status != CaseStatus.CLOSED.value)
    elif status is not None:
        query = query.where(CaseRow.status == status)
    if outcome is not None:
        query = query.where(CaseRow.outcome == outcome)
    if older_than is not None:
        cutoff = (now or datetime.now(UTC)) - older_than
        if session.get_bind().dialect.name == "sqlite":  # stored as naive UTC text there
            cutoff = cutoff.astimezone(UTC).replace(tzinfo=None)
        query = query.where(CaseRow.opened_at <= cutoff)
    if list_code is not None or min_score is not None:
        sub = select(CaseMatchRow.case_id)
        if list_code is not None:
            sub = sub.where(
                (CaseMatchRow.list_code == list_code) | (CaseMatchRow.source == list_code)
            )
        if min_score is not None:
            sub = sub.where(CaseMatchRow.score >= min_score)
        query = query.where(CaseRow.id.in_(sub))
    rows = session.execute(query.order_by(CaseRow.opened_at, CaseRow.id).limit(limit)).all()
    ids = [case.id for case, _ in rows]
    matches: dict[int, list[CaseMatchRow]] = {i: [] for i in ids}
    if ids:
        for m in session.scalars(select(CaseMatchRow).where(CaseMatchRow.case_id.in_(ids))):
            matches[m.case_id].append(m)
    return [_case_summary(case, party, matches[case.id]) for case, party in rows]


def _case(session: Session, case_id: int) -> tuple[CaseRow, PartyRow]:
    row = session.execute(
        select(CaseRow, PartyRow)
        .join(PartyRow, PartyRow.id == CaseRow.party_id)
        .where(CaseRow.id == case_id)
    ).first()
    if row is None:
        raise UnknownCaseError(f"no case {case_id}")
    return row[0], row[1]


def _matches(session: Session, case_id: int) -> list[CaseMatchRow]:
    return list(
        session.scalars(
            select(CaseMatchRow).where(CaseMatchRow.case_id == case_id).order_by(CaseMatchRow.id)
        )
    )


def show_case(session: Session, case_id: int) -> dict[str, Any]:
    """A case with its party, matches, review events and latest screening's decision."""
    case, party = _case(session, case_id)
    matches = _matches(session, case_id)
    events = session.scalars(
        select(ReviewEventRow).where(ReviewEventRow.case_id == case_id).order_by(ReviewEventRow.id)
    )
    latest = session.scalar(
        select(ScreeningRow.result).where(ScreeningRow.screening_id == case.latest_screening_id)
    )
    return {
        **_case_summary(case, party, matches),
        "record": party.record,
        "matches": [_match_dict(m) for m in matches],
        "events": [_event_dict(e) for e in events],
        "latest_screening_id": case.latest_screening_id,
        "latest_decision": latest,
    }


def _pick_match(matches: list[CaseMatchRow], match_id: int | None, want: str) -> CaseMatchRow:
    if match_id is not None:
        for m in matches:
            if m.id == match_id:
                return m
        raise ReviewError(f"match {match_id} is not in this case")
    candidates = [m for m in matches if m.state == want]
    if len(candidates) != 1:
        raise ReviewError(
            f"this case has {len(candidates)} {want} matches: name one with --match "
            f"({', '.join(str(m.id) for m in candidates) or 'none'})"
        )
    return candidates[0]


def _apply_match_decision(
    session: Session,
    case: CaseRow,
    party: PartyRow,
    match: CaseMatchRow,
    event: ReviewEventRow,
    approver: str | None,
    now: datetime,
) -> SuppressionRow | None:
    """Make a confirm or clear take effect (directly, or on a second reviewer's approval);
    returns the suppression a clearance records."""
    match.decided_by = event.actor if approver is None else f"{event.actor} + {approver}"
    match.decided_at = now
    if event.action == Action.CONFIRM.value:
        match.state = MatchState.CONFIRMED.value
        return None
    match.state = MatchState.CLEARED.value
    suppression = SuppressionRow(
        kind=party.kind,
        record_key=party.record_key,
        source=match.source,
        entry_key=match.entry_key,
        party_hash=event.party_hash or match.party_hash,  # what the proposer decided on
        entry_hash=event.entry_hash or match.entry_hash,
        case_id=case.id,
        event_id=event.id,
        created_by=event.actor,
        approved_by=approver,
        created_at=now,
        expires=event.expires,
        revoked_at=None,
    )
    session.add(suppression)
    session.flush()
    return suppression  # fmt: skip


def _settle(case: CaseRow, matches: list[CaseMatchRow], now: datetime) -> None:
    """Close the case once every match is decided (none open or pending)."""
    if matches and all(
        m.state not in (MatchState.OPEN.value, MatchState.PENDING.value) for m in matches
    ):
        case.status = CaseStatus.CLOSED.value
        case.closed_at = now
    elif case.status == CaseStatus.CLOSED.value:
        case.status = CaseStatus.OPEN.value
        case.closed_at = None


def act(
    session: Session,
    case_id: int,
    action: Action,
    reviewer: Reviewer,
    rationale: str,
    *,
    match_id: int | None = None,
    event_id: int | None = None,
    expires: date | None = None,
    expected_version: int | None = None,
    four_eyes_score: float = 0.95,
    now: datetime | None = None,
) -> dict[str, Any]:
    """One reviewer action on a case, with its audit event; returns the event record.

    ``expected_version`` (the case version the reviewer saw) turns a change made meanwhile
    into a :class:`ConflictError`; without it, a concurrent change is still caught on write.
    """
    now = now or datetime.now(UTC)
    text = check_rationale(rationale)
    reviewer = Reviewer(check_actor(reviewer.actor), reviewer.role)
    if expires is not None and expires <= now.date():
        raise ReviewError(f"--expires {expires.isoformat()} is not after today: nothing to clear")
    case, party = _case(session, case_id)
    if expected_version is not None and case.version != expected_version:
        raise ConflictError(
            f"case {case_id} changed since you read it (version {expected_version}, now "
            f"{case.version}): show it again and decide on what it holds now"
        )
    if case.status == CaseStatus.CLOSED.value and action is not Action.COMMENT:
        raise ReviewError(f"case {case_id} is closed; only a comment can be added")
    matches = _matches(session, case_id)
    suppression: SuppressionRow | None = None
    decides: int | None = None
    event = ReviewEventRow(
        case_id=case.id, case_match_id=None, action=action.value, state=EventState.APPLIED.value,
        actor=reviewer.actor, role=reviewer.role, rationale=text, at=now,
        expires=expires.isoformat() if expires else None,
        decided_by=None, decided_at=None, decided_rationale=None,
    )  # fmt: skip
    if action in MATCH_ACTIONS:
        if expires is not None and action is not Action.CLEAR:
            raise ReviewError("--expires applies to clear only")
        if not matches and action is Action.CONFIRM:
            # A case with rule hits and no match: confirming acknowledges the rules' outcome
            # (on a prohibited case, once a second reviewer approves).
            session.add(event)
            if needs_second_reviewer(action, case.strongest_outcome, None, four_eyes_score):
                event.state = EventState.PENDING.value
            else:
                case.status = CaseStatus.CLOSED.value
                case.closed_at = now
        else:
            match = _pick_match(matches, match_id, MatchState.OPEN.value)
            if match.state != MatchState.OPEN.value:
                raise ReviewError(f"match {match.id} is {match.state}, not open")
            event.case_match_id = match.id
            event.party_hash, event.entry_hash = match.party_hash, match.entry_hash
            session.add(event)
            session.flush()
            if needs_second_reviewer(action, case.strongest_outcome, match.score, four_eyes_score):
                event.state = EventState.PENDING.value
                match.state = MatchState.PENDING.value
            else:
                suppression = _apply_match_decision(session, case, party, match, event, None, now)
            _settle(case, matches, now)
    elif action in (Action.APPROVE, Action.REJECT):
        pending = _pending(session, case_id, event_id)
        check_approver(pending.actor, reviewer.actor)
        decides = pending.id
        pending.decided_by = reviewer.actor
        pending.decided_at = now
        pending.decided_rationale = text
        event.case_match_id = pending.case_match_id
        session.add(event)
        session.flush()
        target = next((m for m in matches if m.id == pending.case_match_id), None)
        if action is Action.APPROVE:
            if target is not None and (target.party_hash, target.entry_hash) != (
                pending.party_hash,
                pending.entry_hash,
            ):
                raise ReviewError(
                    f"the {'party' if target.party_hash != pending.party_hash else 'list entry'}"
                    f" changed since {pending.actor} proposed this {pending.action}: it cannot be"
                    " approved; reject it, and decide the match again on what it is now"
                )
            pending.state = EventState.APPROVED.value
            if pending.action == Action.ESCALATE.value:
                case.status = CaseStatus.ESCALATED.value
            elif pending.action == Action.CONFIRM.value and pending.case_match_id is None:
                case.status = CaseStatus.CLOSED.value
                case.closed_at = now
            elif target is not None:
                suppression = _apply_match_decision(
                    session, case, party, target, pending, reviewer.actor, now
                )
        else:
            pending.state = EventState.REJECTED.value
            if target is not None and target.state == MatchState.PENDING.value:
                target.state = MatchState.OPEN.value
        if matches:
            _settle(case, matches, now)
    elif action is Action.ESCALATE:
        session.add(event)
        if needs_second_reviewer(action, case.strongest_outcome, None, four_eyes_score):
            event.state = EventState.PENDING.value
        else:
            case.status = CaseStatus.ESCALATED.value
    else:  # comment
        session.add(event)
    case.updated_at = now  # every action changes the case row: the version check sees it
    try:
        session.flush()
    except StaleDataError:
        raise ConflictError(
            f"case {case_id} was changed by someone else at the same time; nothing of yours "
            "was recorded: show it again and retry"
        ) from None
    record = _event_dict(event)
    audit.append(
        session,
        actor=reviewer.actor,
        action=f"review.{action.value}",
        subject=f"case:{case.id}",
        outcome="ok",
        details={
            "event": record,
            "case_status": case.status,
            "case_version": case.version,
            "party": [party.kind, party.record_key],
            "decides": decides,
            "suppression": suppression_record(suppression) if suppression else None,
        },
        at=now,
    )
    return {**record, "case_id": case.id, "case_status": case.status, "case_version": case.version}


def _pending(session: Session, case_id: int, event_id: int | None) -> ReviewEventRow:
    query = select(ReviewEventRow).where(
        ReviewEventRow.case_id == case_id, ReviewEventRow.state == EventState.PENDING.value
    )
    if event_id is not None:
        query = query.where(ReviewEventRow.id == event_id)
    found = list(session.scalars(query))
    if len(found) != 1:
        raise ReviewError(
            f"case {case_id} has {len(found)} actions waiting for approval"
            + (f" with id {event_id}" if event_id is not None else "")
            + (": name one with --event" if len(found) > 1 else "")
        )
    return found[0]
