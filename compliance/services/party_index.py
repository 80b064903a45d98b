"""The stored parties' name index, kept on disk in segments (what a delta re-screen queries).

A delta re-screen (:mod:`compliance.services.rescreen`) queries an index of every stored
party's names with the added and changed list entries. Building that index is most of a
re-screen's work (every name normalized, its keys and tokens laid out), and the parties
hardly change between two list updates, so it is kept:

- the parties are cut into segments by id (:data:`SEGMENT` ids each);
- each segment's index is written to the index cache directory in the list index's own
  format (:mod:`compliance.matching.engine`: no code, an HMAC under the installation's secret,
  a manifest it must match), as ``parties-<segment>.idx``;
- the manifest carries a sha256 over the segment's parties as stored (id, kind and record
  text): a new, changed or removed party makes its segment be rebuilt, the others are read
  back. A file that is missing, damaged, forged or stale is rebuilt, never trusted.

With no cache directory, or one another user could write, every segment is built each time
(the same results, slower). An index holds each party's key, type and country only (its
names are in the index itself): a segment is an index to find parties with, not to explain a
match.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from sqlalchemy import Text, cast, select
from sqlalchemy.orm import Session

from compliance.matching.engine import Matcher, entry_keys, open_cache, query_forms, query_names
from compliance.matching.weights import DEFAULT_WEIGHTS, Weights
from compliance.model import Alias, AliasKind, EntityType, ListEntry, Owner, Party
from compliance.ownership import related
from compliance.records import DataCentre
from compliance.screening import data_centre_party
from compliance.store.tables import PartyRow

SEGMENT = 1 << 17  # party ids per segment
# The list index skips a key found in more than 1,000 names (it says little there); among a
# provider's customers a common name is in thousands ("Wei Khan"), and skipping its keys lost
# the parties a changed entry's alias meets ("WEI, Ta Han"): no key of a segment is skipped.
# And a changed name's word one letter short of a customer's ("Salmi LLC" / "Salqmi LLC")
# finds it, as screening finds the listed word with a letter dropped from the customer's.
PARTY_WEIGHTS = replace(DEFAULT_WEIGHTS, max_key_df=SEGMENT, near_insertions=True)
# In every segment's manifest: bump it when what a party's entry holds changes (party_entry),
# so that segments built the old way are rebuilt.
ENTRY_FORMAT = "party-entry-1"
_READ_BATCH = 5000


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
        owners=tuple(Owner(*[*o, None, None][:3]) for o in record.get("owners") or () if o),
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


def screened_parties(kind: str, record: dict[str, Any]) -> list[Party]:
    """The parties a stored record's screening matches against the lists: the party (a data
    centre: its operator, with its own name as an alias), and each owner and parent by name
    (:func:`compliance.ownership.related`, read as screening reads them: of unknown type)."""
    if kind == "data_centre":
        main = data_centre_party(data_centre_from_record(record))
    else:
        main = party_from_record(record)
    return [main, *(Party("related", name, country=c) for _via, name, _s, c in related(main))]


def party_entry(pk: int, kind: str, record: dict[str, Any]) -> ListEntry:
    """A stored party as an entry of the party index: every name of every party its
    screening reads (:func:`screened_parties`), in every form screening reads it
    (:func:`compliance.matching.engine.query_names`: a company's name without a place added
    after it, a name's displayed form and Latin skeleton)."""
    parties = screened_parties(kind, record)
    main = parties[0]
    names = list(dict.fromkeys(name for p in parties for name in query_names(p)))
    # owners and parents may be people or companies: one reading covers both
    etype = main.entity_type if len(parties) == 1 else EntityType.UNKNOWN
    return ListEntry(
        str(pk), names[0], etype, kind,
        aliases=tuple(Alias(n, AliasKind.AKA) for n in names[1:]),
        countries=(main.country,) if main.country else (),
    )  # fmt: skip


class PartyRef(NamedTuple):
    """A stored party as a re-screen first reads it: no record (read again for the few it
    screens), its baseline as the stored text (parsed once per distinct text)."""

    pk: int
    baseline: str
    as_of: str


def _stamp_row(h: Any, pk: int, kind: str, record_text: str) -> None:
    h.update(f"{pk}\t{kind}\t{len(record_text)}\t".encode())
    h.update(record_text.encode("utf-8", "surrogatepass"))


@dataclass
class PartyScan:
    """Every stored party (ids ascending) and a stamp per segment of ids."""

    refs: list[PartyRef] = field(default_factory=list)
    stamps: dict[int, str] = field(default_factory=dict)


def scan(session: Session) -> PartyScan:
    """Read every stored party's id, kind, baseline and date, and stamp each segment with a
    sha256 over its parties' ids, kinds and record texts (the record is hashed as the
    database returns its text, not parsed)."""
    query = (
        select(
            PartyRow.id,
            PartyRow.kind,
            cast(PartyRow.record, Text),
            cast(PartyRow.list_versions, Text),
            PartyRow.as_of,
        )
        .order_by(PartyRow.id)
        .execution_options(yield_per=_READ_BATCH)
    )
    out = PartyScan()
    texts: dict[str, str] = {}  # one string per distinct baseline
    hashers: dict[int, Any] = {}
    append = out.refs.append
    size = SEGMENT
    for pk, kind, record_text, baseline, as_of in session.connection().execute(query):
        seg = pk // size
        h = hashers.get(seg)
        if h is None:
            h = hashers[seg] = hashlib.sha256()
        _stamp_row(h, pk, kind, record_text)
        append(PartyRef(pk, texts.setdefault(baseline, baseline), as_of))
    out.stamps = {seg: h.hexdigest() for seg, h in hashers.items()}
    return out


def _segment_rows(session: Session, seg: int) -> Iterator[tuple[int, str, str]]:
    query = (
        select(PartyRow.id, PartyRow.kind, cast(PartyRow.record, Text))
        .where(PartyRow.id >= seg * SEGMENT, PartyRow.id < (seg + 1) * SEGMENT)
        .order_by(PartyRow.id)
        .execution_options(yield_per=_READ_BATCH)
    )
    yield from session.connection().execute(query).tuples()


@dataclass
class SegmentStats:
    segments: int = 0
    built: int = 0  # built from the database (then written to the cache)
    cached: int = 0  # read back from the cache
    near: int = 0  # parties blocking found next to a changed name (then checked)

    def to_dict(self) -> dict[str, int]:
        return {
            "segments": self.segments, "built": self.built, "cached": self.cached,
            "near": self.near,
        }  # fmt: skip


class PartyIndex:
    """The stored parties' index, segment by segment (see the module docstring)."""

    def __init__(
        self,
        session: Session,
        stamps: dict[int, str],
        cache_dir: Path | None,
        weights: Weights = PARTY_WEIGHTS,
    ) -> None:
        self.session = session
        self.stamps = stamps
        self.cache_dir = cache_dir
        self.weights = weights
        self.stats = SegmentStats(segments=len(stamps))

    def segment(self, seg: int) -> Matcher:
        """Segment ``seg``'s index: from the cache when its stamp still holds, else built
        (and cached)."""
        stamp = self.stamps[seg]
        built_from = {"parties": f"{seg}:{stamp}", "entry": ENTRY_FORMAT}
        name = f"parties-{seg}"
        cache, _warning = open_cache(self.cache_dir, built_from, self.weights, name=name)
        try:
            if cache is not None and (found := cache.read(self.weights)) is not None:
                self.stats.cached += 1
                return found
            matcher, read = self._build(seg)
            # A party that changed since the scan: this index is not what the stamp names.
            if cache is not None and read == stamp:
                cache.write(matcher)
            self.stats.built += 1
            return matcher
        finally:
            if cache is not None:
                cache.close()

    def _build(self, seg: int) -> tuple[Matcher, str]:
        """Segment ``seg``'s index built from the database, and the stamp of what it read."""
        h = hashlib.sha256()
        entries = []
        for pk, kind, record_text in _segment_rows(self.session, seg):
            _stamp_row(h, pk, kind, record_text)
            entries.append(party_entry(pk, kind, json.loads(record_text)))
        matcher = Matcher.build([("parties", entries)], self.weights)
        # Its names are indexed: the entries keep their key, type and country.
        index = matcher.index
        index.entries = [(s, replace(e, aliases=())) for s, e in index.entries]
        return matcher, h.hexdigest()

    def search(self, queries: Iterable[tuple[int, Party]]) -> dict[int, set[int]]:
        """query number -> the ids of the parties blocking puts next to one of its names
        (:meth:`compliance.index.NameIndex.candidates`, with no cap on how many: a name that
        thousands of customers share must find every one of them), over every segment. Not
        scored here: the index's scorer reads the list name as the query and the party's as
        the listed name, and names are not scored the same both ways ("Wei Khan" meets "WEI,
        Ta Han", the listed name holding a part the customer left out, not the other way
        round); the caller checks each party found in screening's direction."""
        forms = [
            (number, norm)
            for number, query in queries
            for _name, _reading, norm in query_forms(query)
        ]
        found: dict[int, set[int]] = {}
        for seg in sorted(self.stamps):
            matcher = self.segment(seg)
            index = matcher.index
            pk_of = np.array([int(k) for _, k in entry_keys(index.entries)], dtype=np.int64)
            for number, norm in forms:
                rows = index.candidates(norm, limit=max(index.size, 1))
                if len(rows):
                    found.setdefault(number, set()).update(pk_of[index.name_entry[rows]].tolist())
            del matcher, index
        return found
