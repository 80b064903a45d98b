"""The typed domain model: frozen values shared by the loaders, the store and the screening core.

Nothing here touches a database, the network or the clock.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
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
        data = asdict(self)
        data["entity_type"] = self.entity_type.value
        data["aliases"] = [{"name": a.name, "kind": a.kind.value} for a in self.aliases]
        data["declared_outcome"] = (
            self.declared_outcome.value if self.declared_outcome is not None else None
        )
        data["extra"] = dict(self.extra)
        return data

    @property
    def content_hash(self) -> str:
        """``sha256:`` of the canonical JSON of every field: equal iff the entry is unchanged."""
        payload = json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False)
        return "sha256:" + hashlib.sha256(payload.encode("utf-8")).hexdigest()

    @property
    def all_names(self) -> tuple[str, ...]:
        return (self.name, *(a.name for a in self.aliases))


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
