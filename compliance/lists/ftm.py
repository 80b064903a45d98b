"""FollowTheMoney (FtM) entities as JSON lines: the entity format of OpenSanctions exports.

One JSON object per line (blank lines skipped)::

    {"id": "...", "schema": "Company", "caption": "...",
     "properties": {"name": [...], "alias": [...], "country": ["ru"], ...},
     "datasets": ["us_ofac_sdn"], "target": true, "first_seen": "...", "last_seen": "..."}

**Parties.** Entities of the schemas ``Person`` (person), ``Company``, ``Organization``,
``PublicBody`` (organization), ``LegalEntity`` (unknown: it may be either), ``Vessel`` and
``Airplane`` become entries; when ``target`` is present only ``target: true`` entities are kept
(``stats["not_target"]``). Every other schema (``Address``, ``Sanction``, ``Ownership``,
``Identification``, ``Family``...) is not an entry and is counted in
``stats["skipped:<schema>"]``; three of them still contribute to the parties they point at:

* ``Sanction`` (``entity``): ``program`` -> programs, ``startDate``/``listingDate`` ->
  ``start_date`` (earliest), ``endDate`` -> ``end_date`` (latest), ``authority``,
  ``authorityId``, ``reason`` and ``provisions`` -> ``extra``;
* ``Identification``/``Passport`` (``holder``): ``number`` (+ ``type``, ``country``) ->
  identifiers;
* ``Address`` (referenced by a party's ``addressEntity``): ``full`` (else its parts) and
  ``country`` -> an address.

An entity id appearing on several lines is one entity in fragments: the properties are merged.

**Mapping.** ``key`` = ``id``. ``name``: the ``caption`` when it is one of the names, else the
first ``name``; further names, ``alias`` and ``abbreviation`` are AKA aliases, ``weakAlias``
WEAK, ``previousName`` FKA. ``countries`` from ``country``, ``jurisdiction``, ``mainCountry``,
``nationality``, ``citizenship`` and ``flag`` (FtM's lower-case codes upper-cased;
``ge-ab``-style region codes give their country; ``zz``/unknown codes are problems);
``nationalities`` from ``nationality`` and ``citizenship``. ``address`` texts -> addresses,
``birthDate`` -> dates of birth, ``position`` -> title, ``program`` -> programs, ``notes`` ->
remarks, the first ``sourceUrl`` -> source URL, ``topics`` and ``datasets`` -> ``extra``.
Identifier properties: see :data:`IDENTIFIER_PROPS`. ``list_code`` = the entity's
``datasets``, sorted and comma-joined (empty when absent).

``published`` = the latest ``last_seen`` (else ``last_change``) day in the file.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compliance.countries import to_iso2
from compliance.errors import ListFormatError
from compliance.lists._common import (
    Problems,
    build_aliases,
    clean,
    iso_date,
    iso_day,
    iter_json_lines,
    name_stats,
    slug,
    unique,
)
from compliance.lists.reading import decode_text, read_bytes
from compliance.model import (
    Address,
    Alias,
    AliasKind,
    EntityType,
    Identifier,
    ListEntry,
    ParsedList,
)

FORMAT = "ftm"

PARTY_SCHEMAS: dict[str, EntityType] = {
    "Person": EntityType.PERSON,
    "Company": EntityType.ORGANIZATION,
    "Organization": EntityType.ORGANIZATION,
    "PublicBody": EntityType.ORGANIZATION,
    "LegalEntity": EntityType.UNKNOWN,
    "Vessel": EntityType.VESSEL,
    "Airplane": EntityType.AIRCRAFT,
}
IDENTIFIER_PROPS: dict[str, str] = {
    "registrationNumber": "Registration Number",
    "innCode": "INN",
    "taxNumber": "Tax Number",
    "vatCode": "VAT",
    "leiCode": "LEI",
    "ogrnCode": "OGRN",
    "okpoCode": "OKPO",
    "bikCode": "BIK",
    "swiftBic": "SWIFT/BIC",
    "uniqueEntityId": "Unique Entity ID",
    "imoNumber": "IMO",
    "mmsi": "MMSI",
    "callSign": "Call Sign",
    "serialNumber": "Serial Number",
    "idNumber": "ID Number",
    "passportNumber": "Passport",
    "socialSecurityNumber": "SSN",
}
_COUNTRY_PROPS = ("country", "jurisdiction", "mainCountry", "nationality", "citizenship", "flag")
_ALIAS_PROPS = (
    ("alias", AliasKind.AKA),
    ("abbreviation", AliasKind.AKA),
    ("weakAlias", AliasKind.WEAK),
    ("previousName", AliasKind.FKA),
)
_CODE = re.compile(r"^[a-z]{2}$")
_REGION = re.compile(r"^([a-z]{2})-[a-z0-9]+$")

Props = dict[str, list[str]]


@dataclass
class _Entity:
    id: str
    schema: str
    path: Path
    line: int
    props: Props = field(default_factory=dict)
    datasets: list[str] = field(default_factory=list)
    target: bool | None = None
    caption: str = ""


def country_code(value: str) -> str | None:
    """An FtM country code (``ru``, ``ge-ab``) or name -> ISO alpha-2, else ``None``."""
    code = clean(value).lower()
    if code == "zz" or not code:
        return None
    if _CODE.match(code):
        return code.upper()
    region = _REGION.match(code)
    if region:
        return region.group(1).upper()
    iso = to_iso2(value)
    return iso if iso is not None and len(iso) == 2 else None


def _values(path: Path, line: int, prop: str, value: Any) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        if isinstance(item, str | int | float) and not isinstance(item, bool):
            text = clean(item)
            if text:
                out.append(text)
        elif item is not None:
            raise ListFormatError(
                path,
                f"expected text values, found {type(item).__name__}",
                line=line,
                field=f"properties.{prop}",
            )
    return out


def _read(path: Path, entities: dict[str, _Entity], stats: Counter[str]) -> list[str]:
    text = decode_text(path, read_bytes(path))
    days: list[str] = []
    fallback: list[str] = []
    for line, obj in iter_json_lines(path, text):
        if not isinstance(obj, dict):
            raise ListFormatError(
                path, f"expected a JSON object, found {type(obj).__name__}", line=line
            )
        entity_id = obj.get("id")
        if not isinstance(entity_id, str) or not entity_id.strip():
            raise ListFormatError(path, "missing or empty id", line=line, field="id")
        schema = obj.get("schema")
        if not isinstance(schema, str) or not schema.strip():
            raise ListFormatError(path, "missing or empty schema", line=line, field="schema")
        raw_props = obj.get("properties", {})
        if raw_props is None:
            raw_props = {}
        if not isinstance(raw_props, dict):
            raise ListFormatError(
                path, "properties is not an object", line=line, field="properties"
            )
        datasets = obj.get("datasets", [])
        if not isinstance(datasets, list) or not all(isinstance(d, str) for d in datasets):
            raise ListFormatError(
                path, "datasets is not a list of names", line=line, field="datasets"
            )
        target = obj.get("target")
        if target is not None and not isinstance(target, bool):
            raise ListFormatError(path, "target is not true/false", line=line, field="target")
        stats["lines"] += 1

        entity = entities.get(entity_id)
        if entity is None:
            entity = entities[entity_id] = _Entity(entity_id, schema.strip(), path, line)
        else:
            stats["fragments_merged"] += 1
            if target is not None:
                target = bool(target or entity.target)
        entity.datasets.extend(d for d in datasets if d not in entity.datasets)
        if target is not None:
            entity.target = target
        caption = obj.get("caption")
        if isinstance(caption, str) and caption.strip() and not entity.caption:
            entity.caption = clean(caption)
        for prop, value in raw_props.items():
            values = _values(path, line, str(prop), value)
            existing = entity.props.setdefault(str(prop), [])
            existing.extend(v for v in values if v not in existing)

        for name, target_list in (("last_seen", days), ("last_change", fallback)):
            stamp = obj.get(name)
            day = iso_day(stamp) if isinstance(stamp, str) else None
            if day:
                target_list.append(day)
    return days or fallback


def _address_text(entity: _Entity) -> str:
    full = entity.props.get("full", [])
    if full:
        return full[0]
    parts = [
        entity.props.get(p, [""])[0]
        for p in ("street", "street2", "city", "region", "postalCode")
        if entity.props.get(p)
    ]
    return ", ".join(parts)


def _entries(
    entities: dict[str, _Entity], problems: Problems, stats: Counter[str]
) -> list[ListEntry]:
    sanctions: dict[str, list[_Entity]] = {}
    idents: dict[str, list[_Entity]] = {}
    for entity in entities.values():
        if entity.schema == "Sanction":
            for ref in entity.props.get("entity", []):
                sanctions.setdefault(ref, []).append(entity)
        elif entity.schema in ("Identification", "Passport"):
            for ref in entity.props.get("holder", []):
                idents.setdefault(ref, []).append(entity)

    out: list[ListEntry] = []
    for entity in entities.values():
        entity_type = PARTY_SCHEMAS.get(entity.schema)
        if entity_type is None:
            stats[f"skipped:{entity.schema}"] += 1
            continue
        if entity.target is False:
            stats["not_target"] += 1
            continue
        entry = _entry(entity, entity_type, entities, sanctions, idents, problems)
        if entry is not None:
            out.append(entry)
    return out


def _entry(
    entity: _Entity,
    entity_type: EntityType,
    entities: dict[str, _Entity],
    sanctions: dict[str, list[_Entity]],
    idents: dict[str, list[_Entity]],
    problems: Problems,
) -> ListEntry | None:
    props = entity.props
    names = props.get("name", [])
    if entity.caption and entity.caption in names:
        name = entity.caption
    elif names:
        name = names[0]
    else:
        name = entity.caption
    if not name:
        problems.add(
            "no_name",
            f"{entity.schema} {entity.id} has no name; not loaded",
            line=entity.line,
            path=entity.path,
        )
        return None

    candidates = [Alias(n) for n in names if n != name]
    for prop, kind in _ALIAS_PROPS:
        candidates.extend(Alias(v, kind) for v in props.get(prop, []))
    aliases = build_aliases(name, candidates)

    def codes(*prop_names: str) -> list[str | None]:
        result: list[str | None] = []
        for prop in prop_names:
            for value in props.get(prop, []):
                code = country_code(value)
                if code is None:
                    problems.add(
                        "unknown_country",
                        f"{prop} {value!r} is not a country",
                        line=entity.line,
                        path=entity.path,
                    )
                result.append(code)
        return result

    addresses: list[Address] = [Address(text) for text in props.get("address", [])]
    for ref in props.get("addressEntity", []):
        target = entities.get(ref)
        if target is None or target.schema != "Address":
            problems.add(
                "missing_reference",
                f"addressEntity {ref!r} of {entity.id} is not in the file",
                line=entity.line,
                path=entity.path,
            )
            continue
        text = _address_text(target)
        country = next((c for c in map(country_code, target.props.get("country", [])) if c), None)
        if text or country:
            addresses.append(Address(text or (country or ""), country))
    addresses = list({a.text.casefold(): a for a in reversed(addresses)}.values())[::-1]

    identifiers = [
        Identifier(label, value)
        for prop, label in IDENTIFIER_PROPS.items()
        for value in props.get(prop, [])
    ]
    for ident in idents.get(entity.id, []):
        label = (ident.props.get("type") or [ident.schema])[0]
        country = next((c for c in map(country_code, ident.props.get("country", [])) if c), None)
        for number in ident.props.get("number", []):
            identifiers.append(Identifier(label, number, country))

    programs = list(props.get("program", []))
    starts: list[str] = []
    ends: list[str] = []
    extra: list[tuple[str, str]] = []
    sanction_extra: dict[str, list[str]] = {}
    for sanction in sanctions.get(entity.id, []):
        sp = sanction.props
        programs.extend(sp.get("program", []))
        starts.extend(d for d in (iso_date(v) for v in sp.get("startDate", [])) if d)
        starts.extend(d for d in (iso_date(v) for v in sp.get("listingDate", [])) if d)
        ends.extend(d for d in (iso_date(v) for v in sp.get("endDate", [])) if d)
        for prop, label in (
            ("authority", "authority"),
            ("authorityId", "authority_id"),
            ("reason", "sanction_reason"),
            ("provisions", "provisions"),
        ):
            sanction_extra.setdefault(label, []).extend(sp.get(prop, []))
    if entity.datasets:
        extra.append(("datasets", ", ".join(sorted(entity.datasets))))
    if props.get("topics"):
        extra.append(("topics", ", ".join(unique(props["topics"]))))
    extra.extend((label, "; ".join(unique(v))) for label, v in sanction_extra.items() if v)

    nationalities = codes("nationality", "citizenship")
    countries = unique(
        [
            *codes("country", "jurisdiction", "mainCountry", "flag"),
            *nationalities,
            *(a.country for a in addresses),
        ]
    )
    notes = props.get("notes", [])
    urls = props.get("sourceUrl", [])
    return ListEntry(
        key=entity.id,
        name=name,
        entity_type=entity_type,
        list_code=",".join(sorted(entity.datasets)),
        aliases=aliases,
        programs=unique(programs),
        countries=countries,
        addresses=tuple(addresses),
        identifiers=tuple(dict.fromkeys(identifiers)),
        dates_of_birth=unique(props.get("birthDate", [])),
        nationalities=unique(nationalities),
        title=props["position"][0] if props.get("position") else None,
        start_date=min(starts) if starts else None,
        end_date=max(ends) if ends else None,
        remarks="\n".join(notes) or None,
        source_url=urls[0] if urls else None,
        extra=tuple(extra),
    )


def parse(paths: Sequence[Path]) -> ParsedList:
    if not paths:
        raise ListFormatError("(no file)", "no FtM file given")
    problems = Problems(paths[0])
    stats: Counter[str] = Counter()
    entities: dict[str, _Entity] = {}
    days: list[str] = []
    for path in paths:
        days.extend(_read(path, entities, stats))
    if not entities:
        raise ListFormatError(paths[0], "the file holds no entities")
    entries = _entries(entities, problems, stats)
    stats["entries"] = len(entries)
    return ParsedList(
        format=FORMAT,
        entries=tuple(entries),
        published=max(days) if days else None,
        problems=problems.as_tuple(),
        stats=dict(sorted({**stats, **name_stats(entries)}.items())),
    )


def default_source(paths: Sequence[Path]) -> str:
    stem = paths[0].name.split(".")[0] if paths else "entities"
    return f"ftm-{slug(stem)}"
