"""Loading list files into the store as versions, switching versions, status and diffs.

The unit of work is one version: parse everything first (nothing touches the database until
the whole file set parsed), then insert the version, its entries and aliases and flip the
active pointer in ONE transaction. Every attempt, good or bad, is written to the audit log.

Before a new version becomes active, :func:`check_guards` compares it with the active version
(the same checks for ``lists load`` and ``lists update``): no silent rollback to an earlier
version (the same file bytes, or the same entries digest in other bytes), no silent loss of
entries, aliases or addresses (more than the allowed share, or the active version's last
entries in file order: a cut-off file), no partial file set (an OFAC set without alt/add, or
without a file the active version had), no older publication date, no record-count mismatch.
A refusal changes nothing and is audited; an accepted load names the entries it removed.

Repeated small cuts do not add up unnoticed: every cut at a line end removes the active
version's tail, which is refused whatever its share. We do not compare with the largest of
the recent versions: steady, legitimate delistings would then add up to a refusal.

Two loads of one source at once are serialised: a PostgreSQL advisory lock per source, and a
bounded retry of the whole transaction when the database reports a conflict (SQLite), so the
second load sees the first one's version and reports "unchanged".
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from compliance.errors import (
    BadInputError,
    ComplianceError,
    FileFormatError,
    ListGuardError,
    StoreError,
)
from compliance.lists import default_source, parse_files
from compliance.lists.versions import (
    EntrySummary,
    VersionDiff,
    content_hash,
    diff_entries,
    digest_file,
    display_text,
)
from compliance.model import ParsedList
from compliance.store import audit
from compliance.store.integrity import entries_digest
from compliance.store.repository import ListRepository
from compliance.store.session import transaction
from compliance.store.tables import ListAliasRow, ListEntryRow, ListVersion

_ATTEMPTS = 6  # whole-transaction attempts when a concurrent writer got in first
_SHOWN_REMOVED = 20  # removed entries (or lost aliases) named in a text (JSON names all)


@dataclass(frozen=True)
class LoadPolicy:
    """The guards' settings for one load. Every load is guarded by default (the strict policy);
    a caller lifts a guard only by naming it, as the CLI's ``--allow-*`` flags do. ``None``
    as a load's policy means no guards at all: for tests and fixtures only."""

    allow_rollback: bool = False
    allow_shrink: bool = False
    allow_partial: bool = False
    max_removed_share: float = 0.02


STRICT = LoadPolicy()


@dataclass(frozen=True)
class LoadResult:
    source: str
    status: str  # "loaded" | "unchanged" | "reactivated"
    seq: int
    content_sha256: str
    format: str
    entry_count: int
    alias_count: int
    address_count: int
    problems: tuple[dict[str, Any], ...] = ()
    diff_counts: dict[str, int] = field(default_factory=dict)
    previous_seq: int | None = None
    removed: tuple[dict[str, str], ...] = ()  # {"key", "name"} of the entries this load removed

    @property
    def name_count(self) -> int:
        """Names the matcher indexes (primary names plus aliases): a loader that packs several
        names into one field shows up here as a smaller number than the source implies."""
        return self.entry_count + self.alias_count

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "status": self.status,
            "version": self.seq,
            "content_sha256": self.content_sha256,
            "format": self.format,
            "entries": self.entry_count,
            "names": self.name_count,
            "aliases": self.alias_count,
            "addresses": self.address_count,
            "problems": list(self.problems),
            "diff_from_previous": self.diff_counts,
            "previous_version": self.previous_seq,
            "removed": list(self.removed),
        }


@dataclass(frozen=True)
class SourceStatus:
    source: str
    format: str
    versions: int
    active_seq: int | None
    content_sha256: str | None
    loaded_at: datetime | None
    published: str | None
    entry_count: int
    alias_count: int
    address_count: int
    problems: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "format": self.format,
            "versions": self.versions,
            "active_version": self.active_seq,
            "content_sha256": self.content_sha256,
            "loaded_at": self.loaded_at.isoformat() if self.loaded_at else None,
            "published": self.published,
            "entries": self.entry_count,
            "aliases": self.alias_count,
            "addresses": self.address_count,
            "problems": self.problems,
        }


def _problem_dicts(parsed: ParsedList) -> tuple[dict[str, Any], ...]:
    return tuple(
        {
            "path": display_text(p.path),
            "kind": p.kind,
            "message": display_text(p.message),
            "line": p.line,
            "count": p.count,
        }
        for p in parsed.problems
    )


def _safe_error(exc: ComplianceError) -> ComplianceError:
    """Make an error's text printable and storable (a file name may not be valid UTF-8)."""
    exc.message = display_text(exc.message)
    exc.args = (exc.message,)
    if isinstance(exc, FileFormatError):
        exc.path = display_text(exc.path)
    return exc


def _lock_key(source: str) -> int:
    digest = hashlib.sha256(b"compliance.lists:" + source.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _is_conflict(exc: Exception) -> bool:
    """A concurrent writer's conflict: a unique key taken meanwhile, or SQLite's lock."""
    if isinstance(exc, IntegrityError):
        return True
    message = str(exc).lower()
    return isinstance(exc, OperationalError) and ("locked" in message or "busy" in message)


# ----------------------------------------------------------------------------------- guards
@dataclass(frozen=True)
class _Refusal:
    flag: str
    reason: str
    details: dict[str, Any] = field(default_factory=dict)


def _ofac_missing(paths: Sequence[Path]) -> list[str]:
    """The required OFAC files absent from ``paths`` (sdn set: alt + add; cons set likewise)."""
    from compliance.lists.ofac import ListSet, Role, classify

    roles: set[Role] = set()
    sets: set[ListSet] = set()
    for path in paths:
        list_set, role = classify(path)
        sets.add(list_set)
        roles.add(role)
    cons = ListSet.CONS in sets
    names = {
        Role.PRIMARY: "cons_prim.csv" if cons else "sdn.csv",
        Role.ALT: "cons_alt.csv" if cons else "alt.csv",
        Role.ADD: "cons_add.csv" if cons else "add.csv",
    }
    return [name for role, name in names.items() if role not in roles]


def _file_roles(fmt: str, names: Sequence[str]) -> dict[str, str]:
    """role -> file name. OFAC: the file's role from its name (sdn, alt, add, comments), so
    ``sdn_2024-05-03.csv`` and ``sdn.csv`` are the same role; other formats: the name."""
    if fmt != "ofac":
        return {name: name for name in names}
    from compliance.lists.ofac import classify

    out: dict[str, str] = {}
    for name in names:
        try:
            list_set, role = classify(Path(name))
            out[f"{list_set.value}:{role.value}"] = name
        except ComplianceError:
            out[name] = name
    return out


def _lost_file_refusal(fmt: str, paths: Sequence[Path], active: ListVersion) -> _Refusal | None:
    """A file the active version had (an optional one included, e.g. OFAC's sdn_comments.csv,
    which holds aliases) that the new set lacks: a partial set. Single-file formats compare the
    number of files only (a renamed file is the same file)."""
    had = [str(f.get("name", "")) for f in (active.files or []) if isinstance(f, dict)]
    new = [display_text(p.name) for p in paths]
    if fmt != "ofac":
        if len(new) >= len(had):
            return None
        missing = sorted(set(had) - set(new)) or had
    else:
        old_roles, new_roles = _file_roles(fmt, had), _file_roles(fmt, new)
        missing = sorted(name for role, name in old_roles.items() if role not in new_roles)
    if not missing:
        return None
    return _Refusal(
        "--allow-partial",
        f"partial file set: the active version {active.seq} has {', '.join(missing)}, the new "
        "set does not (what those files hold would be lost)",
        {"missing_files_of_active": missing},
    )


def _fileset_refusals(fmt: str, paths: Sequence[Path], parsed: ParsedList) -> list[_Refusal]:
    out: list[_Refusal] = []
    if fmt == "ofac":
        missing = _ofac_missing(paths)
        if missing:
            out.append(
                _Refusal(
                    "--allow-partial",
                    f"partial OFAC file set: {', '.join(missing)} missing (a version without "
                    "them has no aliases or addresses)",
                    {"missing_files": missing},
                )
            )
    partial = [p.message for p in parsed.problems if p.kind == "partial_file_set"]
    if partial:  # a loader that knows its file set says what is missing (e.g. the UK set)
        out.append(
            _Refusal(
                "--allow-partial",
                "partial file set: " + "; ".join(display_text(m) for m in partial),
                {"partial_file_set": partial},
            )
        )
    declared = parsed.stats.get("declared_records")
    found = parsed.stats.get("rows", len(parsed.entries))
    mismatches = [p.message for p in parsed.problems if p.kind == "count_mismatch"]
    if declared is not None and declared != found:
        mismatches.append(f"the file states {declared} records but holds {found}")
    if mismatches:
        out.append(
            _Refusal(
                "--allow-partial",
                "record count mismatch: " + "; ".join(display_text(m) for m in mismatches),
                {"count_mismatch": mismatches},
            )
        )
    return out


@dataclass(frozen=True)
class _ActiveFacts:
    names: dict[str, str]  # key -> primary name, in file order (entry row id order)
    aliases: dict[str, Counter[str]]  # key -> alias names (a multiset)
    addresses: dict[str, int]  # key -> address count


def _active_facts(session: Session, active: ListVersion) -> _ActiveFacts:
    """The active version's entries: names in file order (entry ids are allocated in the
    loader's order, which is the file's order), alias names, address counts."""
    aliases: dict[str, Counter[str]] = {}
    for key, name in session.execute(
        select(ListEntryRow.key, ListAliasRow.name)
        .join(ListAliasRow, ListAliasRow.entry_id == ListEntryRow.id)
        .where(ListEntryRow.version_id == active.id)
    ):
        aliases.setdefault(key, Counter())[name] += 1
    names: dict[str, str] = {}
    addresses: dict[str, int] = {}
    for key, name, n in session.execute(
        select(
            ListEntryRow.key,
            ListEntryRow.primary_name,
            func.json_array_length(ListEntryRow.addresses),  # SQLite and PostgreSQL alike
        )
        .where(ListEntryRow.version_id == active.id)
        .order_by(ListEntryRow.id)
    ):
        names[key] = name
        addresses[key] = int(n or 0)
    return _ActiveFacts(names, aliases, addresses)


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def _named(items: Sequence[dict[str, str]]) -> str:
    shown = "; ".join(f"{d['name']} (key {d['key']})" for d in items[:_SHOWN_REMOVED])
    more = len(items) - _SHOWN_REMOVED
    return shown + (f" ... and {more} more" if more > 0 else "")


def _content_refusals(
    session: Session, active: ListVersion, parsed: ParsedList, policy: LoadPolicy
) -> list[_Refusal]:
    out: list[_Refusal] = []
    older = parsed.published and active.published and parsed.published < active.published
    if older and not policy.allow_rollback:
        out.append(
            _Refusal(
                "--allow-rollback",
                f"the new file was published {parsed.published}, before the active version "
                f"{active.seq} ({active.published})",
                {"published": parsed.published, "active_published": active.published},
            )
        )
    if policy.allow_shrink:
        return out
    old = _active_facts(session, active)
    new_aliases: dict[str, Counter[str]] = {}
    new_addresses: dict[str, int] = {}
    for e in parsed.entries:
        new_aliases.setdefault(e.key, Counter()).update(a.name for a in e.aliases)
        new_addresses[e.key] = new_addresses.get(e.key, 0) + len(e.addresses)
    removed = [k for k in old.names if k not in new_aliases]  # file order
    added = sum(1 for k in new_aliases if k not in old.names)
    limit = policy.max_removed_share
    # A cut-off file loses the active version's LAST entries in file order, whatever the share.
    tail = bool(removed) and removed == list(old.names)[-len(removed) :]
    share = _share(len(removed), len(old.names))
    if share > limit or tail:
        listed = [{"key": k, "name": old.names[k]} for k in sorted(removed)]
        why = f"more than {limit:.0%}; " if share > limit else ""
        why += f"{added} added), a probable truncation"
        if tail:
            why += (
                f": they are exactly its last {len(removed)} entries in file order, as when a "
                "file or download is cut off"
            )
        out.append(
            _Refusal(
                "--allow-shrink",
                f"{len(removed)} of the active version's {len(old.names)} entries would be "
                f"removed ({share:.1%}, {why}. Removed: {_named(listed)}",
                {
                    "removed": listed,
                    "removed_count": len(removed),
                    "added_count": added,
                    "removed_are_the_last_entries": tail,
                },
            )
        )
    lost_aliases: list[dict[str, str]] = []
    lost_addresses = 0
    for key in old.names:
        if key in new_aliases:
            gone = old.aliases.get(key, Counter()) - new_aliases[key]
            lost_aliases.extend({"key": key, "name": n} for n in sorted(gone.elements()))
            lost_addresses += max(0, old.addresses[key] - new_addresses[key])
    if _share(len(lost_aliases), active.alias_count) > limit:
        out.append(
            _Refusal(
                "--allow-shrink",
                f"entries present in both versions would lose {len(lost_aliases)} of the "
                f"active version's {active.alias_count} aliases "
                f"({_share(len(lost_aliases), active.alias_count):.1%}, more than {limit:.0%}). "
                f"Lost: {_named(lost_aliases)}",
                {
                    "lost_aliases": len(lost_aliases),
                    "active_aliases": active.alias_count,
                    "lost_alias_names": lost_aliases,
                },
            )
        )
    if _share(lost_addresses, active.address_count) > limit:
        out.append(
            _Refusal(
                "--allow-shrink",
                f"entries present in both versions would lose {lost_addresses} of the "
                f"active version's {active.address_count} addresses "
                f"({_share(lost_addresses, active.address_count):.1%}, more than {limit:.0%})",
                {"lost_addresses": lost_addresses, "active_addresses": active.address_count},
            )
        )
    return out


def _same_entries_as(
    session: Session, active: ListVersion, parsed: ParsedList
) -> ListVersion | None:
    """An inactive version of the source whose ENTRIES equal ``parsed``'s (same entries
    digest), even if its file bytes differ (re-encoded, CRLF -> LF, reordered)."""
    digest = entries_digest((e.key, e.content_hash) for e in parsed.entries)
    return session.scalars(
        select(ListVersion)
        .where(
            ListVersion.source_id == active.source_id,
            ListVersion.entries_sha256 == digest,
            ListVersion.is_active.is_(False),
        )
        .order_by(ListVersion.seq.desc())
    ).first()


def check_guards(
    session: Session,
    *,
    source: str,
    fmt: str,
    paths: Sequence[Path],
    parsed: ParsedList,
    active: ListVersion | None,
    existing: ListVersion | None,
    policy: LoadPolicy,
) -> None:
    """Raise :class:`ListGuardError` naming every reason (and the flag that overrides it) when
    ``parsed`` must not become ``source``'s active version. ``existing`` is the stored version
    with the same content, if any. Used by both ``lists load`` and ``lists update``."""
    refusals: list[_Refusal] = []
    if active is not None and not policy.allow_rollback:
        same_bytes = existing is not None
        earlier = existing if same_bytes else _same_entries_as(session, active, parsed)
        if earlier is not None:
            what = "content equals" if same_bytes else "entries (not the file bytes) equal"
            refusals.append(
                _Refusal(
                    "--allow-rollback",
                    f"the {what} earlier version {earlier.seq} (loaded "
                    f"{earlier.loaded_at:%Y-%m-%d %H:%M} UTC); accepting it would roll "
                    f"{source} back from version {active.seq}",
                    {"rollback_to": earlier.seq, "rollback_loaded_at": earlier.loaded_at},
                )
            )
    if not policy.allow_partial:
        refusals.extend(_fileset_refusals(fmt, paths, parsed))
        if active is not None:
            lost = _lost_file_refusal(fmt, paths, active)
            if lost is not None:
                refusals.append(lost)
    if active is not None:
        refusals.extend(_content_refusals(session, active, parsed, policy))
    if not refusals:
        return
    flags = tuple(dict.fromkeys(r.flag for r in refusals))
    reasons = "\n  ".join(f"{r.reason} ({r.flag} to accept)" for r in refusals)
    details: dict[str, Any] = {"source": source, "reasons": [r.reason for r in refusals]}
    details["active_version"] = active.seq if active is not None else None
    for r in refusals:
        details.update(r.details)
    raise ListGuardError(
        f"{source}: new version refused; the active version is unchanged:\n  {reasons}",
        flags=flags,
        details=details,
    )


def _removed(
    old: dict[str, EntrySummary], new: dict[str, EntrySummary]
) -> tuple[dict[str, str], ...]:
    """{"key", "name"} of the entries in ``old`` that ``new`` lacks, by key."""
    return tuple({"key": k, "name": old[k].name} for k in sorted(old.keys() - new.keys()))


@dataclass(frozen=True)
class _Store:
    """One load's parsed input, ready for a (possibly retried) store transaction."""

    source: str
    fmt: str
    paths: Sequence[Path]
    parsed: ParsedList
    digests: Sequence[Any]
    sha: str
    policy: LoadPolicy | None
    origin: dict[str, Any] | None
    action: str


class ListService:
    def __init__(self, sessions: sessionmaker[Session], actor: str = "cli") -> None:
        self.sessions = sessions
        self.actor = actor

    def record_failure(
        self, action: str, subject: str, error: BaseException, *, outcome: str | None = None
    ) -> None:
        """Audit a failed, refused or interrupted attempt (outcome from the error's kind)."""
        if outcome is None:
            outcome = "refused" if isinstance(error, ListGuardError) else "failed"
        details: dict[str, Any] = {
            "error": display_text(str(error)),
            "type": type(error).__name__,
        }
        if isinstance(error, ComplianceError):
            details.update(error.to_dict())
        with transaction(self.sessions) as session:
            audit.append(
                session,
                actor=self.actor,
                action=action,
                subject=display_text(subject),
                outcome=outcome,
                details=details,
            )

    def load(
        self,
        paths: Sequence[Path],
        *,
        fmt: str | None = None,
        source: str | None = None,
        policy: LoadPolicy | None = STRICT,
        origin: dict[str, Any] | None = None,
        allow_truncated: bool = False,
        action: str = "lists.load",
    ) -> LoadResult:
        """Parse ``paths`` and store them as a new version of ``source`` (if content changed),
        after :func:`check_guards` when a ``policy`` is given. ``action`` names the attempt in
        the audit log (``lists.update`` for downloads)."""
        paths = [Path(p) for p in paths]
        subject = display_text(source or ", ".join(p.name for p in paths))
        try:
            try:
                chosen_fmt, parsed = parse_files(paths, fmt, allow_truncated=allow_truncated)
                source_name = display_text(source or default_source(paths, chosen_fmt))
                subject = source_name
                digests = [digest_file(p) for p in paths]
            except OSError as exc:
                name = display_text(str(exc.filename)) if exc.filename else subject
                raise BadInputError(f"{name}: cannot read: {exc.strerror or exc}") from None
            sha = content_hash(digests)
            store = _Store(
                source_name, chosen_fmt, paths, parsed, digests, sha, policy, origin, action
            )
            result = self._store_with_retry(store)
        except ComplianceError as exc:
            self.record_failure(action, subject, _safe_error(exc))
            raise
        except OSError as exc:  # while storing (the disk): audited, then raised as it is
            self.record_failure(action, subject, exc)
            raise
        except KeyboardInterrupt as exc:  # the transaction rolled back; nothing changed
            self.record_failure(action, subject, exc, outcome="interrupted")
            raise
        return result

    def _store_with_retry(self, store: _Store) -> LoadResult:
        for attempt in range(_ATTEMPTS):
            try:
                with transaction(self.sessions) as session:
                    return self._store(session, store)
            except (IntegrityError, OperationalError) as exc:
                if not _is_conflict(exc) or attempt == _ATTEMPTS - 1:
                    raise StoreError(
                        f"{store.source}: could not store the new version: "
                        f"{type(exc).__name__}: {str(exc.orig)[:200]}"
                    ) from None
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")  # pragma: no cover

    def _store(self, session: Session, store: _Store) -> LoadResult:
        source_name, fmt, parsed, digests, sha, origin = (
            store.source,
            store.fmt,
            store.parsed,
            store.digests,
            store.sha,
            store.origin,
        )
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _lock_key(source_name)})
        repo = ListRepository(session)
        now = datetime.now(UTC)
        src = repo.get_or_create_source(source_name, fmt, now)
        if src.format != fmt:
            raise BadInputError(
                f"source {source_name!r} holds {src.format!r} files; got {fmt!r} "
                "(use another --source name)"
            )
        active = repo.active_version(src)
        existing = repo.version_by_hash(src, sha)
        base = {
            "format": fmt,
            "content_sha256": sha,
            "files": [d.to_dict() for d in digests],
            **({"origin": origin} if origin else {}),
        }
        if store.policy is not None and not (existing is not None and existing.is_active):
            check_guards(
                session,
                source=source_name,
                fmt=fmt,
                paths=store.paths,
                parsed=parsed,
                active=active,
                existing=existing,
                policy=store.policy,
            )
        if existing is not None:
            status = "unchanged" if existing.is_active else "reactivated"
            removed: tuple[dict[str, str], ...] = ()
            if status == "reactivated":
                if active is not None:
                    removed = _removed(repo.summaries(active), repo.summaries(existing))
                repo.activate(existing)
            audit.append(
                session,
                actor=self.actor,
                action=store.action,
                subject=source_name,
                outcome=status,
                details={
                    **base,
                    "version": existing.seq,
                    **({"removed": list(removed)} if removed else {}),
                },
            )
            return LoadResult(
                source_name,
                status,
                existing.seq,
                sha,
                fmt,
                existing.entry_count,
                existing.alias_count,
                existing.address_count,
                previous_seq=active.seq if active else None,
                removed=removed,
            )
        seq = repo.next_seq(src)
        version = ListVersion(
            source_id=src.id,
            seq=seq,
            is_active=False,
            content_sha256=sha,
            format=fmt,
            loaded_at=now,
            loaded_by=self.actor,
            published=parsed.published,
            entry_count=len(parsed.entries),
            alias_count=parsed.alias_count,
            address_count=parsed.address_count,
            files=[d.to_dict() for d in digests],
            problems=list(_problem_dicts(parsed)),
            stats=dict(parsed.stats),
        )
        repo.add_version(version, parsed.entries)
        diff_counts: dict[str, int] = {}
        removed = ()
        if active is not None:
            new_summaries = {
                e.key: EntrySummary(e.key, e.name, e.content_hash) for e in parsed.entries
            }
            old_summaries = repo.summaries(active)
            diff_counts = diff_entries(old_summaries, new_summaries).counts()
            removed = _removed(old_summaries, new_summaries)
        repo.activate(version)
        audit.append(
            session,
            actor=self.actor,
            action=store.action,
            subject=source_name,
            outcome="ok",
            details={
                **base,
                "version": seq,
                "entries": version.entry_count,
                "aliases": version.alias_count,
                "addresses": version.address_count,
                "problems": [p["kind"] + ":" + str(p["count"]) for p in version.problems],
                "diff_from_previous": diff_counts,
                "entries_sha256": version.entries_sha256,
                **({"removed": list(removed)} if removed else {}),
            },
        )
        return LoadResult(
            source_name,
            "loaded",
            seq,
            sha,
            fmt,
            version.entry_count,
            version.alias_count,
            version.address_count,
            _problem_dicts(parsed),
            diff_counts,
            active.seq if active else None,
            removed,
        )

    # -- switching -----------------------------------------------------------------------
    def activate(self, source: str, seq: int) -> None:
        with transaction(self.sessions) as session:
            repo = ListRepository(session)
            version = repo.version(repo.source(source), seq)
            repo.activate(version)
            audit.append(
                session,
                actor=self.actor,
                action="lists.activate",
                subject=source,
                outcome="ok",
                details={"version": seq, "content_sha256": version.content_sha256},
            )

    def deactivate(self, source: str) -> None:
        with transaction(self.sessions) as session:
            repo = ListRepository(session)
            src = repo.source(source)
            repo.deactivate_source(src.id)
            audit.append(
                session,
                actor=self.actor,
                action="lists.deactivate",
                subject=source,
                outcome="ok",
                details={},
            )

    # -- reading -------------------------------------------------------------------------
    def status(self) -> list[SourceStatus]:
        with self.sessions() as session:
            repo = ListRepository(session)
            out = []
            for src in repo.sources():
                versions = repo.versions(src)
                active = next((v for v in versions if v.is_active), None)
                out.append(
                    SourceStatus(
                        source=src.name,
                        format=src.format,
                        versions=len(versions),
                        active_seq=active.seq if active else None,
                        content_sha256=active.content_sha256 if active else None,
                        loaded_at=active.loaded_at if active else None,
                        published=active.published if active else None,
                        entry_count=active.entry_count if active else 0,
                        alias_count=active.alias_count if active else 0,
                        address_count=active.address_count if active else 0,
                        problems=sum(p.get("count", 1) for p in active.problems) if active else 0,
                    )
                )
            return out

    def diff(
        self, source: str, from_seq: int | None = None, to_seq: int | None = None
    ) -> VersionDiff:
        """Diff two versions of a source. Defaults: the active version against the one before it
        (or ``to`` against ``to - 1``)."""
        with self.sessions() as session:
            repo = ListRepository(session)
            src = repo.source(source)
            if to_seq is None:
                active = repo.active_version(src)
                if active is None:
                    raise BadInputError(f"{source} has no active version; pass --to")
                to_seq = active.seq
            if from_seq is None:
                from_seq = to_seq - 1
            if from_seq < 1:
                raise BadInputError(
                    f"{source} version {to_seq} is its first version: nothing to diff against"
                )
            old_v, new_v = repo.version(src, from_seq), repo.version(src, to_seq)
            old, new = repo.summaries(old_v), repo.summaries(new_v)
            changed_keys = [
                k for k in old.keys() & new.keys() if old[k].content_hash != new[k].content_hash
            ]
            old_full = {e.key: e.to_dict() for e in repo.entries(old_v, changed_keys)}
            new_full = {e.key: e.to_dict() for e in repo.entries(new_v, changed_keys)}
            diff = diff_entries(old, new, old_full=old_full, new_full=new_full)
            return VersionDiff(
                diff.added,
                diff.removed,
                diff.changed,
                diff.unchanged,
                meta={
                    "source": source,
                    "from": {"version": from_seq, "content_sha256": old_v.content_sha256},
                    "to": {"version": to_seq, "content_sha256": new_v.content_sha256},
                },
            )
