"""Re-screening stored parties after a list changes (``compliance rescreen [--full]``).

Delta (the default): only the parties that could meet an added or changed entry are screened
again. Each stored party was last screened against some list versions on some date (its
*baseline*); the delta is what the active versions hold that the baseline did not (a new
key, or a key whose content hash changed), and the entries whose own start or end date lies
between the baseline's date and this screening's (they came into force or lapsed). A party is
screened again when a delta entry could meet it by any route screening uses:

- names: every name the party's record screens (its own, its aliases, its owners', parents'
  and ultimate parent's; a data centre's operator and the operator's ultimate parent) is
  indexed (the same :class:`~compliance.matching.engine.Matcher`, with the parties as its
  entries) and queried with every delta entry's names, :data:`PREFILTER_MARGIN` below the
  review threshold (the party index weighs tokens by their rarity among the parties, not
  among the list names);
- identifiers: a delta entry's identifier equal to the party's registration number;
- addresses: a delta entry's address held in the party's address.

The parties found are screened again in full, in the current context, and stored as a
``rescreen`` run: new hits open or update cases like any screening; the others are marked
current with the active versions. Entries the active versions no longer hold are noted on
open cases. ``--full`` screens every stored party again.

The delta is a prefilter followed by the real screening, so a party it lets through is decided
exactly as a full re-screen would decide it; the test on two real list versions checks it
lets none through that a full re-screen finds a new hit for.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from compliance.decision import Decision
from compliance.facts import data_centre_address, parse_day
from compliance.matching.addresses import AddressIndex
from compliance.matching.engine import Matcher
from compliance.matching.features import normalize_identifier
from compliance.model import Alias, AliasKind, EntityType, ListEntry, Owner, Party
from compliance.records import DataCentre
from compliance.review import CaseStatus
from compliance.screening import ScreeningContext, screen_data_centre, screen_party
from compliance.services.screening import RunRecorder
from compliance.store import audit
from compliance.store.repository import ListRepository
from compliance.store.tables import (
    CaseMatchRow,
    CaseRow,
    ListSource,
    ListVersion,
    PartyRow,
    ScreeningRow,
)

PREFILTER_MARGIN = 0.15
# A group whose changed entries have at least this many names per party is screened in full:
# indexing its parties costs more than screening them (an index of the parties costs about a
# third of a screening per party, a query with a changed name about one screening).
FULL_WHEN_NAMES_PER_PARTY = 0.3
_READ_BATCH = 5000
_IN_CHUNK = 500


# ---------------------------------------------------------------- records from the store
def _pair(value: Any) -> tuple[Any, Any]:
    items = list(value or ())
    items += [None] * (2 - len(items))
    return items[0], items[1]


def party_from_record(record: dict[str, Any]) -> Party:
    """The customer a stored fingerprint describes (the inverse of
    :func:`compliance.screening.party_fingerprint`)."""
    parent, parent_country = _pair(record.get("parent"))
    ultimate, ultimate_country = _pair(record.get("ultimate_parent"))
    return Party(
        id=str(record["id"]),
        name=str(record["name"]),
        aliases=tuple(record.get("aliases") or ()),
        entity_type=EntityType(record.get("entity_type") or "unknown"),
        country=record.get("country"),
        address=record.get("address"),
        registration_number=record.get("registration_number"),
        hq_country=record.get("hq_country"),
        parent_name=parent,
        parent_country=parent_country,
        ultimate_parent_name=ultimate,
        ultimate_parent_country=ultimate_country,
        owners=tuple(Owner(o[0], o[1], o[2]) for o in record.get("owners") or ()),
        date_of_birth=record.get("date_of_birth"),
        service=record.get("service"),
        extra=tuple((str(k), str(v)) for k, v in record.get("extra") or ()),
    )


def data_centre_from_record(record: dict[str, Any]) -> DataCentre:
    """The data centre a stored fingerprint describes."""
    operator, operator_country = _pair(record.get("operator"))
    ultimate, ultimate_country = _pair(record.get("ultimate_parent"))
    country, city = _pair(record.get("location"))
    accelerators = list(record.get("accelerators") or ()) + [None] * 4
    return DataCentre(
        id=str(record["id"]),
        name=str(record["name"]),
        operator_name=operator,
        operator_country=operator_country,
        operator_ultimate_parent_name=ultimate,
        operator_ultimate_parent_country=ultimate_country,
        country=country,
        city=city,
        accelerator_model=accelerators[0],
        accelerator_count=accelerators[1],
        eccn=accelerators[2],
        tpp_per_device=accelerators[3],
        extra=tuple((str(k), str(v)) for k, v in record.get("extra") or ()),
    )


# -------------------------------------------------------------------------------- delta
@dataclass
class Delta:
    """What the active versions hold that a baseline did not, and what they lost."""

    changed: list[tuple[str, ListEntry]] = field(default_factory=list)  # added or changed
    removed: set[tuple[str, str]] = field(default_factory=set)  # (source, key)


def _version(session: Session, source: str, sha: str) -> ListVersion | None:
    return session.scalar(
        select(ListVersion)
        .join(ListSource, ListSource.id == ListVersion.source_id)
        .where(ListSource.name == source, ListVersion.content_sha256 == sha)
    )


def delta(session: Session, baseline: dict[str, str], active: dict[str, str]) -> Delta:
    """The delta between a party's baseline list versions and the active ones."""
    repo = ListRepository(session)
    out = Delta()
    for source, sha in sorted(active.items()):
        if baseline.get(source) == sha:
            continue
        now = _version(session, source, sha)
        assert now is not None
        then = _version(session, source, baseline[source]) if source in baseline else None
        current = repo.summaries(now)
        before = repo.summaries(then) if then is not None else {}
        keys = [
            k
            for k, s in current.items()
            if before.get(k) is None or before[k].content_hash != s.content_hash
        ]
        out.changed += [(source, e) for e in repo.entries(now, keys)]
        out.removed |= {(source, k) for k in before if k not in current}
    for source, sha in baseline.items():  # a source no longer active: all of it is gone
        if source not in active:
            then = _version(session, source, sha)
            if then is not None:
                out.removed |= {(source, k) for k in repo.summaries(then)}
    return out


@dataclass
class StoredParty:
    pk: int
    kind: str
    record: dict[str, Any]
    baseline: dict[str, str]
    last_screening_id: str
    as_of: str


def stored_parties(session: Session) -> Iterator[StoredParty]:
    """Every stored party with the list versions its decision is current with (streamed)."""
    query = (
        select(
            PartyRow.id,
            PartyRow.kind,
            PartyRow.record,
            PartyRow.list_versions,
            PartyRow.last_screening_id,
            PartyRow.as_of,
        )
        .order_by(PartyRow.id)
        .execution_options(yield_per=_READ_BATCH)
    )
    for pk, kind, record, versions, last, as_of in session.execute(query):
        yield StoredParty(pk, kind, record, dict(versions), last, as_of)


def _move_baseline(session: Session, pks: list[int], versions: dict[str, str], as_of: str) -> None:
    """The parties ``pks`` are current with ``versions`` now (nothing new for them): one
    UPDATE per 500 parties."""
    for i in range(0, len(pks), _IN_CHUNK):
        session.execute(
            update(PartyRow)
            .where(PartyRow.id.in_(pks[i : i + _IN_CHUNK]))
            .values(list_versions=versions, as_of=as_of)
            .execution_options(synchronize_session=False)
        )


def _as_entry(p: StoredParty) -> ListEntry:
    """A stored party as an entry of the party index: every name its screening screens (its
    own and aliases, its owners', parents' and ultimate parent's), its type and country."""
    r = p.record
    if p.kind == "data_centre":
        operator, country = _pair(r.get("operator"))
        ultimate, _ = _pair(r.get("ultimate_parent"))
        names = [n for n in (operator, r.get("name"), ultimate) if n]
        etype = EntityType.ORGANIZATION
    else:
        related = [
            _pair(r.get("parent"))[0],
            _pair(r.get("ultimate_parent"))[0],
            *(o[0] for o in r.get("owners") or () if o),
        ]
        names = [r["name"], *(r.get("aliases") or ()), *(n for n in related if n)]
        # owners and parents may be people or companies: one reading covers both
        etype = EntityType(r.get("entity_type") or "unknown") if not related else EntityType.UNKNOWN
        country = r.get("country")
    return ListEntry(
        str(p.pk), str(names[0]), etype, p.kind,
        aliases=tuple(Alias(str(n), AliasKind.AKA) for n in names[1:]),
        countries=(country,) if country else (),
    )  # fmt: skip


def _by_identifier(parties: list[StoredParty], changed: list[tuple[str, ListEntry]]) -> set[int]:
    """The parties whose registration number is a changed entry's identifier."""
    wanted = {
        key
        for _, e in changed
        for i in e.identifiers
        if len(key := normalize_identifier(i.value)) >= 5
    }
    if not wanted:
        return set()
    return {
        p.pk
        for p in parties
        if (reg := p.record.get("registration_number")) and normalize_identifier(reg) in wanted
    }


def _by_address(parties: list[StoredParty], changed: list[tuple[str, ListEntry]]) -> set[int]:
    """The parties whose address holds a changed entry's address."""
    if not any(e.addresses for _, e in changed):
        return set()
    index = AddressIndex(changed)
    found = set()
    for p in parties:
        address: str | None
        country: str | None
        if p.kind == "data_centre":
            dc = data_centre_from_record(p.record)
            address, country = data_centre_address(dc), dc.country
        else:
            address, country = p.record.get("address"), p.record.get("country")
        if address and index.match(address, country):
            found.add(p.pk)
    return found


def prefilter(
    parties: list[StoredParty], changed: list[tuple[str, ListEntry]], threshold: float
) -> set[int]:
    """The parties (pks) a changed entry could meet: by name (the party index queried with
    each changed entry's names, ``PREFILTER_MARGIN`` under the review threshold), by
    identifier, by address."""
    if not parties or not changed:
        return set()
    index = Matcher.build([("parties", [_as_entry(p) for p in parties])])
    found: set[int] = set()
    for _source, entry in changed:
        query = Party(
            id=entry.key, name=entry.name, aliases=tuple(a.name for a in entry.aliases),
            entity_type=entry.entity_type,
        )  # fmt: skip
        for m in index.match(query, threshold=max(threshold - PREFILTER_MARGIN, 0.0), limit=10_000):
            found.add(int(m.entry_key))
    return found | _by_identifier(parties, changed) | _by_address(parties, changed)


def dated(ctx: ScreeningContext, since: date, until: date) -> list[tuple[str, ListEntry]]:
    """The active entries whose own start or end date lies between two screening dates,
    either way round, both days included (an end date is the last day in force, a start date
    the first: inclusive bounds hold both; a few extra entries only cost their screening)."""
    lo, hi = min(since, until), max(since, until)
    out = []
    for source, entry in ctx.matcher.index.entries:
        for text in (entry.start_date, entry.end_date):
            day = parse_day(text)
            if day is not None and lo <= day <= hi:
                out.append((source, entry))
                break
    return out


# ----------------------------------------------------------------------------- rescreen
@dataclass
class RescreenResult:
    full: bool
    strategy: str = "prefilter"
    parties: int = 0  # stored parties considered
    screened: int = 0
    changed_entries: int = 0
    removed_entries: int = 0
    run: dict[str, Any] = field(default_factory=dict)
    changes: list[dict[str, Any]] = field(default_factory=list)  # per party whose hits changed
    removed_noted: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "full": self.full, "strategy": self.strategy, "parties": self.parties,
            "screened": self.screened,
            "changed_entries": self.changed_entries, "removed_entries": self.removed_entries,
            "removed_noted_on_cases": self.removed_noted, "run": self.run,
            "changes": self.changes,
        }  # fmt: skip


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _screen(p: StoredParty, ctx: ScreeningContext) -> Decision:
    if p.kind == "data_centre":
        return screen_data_centre(data_centre_from_record(p.record), ctx)
    return screen_party(party_from_record(p.record), ctx)


def _previous_hits(session: Session, ids: list[str]) -> dict[str, tuple[str, set[tuple[str, str]]]]:
    out: dict[str, tuple[str, set[tuple[str, str]]]] = {}
    for i in range(0, len(ids), 500):
        for sid, outcome, result in session.execute(
            select(ScreeningRow.screening_id, ScreeningRow.outcome, ScreeningRow.result).where(
                ScreeningRow.screening_id.in_(ids[i : i + 500])
            )
        ):
            data = result if isinstance(result, dict) else json.loads(result)
            out[sid] = (outcome, {(m["list"], m["entry_id"]) for m in data.get("matches", ())})
    return out


def _note_removed(session: Session, removed: set[tuple[str, str]], now: datetime) -> int:
    """Mark the open cases' matches on entries the lists no longer hold."""
    if not removed:
        return 0
    noted = 0
    rows = session.scalars(
        select(CaseMatchRow)
        .join(CaseRow, CaseRow.id == CaseMatchRow.case_id)
        .where(CaseRow.status != CaseStatus.CLOSED.value)
    )
    for m in rows:
        if (m.source, m.entry_key) in removed:
            m.note = (
                f"entry {m.entry_key} is no longer on {m.source} "
                f"(noted {now.date().isoformat()}); decide it all the same"
            )
            noted += 1
    return noted


def rescreen(
    sessions: sessionmaker[Session], ctx: ScreeningContext, *, full: bool, actor: str
) -> RescreenResult:
    """Re-screen stored parties against the active lists (see the module docstring)."""
    result = RescreenResult(full)
    with sessions() as session:
        parties = list(stored_parties(session))
        result.parties = len(parties)
        current: list[int] = []  # parties the delta cannot change: current now
        if full:
            targets = parties
            changed_delta = Delta()
            result.strategy = "full"
        else:
            groups: dict[str, list[StoredParty]] = {}
            for p in parties:
                groups.setdefault(json.dumps(p.baseline, sort_keys=True), []).append(p)
            chosen: set[int] = set()
            changed_delta = Delta()
            for key, members in groups.items():
                if json.loads(key) == ctx.list_versions:
                    change = Delta()
                else:
                    change = delta(session, json.loads(key), ctx.list_versions)
                days = [_day(p.as_of) or ctx.as_of for p in members]
                seen = {(src, e.key) for src, e in change.changed}
                moved = [d for d in days if d != ctx.as_of]  # screened on another date
                span = dated(ctx, min([*moved, ctx.as_of]), max([*moved, ctx.as_of]))
                for pair in span if moved else ():
                    if (pair[0], pair[1].key) not in seen:
                        seen.add((pair[0], pair[1].key))
                        change.changed.append(pair)
                if not change.changed and not change.removed:
                    current += [p.pk for p in members]
                    continue
                changed_delta.changed += change.changed
                changed_delta.removed |= change.removed
                names = sum(1 + len(e.aliases) for _, e in change.changed)
                if names >= FULL_WHEN_NAMES_PER_PARTY * len(members):
                    found = {p.pk for p in members}
                    result.strategy = "full: the change is large for the parties stored"
                else:
                    found = prefilter(members, change.changed, ctx.effective_threshold)
                chosen |= found
                current += [p.pk for p in members if p.pk not in found]
            targets = [p for p in parties if p.pk in chosen]
        result.changed_entries = len({(s, e.key) for s, e in changed_delta.changed})
        result.removed_entries = len(changed_delta.removed)
        previous = _previous_hits(session, [p.last_screening_id for p in targets])
    if targets:
        recorder = RunRecorder(
            sessions, ctx, actor=actor, command="rescreen-full" if full else "rescreen",
            kind="mixed", input_name=None,
        )  # fmt: skip
        decisions = (_screen(p, ctx) for p in targets)
        for p, d in zip(targets, recorder.record(decisions), strict=True):
            result.screened += 1
            before_outcome, before = previous.get(p.last_screening_id, ("", set()))
            now_keys = {m.key for m in d.matches}
            new, gone = sorted(now_keys - before), sorted(before - now_keys)
            outcome = d.outcome.value if d.outcome else None
            if new or gone or outcome != before_outcome:
                result.changes.append(
                    {
                        "kind": p.kind, "record_id": p.record.get("id"),
                        "decision_before": before_outcome, "decision": outcome,
                        "new_hits": [list(k) for k in new], "gone_hits": [list(k) for k in gone],
                        "screening_id": d.screening_id,
                    }
                )  # fmt: skip
        result.run = recorder.finish()
    now = datetime.now(UTC)
    with sessions.begin() as session:
        _move_baseline(session, current, ctx.list_versions, ctx.as_of.isoformat())
        result.removed_noted = _note_removed(session, changed_delta.removed, now)
        summary = result.to_dict()
        summary["changes"] = len(result.changes)
        audit.append(
            session, actor=actor, action="rescreen", subject="full" if full else "delta",
            outcome="ok", details=summary, at=now,
        )  # fmt: skip
    return result
