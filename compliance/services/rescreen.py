"""Re-screening stored parties after a list changes (``compliance rescreen [--full]``).

Delta (the default): only the parties that could meet an added or changed entry are screened
again. Each stored party was last screened against some list versions on some date (its
*baseline*); the delta is what the active versions hold that the baseline did not (a new
key, or a key whose content hash changed), and the entries whose own start or end date lies
between the baseline's date and this screening's (they came into force or lapsed). A party is
screened again when a delta entry could meet it by any route screening uses:

- names: every name the party's record screens (its own, its aliases, its owners', parents'
  and ultimate parent's; a data centre's operator and the operator's ultimate parent), in
  every form screening reads it, is indexed (the same
  :class:`~compliance.matching.engine.Matcher`, with the parties as its entries; kept on
  disk in segments between re-screens: :mod:`compliance.services.party_index`), and the
  delta entries' names are looked up in it by blocking alone. Each party found is then
  scored against the entries that found it the way screening scores it (its names as the
  query, the list's index and weights, every name of those entries: a name is not scored the
  same both ways round), and kept when a score comes within :data:`CONFIRM_MARGIN` of the
  review threshold. An entry whose only change is names added is looked up by those names
  alone (:func:`added_names`: the parties met its other names when last screened);
- standing decisions: a party whose latest screening matched a changed entry, or that holds
  a clearance of one (the entry's change voids it);
- identifiers: a delta entry's identifier equal to the party's registration number;
- addresses: a delta entry's address held in the party's address.

The parties found are screened again in full, in the current context, and stored as a
``rescreen`` run: new hits open or update cases like any screening; the others are marked
current with the active versions. Entries the active versions no longer hold are noted on
open cases. ``--full`` screens every stored party again.

The delta is a prefilter followed by the real screening, so a party it lets through is decided
exactly as a full re-screen would decide it; the test on two real list versions checks it
lets none through that a full re-screen finds a new hit for, and ``benchmarks/rescreen.py
--full-too`` compares the two on generated customers. What the delta does not see: a score on
an entry the update did not change that moved because the update changed how rare a word is
across the lists (a token's weight is its rarity among all list names: removing a hundred
entries holding "novak" lifts every other "novak" name's score); a lower threshold, a new
ruleset or a new engine than the parties were screened with (``--full`` re-screens them); and
a party whose record a screening still running on the old lists changes after the re-screen
read it (it is marked current with the new versions).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from compliance.decision import Decision
from compliance.facts import data_centre_address, parse_day
from compliance.matching.addresses import AddressIndex
from compliance.matching.engine import Matcher, entry_keys
from compliance.matching.features import normalize_identifier
from compliance.model import ListEntry, Party
from compliance.review import CaseStatus
from compliance.screening import (
    ScreeningContext,
    screen_data_centre,
    screen_party,
)
from compliance.services import party_index
from compliance.services.party_index import data_centre_from_record, party_from_record
from compliance.services.screening import RunRecorder
from compliance.store import audit
from compliance.store.repository import ListRepository
from compliance.store.tables import (
    CaseMatchRow,
    CaseRow,
    ListSource,
    ListVersion,
    MatchRow,
    PartyRow,
    ScreeningRow,
    SuppressionRow,
)

# A party blocking found next to a changed entry is screened again when its screening scores
# the entry within this of the review threshold (the scores are screening's own: the margin is
# for what a full screening adds, none of which is expected to lift a score).
CONFIRM_MARGIN = 0.05
# A group whose changed entries have at least this many names per party is screened in full
# (set when the parties' index was built on every re-screen, at about a third of a screening
# per party; read back from its cache it costs far less, so this now errs toward full).
FULL_WHEN_NAMES_PER_PARTY = 0.3
_READ_BATCH = 5000
_IN_CHUNK = 500


# ---------------------------------------------------------------- records from the store
# -------------------------------------------------------------------------------- delta
@dataclass
class Delta:
    """What the active versions hold that a baseline did not, and what they lost."""

    changed: list[tuple[str, ListEntry]] = field(default_factory=list)  # added or changed
    removed: set[tuple[str, str]] = field(default_factory=set)  # (source, key)
    # (source, key) -> the names a changed entry gained, when gaining them is all that changed
    # (see added_names): the only names of it the parties have not been screened against.
    gained: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)


def added_names(now: ListEntry, then: ListEntry) -> tuple[str, ...] | None:
    """The names ``now`` holds that ``then`` did not (as a primary name, or as an alias of a
    kind it did not have), when the names are all that changed; None when anything else
    changed (a program, a country, a date, an identifier: every name can score differently
    then). A party screened against ``then`` scored its other names as it would now (the same
    names, the same entry): only the names it gained can give it a new hit."""
    if replace(now, name=then.name, aliases=then.aliases) != then:
        return None
    before = {(then.name, "primary"), *((a.name, a.kind.value) for a in then.aliases)}
    after = [(now.name, "primary"), *((a.name, a.kind.value) for a in now.aliases)]
    return tuple(dict.fromkeys(name for name, kind in after if (name, kind) not in before))


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
        gained = [k for k in keys if k in before]
        earlier = {e.key: e for e in repo.entries(then, gained)} if then and gained else {}
        for entry in repo.entries(now, keys):
            out.changed.append((source, entry))
            previous = earlier.get(entry.key)
            if previous is not None and (names := added_names(entry, previous)) is not None:
                out.gained[(source, entry.key)] = names
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


def stored_parties(session: Session, pks: list[int] | None = None) -> Iterator[StoredParty]:
    """The stored parties (all of them, or those with ids ``pks``) with their records and
    the list versions their decisions are current with (streamed, ids ascending)."""
    query = select(
        PartyRow.id,
        PartyRow.kind,
        PartyRow.record,
        PartyRow.list_versions,
        PartyRow.last_screening_id,
        PartyRow.as_of,
    ).order_by(PartyRow.id)
    if pks is None:
        chunks: list[list[int] | None] = [None]
    else:
        chunks = [pks[i : i + _IN_CHUNK] for i in range(0, len(pks), _IN_CHUNK)]
    for chunk in chunks:
        chosen = query if chunk is None else query.where(PartyRow.id.in_(chunk))
        rows = session.execute(chosen.execution_options(yield_per=_READ_BATCH))
        for pk, kind, record, versions, last, as_of in rows:
            yield StoredParty(pk, kind, record, dict(versions), last, as_of)


def _move_baseline(session: Session, pks: list[int], versions: dict[str, str], as_of: str) -> None:
    """The parties ``pks`` are current with ``versions`` now (nothing new for them). A run of
    consecutive ids is one UPDATE over the id range (no other party can lie inside it); the
    other ids go 500 to an UPDATE."""
    values = {"list_versions": versions, "as_of": as_of}
    ordered = sorted(set(pks))
    runs: list[tuple[int, int]] = []
    for pk in ordered:
        if runs and runs[-1][1] == pk - 1:
            runs[-1] = (runs[-1][0], pk)
        else:
            runs.append((pk, pk))
    singles = [lo for lo, hi in runs if lo == hi]
    for lo, hi in runs:
        if lo != hi:
            session.execute(
                update(PartyRow)
                .where(PartyRow.id >= lo, PartyRow.id <= hi)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
    for i in range(0, len(singles), _IN_CHUNK):
        session.execute(
            update(PartyRow)
            .where(PartyRow.id.in_(singles[i : i + _IN_CHUNK]))
            .values(**values)
            .execution_options(synchronize_session=False)
        )


def _query(entry: ListEntry, names: tuple[str, ...] | None) -> Party | None:
    """A changed entry as a query of the party index: all its names, or only ``names`` (those
    it gained); None when it gained none."""
    if names is None:
        names = (entry.name, *(a.name for a in entry.aliases))
    if not names:
        return None
    return Party(id=entry.key, name=names[0], aliases=names[1:], entity_type=entry.entity_type)


def _wanted_identifiers(changed: list[tuple[str, ListEntry]]) -> set[str]:
    return {
        key
        for _, e in changed
        for i in e.identifiers
        if len(key := normalize_identifier(i.value)) >= 5
    }


def _registration_numbers(session: Session, members: set[int]) -> dict[int, str]:
    """The registration numbers of the parties ``members`` that give one (read from the
    records in the database, not parsed here)."""
    reg = PartyRow.record["registration_number"].as_string()
    query = (
        select(PartyRow.id, reg).where(reg.is_not(None)).execution_options(yield_per=_READ_BATCH)
    )
    return {pk: value for pk, value in session.execute(query) if pk in members and value}


def _addresses(session: Session, members: set[int]) -> dict[int, tuple[str, str | None]]:
    """(address, country) of the parties ``members`` that give an address; a data centre's
    is its location's (read from its whole record)."""
    out: dict[int, tuple[str, str | None]] = {}
    address = PartyRow.record["address"].as_string()
    country = PartyRow.record["country"].as_string()
    query = (
        select(PartyRow.id, address, country)
        .where(PartyRow.kind != "data_centre", address.is_not(None))
        .execution_options(yield_per=_READ_BATCH)
    )
    for pk, text, where in session.execute(query):
        if pk in members and text:
            out[pk] = (text, where)
    centres = select(PartyRow.id, PartyRow.record).where(PartyRow.kind == "data_centre")
    for pk, record in session.execute(centres):
        if pk in members:
            dc = data_centre_from_record(record)
            if (text := data_centre_address(dc)) is not None:
                out[pk] = (text, dc.country)
    return out


def _matched_on(session: Session, keys: set[tuple[str, str]]) -> list[tuple[int, str, str]]:
    """(party id, source, entry key) for each party whose latest screening matched one of the
    entries ``keys`` (whatever became of the match: open, confirmed, cleared), and each party
    with a clearance of one of them: the entry changed, so their standing decisions on it
    must be looked at again (a clearance of it is void now)."""
    out: list[tuple[int, str, str]] = []
    by_source: dict[str, list[str]] = {}
    for source, key in keys:
        by_source.setdefault(source, []).append(key)
    for source, listed in sorted(by_source.items()):
        for i in range(0, len(listed), _IN_CHUNK):
            chunk = listed[i : i + _IN_CHUNK]
            matched = (
                select(PartyRow.id, MatchRow.source, MatchRow.entry_key)
                .join(ScreeningRow, ScreeningRow.screening_id == PartyRow.last_screening_id)
                .join(MatchRow, MatchRow.screening_pk == ScreeningRow.id)
                .where(MatchRow.source == source, MatchRow.entry_key.in_(chunk))
            )
            cleared = (
                select(PartyRow.id, SuppressionRow.source, SuppressionRow.entry_key)
                .join(
                    SuppressionRow,
                    (SuppressionRow.kind == PartyRow.kind)
                    & (SuppressionRow.record_key == PartyRow.record_key),
                )
                .where(SuppressionRow.source == source, SuppressionRow.entry_key.in_(chunk))
            )
            out += session.execute(matched).tuples().all()
            out += session.execute(cleared).tuples().all()
    return out


def _confirm(
    session: Session,
    matcher: Matcher,
    near: dict[int, set[int]],
    entry_of: dict[int, tuple[str, str, tuple[str, ...] | None]],
    threshold: float,
) -> set[int]:
    """The parties of ``near`` (party id -> the changed entries' queries that found it) whose
    screening gives one of those entries a score within ``CONFIRM_MARGIN`` of ``threshold``:
    the same matcher, scorer and features as screening, every name of the entries scored
    (:meth:`Matcher.match` ``among``), the party's names read as screening reads them."""
    if not near:
        return set()
    position = {key: i for i, key in enumerate(entry_keys(matcher.index.entries))}
    floor = max(threshold - CONFIRM_MARGIN, 0.0)
    found: set[int] = set()
    pks = sorted(near)
    for i in range(0, len(pks), _IN_CHUNK):
        rows = session.execute(
            select(PartyRow.id, PartyRow.kind, PartyRow.record).where(
                PartyRow.id.in_(pks[i : i + _IN_CHUNK])
            )
        )
        for pk, kind, record in rows:
            among = {at for n in near[pk] if (at := position.get(entry_of[n][:2])) is not None}
            if any(
                matcher.match(q, threshold=floor, limit=1, among=among)
                for q in party_index.screened_parties(kind, record)
            ):
                found.add(pk)
    return found


def prefilter(
    session: Session,
    scanned: party_index.PartyScan,
    groups: list[tuple[list[int], Delta]],
    matcher: Matcher,
    threshold: float,
    cache_dir: Path | None,
) -> tuple[set[int], party_index.SegmentStats]:
    """The parties a changed entry could meet, for each (party ids, their delta) group: by
    name (the parties' index, :mod:`compliance.services.party_index`, looked up with the
    changed entries' names, or only those an entry gained; a party found for a query of its
    own group's delta is kept when screening scores it near the entry: :func:`_confirm`), by
    a standing decision on a changed entry (:func:`_matched_on`), by identifier (a changed
    entry's identifier is its registration number), by address (its address holds a changed
    entry's)."""
    numbers: dict[tuple[str, str, tuple[str, ...] | None], int] = {}
    queries: list[tuple[int, Party]] = []
    group_of: dict[int, int] = {}
    wanted: list[set[int]] = []
    for g, (members, change) in enumerate(groups):
        for pk in members:
            group_of[pk] = g
        mine: set[int] = set()
        for source, entry in change.changed:
            names = change.gained.get((source, entry.key))
            n = numbers.get((source, entry.key, names))
            if n is None:
                query = _query(entry, names)
                if query is None:
                    continue
                n = numbers[(source, entry.key, names)] = len(queries)
                queries.append((n, query))
            mine.add(n)
        wanted.append(mine)
    segments = {pk // party_index.SEGMENT for pk in group_of}
    stamps = {seg: stamp for seg, stamp in scanned.stamps.items() if seg in segments}
    index = party_index.PartyIndex(session, stamps, cache_dir)
    near: dict[int, set[int]] = {}  # party id -> the queries blocking put it next to
    for n, pks in index.search(queries).items():
        for pk in pks:
            owner = group_of.get(pk)
            if owner is not None and n in wanted[owner]:
                near.setdefault(pk, set()).add(n)
    entry_of = {n: key for key, n in numbers.items()}
    found = _confirm(session, matcher, near, entry_of, threshold)
    stats = index.stats
    stats.near = len(near)
    # The parties with a match on (or a clearance of) a changed entry: they are screened
    # again whatever its names (an entry queried by the names it gained alone may not find
    # them by name, and its change voids their clearances of it).
    changed_keys = [{(s, e.key) for s, e in change.changed} for _, change in groups]
    for pk, source, key in _matched_on(session, set().union(*changed_keys)):
        owner = group_of.get(pk)
        if owner is not None and (source, key) in changed_keys[owner]:
            found.add(pk)
    members_all = set(group_of)
    identifiers = [_wanted_identifiers(change.changed) for _, change in groups]
    if any(identifiers):
        for pk, reg in _registration_numbers(session, members_all).items():
            if normalize_identifier(reg) in identifiers[group_of[pk]]:
                found.add(pk)
    if any(e.addresses for _, change in groups for _, e in change.changed):
        places = _addresses(session, members_all)
        for members, change in groups:
            if not any(e.addresses for _, e in change.changed):
                continue
            addresses = AddressIndex(change.changed)
            for pk in members:
                place = places.get(pk)
                if place is not None and addresses.match(*place):
                    found.add(pk)
    return found, stats


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
    # the parties' index: segments, and how many were built or read from the cache
    index: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "full": self.full, "strategy": self.strategy, "parties": self.parties,
            "screened": self.screened,
            "changed_entries": self.changed_entries, "removed_entries": self.removed_entries,
            "removed_noted_on_cases": self.removed_noted, "run": self.run,
            "changes": self.changes, "party_index": self.index,
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
    sessions: sessionmaker[Session],
    ctx: ScreeningContext,
    *,
    full: bool,
    actor: str,
    cache_dir: Path | None = None,
) -> RescreenResult:
    """Re-screen stored parties against the active lists (see the module docstring).
    ``cache_dir``: where the parties' index segments are kept between re-screens (None:
    built each time)."""
    result = RescreenResult(full)
    current: list[int] = []  # parties the delta cannot change: current now
    changed_delta = Delta()
    with sessions() as session:
        if full:
            targets = list(stored_parties(session))
            result.parties = len(targets)
            result.strategy = "full"
        else:
            scanned = party_index.scan(session)
            result.parties = len(scanned.refs)
            by_text: dict[str, str] = {}  # stored baseline text -> canonical form
            groups: dict[str, list[party_index.PartyRef]] = {}
            for ref in scanned.refs:
                key = by_text.get(ref.baseline)
                if key is None:
                    parsed = json.loads(ref.baseline)
                    key = by_text[ref.baseline] = json.dumps(parsed, sort_keys=True)
                groups.setdefault(key, []).append(ref)
            chosen: set[int] = set()
            pending: list[tuple[list[int], Delta]] = []
            for key, members in groups.items():
                if json.loads(key) == ctx.list_versions:
                    change = Delta()
                else:
                    change = delta(session, json.loads(key), ctx.list_versions)
                seen = {(src, e.key) for src, e in change.changed}
                days = {_day(p.as_of) or ctx.as_of for p in members}
                moved = [d for d in days if d != ctx.as_of]  # screened on another date
                span = dated(ctx, min([*moved, ctx.as_of]), max([*moved, ctx.as_of]))
                for pair in span if moved else ():
                    change.gained.pop((pair[0], pair[1].key), None)  # in or out of force now
                    if (pair[0], pair[1].key) not in seen:
                        seen.add((pair[0], pair[1].key))
                        change.changed.append(pair)
                pks = [p.pk for p in members]
                if not change.changed and not change.removed:
                    current += pks
                    continue
                changed_delta.changed += change.changed
                changed_delta.removed |= change.removed
                names = sum(
                    len(change.gained.get((s, e.key), (e.name, *e.aliases)))
                    for s, e in change.changed
                )
                if names >= FULL_WHEN_NAMES_PER_PARTY * len(members):
                    chosen.update(pks)
                    result.strategy = "full: the change is large for the parties stored"
                elif change.changed:
                    pending.append((pks, change))
                else:
                    current += pks
            if pending:
                found, stats = prefilter(
                    session, scanned, pending, ctx.matcher, ctx.effective_threshold, cache_dir
                )
                result.index = stats.to_dict()
                chosen |= found
                current += [pk for pks, _ in pending for pk in pks if pk not in found]
            targets = list(stored_parties(session, sorted(chosen)))
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
