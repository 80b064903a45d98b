"""List content against its version and the audit row that recorded its load.

At load, each version stores ``entries_sha256``: the sha256 over its sorted (key, entry content
hash) pairs. A check rebuilds every entry from its rows, recomputes its content hash from the
rebuilt entry (never trusting the stored column alone), compares it with the stored per-entry
hash, and compares the digest of the recomputed pairs with the version's digest. An edited
name or alias, a removed or added entry: each shows.

The hash-chained audit row that created the version (``lists.load``, ``lists.update``...)
records its content hash, counts and digest; the version's columns must equal them. So
rewriting entries, their hashes and the digest together, or clearing the digest, still fails;
only a version whose load row predates revision 0002 (no digest in it) may lack one. Editing
that row too breaks the chain (``audit verify``, see compliance/store/audit.py).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from compliance.errors import ListIntegrityError
from compliance.store.audit import row_intact
from compliance.store.tables import AuditEvent, ListVersion

if TYPE_CHECKING:
    from compliance.model import ListEntry

NO_DIGEST = "no version digest (loaded before revision 0002)"
_CREATED = "entries"  # the detail every version-creating audit row carries (its entry count)
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


def load_records(session: Session, source: str, seq: int) -> list[AuditEvent]:
    """The audit rows that recorded creating version ``seq`` of ``source``: outcome ``ok``,
    details naming that version and its counts (``lists.load``, ``lists.update``, any action
    that stores a version; ``lists.activate`` rows carry no counts). One query."""
    version = AuditEvent.details["version"]
    same_version = (
        version.as_string() == str(seq)  # ->> is text; a cast could fail on another row
        if session.get_bind().dialect.name == "postgresql"
        else version.as_integer() == seq
    )
    rows = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.subject == source, AuditEvent.outcome == "ok", same_version)
        .order_by(AuditEvent.seq)
    ).all()
    return [r for r in rows if isinstance(r.details, dict) and _CREATED in r.details]


def _record_problems(version: ListVersion, records: Sequence[AuditEvent]) -> tuple[list[str], bool]:
    """Problems of ``version`` against the audit row that recorded its load, and whether that
    row predates revision 0002 (records no digest, so the version may lack one)."""
    if not records:
        return ["no audit row records loading this version (an inserted or altered version)"], False
    if len(records) > 1:
        seqs = ", ".join(str(r.seq) for r in records)
        return [f"{len(records)} audit rows (seq {seqs}) record loading this version"], False
    row = records[0]
    where = f"its load audit row (seq {row.seq}, {row.action})"
    problems: list[str] = []
    if not row_intact(row):
        problems.append(f"{where} does not match its own hash")
    details = row.details
    pre_0002 = "entries_sha256" not in details
    compared: list[tuple[str, object, object]] = [
        ("content hash", details.get("content_sha256"), version.content_sha256),
        ("entry count", details.get(_CREATED), version.entry_count),
        ("alias count", details.get("aliases"), version.alias_count),
        ("address count", details.get("addresses"), version.address_count),
    ]
    if not pre_0002:
        compared.append(("entries digest", details["entries_sha256"], version.entries_sha256))
    elif version.entries_sha256 is not None:
        problems.append(f"the version has an entries digest but {where} records none")
    for what, recorded, stored in compared:
        if recorded != stored:
            problems.append(f"{what} {_short(stored)} differs from {_short(recorded)} in {where}")
    return problems, pre_0002


def _short(value: object) -> str:
    if value is None:
        return "none"
    text = str(value)
    return text[:19] + "..." if text.startswith("sha256:") else text


def check_entries(
    version: ListVersion,
    source: str,
    rebuilt: Sequence[tuple[str, str, ListEntry | None, str | None]],
    records: Sequence[AuditEvent],
) -> VersionCheck:
    """Check a version from its rebuilt rows, (key, stored hash, entry or None, rebuild
    error), and against ``records``, the audit rows that recorded its load
    (:func:`load_records`): content hash, counts and digest must be the ones recorded. Only a
    version whose load row predates revision 0002 may lack a digest."""
    bad: list[str] = []
    pairs: list[tuple[str, str]] = []
    aliases = addresses = 0
    for key, stored, entry, failure in rebuilt:
        if entry is None:
            bad.append(f"{key!r}: cannot be rebuilt ({failure})")
            pairs.append((key, "unreadable"))
            continue
        aliases += len(entry.aliases)
        addresses += len(entry.addresses)
        recomputed = entry.content_hash
        pairs.append((key, recomputed))
        if recomputed != stored:
            bad.append(f"{key!r} ({entry.name!r})")
    problems, pre_0002 = _record_problems(version, records)
    notes: list[str] = []
    if len(rebuilt) != version.entry_count:
        problems.append(
            f"{len(rebuilt)} entries stored, the version was loaded with {version.entry_count}"
        )
    if not bad:
        for what, counted, loaded in (
            ("aliases", aliases, version.alias_count),
            ("addresses", addresses, version.address_count),
        ):
            if counted != loaded:
                problems.append(f"{counted} {what} stored, the version was loaded with {loaded}")
    if version.entries_sha256 is None:
        if pre_0002:  # else _record_problems has said the digest is missing
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


def verify_versions(session: Session, *, all_versions: bool = False) -> list[VersionCheck]:
    """Check every active version (or every version) of every source: its entries against
    their hashes and its digest, and all of it against the audit row that recorded its load."""
    from compliance.store.repository import ListRepository

    repo = ListRepository(session)
    out: list[VersionCheck] = []
    for src in repo.sources():
        versions = repo.versions(src)
        for version in versions if all_versions else [v for v in versions if v.is_active]:
            out.append(repo.check_version(version)[1])
    return out
