"""Stored decisions and the review queue: runs, parties, screenings, cases, review events,
suppressions. No commits here: the services own the transactions.

Screenings are written in bulk, one chunk per call (:meth:`DecisionStore.store_chunk`), each
chunk in its caller's transaction: a screening is stored with its matches, rule hits and case
update, or not at all. A decision whose screening id is already stored (the same record,
lists, rules, engine, threshold, ``as_of`` and reviewers' decisions) is not stored again.

New rows are written by :class:`_Bulk`: on PostgreSQL their ids are drawn from the table's
sequence in one query and the rows go in with ``COPY`` (one round trip per table and chunk,
no statement to parse); elsewhere as one multi-row ``INSERT``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Table, bindparam, insert, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from compliance.decision import Decision, MatchResult
from compliance.jsontext import dumps
from compliance.model import Outcome
from compliance.review import (
    CaseStatus,
    MatchState,
    PriorDecision,
    PriorDecisions,
)
from compliance.store.decision_integrity import runs_digest, text_hash
from compliance.store.session import RawJSON, json_dumps
from compliance.store.tables import (
    Base,
    CaseMatchRow,
    CaseRow,
    PartyRow,
    ScreeningRow,
    ScreeningRun,
    SuppressionRow,
)

_IN_CHUNK = 500  # bind parameters per IN (...) query, well under every database's limit
# Core tables for the bulk inserts (the ORM's bulk path costs more per row, in the one
# process that writes)
_PARTIES = Base.metadata.tables["parties"]
_SCREENINGS = Base.metadata.tables["screenings"]
_MATCHES = Base.metadata.tables["screening_matches"]
_RULE_HITS = Base.metadata.tables["screening_rule_hits"]
_CASES = Base.metadata.tables["cases"]
_CASE_MATCHES = Base.metadata.tables["case_matches"]


class _Bulk:
    """Inserts of many new rows into one table, in the session's transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session
        dialect = session.get_bind().dialect
        # COPY through psycopg 3's API (another driver takes the INSERT path)
        self.copy = dialect.name == "postgresql" and dialect.driver == "psycopg"

    def _ids(self, table: Table, n: int) -> list[int]:
        rows = self.session.execute(
            text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"),
            {"t": table.name, "n": n},
        )
        return [int(r[0]) for r in rows]

    def insert(
        self, table: Table, rows: list[dict[str, Any]], *, key: tuple[str, ...] = ()
    ) -> list[int]:
        """Insert ``rows`` (dicts with the same keys); with ``key`` (columns that tell the
        rows apart), their new ids in the same order."""
        if not rows:
            return []
        if not self.copy:
            if not key:
                self.session.execute(insert(table), rows)
                return []
            # RETURNING in batches of many rows (in no promised order): matched back by key
            cols = [table.c[k] for k in key]
            result = self.session.execute(insert(table).returning(table.c.id, *cols), rows)
            found = {tuple(r[1:]): int(r[0]) for r in result}
            return [found[tuple(row[k] for k in key)] for row in rows]
        new = self._ids(table, len(rows))
        columns = ["id", *rows[0]]
        json_columns = {c.name for c in table.columns if isinstance(c.type, JSON)}
        raw = self.session.connection().connection.driver_connection
        assert raw is not None
        sql = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"  # names from the schema
        import psycopg  # the driver COPY is used with

        try:
            with raw.cursor() as cursor, cursor.copy(sql) as copy:
                for pk, row in zip(new, rows, strict=True):
                    copy.write_row(
                        (pk, *(json_dumps(v) if k in json_columns else v for k, v in row.items()))
                    )
        except psycopg.Error as exc:
            # what SQLAlchemy would have raised for the same error from an INSERT (an
            # IntegrityError, a DataError...), so that callers tell database errors apart
            raise DBAPIError.instance(sql, None, exc, psycopg.Error) from exc
        return new if key else []


def _rules_key(d: Decision) -> tuple[str, ...]:
    """What a closed case settled: the party as it was, the outcome, the rules that fired."""
    outcome = d.outcome.value if d.outcome is not None else ""
    return (record_identity(d), outcome, *sorted(h.rule_id for h in d.rule_hits))


def record_identity(decision: Decision) -> str:
    """The decision's party identity hash (made by the worker that screened it, usually)."""
    return decision.record_identity()


@dataclass
class ChunkCounts:
    stored: int = 0
    reused: int = 0
    cases_opened: int = 0
    cases_updated: int = 0
    stored_ids: list[str] = field(default_factory=list)
    # (screening id, sha256 of its JSON text, identity hash) in the order stored
    digest_lines: list[tuple[str, str, str]] = field(default_factory=list)


def _new_case(party_id: int, d: Decision, now: datetime) -> dict[str, Any]:
    """A new open case's columns (its party's decision opens it)."""
    outcome = d.outcome.value if d.outcome else ""
    return {
        "party_id": party_id, "status": CaseStatus.OPEN.value, "outcome": outcome,
        "strongest_outcome": outcome, "opened_at": now, "updated_at": now, "closed_at": None,
        "latest_screening_id": str(d.screening_id),
    }  # fmt: skip


def _new_case_match(case_id: int, d: Decision, m: MatchResult) -> dict[str, Any]:
    """A new undecided case match's columns (a void standing decision's reason as its note)."""
    return {
        "case_id": case_id, "source": m.match.source, "entry_key": m.match.entry_key,
        "list_code": m.match.list_code, "entry_name": m.match.entry_name,
        "matched_name": m.match.matched_name, "score": round(m.match.score, 4),
        "entry_hash": m.match.entry_hash, "party_hash": record_identity(d),
        "state": MatchState.OPEN.value, "note": (m.review or {}).get("void"),
        "decided_by": None, "decided_at": None, "first_screening_id": str(d.screening_id),
        "last_screening_id": str(d.screening_id),
    }  # fmt: skip


class DecisionStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    # ---------------------------------------------------------------------------- runs
    def start_run(
        self,
        *,
        actor: str,
        command: str,
        kind: str,
        input_name: str | None,
        list_versions: dict[str, str],
        ruleset_version: str | None,
        engine_version: str,
        threshold: float,
        as_of: date,
        now: datetime,
    ) -> ScreeningRun:
        run = ScreeningRun(
            started_at=now, finished_at=None, actor=actor, command=command, input=input_name,
            kind=kind, list_versions=list_versions, ruleset_version=ruleset_version,
            engine_version=engine_version, threshold=threshold, as_of=as_of.isoformat(),
            status="running", stored=0, reused=0, errors=0, counts={}, ids_sha256=None,
        )  # fmt: skip
        self.session.add(run)
        self.session.flush()
        return run

    def finish_run(
        self,
        run: ScreeningRun,
        *,
        counts: dict[str, int],
        errors: int,
        now: datetime,
        digest: str | None = None,
    ) -> ScreeningRun:
        run = self.session.get(ScreeningRun, run.id, populate_existing=True) or run
        run.status = "complete"
        run.finished_at = now
        run.counts = dict(sorted(counts.items()))
        run.errors = errors
        run.ids_sha256 = digest if digest is not None else runs_digest(self.session, run.id)[0]
        return run

    def refresh_statistics(self) -> None:
        """PostgreSQL: refresh the planner's statistics of the columns a run's chunks are
        looked up by (a sample: milliseconds on a million rows). Nothing elsewhere."""
        if self.session.get_bind().dialect.name == "postgresql":
            # (a screening is found by its unique id through its index whatever the
            # statistics say); never wait long on a lock, a VACUUM or another run's ANALYZE:
            # the caller goes on without
            self.session.execute(text("SET LOCAL lock_timeout = '2s'"))
            self.session.execute(text("ANALYZE parties (kind, record_key)"))
            self.session.execute(text("ANALYZE cases (party_id, status)"))

    # ------------------------------------------------------------------------ screenings
    def existing_ids(self, ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for i in range(0, len(ids), _IN_CHUNK):
            part = ids[i : i + _IN_CHUNK]
            found.update(
                self.session.scalars(
                    select(ScreeningRow.screening_id).where(ScreeningRow.screening_id.in_(part))
                )
            )
        return found

    def _parties(self, decisions: Sequence[Decision], now: datetime) -> dict[tuple[str, str], int]:
        """Upsert the decisions' parties; (kind, record id) -> party row id."""
        keys = {(d.kind, str(d.record_id)): d for d in decisions}
        ids: dict[tuple[str, str], int] = {}
        by_kind: dict[str, list[str]] = {}
        for kind, record_key in keys:
            by_kind.setdefault(kind, []).append(record_key)
        for kind, record_keys in by_kind.items():
            for i in range(0, len(record_keys), _IN_CHUNK):
                part = record_keys[i : i + _IN_CHUNK]
                rows = self.session.execute(
                    select(PartyRow.id, PartyRow.record_key).where(
                        PartyRow.kind == kind, PartyRow.record_key.in_(part)
                    )
                )
                ids.update({(kind, rk): pid for pid, rk in rows})
        updates: list[dict[str, Any]] = []
        new: list[dict[str, Any]] = []
        texts: dict[tuple[tuple[str, str], ...], RawJSON] = {}  # a run has one set of versions
        for key, d in keys.items():
            versions = d.provenance.list_versions if d.provenance else {}
            ordered = tuple(versions.items())
            versions_text = texts.get(ordered)
            if versions_text is None:
                versions_text = texts[ordered] = RawJSON(dumps(versions))
            values = {
                "name": str(d.record.get("name") or ""),
                "identity_hash": record_identity(d),
                "record": RawJSON(dumps(d.record)),
                "last_screened_at": now,
                "last_screening_id": d.screening_id,
                "list_versions": versions_text,
                "as_of": d.provenance.as_of if d.provenance else "",
            }
            if key in ids:
                updates.append({"id": ids[key], **values})
            else:
                new.append({"kind": key[0], "record_key": key[1], "first_seen_at": now, **values})
        if updates:
            self.session.execute(
                update(_PARTIES).where(_PARTIES.c.id == bindparam("pid")),
                [{"pid": u.pop("id"), **u} for u in updates],
            )
        if new:
            pks = _Bulk(self.session).insert(_PARTIES, new, key=("kind", "record_key"))
            ids.update(
                {(row["kind"], row["record_key"]): pk for pk, row in zip(pks, new, strict=True)}
            )
        return ids

    def store_chunk(
        self, run: ScreeningRun, decisions: Iterable[Decision], now: datetime
    ) -> ChunkCounts:
        """Store the screened decisions of one chunk (failed rows are not screenings: they
        are counted on the run). Opens or updates the parties' cases."""
        counts = ChunkCounts()
        done = [d for d in decisions if not d.failed and d.screening_id]
        # one per screening id (a file may hold the same record twice)
        unique = list({d.screening_id: d for d in done}.values())
        known = self.existing_ids([d.screening_id for d in unique if d.screening_id])
        fresh = [d for d in unique if d.screening_id not in known]
        counts.reused = len(done) - len(fresh)
        if not fresh:
            return counts
        party_ids = self._parties(fresh, now)
        texts = [d.json_text() for d in fresh]
        bulk = _Bulk(self.session)
        screening_pks = bulk.insert(
            _SCREENINGS,
            [
                {
                    "screening_id": d.screening_id,
                    "run_id": run.id,
                    "party_id": party_ids[(d.kind, str(d.record_id))],
                    "outcome": d.outcome.value if d.outcome else "",
                    "as_of": d.provenance.as_of if d.provenance else "",
                    "created_at": now,
                    "result": RawJSON(text),  # the worker's JSON text, stored as it is
                    "identity_hash": record_identity(d),
                }
                for d, text in zip(fresh, texts, strict=True)
            ],
            key=("screening_id",),
        )
        pks = {str(d.screening_id): pk for d, pk in zip(fresh, screening_pks, strict=True)}
        counts.digest_lines = [
            (str(d.screening_id), text_hash(text), record_identity(d))
            for d, text in sorted(
                zip(fresh, texts, strict=True), key=lambda p: pks[str(p[0].screening_id)]
            )
        ]
        matches = []
        hits = []
        for d in fresh:
            pk = pks[str(d.screening_id)]
            for rank, m in enumerate(d.matches, 1):
                matches.append(
                    {
                        "screening_pk": pk, "rank": rank, "source": m.match.source,
                        "entry_key": m.match.entry_key, "list_code": m.match.list_code,
                        "entry_name": m.match.entry_name, "matched_name": m.match.matched_name,
                        "query_name": m.match.query_name, "score": round(m.match.score, 4),
                        "status": m.status.value, "in_force": m.in_force,
                        "entry_hash": m.match.entry_hash,
                        "features": {k: v.to_dict() for k, v in m.match.features},
                    }
                )  # fmt: skip
            for h in d.rule_hits:
                hits.append(
                    {
                        "screening_pk": pk, "rule_id": h.rule_id, "outcome": h.outcome.value,
                        "citation": h.citation, "basis": h.basis,
                    }
                )  # fmt: skip
        bulk.insert(_MATCHES, matches)
        bulk.insert(_RULE_HITS, hits)
        opened, updated = self._cases(fresh, party_ids, now)
        counts.stored = len(fresh)
        counts.cases_opened, counts.cases_updated = opened, updated
        counts.stored_ids = [str(d.screening_id) for d in fresh]
        return counts

    # ----------------------------------------------------------------------------- cases
    def open_cases(self, party_ids: Sequence[int]) -> dict[int, CaseRow]:
        found: dict[int, CaseRow] = {}
        for i in range(0, len(party_ids), _IN_CHUNK):
            part = party_ids[i : i + _IN_CHUNK]
            for case in self.session.scalars(
                select(CaseRow).where(
                    CaseRow.party_id.in_(part), CaseRow.status != CaseStatus.CLOSED.value
                )
            ):
                found[case.party_id] = case
        return found

    def _cases(
        self, decisions: Sequence[Decision], party_ids: dict[tuple[str, str], int], now: datetime
    ) -> tuple[int, int]:
        """Every decision that is not ``clear`` opens a case for its party or updates its open
        case: the outcome, and each undecided in-force match (new ones join; a match whose
        clearance no longer holds comes back ``open`` with the reason)."""
        flagged = [d for d in decisions if d.outcome is not None and d.outcome.value != "clear"]
        if not flagged:
            return 0, 0
        cases = self.open_cases([party_ids[(d.kind, str(d.record_id))] for d in flagged])
        settled = self._closed_cases(
            [
                party_ids[(d.kind, str(d.record_id))]
                for d in flagged
                if not d.unresolved and party_ids[(d.kind, str(d.record_id))] not in cases
            ]
        )
        opened = updated = 0
        times = Counter(party_ids[(d.kind, str(d.record_id))] for d in flagged)
        new: list[tuple[int, Decision]] = []  # cases to open, one decision each
        for d in flagged:
            pid = party_ids[(d.kind, str(d.record_id))]
            case = cases.get(pid)
            assert d.outcome is not None and d.screening_id is not None
            if case is None and _rules_key(d) in settled.get(pid, ()):
                # Nothing new to review: every match is decided and a reviewer already
                # closed a case on this party as it is, this outcome and these rules.
                continue
            if case is None and times[pid] == 1:
                new.append((pid, d))
                opened += 1
                continue
            if case is None:
                case = CaseRow(**_new_case(pid, d, now))
                self.session.add(case)
                self.session.flush()
                cases[pid] = case
                opened += 1
            else:
                case.outcome = d.outcome.value
                if d.outcome.rank > Outcome(case.strongest_outcome).rank:
                    case.strongest_outcome = d.outcome.value
                case.updated_at = now
                case.latest_screening_id = d.screening_id
                updated += 1
            self._case_matches(case, d)
        self._open_cases(new, now)
        return opened, updated

    def _open_cases(self, new: list[tuple[int, Decision]], now: datetime) -> None:
        """Open a case for each party with its decision's undecided matches (in bulk)."""
        if not new:
            return
        bulk = _Bulk(self.session)
        case_ids = bulk.insert(
            _CASES,
            [{**_new_case(pid, d, now), "version": 1} for pid, d in new],  # the ORM's first
            key=("party_id",),
        )
        bulk.insert(
            _CASE_MATCHES,
            [
                _new_case_match(case_id, d, m)
                for case_id, (_, d) in zip(case_ids, new, strict=True)
                for m in d.unresolved
            ],
        )

    def _closed_cases(self, party_ids: Sequence[int]) -> dict[int, set[tuple[str, ...]]]:
        """Per party, the (identity, outcome, rule ids...) its closed cases were closed on
        (the latest screening of each)."""
        found: dict[int, set[tuple[str, ...]]] = {}
        for i in range(0, len(party_ids), _IN_CHUNK):
            part = party_ids[i : i + _IN_CHUNK]
            rows = self.session.execute(
                select(CaseRow.party_id, ScreeningRow.result, ScreeningRow.identity_hash)
                .join(ScreeningRow, ScreeningRow.screening_id == CaseRow.latest_screening_id)
                .where(CaseRow.party_id.in_(part), CaseRow.status == CaseStatus.CLOSED.value)
            )
            for pid, result, identity in rows:
                hits = sorted(str(h.get("rule_id")) for h in result.get("rule_hits") or ())
                key = (identity, str(result.get("decision")), *hits)
                found.setdefault(pid, set()).add(key)
        return found

    def _case_matches(self, case: CaseRow, d: Decision) -> None:
        existing = {
            (m.source, m.entry_key): m
            for m in self.session.scalars(
                select(CaseMatchRow).where(CaseMatchRow.case_id == case.id)
            )
        }
        party_hash = record_identity(d)
        for m in d.unresolved:
            row = existing.get(m.key)
            if row is None:
                self.session.add(CaseMatchRow(**_new_case_match(case.id, d, m)))
                continue
            row.last_screening_id = str(d.screening_id)
            row.score = round(m.match.score, 4)
            row.entry_name = m.match.entry_name
            row.matched_name = m.match.matched_name
            row.entry_hash = m.match.entry_hash
            row.party_hash = party_hash
            if row.state in (MatchState.CLEARED.value, MatchState.CONFIRMED.value):
                row.state = MatchState.OPEN.value  # its decision is void: a fresh hit
                row.note = (m.review or {}).get("void")
        self.session.flush()

    # --------------------------------------------------------------- standing decisions
    def prior_decisions(self) -> PriorDecisions:
        """Every standing decision screening applies: live clearances (suppressions) and
        confirmed matches, per party and entry (the newest wins)."""
        out: PriorDecisions = {}
        for s in self.session.scalars(
            select(SuppressionRow)
            .where(SuppressionRow.revoked_at.is_(None))
            .order_by(SuppressionRow.id)
        ):
            out.setdefault((s.kind, s.record_key), {})[(s.source, s.entry_key)] = PriorDecision(
                "cleared", s.party_hash, s.entry_hash, s.case_id,
                s.created_by + (f", approved by {s.approved_by}" if s.approved_by else ""),
                s.created_at.isoformat(), date.fromisoformat(s.expires) if s.expires else None,
            )  # fmt: skip
        confirmed = self.session.execute(
            select(CaseMatchRow, PartyRow.kind, PartyRow.record_key)
            .join(CaseRow, CaseRow.id == CaseMatchRow.case_id)
            .join(PartyRow, PartyRow.id == CaseRow.party_id)
            .where(CaseMatchRow.state == MatchState.CONFIRMED.value)
            .order_by(CaseMatchRow.id)
        )
        for m, kind, key in confirmed:
            at = m.decided_at.isoformat() if m.decided_at else ""
            out.setdefault((kind, key), {})[(m.source, m.entry_key)] = PriorDecision(
                "confirmed", m.party_hash, m.entry_hash, m.case_id, m.decided_by or "", at
            )
        return out
