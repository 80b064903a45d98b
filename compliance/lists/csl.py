"""trade.gov Consolidated Screening List (CSL): the CSV download and the JSON shape.

**CSV** (``consolidated.csv``): one header row with the 29 official columns
(``_id, source, entity_number, type, programs, name, title, addresses,
federal_register_notice, start_date, end_date, standard_order, license_requirement,
license_policy, call_sign, vessel_type, gross_tonnage, gross_registered_tonnage, vessel_flag,
vessel_owner, remarks, source_list_url, alt_names, citizenships, dates_of_birth,
nationalities, places_of_birth, source_information_url, ids``). Multi-valued cells are joined
with ``"; "``. A row repeating the header (trade.gov files have one on line 2) is skipped.
Required columns: ``source, name, type, programs, addresses, alt_names,
federal_register_notice, license_requirement, license_policy`` and one of ``_id`` /
``entity_number``; the rest are optional (an absent optional column reads as empty).

**JSON** (the downloadable ``consolidated.json`` / the search API): ``{"results": [...],
"sources_used": [{"source_last_updated": ...}], "search_performed_at": ...}`` (a bare array of
results is accepted too). Records use the same field names (``id`` or ``_id``); multi-valued
fields may be arrays: ``alt_names``, ``programs``, ``nationalities``, ``citizenships``,
``dates_of_birth``, ``places_of_birth`` as arrays of strings, ``addresses`` as objects
``{address, city, state, postal_code, country}`` and ``ids`` as objects ``{type, number,
country, issue_date, expiration_date}``. A JSON address is read as the text
``address, city, state, postal_code, country`` (empty parts left out), which is exactly how the
CSV spells it, so both shapes of one list give equal entries.

Mapping to :class:`~compliance.model.ListEntry`:

* ``key``: ``_id`` (JSON ``id``), else ``entity_number``. One OFAC entity can sit on two CSL
  lists with the same ``_id`` (an NS-MBS and an SSI row, a PLC and an SDN row); every row of
  such an ``_id`` gets the key ``<_id>/<list_code>`` (a further repeat ``-2``, ``-3``...), and a
  ``duplicate_id`` problem is recorded.
* ``list_code`` from ``source``: see :data:`SOURCE_CODES`; an unknown source text gives the
  code in its parentheses (``"... (XYZ List) - ..."`` -> ``XYZ``), else the text itself.
* ``entity_type`` from ``type``: Entity, Individual, Vessel, Aircraft; empty -> unknown (the BIS
  and State lists leave it empty).
* ``aliases`` from ``alt_names`` (AKA). The ISN rows put several names in one cell separated by
  commas; those cells are split (legal-form tails such as ``Co.``/``Ltd.`` stay attached,
  ``SURNAME, Given`` stays whole, ``F.K.A.`` pieces become FKA). Names written inside a name,
  ``X (f.k.a. Y)`` / ``X, a.k.a. Y``, also give aliases. Counted in ``stats["aliases_derived"]``.
* ``addresses``: ``"; "``-separated (spaces before a comma dropped); the country is
  ``to_iso2`` of the last comma part. ``nationalities``: ``nationalities``, ``citizenships``
  and an ``ids`` "Nationality Country"; ``countries``: the address countries, the
  nationalities and an ``ids`` "Nationality of Registration" (vessels).
* ``ids``: ``Type, Number[, CC][, dates]`` -> :class:`Identifier`. Entries that are not
  identifying numbers (Gender, Website, Email Address, directive texts, listing dates, Target
  Type...) go to ``extra`` under their type.
* BIS rows (EL, MEU, UVL, DPL) carry ``?`` where the original had a typographic apostrophe or
  quote (``Xi?an``, ``?Zvezdochka?``); a ``?`` inside a word becomes ``'``, any other ``"``.
  Counted in ``stats["bis_question_marks_repaired"]``. BIS aliases also lose the list glue
  of the Federal Register text they come from (a leading ``and `` or ``-``). In every list,
  C1 control characters in names, aliases and addresses (``Xi\\x92an``, Windows-1252 read as
  Latin-1 upstream) are mapped back (``Xi’an``; ``stats["c1_controls_repaired"]``).
* ``published``: ``None`` for the CSV (it carries no date); for JSON, the latest
  ``sources_used[].source_last_updated``, else ``search_performed_at``.

Errors: a file that ends inside a quoted value (a cut-off download, an unbalanced quote) and a
row whose column count differs from the header raise :class:`ListFormatError` with the line the
record starts on and the column. ``parse(..., allow_truncated=True)`` instead drops a cut-off
*last* record and records a ``truncated_record`` problem (the shared 2023 snapshot is cut
mid-record).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compliance.countries import to_iso2
from compliance.errors import ListFormatError
from compliance.lists._common import (
    Problems,
    build_aliases,
    clean,
    csv_records,
    embedded_aliases,
    iso_date,
    iso_day,
    load_json,
    name_stats,
    repair_c1,
    split_multi,
    strip_embedded,
    strip_successor,
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

FORMAT = "csl"

COLUMNS: tuple[str, ...] = (
    "_id",
    "source",
    "entity_number",
    "type",
    "programs",
    "name",
    "title",
    "addresses",
    "federal_register_notice",
    "start_date",
    "end_date",
    "standard_order",
    "license_requirement",
    "license_policy",
    "call_sign",
    "vessel_type",
    "gross_tonnage",
    "gross_registered_tonnage",
    "vessel_flag",
    "vessel_owner",
    "remarks",
    "source_list_url",
    "alt_names",
    "citizenships",
    "dates_of_birth",
    "nationalities",
    "places_of_birth",
    "source_information_url",
    "ids",
)
REQUIRED: tuple[str, ...] = (
    "source",
    "name",
    "type",
    "programs",
    "addresses",
    "alt_names",
    "federal_register_notice",
    "license_requirement",
    "license_policy",
)

# Every ``source`` text of the CSL (2023-2025 files) -> its list code.
SOURCE_CODES: dict[str, str] = {
    "Specially Designated Nationals (SDN) - Treasury Department": "SDN",
    "Entity List (EL) - Bureau of Industry and Security": "EL",
    "Denied Persons List (DPL) - Bureau of Industry and Security": "DPL",
    "Unverified List (UVL) - Bureau of Industry and Security": "UVL",
    "Military End User (MEU) List - Bureau of Industry and Security": "MEU",
    "Sectoral Sanctions Identifications List (SSI) - Treasury Department": "SSI",
    "Nonproliferation Sanctions (ISN) - State Department": "ISN",
    "ITAR Debarred (DTC) - State Department": "DTC",
    "Palestinian Legislative Council List (PLC) - Treasury Department": "PLC",
    "Non-SDN Chinese Military-Industrial Complex Companies List (CMIC) - Treasury Department": (
        "CMIC"
    ),
    "Non-SDN Menu-Based Sanctions List (NS-MBS List) - Treasury Department": "NS-MBS",
    "Foreign Sanctions Evaders (FSE) - Treasury Department": "FSE",
    "Capta List (CAP) - Treasury Department": "CAP",
}
_SOURCE_CODES_FOLDED = {clean(k).casefold(): v for k, v in SOURCE_CODES.items()}
BIS_LISTS = frozenset({"EL", "MEU", "UVL", "DPL"})

_TYPES = {
    "entity": EntityType.ORGANIZATION,
    "individual": EntityType.PERSON,
    "vessel": EntityType.VESSEL,
    "aircraft": EntityType.AIRCRAFT,
    "": EntityType.UNKNOWN,
}

# ``ids`` entries that describe the listing rather than identify the party.
_NOT_AN_ID = re.compile(
    r"directive|secondary sanctions risk|additional sanctions information|target type|"
    r"issuer name|listing date|effective date|purchase/sales|organization established date|"
    r"organization type|^gender$|transactions prohibited|nationality of registration|"
    r"nationality country|caatsa|ifca determination|^website$|^email address$",
    re.IGNORECASE,
)
_ID_DATE = re.compile(r"^(?:\d{4}(?:-\d{2}-\d{2})?|\d{1,2} [A-Za-z]{3} \d{4}|[A-Za-z]{3} \d{4})$")
_ID_COUNTRY = re.compile(r"^[A-Z]{2}$")
_LEGAL_TAIL = frozenset(
    [
        "ltd",
        "ltd.",
        "co",
        "co.",
        "inc",
        "inc.",
        "llc",
        "llc.",
        "corp",
        "corp.",
        "s.a.",
        "sa",
        "gmbh",
        "plc",
        "jsc",
        "ojsc",
        "cjsc",
        "limited",
        "llp",
        "ag",
        "b.v.",
        "bv",
        "n.v.",
        "nv",
        "srl",
        "s.r.l.",
        "spa",
        "s.p.a.",
        "oao",
        "zao",
        "pjsc",
        "ooo",
        "fze",
        "fzco",
        "fzc",
        "jr",
        "jr.",
        "sr",
        "sr.",
    ]
)
_KIND_PREFIX = re.compile(r"^(?:(?P<f>f\.\s?k\.\s?a\.?|fka)|a\.\s?k\.\s?a\.?|aka)[\s,:]+", re.I)
_QMARK_IN_WORD = re.compile(r"(?<=\w)\?(?=\w)")
_SPACE_COMMA = re.compile(r"\s+,")
_LIST_GLUE = re.compile(r"^(?:(?:and|or)\s+|-\s*)", re.IGNORECASE)


@dataclass
class _Row:
    """One CSL record, whichever shape it came from, before mapping."""

    path: Path
    line: int | None  # CSV: the line the record starts on
    locator: str  # JSON: "results[12]"; CSV: ""
    values: dict[str, str]
    programs: list[str] = field(default_factory=list)
    alt_names: list[str] = field(default_factory=list)
    addresses: list[tuple[str, str]] = field(default_factory=list)  # (text, country text)
    ids: list[tuple[str, str, str]] = field(default_factory=list)  # (type, number, country)
    citizenships: list[str] = field(default_factory=list)
    nationalities: list[str] = field(default_factory=list)
    dates_of_birth: list[str] = field(default_factory=list)
    places_of_birth: list[str] = field(default_factory=list)
    extra_columns: list[tuple[str, str]] = field(default_factory=list)

    def get(self, name: str) -> str:
        return self.values.get(name, "")

    def field_name(self, name: str) -> str:
        return f"{self.locator}.{name}" if self.locator else name

    def error(self, message: str, column: str) -> ListFormatError:
        return ListFormatError(self.path, message, line=self.line, field=self.field_name(column))


# --------------------------------------------------------------------------------------------
# Values shared by both shapes


def list_code_for(source: str) -> str:
    """The list code for a CSL ``source`` text (see :data:`SOURCE_CODES`)."""
    text = clean(source)
    known = _SOURCE_CODES_FOLDED.get(text.casefold())
    if known is not None:
        return known
    match = re.search(r"\(([^()]+)\)", text)
    if match:
        code = clean(match.group(1))
        return re.sub(r"\s+list$", "", code, flags=re.IGNORECASE)
    return text


def _csv_address(text: str) -> tuple[str, str]:
    tidy = clean(text).strip(" ,")
    return tidy, clean(tidy.rsplit(",", 1)[-1])


def _csv_id(text: str) -> tuple[str, str, str]:
    kind, sep, rest = text.partition(", ")
    if not sep:
        return clean(kind.rstrip(",")), "", ""
    parts = [clean(p) for p in rest.split(", ")]
    while len(parts) > 1 and _ID_DATE.match(parts[-1]):
        parts.pop()
    country = ""
    if len(parts) > 1 and _ID_COUNTRY.match(parts[-1]):
        country = parts.pop()
    return clean(kind), ", ".join(parts), country


def _split_comma_aliases(text: str) -> list[Alias]:
    """One ISN ``alt_names`` cell holding several comma-separated names."""
    pieces = [p for p in (clean(x) for x in text.split(",")) if p]
    if len(pieces) < 2:
        return [Alias(text)]
    first, second = pieces[0], pieces[1]
    if (
        len(pieces) == 2
        and " " not in first
        and first.isupper()
        and not second.isupper()
        and len(second.split()) <= 3
        and all(w[:1].isupper() for w in second.split())
    ):
        return [Alias(text)]  # "SURNAME, Given Names"
    merged: list[str] = []
    for piece in pieces:
        if merged and piece.casefold() in _LEGAL_TAIL:
            merged[-1] = f"{merged[-1]}, {piece}"
        else:
            merged.append(piece)
    out: list[Alias] = []
    for piece in merged:
        piece = re.sub(r"^(?:and|or)\s+", "", piece, flags=re.IGNORECASE)
        kind = AliasKind.AKA
        match = _KIND_PREFIX.match(piece)
        if match:
            kind = AliasKind.FKA if match.group("f") else AliasKind.AKA
            piece = piece[match.end() :]
        if piece:
            out.append(Alias(piece, kind))
    return out


def _repair_bis(text: str) -> str:
    if "?" not in text:
        return text
    return clean(_QMARK_IN_WORD.sub("'", text).replace("?", '"'))


def _iso_country(text: str, problems: Problems, row: _Row, what: str) -> str | None:
    code = to_iso2(text)
    if code is None and text:
        problems.add("unknown_country", f"{what} {text!r} is not a known country", line=row.line)
    return code


def _to_entry(row: _Row, problems: Problems, stats: Counter[str]) -> ListEntry:
    source = row.get("source")
    code = list_code_for(source)
    if not source:
        raise row.error("empty source (the list the entry belongs to)", "source")
    if code not in SOURCE_CODES.values():
        problems.add("unknown_source", f"unknown CSL source {source!r} -> list code {code!r}")
    key = row.get("_id") or row.get("entity_number")
    if not key:
        raise row.error("empty _id and entity_number: the entry has no id", "_id")
    bis = code in BIS_LISTS

    def fix(text: str) -> str:
        repaired = repair_c1(text)
        if repaired != text:
            stats["c1_controls_repaired"] += 1
        if bis and "?" in repaired:
            stats["bis_question_marks_repaired"] += 1
            return _repair_bis(repaired)
        return repaired

    name = fix(row.get("name"))
    if not name:
        raise row.error("empty name", "name")

    type_text = row.get("type")
    entity_type = _TYPES.get(type_text.casefold())
    if entity_type is None:
        problems.add("unknown_type", f"unknown entity type {type_text!r}", line=row.line)
        entity_type = EntityType.UNKNOWN

    candidates: list[Alias] = []
    derived = 0
    head = strip_embedded(name)
    if head != name:
        candidates.append(Alias(head))
        derived += 1
    found = embedded_aliases(name)
    candidates.extend(found)
    derived += len(found)
    base = strip_successor(head)
    if base != head:
        candidates.append(Alias(base))
        derived += 1
    for raw in row.alt_names:
        text = fix(raw)
        if bis:
            # eCFR list syntax leaks into BIS aliases: "X; Y; and Z", "-Z".
            text = _LIST_GLUE.sub("", text)
        pieces = _split_comma_aliases(text) if code == "ISN" and "," in text else [Alias(text)]
        derived += len(pieces) - 1
        for alias in pieces:
            stripped = strip_embedded(alias.name)
            candidates.append(Alias(stripped, alias.kind))
            found = embedded_aliases(alias.name)
            candidates.extend(found)
            derived += len(found)
    aliases = build_aliases(name, candidates)
    stats["aliases_derived"] += derived

    addresses: list[Address] = []
    seen_addresses: set[str] = set()
    for text, country_text in row.addresses:
        text = _SPACE_COMMA.sub(",", fix(text))
        if not text or text.casefold() in seen_addresses:
            continue
        seen_addresses.add(text.casefold())
        addresses.append(Address(text, to_iso2(country_text) if country_text else None))

    nationalities = [
        _iso_country(c, problems, row, "nationality")
        for c in (*row.nationalities, *row.citizenships)
    ]
    id_countries: list[str | None] = []
    identifiers: list[Identifier] = []
    other: dict[str, list[str]] = {}
    for kind, number, country_text in row.ids:
        if not kind:
            continue
        if _NOT_AN_ID.search(kind):
            label = kind.rstrip(" -:") or kind
            other.setdefault(label, []).append(", ".join(p for p in (number, country_text) if p))
            if label.casefold() == "nationality country":
                nationalities.append(_iso_country(number or country_text, problems, row, label))
            elif label.casefold() == "nationality of registration":
                id_countries.append(_iso_country(number or country_text, problems, row, label))
            continue
        if not number:
            problems.add("empty_identifier", f"identifier {kind!r} has no number", line=row.line)
            continue
        identifiers.append(
            Identifier(kind, number, to_iso2(country_text) if country_text else None)
        )

    countries = unique([*(a.country for a in addresses), *nationalities, *id_countries])

    source_list_url = row.get("source_list_url")
    source_info_url = row.get("source_information_url")
    extra: list[tuple[str, str]] = [("source", clean(source))]
    entity_number = row.get("entity_number")
    if entity_number and entity_number != key:
        extra.append(("entity_number", entity_number))
    for column in (
        "standard_order",
        "call_sign",
        "vessel_type",
        "gross_tonnage",
        "gross_registered_tonnage",
        "vessel_flag",
        "vessel_owner",
    ):
        if row.get(column):
            extra.append((column, row.get(column)))
    if row.places_of_birth:
        extra.append(("places_of_birth", "; ".join(unique(row.places_of_birth))))
    if source_list_url and source_info_url and source_info_url != source_list_url:
        extra.append(("source_information_url", source_info_url))
    extra.extend((label, "; ".join(unique(values))) for label, values in other.items())
    extra.extend(row.extra_columns)

    stats[f"list:{code}"] += 1
    return ListEntry(
        key=key,
        name=name,
        entity_type=entity_type,
        list_code=code,
        aliases=aliases,
        programs=unique(row.programs),
        countries=countries,
        addresses=tuple(addresses),
        identifiers=tuple(dict.fromkeys(identifiers)),
        dates_of_birth=unique(row.dates_of_birth),
        nationalities=unique(nationalities),
        title=row.get("title") or None,
        license_requirement=row.get("license_requirement") or None,
        license_policy=row.get("license_policy") or None,
        federal_register=row.get("federal_register_notice") or None,
        start_date=_date(row, "start_date", problems),
        end_date=_date(row, "end_date", problems),
        remarks=row.get("remarks") or None,
        source_url=source_list_url or source_info_url or None,
        extra=tuple(extra),
    )


def _date(row: _Row, column: str, problems: Problems) -> str | None:
    text = row.get(column)
    if not text:
        return None
    iso = iso_date(text)
    if iso is None:
        problems.add("bad_date", f"{column} {text!r} is not a date; kept as given", line=row.line)
        return text
    return iso


def _disambiguate(entries: list[ListEntry], problems: Problems) -> list[ListEntry]:
    counts = Counter(e.key for e in entries)
    if all(n == 1 for n in counts.values()):
        return entries
    out: list[ListEntry] = []
    used: set[str] = {k for k, n in counts.items() if n == 1}
    for entry in entries:
        if counts[entry.key] == 1:
            out.append(entry)
            continue
        problems.add(
            "duplicate_id",
            "one _id on several CSL rows (one party on several lists); keys made unique as "
            "<_id>/<list_code>",
        )
        base = f"{entry.key}/{entry.list_code}"
        key, n = base, 1
        while key in used:
            n += 1
            key = f"{base}-{n}"
        used.add(key)
        out.append(_replace_key(entry, key))
    return out


def _replace_key(entry: ListEntry, key: str) -> ListEntry:
    from dataclasses import replace

    return replace(entry, key=key)


# --------------------------------------------------------------------------------------------
# CSV


def _read_csv_rows(
    path: Path, text: str, *, allow_truncated: bool, problems: Problems, stats: Counter[str]
) -> list[_Row]:
    unbalanced = text.count('"') % 2 == 1
    records = csv_records(path, text, blank_fields=True)
    if not records:
        raise ListFormatError(path, "no header row", line=1)

    header_line, raw_header = records[0]
    header = [clean(h).lstrip("\ufeff") for h in raw_header]
    _check_header(path, header, header_line)
    width = len(header)
    index = {name: i for i, name in enumerate(header)}

    body = records[1:]
    if body:
        last_line, last = body[-1]
        if unbalanced or (allow_truncated and len(last) < width):
            # Inside a quoted value: the column being read; else the first missing one.
            position = len(last) - 1 if unbalanced else len(last)
            column = header[max(0, min(position, width - 1))]
            if not allow_truncated:
                raise ListFormatError(
                    path,
                    "the file ends inside a quoted value: it is truncated (an incomplete "
                    "download?) or has an unbalanced quote",
                    line=last_line,
                    field=column,
                )
            problems.add(
                "truncated_record",
                f"the last record is cut off in column {column!r} and was dropped "
                "(the file is truncated)",
                line=last_line,
            )
            stats["truncated_records"] += 1
            body = body[:-1]

    rows: list[_Row] = []
    for number, (line, record) in enumerate(body, start=1):
        if clean(record[0]).lstrip("\ufeff") == header[0] and [clean(c) for c in record] == header:
            stats["repeated_headers"] += 1
            continue
        if len(record) != width:
            at_end = number == len(body)
            column = header[len(record)] if len(record) < width else f"(column {width + 1})"
            hint = " (the last record: the file may be truncated)" if at_end else ""
            raise ListFormatError(
                path,
                f"expected {width} columns as in the header, found {len(record)}{hint}",
                line=line,
                field=column,
            )
        rows.append(_csv_row(path, line, record, index))
    stats["rows"] += len(rows)
    return rows


def _check_header(path: Path, header: list[str], line: int) -> None:
    known = set(COLUMNS)
    if not known.intersection(header):
        hint = ""
        if header and header[0].isdigit():
            hint = " (the first line is data, not a header: an OFAC sdn.csv? use --format ofac)"
        raise ListFormatError(
            path,
            "not a Consolidated Screening List CSV: the first line is not the CSL header "
            f"({','.join(COLUMNS[:4])},...){hint}",
            line=line,
        )
    if "_id" not in header and "entity_number" not in header:
        raise ListFormatError(
            path, "missing required column '_id' (or 'entity_number')", line=line, field="_id"
        )
    for column in REQUIRED:
        if column not in header:
            raise ListFormatError(
                path, f"missing required column {column!r}", line=line, field=column
            )
    repeated = [c for c, n in Counter(header).items() if n > 1]
    if repeated:
        raise ListFormatError(
            path,
            f"column {repeated[0]!r} appears twice in the header",
            line=line,
            field=repeated[0],
        )


def _csv_row(path: Path, line: int, record: list[str], index: dict[str, int]) -> _Row:
    values = {name: " ".join(record[i].split()) for name, i in index.items()}
    row = _Row(path, line, "", values)
    row.programs = split_multi(record[index["programs"]])
    row.alt_names = split_multi(record[index["alt_names"]])
    row.addresses = [_csv_address(a) for a in split_multi(record[index["addresses"]])]
    if "ids" in index:
        row.ids = [_csv_id(i) for i in split_multi(record[index["ids"]])]
    for column, target in (
        ("citizenships", row.citizenships),
        ("nationalities", row.nationalities),
        ("dates_of_birth", row.dates_of_birth),
        ("places_of_birth", row.places_of_birth),
    ):
        if column in index:
            target.extend(split_multi(record[index[column]]))
    known = set(COLUMNS)
    row.extra_columns = [(n, values[n]) for n in index if n not in known and values[n]]
    return row


# --------------------------------------------------------------------------------------------
# JSON

_JSON_SCALARS = (
    "source",
    "entity_number",
    "type",
    "name",
    "title",
    "federal_register_notice",
    "start_date",
    "end_date",
    "standard_order",
    "license_requirement",
    "license_policy",
    "call_sign",
    "vessel_type",
    "gross_tonnage",
    "gross_registered_tonnage",
    "vessel_flag",
    "vessel_owner",
    "remarks",
    "source_list_url",
    "source_information_url",
)


def _read_json_rows(path: Path, text: str, stats: Counter[str]) -> tuple[list[_Row], str | None]:
    data = load_json(path, text)
    published: str | None = None
    if isinstance(data, dict):
        results = data.get("results")
        if not isinstance(results, list):
            raise ListFormatError(
                path, "not a CSL JSON file: no 'results' array at the top level", field="results"
            )
        published = _json_published(path, data)
    elif isinstance(data, list):
        results = data
    else:
        raise ListFormatError(path, "not a CSL JSON file: expected an object with 'results'")
    rows: list[_Row] = []
    for i, item in enumerate(results):
        locator = f"results[{i}]"
        if not isinstance(item, dict):
            raise ListFormatError(path, "expected a JSON object", field=locator)
        rows.append(_json_row(path, locator, item))
    stats["rows"] += len(rows)
    return rows, published


def _json_published(path: Path, data: dict[str, Any]) -> str | None:
    days: list[str] = []
    sources = data.get("sources_used")
    if isinstance(sources, list):
        for source in sources:
            if isinstance(source, dict):
                day = iso_day(_scalar(path, "sources_used", source.get("source_last_updated")))
                if day:
                    days.append(day)
    if not days:
        day = iso_day(_scalar(path, "search_performed_at", data.get("search_performed_at")))
        if day:
            days.append(day)
    return max(days) if days else None


def _scalar(path: Path, where: str, value: Any) -> str:
    if value is None or isinstance(value, bool):
        return "" if value is None else str(value).lower()
    if isinstance(value, str | int | float):
        return clean(value)
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return "; ".join(clean(v) for v in value if clean(v))
    raise ListFormatError(path, f"expected a text value, found {type(value).__name__}", field=where)


def _strings(path: Path, where: str, value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return split_multi(value)
    if isinstance(value, list):
        out: list[str] = []
        for i, item in enumerate(value):
            if isinstance(item, str | int | float) and not isinstance(item, bool):
                out.extend(split_multi(str(item)))
            elif item is not None:
                raise ListFormatError(
                    path, f"expected text, found {type(item).__name__}", field=f"{where}[{i}]"
                )
        return out
    raise ListFormatError(
        path, f"expected text or a list of texts, found {type(value).__name__}", field=where
    )


def _objects(path: Path, where: str, value: Any) -> Iterable[tuple[str, str | dict[str, Any]]]:
    if value is None:
        return []
    if isinstance(value, str):
        return [(where, v) for v in split_multi(value)]
    if not isinstance(value, list):
        raise ListFormatError(path, f"expected a list, found {type(value).__name__}", field=where)
    out: list[tuple[str, str | dict[str, Any]]] = []
    for i, item in enumerate(value):
        if isinstance(item, str):
            out.extend((f"{where}[{i}]", v) for v in split_multi(item))
        elif isinstance(item, dict):
            out.append((f"{where}[{i}]", item))
        elif item is not None:
            raise ListFormatError(
                path, f"expected an object, found {type(item).__name__}", field=f"{where}[{i}]"
            )
    return out


def _json_row(path: Path, locator: str, item: dict[str, Any]) -> _Row:
    values: dict[str, str] = {}
    for column in _JSON_SCALARS:
        values[column] = _scalar(path, f"{locator}.{column}", item.get(column))
    values["_id"] = _scalar(path, f"{locator}.id", item.get("id", item.get("_id")))
    row = _Row(path, None, locator, values)
    row.programs = _strings(path, f"{locator}.programs", item.get("programs"))
    row.alt_names = _strings(path, f"{locator}.alt_names", item.get("alt_names"))
    for column, target in (
        ("citizenships", row.citizenships),
        ("nationalities", row.nationalities),
        ("dates_of_birth", row.dates_of_birth),
        ("places_of_birth", row.places_of_birth),
    ):
        target.extend(_strings(path, f"{locator}.{column}", item.get(column)))
    for where, address in _objects(path, f"{locator}.addresses", item.get("addresses")):
        if isinstance(address, str):
            row.addresses.append(_csv_address(address))
            continue
        parts = [
            _scalar(path, f"{where}.{k}", address.get(k))
            for k in ("address", "city", "state", "postal_code", "country")
        ]
        text = ", ".join(p for p in parts if p)
        if text:
            row.addresses.append((text, parts[-1]))
    for where, ident in _objects(path, f"{locator}.ids", item.get("ids")):
        if isinstance(ident, str):
            row.ids.append(_csv_id(ident))
            continue
        row.ids.append(
            (
                _scalar(path, f"{where}.type", ident.get("type")),
                _scalar(path, f"{where}.number", ident.get("number")),
                _scalar(path, f"{where}.country", ident.get("country")),
            )
        )
    return row


# --------------------------------------------------------------------------------------------
# Loader contract


def parse(paths: Sequence[Path], *, allow_truncated: bool = False) -> ParsedList:
    """Parse CSL files (CSV or JSON, told apart by their first character)."""
    if not paths:
        raise ListFormatError("(no file)", "no CSL file given")
    problems = Problems(paths[0])
    stats: Counter[str] = Counter()
    entries: list[ListEntry] = []
    published: list[str] = []
    for path in paths:
        problems.path = str(path)
        text = decode_text(path, read_bytes(path))
        if text.lstrip()[:1] in ("{", "["):
            rows, day = _read_json_rows(path, text, stats)
            if day:
                published.append(day)
        else:
            rows = _read_csv_rows(
                path, text, allow_truncated=allow_truncated, problems=problems, stats=stats
            )
        entries.extend(_to_entry(row, problems, stats) for row in rows)
    if not entries:
        raise ListFormatError(paths[0], "the file has a header but no entries")
    entries = _disambiguate(entries, problems)
    stats["entries"] = len(entries)
    return ParsedList(
        format=FORMAT,
        entries=tuple(entries),
        published=max(published) if published else None,
        problems=problems.as_tuple(),
        stats=dict(sorted({**stats, **name_stats(entries)}.items())),
    )


def default_source(paths: Sequence[Path]) -> str:
    return "us-csl"


def looks_complete(data: bytes) -> bool:
    """Whether a downloaded CSL file looks whole: a valid header and a complete last record
    (right column count, not ending inside a quoted value). JSON: it parses, with results."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    stripped = text.strip()
    if not stripped:
        return False
    if stripped[0] in "{[":
        try:
            parsed = json.loads(stripped)
        except (json.JSONDecodeError, RecursionError):
            return False
        if isinstance(parsed, dict):
            return isinstance(parsed.get("results"), list)
        return isinstance(parsed, list)
    if text.count('"') % 2 == 1:
        return False
    try:
        records = [r for r in csv.reader(io.StringIO(text, newline=""), strict=True) if r]
    except csv.Error:
        return False
    if len(records) < 2:
        return False
    header = [clean(h) for h in records[0]]
    if "name" not in header or "source" not in header:
        return False
    return len(records[-1]) == len(header)
