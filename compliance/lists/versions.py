"""Pure helpers for list versions: the content hash of a file set and the diff of two versions."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def display_text(text: str) -> str:
    """``text`` made safe to print, store and hash as UTF-8.

    A file name that is not valid UTF-8 reaches Python with surrogate escapes (``os.fsdecode``);
    its undecodable bytes are shown as ``\\xNN``. Any other lone surrogate becomes ``\\uXXXX``.
    Valid text is returned unchanged.
    """
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")


@dataclass(frozen=True, slots=True)
class FileDigest:
    name: str
    bytes: int
    sha256: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "bytes": self.bytes, "sha256": self.sha256}


def digest_file(path: Path) -> FileDigest:
    h = hashlib.sha256()
    size = 0
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
            size += len(chunk)
    return FileDigest(display_text(path.name), size, h.hexdigest())


def content_hash(digests: Sequence[FileDigest]) -> str:
    """A version's identity. One file: ``sha256:`` of its bytes (so ``sha256sum`` confirms it).
    Several (OFAC's sdn + alt + add): sha256 over the sorted per-file hashes. File names do not
    count: the same bytes under another name are the same version."""
    if len(digests) == 1:
        return "sha256:" + digests[0].sha256
    joined = "\n".join(sorted(d.sha256 for d in digests))
    return "sha256:" + hashlib.sha256(joined.encode("ascii")).hexdigest()


@dataclass(frozen=True, slots=True)
class EntrySummary:
    key: str
    name: str
    content_hash: str


@dataclass(frozen=True, slots=True)
class ChangedEntry:
    key: str
    name: str
    old_hash: str
    new_hash: str
    fields: tuple[str, ...] = ()  # which fields differ, when the caller supplied the entries


@dataclass(frozen=True)
class VersionDiff:
    added: tuple[EntrySummary, ...] = ()
    removed: tuple[EntrySummary, ...] = ()
    changed: tuple[ChangedEntry, ...] = ()
    unchanged: int = 0
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def counts(self) -> dict[str, int]:
        return {
            "added": len(self.added),
            "removed": len(self.removed),
            "changed": len(self.changed),
            "unchanged": self.unchanged,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.meta,
            "counts": self.counts(),
            "added": [{"key": e.key, "name": e.name, "hash": e.content_hash} for e in self.added],
            "removed": [
                {"key": e.key, "name": e.name, "hash": e.content_hash} for e in self.removed
            ],
            "changed": [
                {
                    "key": c.key,
                    "name": c.name,
                    "old_hash": c.old_hash,
                    "new_hash": c.new_hash,
                    "fields": list(c.fields),
                }
                for c in self.changed
            ],
        }


def diff_entries(
    old: Mapping[str, EntrySummary],
    new: Mapping[str, EntrySummary],
    *,
    old_full: Mapping[str, Mapping[str, Any]] | None = None,
    new_full: Mapping[str, Mapping[str, Any]] | None = None,
) -> VersionDiff:
    """Compare two versions by stable key and content hash. Output is sorted by key.

    With ``old_full``/``new_full`` (key -> entry dict) for the changed keys, each change also
    names the fields that differ.
    """
    added = tuple(new[k] for k in sorted(new.keys() - old.keys()))
    removed = tuple(old[k] for k in sorted(old.keys() - new.keys()))
    changed: list[ChangedEntry] = []
    unchanged = 0
    for key in sorted(old.keys() & new.keys()):
        before, after = old[key], new[key]
        if before.content_hash == after.content_hash:
            unchanged += 1
            continue
        fields: tuple[str, ...] = ()
        if old_full is not None and new_full is not None and key in old_full and key in new_full:
            a, b = old_full[key], new_full[key]
            fields = tuple(sorted(f for f in a.keys() | b.keys() if a.get(f) != b.get(f)))
        changed.append(
            ChangedEntry(key, after.name, before.content_hash, after.content_hash, fields)
        )
    return VersionDiff(added, removed, tuple(changed), unchanged)
