"""Who owns a record: its owners, parent and ultimate parent, each screened against the lists.

The result is the ``ownership.owners`` fact (see :mod:`compliance.rules.catalog`): one item
per related party with its share, how it is related (``via``) and its list hits. When a related
party is itself a record of the same batch (found by normalized name in an
:class:`OwnershipGraph`), its own owners are followed too, so the 50% rules can see through
intermediaries ("A is 60% owned by B; B is 50% owned by a blocked person"). Cycles and chains
deeper than :data:`~compliance.rules.operators.MAX_DEPTH` stop the walk.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import tempfile
import weakref
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from compliance.model import Owner, Party
from compliance.normalize.names import normalize_name
from compliance.rules.operators import MAX_DEPTH

HitRecords = tuple[dict[str, Any], ...]
ScreenName = Callable[[str, str | None], HitRecords]


def name_key(name: str) -> str:
    """Batch records and owner names meet on this: the normalized tokens, legal form kept."""
    return " ".join(normalize_name(name, False).tokens)


def _record_key(name: str) -> str:
    """:func:`name_key` without filling the normalizer's cache: the pre-pass reads every
    record once, and a cache full of their names would only swell the parent process that
    the workers are forked from."""
    return " ".join(normalize_name.__wrapped__(name, False).tokens)


class OwnershipGraph:
    """The records of one batch that name owners or parents, by normalized name.

    Memory stays flat in the batch's length: up to ``in_memory`` records are kept as they
    are; past that, all of them go to a temporary SQLite file (only the fields the ownership
    walk reads), and memory holds a fixed-size Bloom filter of their name keys (most names
    looked up are no record of the batch and never reach the file) and a small bounded cache.
    Forked worker processes inherit the object and open the file read-only on first use. The
    file is removed by :meth:`close`, when the graph is garbage-collected, or at exit."""

    def __init__(
        self,
        parties: Iterable[Party] = (),
        *,
        in_memory: int | None = None,
        directory: Path | None = None,
    ) -> None:
        self._in_memory = IN_MEMORY if in_memory is None else in_memory
        self._directory = directory
        self._by_name: dict[str, list[Party]] = {}
        self._spilled = False
        self._path: str | None = None
        self._conn: sqlite3.Connection | None = None
        self._pid = os.getpid()
        self._pending: list[tuple[int, str]] = []
        self._bloom = bytearray()
        self._rows = 0
        self._chars = 0
        self._cache: dict[str, list[Party]] = {}
        self._finalizer: weakref.finalize[[str, int], OwnershipGraph] | None = None
        for party in parties:
            self.add(party)
        self._flush()

    def add(self, party: Party) -> None:
        if party.owners or party.parent_name or party.ultimate_parent_name:
            try:
                key = _record_key(party.name)
            except Exception:  # a name the normalizer rejects: its own row reports it
                return
            if not key:
                return
            self._rows += 1
            if self._spilled:
                self._spill(key, party)
                return
            self._by_name.setdefault(key, []).append(party)
            self._chars += _size(party)
            if self._rows > self._in_memory or self._chars > IN_MEMORY_CHARS:
                # From now on, every record goes to the file.
                self._spilled = True
                self._bloom = bytearray(_BLOOM_BYTES)
                for kept_key, kept in self._by_name.items():
                    for one in kept:
                        self._spill(kept_key, one)
                self._by_name.clear()

    def _spill(self, key: str, party: Party) -> None:
        h = _hash(key)
        self._bloom[h & _BLOOM_MASK] |= 1 << ((h >> 20) & 7)
        self._bloom[(h >> 24) & _BLOOM_MASK] |= 1 << ((h >> 44) & 7)
        self._pending.append((h, _dump(key, party)))
        self._cache.clear()
        if len(self._pending) >= _FLUSH:
            self._flush()

    @property
    def spilled(self) -> bool:
        """Whether the records are in the temporary file rather than in memory."""
        return self._spilled

    def find(self, name: str, country: str | None = None) -> Party | None:
        """The batch record of that name; with several ("Acme Ltd" in GB and in SG), the one
        in ``country``, and none when the country does not tell them apart. The record holds
        the fields the ownership walk reads: id, name, country, owners and parents."""
        if not self._rows:
            return None
        key = name_key(name)
        if not key:
            return None
        found = self._by_name.get(key) if not self._spilled else self._cache.get(key)
        if found is None and self._spilled:
            found = self._lookup(key)
            if len(self._cache) >= _CACHE:
                self._cache.clear()
            self._cache[key] = found
        if not found:
            return None
        if len(found) == 1:
            return found[0]
        same = [p for p in found if country and p.country == country]
        return same[0] if len(same) == 1 else None

    def _lookup(self, key: str) -> list[Party]:
        h = _hash(key)
        bloom = self._bloom
        if not (
            bloom[h & _BLOOM_MASK] & (1 << ((h >> 20) & 7))
            and bloom[(h >> 24) & _BLOOM_MASK] & (1 << ((h >> 44) & 7))
        ):
            return []
        rows = self._connection().execute(
            "SELECT data FROM record WHERE h = ? ORDER BY rowid", (h,)
        )
        return [party for (data,) in rows if (party := _load(key, data)) is not None]

    def _connection(self) -> sqlite3.Connection:
        if os.getpid() != self._pid:  # a forked worker: its own read-only connection
            assert self._path is not None  # there are rows, so the file exists
            self._pid = os.getpid()
            if self._conn is not None:  # the parent's: never used, nor closed, in a child
                _INHERITED.append(self._conn)
            self._finalizer = None
            uri = f"{Path(self._path).as_uri()}?mode=ro&immutable=1"
            self._conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
        else:
            self._flush()
        assert self._conn is not None
        return self._conn

    def _flush(self) -> None:
        if not self._pending or os.getpid() != self._pid:
            return
        if self._conn is None:
            fd, self._path = tempfile.mkstemp(
                prefix="compliance-owners-", suffix=".sqlite", dir=self._directory
            )
            os.close(fd)
            self._finalizer = weakref.finalize(self, _remove, self._path, self._pid)
            self._conn = sqlite3.connect(self._path, check_same_thread=False)
            self._conn.execute("PRAGMA journal_mode = OFF")
            self._conn.execute("PRAGMA synchronous = OFF")
            self._conn.execute("CREATE TABLE record (h INTEGER NOT NULL, data TEXT NOT NULL)")
            self._conn.execute("CREATE INDEX record_h ON record (h)")
        with self._conn:
            self._conn.executemany("INSERT INTO record (h, data) VALUES (?, ?)", self._pending)
        self._pending.clear()

    def close(self) -> None:
        """Remove the temporary file (the graph is empty afterwards)."""
        if self._finalizer is not None:
            if self._conn is not None:
                self._conn.close()
            self._finalizer()
        self._conn = None
        self._path = None
        self._rows = 0
        self._spilled = False
        self._by_name.clear()
        self._pending.clear()
        self._cache.clear()

    def __enter__(self) -> OwnershipGraph:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __len__(self) -> int:
        """The number of distinct names with a record."""
        if not self._spilled:
            return len(self._by_name)
        rows = self._connection().execute("SELECT data FROM record")
        return len({json.loads(data)[0] for (data,) in rows})


_INHERITED: list[sqlite3.Connection] = []
IN_MEMORY = 20_000
"""Records an :class:`OwnershipGraph` keeps in memory before it spills them all to a file."""
IN_MEMORY_CHARS = 8_000_000
"""... and the characters of text they may hold (a few long-field records spill early)."""
_BLOOM_BYTES = 1 << 20  # 8 Mbit, two probes: ~5% false positives at a million records
_BLOOM_MASK = _BLOOM_BYTES - 1
_FLUSH = 5000  # records buffered before they are written to the file
_CACHE = 4096  # names remembered per process (a chain's parents are looked up again and again)


def _size(party: Party) -> int:
    """Roughly the characters a record holds (its text fields)."""
    size = len(party.name) + len(party.address or "") + len(party.parent_name or "")
    size += len(party.ultimate_parent_name or "") + len(party.registration_number or "")
    size += sum(map(len, party.aliases)) + sum(len(o.name) + 8 for o in party.owners)
    return size + sum(len(k) + len(v) for k, v in party.extra) + 100


def _hash(key: str) -> int:
    digest = hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


def _dump(key: str, party: Party) -> str:
    """The fields the ownership walk reads, as ASCII JSON (any text round-trips)."""
    return json.dumps(
        [
            key,
            party.id,
            party.name,
            party.country,
            [[o.name, o.share, o.country] for o in party.owners],
            party.parent_name,
            party.parent_country,
            party.ultimate_parent_name,
            party.ultimate_parent_country,
        ]
    )


def _load(key: str, data: str) -> Party | None:
    stored, id_, name, country, owners, parent, parent_c, ultimate, ultimate_c = json.loads(data)
    if stored != key:  # another name with the same 64-bit hash
        return None
    return Party(
        id=id_,
        name=name,
        country=country,
        owners=tuple(Owner(n, s, c) for n, s, c in owners),
        parent_name=parent,
        parent_country=parent_c,
        ultimate_parent_name=ultimate,
        ultimate_parent_country=ultimate_c,
    )


def _remove(path: str, pid: int) -> None:
    if os.getpid() == pid:
        with contextlib.suppress(OSError):
            os.unlink(path)


def related(party: Party) -> list[tuple[str, str, float | None, str | None]]:
    """(via, name, share, country) for each owner, the parent and the ultimate parent. One
    party named twice (an owner also given as the parent, "Foo Ltd" and "FOO LIMITED") is kept
    once, with its share, so it is never counted twice."""
    out: list[tuple[str, str, float | None, str | None]] = []
    seen: set[str] = set()
    candidates: list[tuple[str, str | None, float | None, str | None]] = [
        ("owner", o.name, o.share, o.country) for o in party.owners
    ]
    candidates += [
        ("parent", party.parent_name, None, party.parent_country),
        ("ultimate_parent", party.ultimate_parent_name, None, party.ultimate_parent_country),
    ]
    for via, name, share, country in candidates:
        if not name:
            continue
        key = name_key(name) or name.casefold().strip()
        if key in seen:
            continue
        seen.add(key)
        out.append((via, name, share, country))
    return out


MAX_LINKS = 200
"""At most this many related parties are followed for one record (a dense web of batch
records holding each other would otherwise grow exponentially); past it the walk stops."""


def owner_links(
    party: Party,
    screen_name: ScreenName,
    graph: OwnershipGraph | None = None,
    *,
    depth: int = 0,
    seen: frozenset[str] = frozenset(),
    budget: list[int] | None = None,
) -> tuple[dict[str, Any], ...]:
    budget = [MAX_LINKS] if budget is None else budget
    links: list[dict[str, Any]] = []
    seen = seen | {party.id}
    for via, name, share, country in related(party):
        if budget[0] <= 0:
            break
        budget[0] -= 1
        record = graph.find(name, country) if graph is not None else None
        nested: tuple[dict[str, Any], ...] = ()
        if record is not None and record.id not in seen and depth < MAX_DEPTH:
            nested = owner_links(
                record, screen_name, graph, depth=depth + 1, seen=seen, budget=budget
            )
        links.append(
            {
                "name": name,
                "share": share,
                "country": country,
                "via": via,
                "record_id": record.id if record is not None else None,
                "hits": screen_name(name, country),
                "owners": nested,
            }
        )
    return tuple(links)


def listed_share_unknown(links: Iterable[dict[str, Any]]) -> bool:
    """An owner, parent or ultimate parent with list hits in force whose share the record does
    not give: the 50% rules count it as 0% (control without ownership does not block), and
    this flag asks a reviewer for the share."""
    return any(
        link["share"] is None and any(h.get("in_force", True) for h in link["hits"])
        for link in links
    )
