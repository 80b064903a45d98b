"""Repositories: queries and writes in the caller's session. Nothing here commits."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.orm import Session

from compliance.errors import UnknownSourceError, UnknownVersionError
from compliance.facts import parse_day
from compliance.lists.versions import EntrySummary
from compliance.model import (
    Address,
    Alias,
    AliasKind,
    EntityType,
    Identifier,
    ListEntry,
    Outcome,
    hash_entry_dict,
)
from compliance.store.integrity import (
    VersionCheck,
    check_entries,
    entries_digest,
    load_records,
)
from compliance.store.tables import ListAliasRow, ListEntryRow, ListSource, ListVersion


def entry_to_row(entry: ListEntry, version_id: int, entry_id: int) -> dict[str, Any]:
    """The list_entries row of an entry (its content hash computed from the same dict)."""
    data = entry.to_dict()
    return {
        "id": entry_id,
        "version_id": version_id,
        "key": entry.key,
        "list_code": entry.list_code,
        "primary_name": entry.name,
        "entity_type": entry.entity_type.value,
        "programs": data["programs"],
        "countries": data["countries"],
        "nationalities": data["nationalities"],
        "addresses": data["addresses"],
        "identifiers": data["identifiers"],
        "dates_of_birth": data["dates_of_birth"],
        "title": entry.title,
        "license_requirement": entry.license_requirement,
        "license_policy": entry.license_policy,
        "federal_register": entry.federal_register,
        "start_date": entry.start_date,
        "end_date": entry.end_date,
        "remarks": entry.remarks,
        "source_url": entry.source_url,
        "declared_outcome": data["declared_outcome"],
        "extra": data["extra"],
        "content_hash": hash_entry_dict(data),
    }


def row_to_entry(row: ListEntryRow, aliases: Iterable[ListAliasRow]) -> ListEntry:
    """Rebuild the loader's ListEntry; its content_hash equals the stored one."""
    return ListEntry(
        key=row.key,
        name=row.primary_name,
        entity_type=EntityType(row.entity_type),
        list_code=row.list_code,
        aliases=tuple(Alias(a.name, AliasKind(a.kind)) for a in aliases),
        programs=tuple(row.programs),
        countries=tuple(row.countries),
        addresses=tuple(Address(**a) for a in row.addresses),
        identifiers=tuple(Identifier(**i) for i in row.identifiers),
        dates_of_birth=tuple(row.dates_of_birth),
        nationalities=tuple(row.nationalities),
        title=row.title,
        license_requirement=row.license_requirement,
        license_policy=row.license_policy,
        federal_register=row.federal_register,
        start_date=row.start_date,
        end_date=row.end_date,
        remarks=row.remarks,
        source_url=row.source_url,
        declared_outcome=Outcome(row.declared_outcome) if row.declared_outcome else None,
        extra=tuple(sorted(row.extra.items())),
    )


def version_date(version: ListVersion) -> date:
    """The first day a version is in force: the date its file gives (``published``), else the
    day before it was loaded (``loaded_at`` is UTC and a screening's ``as_of`` a local date: a
    version loaded at 01:00 UTC on the 27th was already there on the 26th in California)."""
    published = parse_day(version.published)
    return published or version.loaded_at.date() - timedelta(days=1)


class ListRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- sources -----------------------------------------------------------------------
    def sources(self) -> Sequence[ListSource]:
        return self.session.scalars(select(ListSource).order_by(ListSource.name)).all()

    def source(self, name: str) -> ListSource:
        found = self.session.scalar(select(ListSource).where(ListSource.name == name))
        if found is None:
            known = ", ".join(s.name for s in self.sources()) or "none loaded yet"
            raise UnknownSourceError(f"no list source named {name!r} (known: {known})")
        return found

    def get_or_create_source(self, name: str, fmt: str, now: datetime) -> ListSource:
        found = self.session.scalar(select(ListSource).where(ListSource.name == name))
        if found is None:
            found = ListSource(name=name, format=fmt, created_at=now)
            self.session.add(found)
            self.session.flush()
        return found

    # -- versions ----------------------------------------------------------------------
    def versions(self, source: ListSource) -> Sequence[ListVersion]:
        return self.session.scalars(
            select(ListVersion).where(ListVersion.source_id == source.id).order_by(ListVersion.seq)
        ).all()

    def version(self, source: ListSource, seq: int) -> ListVersion:
        found = self.session.scalar(
            select(ListVersion).where(ListVersion.source_id == source.id, ListVersion.seq == seq)
        )
        if found is None:
            raise UnknownVersionError(f"{source.name} has no version {seq}")
        return found

    def active_version(self, source: ListSource) -> ListVersion | None:
        return self.session.scalar(
            select(ListVersion).where(ListVersion.source_id == source.id, ListVersion.is_active)
        )

    def active_versions(self) -> Sequence[ListVersion]:
        return self.session.scalars(
            select(ListVersion).where(ListVersion.is_active).order_by(ListVersion.source_id)
        ).all()

    def version_by_hash(self, source: ListSource, sha: str) -> ListVersion | None:
        return self.session.scalar(
            select(ListVersion).where(
                ListVersion.source_id == source.id, ListVersion.content_sha256 == sha
            )
        )

    def next_seq(self, source: ListSource) -> int:
        current = self.session.scalar(
            select(func.max(ListVersion.seq)).where(ListVersion.source_id == source.id)
        )
        return 1 if current is None else current + 1

    def activate(self, version: ListVersion) -> None:
        """Make ``version`` its source's only active version."""
        self.deactivate_source(version.source_id)
        self.session.execute(
            update(ListVersion).where(ListVersion.id == version.id).values(is_active=True)
        )
        self.session.refresh(version)

    def deactivate_source(self, source_id: int) -> None:
        self.session.execute(
            update(ListVersion)
            .where(ListVersion.source_id == source_id, ListVersion.is_active)
            .values(is_active=False)
        )
        self.session.flush()

    def add_version(self, version: ListVersion, entries: Sequence[ListEntry]) -> None:
        """Insert a version with all its entries and aliases (bulk, in the caller's session).
        Sets the version's ``entries_sha256`` from the entries' content hashes."""
        rows = [entry_to_row(e, 0, 0) for e in entries]
        version.entries_sha256 = entries_digest((r["key"], r["content_hash"]) for r in rows)
        self.session.add(version)
        self.session.flush()
        if not entries:
            return
        ids = self._allocate_entry_ids(len(entries))
        for row, entry_id in zip(rows, ids, strict=True):
            row["id"], row["version_id"] = entry_id, version.id
        self.session.execute(insert(ListEntryRow), rows)
        alias_rows = [
            {"entry_id": entry_id, "position": pos, "name": alias.name, "kind": alias.kind.value}
            for entry_id, entry in zip(ids, entries, strict=True)
            for pos, alias in enumerate(entry.aliases)
        ]
        if alias_rows:
            self.session.execute(insert(ListAliasRow), alias_rows)

    def _allocate_entry_ids(self, n: int) -> list[int]:
        """Primary keys for ``n`` new entries, so aliases can point at them without a
        RETURNING round trip per batch. PostgreSQL: from the column's own sequence; SQLite:
        after the current maximum (writers are serialised by SQLite's lock; a concurrent
        writer would fail on the primary key and roll back, never interleave)."""
        if self.session.get_bind().dialect.name == "postgresql":
            result = self.session.execute(
                text(
                    "SELECT nextval(pg_get_serial_sequence('list_entries', 'id')) "
                    "FROM generate_series(1, :n)"
                ),
                {"n": n},
            )
            return sorted(int(r[0]) for r in result)
        start = (self.session.scalar(select(func.max(ListEntryRow.id))) or 0) + 1
        return list(range(start, start + n))

    def not_held_on(self, as_of: date) -> dict[tuple[str, str], str]:
        """(source, entry key) -> why, for each entry of an active version that no stored
        version dated on or before ``as_of`` held: a screening dated before the active
        version's own date applies only what the list said then, when the stored history says
        it (:func:`compliance.facts.not_in_force` uses this only for an entry that gives no
        start date of its own).

        A version is dated by :func:`version_date`. Nothing is excluded when the active version
        is dated on or before ``as_of`` (the usual case), nor when no stored version is dated on
        or before ``as_of`` (the history does not reach back that far). An entry any earlier
        version held counts: a bad version loaded and then rolled back (a truncated file) must
        not hide the entries the good ones held, so the versions are read together, not only
        the latest of them."""
        out: dict[tuple[str, str], str] = {}
        for active in self.active_versions():
            if version_date(active) <= as_of:
                continue
            earlier = [v for v in self.versions(active.source) if version_date(v) <= as_of]
            if not earlier:
                continue
            held: set[str] = set()
            for version in earlier:
                held.update(self._keys(version))
            name = active.source.name
            seqs = ", ".join(str(v.seq) for v in earlier)
            why = (
                f"on no {name} version dated on or before {as_of.isoformat()} (versions "
                f"{seqs}); added by a later version"
            )
            for key in self._keys(active):
                if key not in held:
                    out[(name, key)] = why
        return out

    def _keys(self, version: ListVersion) -> list[str]:
        return list(
            self.session.scalars(
                select(ListEntryRow.key).where(ListEntryRow.version_id == version.id)
            )
        )

    # -- entries -----------------------------------------------------------------------
    def summaries(self, version: ListVersion) -> dict[str, EntrySummary]:
        rows = self.session.execute(
            select(ListEntryRow.key, ListEntryRow.primary_name, ListEntryRow.content_hash).where(
                ListEntryRow.version_id == version.id
            )
        )
        return {r.key: EntrySummary(r.key, r.primary_name, r.content_hash) for r in rows}

    def _rows(
        self, version: ListVersion, keys: Iterable[str] | None
    ) -> list[tuple[ListEntryRow, list[ListAliasRow]]]:
        """The version's entry rows (optionally only ``keys``) in key order, with their aliases."""
        query = select(ListEntryRow).where(ListEntryRow.version_id == version.id)
        if keys is not None:
            wanted = list(keys)
            if not wanted:
                return []
            query = query.where(ListEntryRow.key.in_(wanted))
        rows = self.session.scalars(query.order_by(ListEntryRow.key)).all()
        aliases: dict[int, list[ListAliasRow]] = {r.id: [] for r in rows}
        if rows:
            alias_query = (
                select(ListAliasRow)
                .join(ListEntryRow, ListAliasRow.entry_id == ListEntryRow.id)
                .where(ListEntryRow.version_id == version.id)
                .order_by(ListAliasRow.entry_id, ListAliasRow.position)
            )
            for alias in self.session.scalars(alias_query):
                if alias.entry_id in aliases:
                    aliases[alias.entry_id].append(alias)
        return [(r, aliases[r.id]) for r in rows]

    def entries(self, version: ListVersion, keys: Iterable[str] | None = None) -> list[ListEntry]:
        """The version's entries as ListEntry values, in key order (optionally only ``keys``).
        Not checked against their hashes: screening uses :meth:`verified_entries`."""
        return [row_to_entry(r, a) for r, a in self._rows(version, keys)]

    def check_version(self, version: ListVersion) -> tuple[list[ListEntry], VersionCheck]:
        """Rebuild every entry of ``version`` and check it: each entry's content hash is
        recomputed from the rebuilt entry and compared with the stored one, the digest of all
        of them with the version's ``entries_sha256``, and the version's digest, counts and
        content hash with the audit row that recorded its load (one more query)."""
        rebuilt: list[tuple[str, str, ListEntry | None, str | None]] = []
        entries: list[ListEntry] = []
        for row, aliases in self._rows(version, None):
            try:
                entry = row_to_entry(row, aliases)
            except (ValueError, TypeError, KeyError, AttributeError) as exc:
                rebuilt.append((row.key, row.content_hash, None, f"{type(exc).__name__}: {exc}"))
                continue
            entries.append(entry)
            rebuilt.append((row.key, row.content_hash, entry, None))
        source = version.source.name
        records = load_records(self.session, source, version.seq)
        return entries, check_entries(version, source, rebuilt, records)

    def verified_entries(self, version: ListVersion) -> list[ListEntry]:
        """The version's entries, in key order, after :meth:`check_version` (entries, digest
        and its load audit row); raises ListIntegrityError (naming source, version and the
        first bad entries or the mismatch) on any failure."""
        entries, check = self.check_version(version)
        if not check.ok:
            raise check.error()
        return entries
