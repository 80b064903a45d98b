"""List content against its version: the entries digest and the per-version check.

At load, each version stores ``entries_sha256``: the sha256 over its sorted (key, entry content
hash) pairs. A check rebuilds every entry from its rows, recomputes its content hash from the
rebuilt entry (never trusting the stored column alone), compares it with the stored per-entry
hash, and compares the digest of the recomputed pairs with the version's digest. An edited
name or alias, a removed or added entry: each shows. The version's load row in the audit log
also records the digest, so rewriting entries, their hashes and the digest together still
breaks the hash chain (see compliance/store/audit.py).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from compliance.errors import ListIntegrityError
from compliance.store.tables import AuditEvent, ListVersion

if TYPE_CHECKING:
    from compliance.model import ListEntry

NO_DIGEST = "no version digest (loaded before revision 0002)"
SHOWN = 5  # bad entries named in a message


def entries_digest(pairs: Iterable[tuple[str, str]]) -> str:
    """``sha256:`` over the sorted (entry key, entry content hash) pairs."""
    canonical = json.dumps(sorted(pairs), ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class VersionCheck:
    """The outcome of checking one version's stored entries."""

    source: str
    seq: int
    content_sha256: str
    entries: int
    digest_checked: bool
    bad_entries: tuple[str, ...] = ()  # "key: reason", every entry that failed
    problems: tuple[str, ...] = ()  # version-level: digest, count, audit record
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.bad_entries and not self.problems

    def describe(self) -> str:
        head = f"{self.source} version {self.seq} ({self.content_sha256[:19]}...)"
        if self.ok:
            what = "entries digest verified" if self.digest_checked else "entry hashes verified"
            extra = "; ".join(self.notes)
            return f"{head}: {self.entries} entries, {what}" + (f"; {extra}" if extra else "")
        parts = list(self.problems)
        if self.bad_entries:
            shown = ", ".join(self.bad_entries[:SHOWN])
            more = len(self.bad_entries) - SHOWN
            parts.append(
                f"{len(self.bad_entries)} entries do not match their stored hash: {shown}"
                + (f" (and {more} more)" if more > 0 else "")
            )
        return f"{head}: " + "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "version": self.seq,
            "content_sha256": self.content_sha256,
            "entries": self.entries,
            "ok": self.ok,
            "digest_checked": self.digest_checked,
            "bad_entries": list(self.bad_entries),
            "problems": list(self.problems),
            "notes": list(self.notes),
        }

    def error(self) -> ListIntegrityError:
        return ListIntegrityError(
            f"list content does not match its version: {self.describe()}. Refusing to screen "
            "against it (it could miss listed parties): run compliance audit verify, and "
            "restore the database or load a corrected version"
        )


def check_entries(
    version: ListVersion,
    source: str,
    rebuilt: Sequence[tuple[str, str, ListEntry | None, str | None]],
) -> VersionCheck:
    """Check a version from its rebuilt rows: (key, stored hash, entry or None, rebuild error)."""
    bad: list[str] = []
    pairs: list[tuple[str, str]] = []
    for key, stored, entry, failure in rebuilt:
        if entry is None:
            bad.append(f"{key!r}: cannot be rebuilt ({failure})")
            pairs.append((key, "unreadable"))
            continue
        recomputed = entry.content_hash
        pairs.append((key, recomputed))
        if recomputed != stored:
            bad.append(f"{key!r} ({entry.name!r})")
    problems: list[str] = []
    notes: list[str] = []
    if len(rebuilt) != version.entry_count:
        problems.append(
            f"{len(rebuilt)} entries stored, the version was loaded with {version.entry_count}"
        )
    if version.entries_sha256 is None:
        notes.append(NO_DIGEST)
    elif entries_digest(pairs) != version.entries_sha256:
        problems.append(
            "the entries digest differs from the one stored at load "
            "(entries changed, added or removed)"
        )
    return VersionCheck(
        source,
        version.seq,
        version.content_sha256,
        len(rebuilt),
        version.entries_sha256 is not None,
        tuple(bad),
        tuple(problems),
        tuple(notes),
    )


def audited_digests(session: Session) -> dict[tuple[str, int], str | None]:
    """(source, version) -> the entries digest its successful load recorded in the audit log."""
    found: dict[tuple[str, int], str | None] = {}
    rows = session.execute(
        select(AuditEvent.subject, AuditEvent.details).where(
            AuditEvent.action == "lists.load", AuditEvent.outcome == "ok"
        )
    )
    for subject, details in rows:
        version = details.get("version") if isinstance(details, dict) else None
        if isinstance(version, int):
            found[(subject, version)] = details.get("entries_sha256")
    return found


def verify_versions(session: Session, *, all_versions: bool = False) -> list[VersionCheck]:
    """Check every active version (or every version) of every source, and each digest against
    the one its load recorded in the audit log."""
    from compliance.store.repository import ListRepository

    repo = ListRepository(session)
    audited = audited_digests(session)
    out: list[VersionCheck] = []
    for src in repo.sources():
        versions = repo.versions(src)
        for version in versions if all_versions else [v for v in versions if v.is_active]:
            check = repo.check_version(version)[1]
            recorded = audited.get((src.name, version.seq))
            if version.entries_sha256 is not None:
                if recorded is None:
                    check = replace(check, notes=(*check.notes, "no digest in its audit record"))
                elif recorded != version.entries_sha256:
                    why = "the digest differs from the one its load recorded in the audit log"
                    check = replace(check, problems=(*check.problems, why))
            out.append(check)
    return out
