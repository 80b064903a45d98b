"""BIS Denied Persons List: the official tab-separated file (``dpl.txt``).

Layout: a header row ``Name, Street_Address, City, State, Country, Postal_Code,
Effective_Date, Expiration_Date, Standard_Order, Last_Update, Action, FR_Citation``, then one
row per (party, address); values may be quoted. Dates are ``MM/DD/YYYY`` except
``Last_Update`` (ISO). ``Standard_Order``, ``Last_Update`` and ``Action`` are optional columns.

**One entry per denial, not per row.** A party denied by one order appears once per address;
rows with the same normalised name (whitespace collapsed, case folded) and the same
``Effective_Date`` are merged into one entry holding all their addresses. The ``FR_Citation``
is deliberately not part of the grouping: the rows of one denial often spell it differently
(``81 F.R.45276`` / ``81 F.R. 45276``, a dropped digit), and renewals append citations. (The
CSL groups on the exact name and citation texts, which splits some denials: 577 CSL DPL rows
against 547 entries here for the 2023 file.) The entry's ``federal_register`` is the citation
of its most recently updated row (the longest on a tie); differing texts are counted as a
``conflicting_values`` problem.

**Key.** The file has no id. ``key`` = the first 16 hex digits of SHA-1 over
``normalised name | effective date (ISO)`` (joined with U+001F). It survives address changes
and citation edits; a renamed party or a new effective date gives a new key (the store sees a
removal and an addition).

Other fields: ``list_code`` ``DPL``; ``start_date``/``end_date`` from the effective and
expiration dates (ISO; several expiration dates in one group: the latest, with a problem);
``federal_register`` the citation; ``remarks`` the ``Action`` of the most recently updated row;
``extra`` ``standard_order`` and ``last_update``; ``aliases`` only from the name itself
(``PEARL (A.K.A. NEI-CHIEN CHU) LI`` -> ``NEI-CHIEN CHU``, ``PEARL LI``; a packed ``A; B`` -> ``A``,
``B``: the file has no alias column). An address is ``street, city, state, postal
code, country``; its country is the ``Country`` code, else ``US`` when ``State`` is a US state or
territory abbreviation (the file leaves ``Country`` empty for US addresses; one row has a state
code, ``NM``, in ``Country``). The entity type is unknown (persons and firms are not told apart).
``published`` = the latest ``Last_Update``, ignoring values more than a year after the latest
effective date (the 2023 file has a ``3033-09-30``), each recorded as a problem.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from compliance.countries import to_iso2
from compliance.errors import ListFormatError
from compliance.lists._common import (
    Problems,
    build_aliases,
    clean,
    csv_records,
    embedded_aliases,
    iso_date,
    name_stats,
    norm_text,
    short_hash,
    split_names,
    unique,
)
from compliance.lists.reading import decode_text, read_bytes
from compliance.model import Address, Alias, EntityType, ListEntry, ParsedList

FORMAT = "dpl"
LIST_CODE = "DPL"
# The page the CSL cites for its DPL rows.
SOURCE_URL = "https://www.bis.doc.gov/index.php/the-denied-persons-list"

COLUMNS: tuple[str, ...] = (
    "Name",
    "Street_Address",
    "City",
    "State",
    "Country",
    "Postal_Code",
    "Effective_Date",
    "Expiration_Date",
    "Standard_Order",
    "Last_Update",
    "Action",
    "FR_Citation",
)
OPTIONAL = frozenset({"Standard_Order", "Last_Update", "Action"})

US_STATES = frozenset(
    [
        "AL",
        "AK",
        "AZ",
        "AR",
        "CA",
        "CO",
        "CT",
        "DE",
        "DC",
        "FL",
        "GA",
        "HI",
        "ID",
        "IL",
        "IN",
        "IA",
        "KS",
        "KY",
        "LA",
        "ME",
        "MD",
        "MA",
        "MI",
        "MN",
        "MS",
        "MO",
        "MT",
        "NE",
        "NV",
        "NH",
        "NJ",
        "NM",
        "NY",
        "NC",
        "ND",
        "OH",
        "OK",
        "OR",
        "PA",
        "RI",
        "SC",
        "SD",
        "TN",
        "TX",
        "UT",
        "VT",
        "VA",
        "WA",
        "WV",
        "WI",
        "WY",
        "PR",
        "GU",
        "VI",
        "AS",
        "MP",
    ]
)


@dataclass
class _Group:
    line: int
    name: str
    effective: str
    citations: list[tuple[str, str]] = field(default_factory=list)  # (last_update, citation)
    addresses: list[Address] = field(default_factory=list)
    expirations: list[str] = field(default_factory=list)
    standard_orders: list[str] = field(default_factory=list)
    updates: list[tuple[str, str]] = field(default_factory=list)  # (last_update, action)
    rows: int = 0


def address_country(country: str, state: str) -> str | None:
    """The ISO country of a DPL address row (see the module docstring)."""
    code = to_iso2(country) if country else None
    if code is not None:
        return code
    if (country and country.upper() in US_STATES) or (not country and state.upper() in US_STATES):
        return "US"
    return None


def _records(path: Path, text: str) -> list[tuple[int, list[str]]]:
    out = csv_records(path, text, delimiter="\t", what="file", blank_fields=True)
    if text.count('"') % 2 == 1 and out:
        line, record = out[-1]
        raise ListFormatError(
            path,
            "the file ends inside a quoted value: it is truncated or has an unbalanced quote",
            line=line,
            field=COLUMNS[min(len(record), len(COLUMNS)) - 1],
        )
    return out


def _header(path: Path, record: list[str], line: int) -> dict[str, int]:
    header = [clean(h).lstrip("\ufeff") for h in record]
    folded = {h.casefold(): i for i, h in enumerate(header)}
    if "name" not in folded or len(record) < 3:
        raise ListFormatError(
            path,
            "not a BIS Denied Persons List file: the first line is not the tab-separated "
            "DPL header (Name, Street_Address, City, ...)",
            line=line,
        )
    index: dict[str, int] = {}
    for column in COLUMNS:
        position = folded.get(column.casefold())
        if position is None:
            if column in OPTIONAL:
                continue
            raise ListFormatError(
                path, f"missing required column {column!r}", line=line, field=column
            )
        index[column] = position
    return index


def _parse_file(
    path: Path, groups: dict[tuple[str, str], _Group], problems: Problems, stats: Counter[str]
) -> list[str]:
    text = decode_text(path, read_bytes(path), delimiter="\t")
    records = _records(path, text)
    if not records:
        raise ListFormatError(path, "no header row", line=1)
    line, first = records[0]
    index = _header(path, first, line)
    width = len(first)
    updates: list[str] = []
    effectives: list[str] = []
    for number, (line, record) in enumerate(records[1:], start=1):
        if len(record) != width:
            column = first[len(record)] if len(record) < width else f"(column {width + 1})"
            hint = (
                " (the last row: the file may be truncated)" if number == len(records) - 1 else ""
            )
            raise ListFormatError(
                path,
                f"expected {width} tab-separated columns as in the header, found "
                f"{len(record)}{hint}",
                line=line,
                field=clean(column),
            )

        def get(column: str, rec: list[str] = record) -> str:
            position = index.get(column)
            return clean(rec[position]) if position is not None else ""

        name = get("Name")
        if not name:
            raise ListFormatError(path, "empty name", line=line, field="Name")
        effective_text = get("Effective_Date")
        effective = iso_date(effective_text)
        if effective is None:
            raise ListFormatError(
                path, f"not a date: {effective_text!r}", line=line, field="Effective_Date"
            )
        effectives.append(effective)
        citation = get("FR_Citation")
        group_key = (norm_text(name), effective)
        group = groups.get(group_key)
        if group is None:
            group = groups[group_key] = _Group(line, name, effective)
        group.rows += 1
        stats["rows"] += 1

        country, state = get("Country"), get("State")
        parts = [get("Street_Address"), get("City"), state, get("Postal_Code"), country]
        address_text = ", ".join(p for p in parts if p)
        code = address_country(country, state)
        if country and code is None:
            problems.add(
                "unknown_country", f"Country {country!r} is not a known country", line=line
            )
        if address_text and all(
            a.text.casefold() != address_text.casefold() for a in group.addresses
        ):
            group.addresses.append(Address(address_text, code))

        expiration_text = get("Expiration_Date")
        if expiration_text:
            expiration = iso_date(expiration_text)
            if expiration is None:
                problems.add(
                    "bad_date", f"Expiration_Date {expiration_text!r} is not a date", line=line
                )
            else:
                group.expirations.append(expiration)
        if get("Standard_Order"):
            group.standard_orders.append(get("Standard_Order").upper())
        update_text = get("Last_Update")
        update = iso_date(update_text) if update_text else None
        if update_text and update is None:
            problems.add("bad_date", f"Last_Update {update_text!r} is not a date", line=line)
        group.updates.append((update or "", get("Action")))
        group.citations.append((update or "", citation))
        if update:
            updates.append(update)
    if len(records) == 1:
        raise ListFormatError(path, "the file has a header but no rows", line=2)
    return _plausible(updates, max(effectives), problems)


def _plausible(updates: list[str], latest_effective: str, problems: Problems) -> list[str]:
    limit = f"{int(latest_effective[:4]) + 1}{latest_effective[4:]}"
    kept: list[str] = []
    for update in updates:
        if update > limit:
            problems.add(
                "implausible_date",
                f"Last_Update {update} is far after the latest effective date "
                f"{latest_effective}; not used as the publication date",
            )
        else:
            kept.append(update)
    return kept


def _entry(group: _Group, problems: Problems) -> ListEntry:
    expirations = sorted(set(group.expirations))
    if len(expirations) > 1:
        problems.add(
            "conflicting_values",
            f"{group.name}: several Expiration_Date values {expirations}; the latest is used",
            line=group.line,
        )
    latest = max(group.updates) if group.updates else ("", "")
    citations = {norm_text(c) for _, c in group.citations if c}
    if len(citations) > 1:
        problems.add(
            "conflicting_values",
            "the rows of one denial spell FR_Citation differently; the most recently updated "
            "row's citation is used",
            line=group.line,
        )
    citation = max(group.citations, key=lambda u: (u[0], len(u[1])))[1] if group.citations else ""
    extra: list[tuple[str, str]] = []
    orders = unique(group.standard_orders)
    if orders:
        extra.append(("standard_order", "; ".join(orders)))
    if latest[0]:
        extra.append(("last_update", latest[0]))
    key = short_hash(norm_text(group.name), group.effective)
    return ListEntry(
        key=key,
        name=group.name,
        aliases=name_aliases(group.name),
        entity_type=EntityType.UNKNOWN,
        list_code=LIST_CODE,
        countries=unique(a.country for a in group.addresses),
        addresses=tuple(group.addresses),
        federal_register=citation or None,
        start_date=group.effective,
        end_date=expirations[-1] if expirations else None,
        remarks=latest[1] or None,
        source_url=SOURCE_URL,
        extra=tuple(extra),
    )


_EMBEDDED_AKA = re.compile(r"\s*\((?:a\.?\s?k\.?\s?a|f\.?\s?k\.?\s?a)\.?[^()]*\)", re.IGNORECASE)


def name_aliases(name: str) -> tuple[Alias, ...]:
    """The other names a DPL name holds: ``PEARL (A.K.A. NEI-CHIEN CHU) LI`` gives
    ``NEI-CHIEN CHU`` and ``PEARL LI``; a packed ``A; B`` gives ``A`` and ``B``."""
    candidates = embedded_aliases(name)
    if candidates:
        candidates.append(Alias(clean(_EMBEDDED_AKA.sub("", name))))
    packed = split_names(name)
    if len(packed) > 1:
        candidates.extend(packed)
    return build_aliases(name, candidates)


def parse(paths: Sequence[Path]) -> ParsedList:
    if not paths:
        raise ListFormatError("(no file)", "no DPL file given")
    problems = Problems(paths[0])
    stats: Counter[str] = Counter()
    groups: dict[tuple[str, str], _Group] = {}
    updates: list[str] = []
    for path in paths:
        problems.path = str(path)
        updates.extend(_parse_file(path, groups, problems, stats))
    entries = [_entry(g, problems) for g in groups.values()]
    stats["entries"] = len(entries)
    stats["merged_rows"] = stats["rows"] - len(entries)
    return ParsedList(
        format=FORMAT,
        entries=tuple(entries),
        published=max(updates) if updates else None,
        problems=problems.as_tuple(),
        stats=dict(sorted({**stats, **name_stats(entries)}.items())),
    )


def default_source(paths: Sequence[Path]) -> str:
    return "us-bis-dpl"
