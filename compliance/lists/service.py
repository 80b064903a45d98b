"""Loading list files into the store as versions, switching versions, status and diffs.

The unit of work is one version: parse everything first (nothing touches the database until
the whole file set parsed), then insert the version, its entries and aliases and flip the
active pointer in ONE transaction. Every attempt, good or bad, is written to the audit log.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from compliance.errors import BadInputError, ComplianceError
from compliance.lists import default_source, parse_files
from compliance.lists.versions import (
    EntrySummary,
    VersionDiff,
    content_hash,
    diff_entries,
    digest_file,
)
from compliance.model import ParsedList
from compliance.store import audit
from compliance.store.repository import ListRepository
from compliance.store.session import transaction
from compliance.store.tables import ListVersion

# Called with the parsed list and the active version's entry count (None when there is none);
# raises to refuse the new version (used by `lists update` against truncated downloads).
Guard = Callable[[ParsedList, int | None], None]


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

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "status": self.status,
            "version": self.seq,
            "content_sha256": self.content_sha256,
            "format": self.format,
            "entries": self.entry_count,
            "aliases": self.alias_count,
            "addresses": self.address_count,
            "problems": list(self.problems),
            "diff_from_previous": self.diff_counts,
            "previous_version": self.previous_seq,
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
        {"path": p.path, "kind": p.kind, "message": p.message, "line": p.line, "count": p.count}
        for p in parsed.problems
    )


class ListService:
    def __init__(self, sessions: sessionmaker[Session], actor: str = "cli") -> None:
        self.sessions = sessions
        self.actor = actor

    def record_failure(self, action: str, subject: str, error: Exception) -> None:
        details: dict[str, Any] = {"error": str(error), "type": type(error).__name__}
        if isinstance(error, ComplianceError):
            details.update(error.to_dict())
        with transaction(self.sessions) as session:
            audit.append(
                session,
                actor=self.actor,
                action=action,
                subject=subject,
                outcome="failed",
                details=details,
            )

    def load(
        self,
        paths: Sequence[Path],
        *,
        fmt: str | None = None,
        source: str | None = None,
        guard: Guard | None = None,
        origin: dict[str, Any] | None = None,
        allow_truncated: bool = False,
    ) -> LoadResult:
        """Parse ``paths`` and store them as a new version of ``source`` (if content changed)."""
        paths = [Path(p) for p in paths]
        subject = source or ", ".join(p.name for p in paths)
        try:
            chosen_fmt, parsed = parse_files(paths, fmt, allow_truncated=allow_truncated)
            source_name = source or default_source(paths, chosen_fmt)
            subject = source_name
            digests = [digest_file(p) for p in paths]
            sha = content_hash(digests)
            with transaction(self.sessions) as session:
                result = self._store(
                    session, source_name, chosen_fmt, parsed, digests, sha, guard, origin
                )
        except (ComplianceError, OSError) as exc:
            self.record_failure("lists.load", subject, exc)
            raise
        return result

    def _store(
        self,
        session: Session,
        source_name: str,
        fmt: str,
        parsed: ParsedList,
        digests: Sequence[Any],
        sha: str,
        guard: Guard | None,
        origin: dict[str, Any] | None,
    ) -> LoadResult:
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
        if existing is not None:
            status = "unchanged" if existing.is_active else "reactivated"
            if status == "reactivated":
                repo.activate(existing)
            audit.append(
                session,
                actor=self.actor,
                action="lists.load",
                subject=source_name,
                outcome=status,
                details={**base, "version": existing.seq},
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
            )
        if guard is not None:
            guard(parsed, active.entry_count if active else None)
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
        if active is not None:
            new_summaries = {
                e.key: EntrySummary(e.key, e.name, e.content_hash) for e in parsed.entries
            }
            diff_counts = diff_entries(repo.summaries(active), new_summaries).counts()
        repo.activate(version)
        audit.append(
            session,
            actor=self.actor,
            action="lists.load",
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
