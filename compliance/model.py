"""The typed domain model: frozen values shared by the loaders, the store and the screening core.

Nothing here touches a database, the network or the clock.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class EntityType(StrEnum):
    ORGANIZATION = "organization"
    PERSON = "person"
    VESSEL = "vessel"
    AIRCRAFT = "aircraft"
    UNKNOWN = "unknown"


class AliasKind(StrEnum):
    """How a list names an alternative name.

    ``aka`` (also known as) and ``fka`` (formerly known as) are strong aliases; ``weak`` is
    OFAC's "low quality a.k.a." and the UN's "Low" quality alias: still searched, but a match
    on it alone is weaker evidence. ``nka`` (now known as) is kept as its own kind.
    """

    AKA = "aka"
    FKA = "fka"
    NKA = "nka"
    WEAK = "weak"


class Outcome(StrEnum):
    """Decision outcomes, weakest first. Compare with :func:`Outcome.rank`."""

    CLEAR = "clear"
    REVIEW = "review"
    LICENSE_REQUIRED = "license_required"
    PROHIBITED = "prohibited"

    @property
    def rank(self) -> int:
        return _OUTCOME_ORDER.index(self)


_OUTCOME_ORDER = [Outcome.CLEAR, Outcome.REVIEW, Outcome.LICENSE_REQUIRED, Outcome.PROHIBITED]


@dataclass(frozen=True, slots=True)
class Alias:
    name: str
    kind: AliasKind = AliasKind.AKA


@dataclass(frozen=True, slots=True)
class Address:
    """One address. ``text`` is the whole address as the list gives it; ``country`` is ISO 3166
    alpha-2 when it could be determined (``None`` otherwise)."""

    text: str
    country: str | None = None


@dataclass(frozen=True, slots=True)
class Identifier:
    """An identifying number: passport, tax id, registration number, IMO, USCC, LEI..."""

    kind: str
    value: str
    country: str | None = None


@dataclass(frozen=True, slots=True)
class ListEntry:
    """One entry of a restricted-party list, in the shape every loader produces.

    ``key`` is the entry's stable id within its source: CSL ``_id`` (else ``entity_number``),
    OFAC ``ent_num``, UN ``DATAID``, the custom file's ``id``, FtM's ``id``.
    ``list_code`` names the list inside a multi-list source (CSL: ``EL``, ``SDN``, ``DPL``...).
    """

    key: str
    name: str
    entity_type: EntityType = EntityType.UNKNOWN
    list_code: str = ""
    aliases: tuple[Alias, ...] = ()
    programs: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    addresses: tuple[Address, ...] = ()
    identifiers: tuple[Identifier, ...] = ()
    dates_of_birth: tuple[str, ...] = ()
    nationalities: tuple[str, ...] = ()
    title: str | None = None
    license_requirement: str | None = None
    license_policy: str | None = None
    federal_register: str | None = None
    start_date: str | None = None
    end_date: str | None = None
    remarks: str | None = None
    source_url: str | None = None
    # The outcome a provider's own (custom) list declares for a confirmed hit, if any.
    declared_outcome: Outcome | None = None
    extra: tuple[tuple[str, str], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready, deterministic view of the entry (enums as their values)."""
        return {
            "key": self.key,
            "name": self.name,
            "entity_type": self.entity_type.value,
            "list_code": self.list_code,
            "aliases": [{"name": a.name, "kind": a.kind.value} for a in self.aliases],
            "programs": list(self.programs),
            "countries": list(self.countries),
            "addresses": [{"text": a.text, "country": a.country} for a in self.addresses],
            "identifiers": [
                {"kind": i.kind, "value": i.value, "country": i.country} for i in self.identifiers
            ],
            "dates_of_birth": list(self.dates_of_birth),
            "nationalities": list(self.nationalities),
            "title": self.title,
            "license_requirement": self.license_requirement,
            "license_policy": self.license_policy,
            "federal_register": self.federal_register,
            "start_date": self.start_date,
            "end_date": self.end_date,
            "remarks": self.remarks,
            "source_url": self.source_url,
            "declared_outcome": (
                self.declared_outcome.value if self.declared_outcome is not None else None
            ),
            "extra": dict(self.extra),
        }

    @property
    def content_hash(self) -> str:
        """``sha256:`` of the canonical JSON of every field: equal iff the entry is unchanged."""
        return hash_entry_dict(self.to_dict())

    @property
    def all_names(self) -> tuple[str, ...]:
        return (self.name, *(a.name for a in self.aliases))


def hash_entry_dict(data: dict[str, Any]) -> str:
    """The content hash of :meth:`ListEntry.to_dict` output (canonical JSON, sha256)."""
    payload = json.dumps(data, sort_keys=True, ensure_ascii=False)
    return "sha256:" + hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class LoadProblem:
    """Something a loader noticed and did not silently drop: an orphan alias or address, a
    malformed optional value. Stored with the version and shown by ``lists load``."""

    path: str
    kind: str
    message: str
    line: int | None = None
    count: int = 1


@dataclass(frozen=True, slots=True)
class ParsedList:
    """The result of parsing one list's file set: every entry plus what was noticed."""

    format: str
    entries: tuple[ListEntry, ...]
    published: str | None = None  # ISO date, when the file says
    problems: tuple[LoadProblem, ...] = ()
    stats: dict[str, int] = field(default_factory=dict)

    @property
    def alias_count(self) -> int:
        return sum(len(e.aliases) for e in self.entries)

    @property
    def address_count(self) -> int:
        return sum(len(e.addresses) for e in self.entries)

    @property
    def name_count(self) -> int:
        """Primary names plus aliases: a packed-field bug shows up as a smaller number."""
        return sum(1 + len(e.aliases) for e in self.entries)


# ----------------------------------------------------------------------------- screening
@dataclass(frozen=True, slots=True)
class Owner:
    name: str
    share: float | None = None  # percent, 0-100; None when unknown
    country: str | None = None


@dataclass(frozen=True, slots=True)
class Party:
    """A customer record to screen (the input contract of ARCHITECTURE.md section 4)."""

    id: str
    name: str
    aliases: tuple[str, ...] = ()
    entity_type: EntityType = EntityType.UNKNOWN
    country: str | None = None  # ISO alpha-2
    address: str | None = None
    registration_number: str | None = None
    hq_country: str | None = None
    parent_name: str | None = None
    parent_country: str | None = None
    ultimate_parent_name: str | None = None
    ultimate_parent_country: str | None = None
    owners: tuple[Owner, ...] = ()
    date_of_birth: str | None = None
    service: str | None = None
    extra: tuple[tuple[str, str], ...] = ()  # unknown columns and account signals, kept


@dataclass(frozen=True, slots=True)
class FeatureResult:
    """One feature's verdict on a (query, candidate) pair: a score and why."""

    score: float
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"score": round(self.score, 4), "detail": self.detail}


@dataclass(frozen=True, slots=True)
class Match:
    """A list entry whose score reached the review threshold for a query party."""

    source: str  # list source name, e.g. "us-csl"
    list_code: str  # e.g. "EL"
    entry_key: str
    entry_name: str
    matched_name: str  # the entry name or alias that matched best
    matched_kind: str  # "primary" | "aka" | "fka" | "nka" | "weak"
    query_name: str  # the party name or alias that matched
    score: float
    features: tuple[tuple[str, FeatureResult], ...]
    programs: tuple[str, ...] = ()
    entry_hash: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "list": self.source,
            "program": self.list_code,
            "programs": list(self.programs),
            "entry_id": self.entry_key,
            "entry_name": self.entry_name,
            "matched_name": self.matched_name,
            "matched_kind": self.matched_kind,
            "query_name": self.query_name,
            "score": round(self.score, 4),
            "features": {k: v.to_dict() for k, v in self.features},
            "entry_hash": self.entry_hash,
        }
