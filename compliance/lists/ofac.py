"""OFAC legacy CSV files: the SDN set and the non-SDN consolidated ("cons") set.

A file set is one primary file plus optional alias, address and comment files::

    SDN set:   sdn.csv        alt.csv       add.csv       sdn_comments.csv
    cons set:  cons_prim.csv  cons_alt.csv  cons_add.csv  cons_comments.csv

Each file's role comes from its name (a prefix followed by ``.``, ``_``, ``-`` or the end of the
stem, so ``sdn_2024-05-03.csv`` is an SDN primary file and ``sdn_comments_x.csv`` a comments
file). The files have no header row; ``-0-`` (often followed by a space) means empty; the last
byte is the DOS end-of-file marker 0x1A. Columns (OFAC "SDN CSV / legacy" specification):

* primary (12): ent_num, SDN_Name, SDN_Type, Program, Title, Call_Sign, Vess_type, Tonnage,
  GRT, Vess_flag, Vess_owner, Remarks
* alt (5): ent_num, alt_num, alt_type, alt_name, alt_remarks
* add (6): ent_num, add_num, Address, City/State/Province/Postal Code, Country, Add_remarks
* comments (2): ent_num, the part of Remarks beyond the field's 1,000-character limit

Decisions worth knowing:

* **Remarks overflow.** A comments row continues its entry's Remarks *exactly where it was
  cut* (often mid-word), so it is appended with no separator and without stripping the
  1,000-character Remarks value first (its trailing space may be a real space). A comment
  for Remarks that are *not* 1,000 characters long cannot be their overflow (the shared
  snapshot mixes a 2024 sdn.csv with 2025 comments); it is appended after ``"; "`` and
  reported as problem ``comment_mismatch``.
* **Weak aliases.** In the legacy format OFAC keeps strong aliases in ``alt.csv`` and puts
  its *low-quality* aliases only in Remarks, single-quoted: ``a.k.a. 'BNC'``. (Checked on the
  shared files: none of the 3,663 quoted Remarks aliases also appears in ``alt.csv`` for the
  same entry.) Every ``a.k.a. '...'`` / ``f.k.a. '...'`` / ``n.k.a. '...'`` item of Remarks
  becomes an :attr:`AliasKind.WEAK` alias. A name that is itself quoted (``''FOOPIE''``)
  loses the outer quotes; a leading apostrophe alone (``''ABD AL-MUHSI'`` = 'ABD AL-MUHSI) is
  part of the name and kept.
* **Dates of birth** from Remarks ``DOB`` items: ``10 Dec 1948`` -> ``1948-12-10``,
  ``Dec 1948`` -> ``1948-12``, ``1948`` -> ``1948``; ``circa`` is dropped (the value is kept);
  ranges ``1960 to 1962`` / ``circa 1965-1969`` -> ``1960/1962`` (ISO 8601 interval style,
  the same form the UN loader uses). Anything else is counted as problem ``unparsed_dob``.
* **Identifiers** from Remarks items with a known label (passport, national id, tax id,
  registration numbers, LEI, USCC, IMO, MMSI, SWIFT/BIC, ...; see ``_ID_LABELS``) and the
  Call_Sign column. A trailing ``(Country)`` becomes the identifier's ISO2 country; a trailing
  ``issued ...`` / ``expires ...`` is dropped. Websites, e-mail and phone numbers, digital
  currency addresses are not identifiers here.
* **Countries** are the unique ISO2 codes of the entry's addresses, in order; nationalities
  come from Remarks ``nationality X`` and ``citizen X`` items.
* **List code**: ``SDN`` for the SDN set; for the cons set it is derived from the programs
  (see :func:`_cons_list_code`). Entries on two non-SDN lists at once (SSI and NS-MBS) get
  the first in the order PLC, CAP, CMIC, FSE, SSI, NS-MBS.
* Alias, address and comment rows whose ent_num has no primary row are counted and
  reported as problems ``orphan_alias`` / ``orphan_address`` / ``orphan_comment``.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TypeVar

from compliance.countries import to_iso2
from compliance.errors import ListFormatError
from compliance.lists._common import name_stats, split_names
from compliance.lists.reading import decode_text, has_eof_marker, read_bytes
from compliance.model import (
    Address,
    Alias,
    AliasKind,
    EntityType,
    Identifier,
    ListEntry,
    LoadProblem,
    ParsedList,
)

FORMAT = "ofac"
SOURCE_URL = "https://sanctionssearch.ofac.treas.gov/"

_EMPTY = "-0-"
_SUB = b"\x1a"
_REMARKS_LIMIT = 1000  # OFAC cuts Remarks here and continues in the comments file
_EXAMPLES = 5  # ent_nums quoted in a problem message
_T = TypeVar("_T")


class Role(Enum):
    PRIMARY = "primary"
    ALT = "alt"
    ADD = "add"
    COMMENTS = "comments"


class ListSet(Enum):
    SDN = "sdn"
    CONS = "cons"


_COLUMNS: dict[Role, tuple[str, ...]] = {
    Role.PRIMARY: (
        "ent_num",
        "SDN_Name",
        "SDN_Type",
        "Program",
        "Title",
        "Call_Sign",
        "Vess_type",
        "Tonnage",
        "GRT",
        "Vess_flag",
        "Vess_owner",
        "Remarks",
    ),
    Role.ALT: ("ent_num", "alt_num", "alt_type", "alt_name", "alt_remarks"),
    Role.ADD: (
        "ent_num",
        "add_num",
        "Address",
        "City/State/Province/Postal Code",
        "Country",
        "Add_remarks",
    ),
    Role.COMMENTS: ("ent_num", "Remarks"),
}

# Longest prefixes first: "sdn_comments" before "sdn", "cons_comments" before "cons_prim".
_NAME_PREFIXES: tuple[tuple[str, ListSet, Role], ...] = (
    ("sdn_comments", ListSet.SDN, Role.COMMENTS),
    ("cons_comments", ListSet.CONS, Role.COMMENTS),
    ("cons_prim", ListSet.CONS, Role.PRIMARY),
    ("cons_alt", ListSet.CONS, Role.ALT),
    ("cons_add", ListSet.CONS, Role.ADD),
    ("sdn", ListSet.SDN, Role.PRIMARY),
    ("alt", ListSet.SDN, Role.ALT),
    ("add", ListSet.SDN, Role.ADD),
)

_SDN_TYPES = {
    "": EntityType.ORGANIZATION,
    "individual": EntityType.PERSON,
    "vessel": EntityType.VESSEL,
    "aircraft": EntityType.AIRCRAFT,
}

_ALT_TYPES = {"aka": AliasKind.AKA, "fka": AliasKind.FKA, "nka": AliasKind.NKA}

# Remarks label -> identifier kind. Matched at the start of a Remarks item (after "alt. ").
_ID_LABELS: dict[str, str] = {
    "Passport": "passport",
    "Diplomatic Passport": "passport",
    "National ID No.": "national_id",
    "Identification Number": "national_id",
    "Personal ID Card": "national_id",
    "D.N.I.": "national_id",
    "Cedula No.": "national_id",
    "C.U.R.P.": "curp",
    "R.F.C.": "rfc",
    "RFC": "rfc",
    "Tax ID No.": "tax_id",
    "Italian Fiscal Code": "tax_id",
    "V.A.T. Number": "vat",
    "Registration ID": "registration",
    "Registration Number": "registration",
    "Company Number": "registration",
    "UK Company Number": "registration",
    "Commercial Registry Number": "registration",
    "Business Registration Document #": "registration",
    "Business Registration Number": "registration",
    "Chamber of Commerce Number": "registration",
    "Central Registration System Number": "registration",
    "Economic Register Number (CBLS)": "registration",
    "Enterprise Number": "registration",
    "Trade License No.": "registration",
    "Folio Mercantil No.": "registration",
    "Matricula Mercantil No": "registration",
    "Government Gazette Number": "registration",
    "Legal Entity Number": "lei",
    "Unified Social Credit Code (USCC)": "uscc",
    "D-U-N-S Number": "duns",
    "SWIFT/BIC": "swift_bic",
    "ISIN": "isin",
    "Vessel Registration Identification IMO": "imo",
    "IMO": "imo",
    "MMSI": "mmsi",
    "Aircraft Manufacturer's Serial Number (MSN)": "aircraft_msn",
    "Aircraft Construction Number (also called L/N or S/N or F/N)": "aircraft_construction_number",
    "Aircraft Tail Number": "aircraft_tail_number",
    "Driver's License No.": "drivers_license",
}
_ID_FIRST_WORDS = frozenset(label.split(" ", 1)[0] for label in _ID_LABELS)
_ID_RX = re.compile(
    r"("
    + "|".join(re.escape(label) for label in sorted(_ID_LABELS, key=len, reverse=True))
    + r")[:.]? (.+)"
)
_ID_TAIL_RX = re.compile(
    r"^(?P<value>.+?)(?: \((?P<country>[^()]+)\))?(?: (?:issued|expires) .*)?$"
)

# An alias item runs to the quote that ends the item: before ";" or the end of Remarks.
_WEAK_ALIAS_RX = re.compile(r"\b[afn]\.k\.a\.,? '(.+?)'(?=\.?\s*(?:;|$))")

_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
    )
}
_DOB_RANGE_RX = re.compile(r" to |(?<=\d{4})-(?=\d{4}$)")
_PROGRAM_SPLIT_RX = re.compile(r"\]\s*\[")
_DATE_RX = re.compile(r"^(?:(\d{1,2}) )?(?:([A-Za-z]{3})[a-z]* )?(\d{4})$")


def looks_complete(data: bytes) -> bool:
    """True when ``data`` looks like a whole OFAC legacy CSV file: it has content and ends
    with the 0x1A end-of-file marker (trailing newlines ignored). A download cut short
    does not end with the marker; the downloader uses this to reject truncated files."""
    body = data.rstrip(b"\r\n")
    return body.endswith(_SUB) and bool(body[:-1].strip(b" \t\r\n"))


def classify(path: Path) -> tuple[ListSet, Role]:
    """Which list set and which role a file has, from its name (see the module docstring)."""
    name = path.name.lower()
    stem = name[:-4] if name.endswith(".csv") else None
    if stem is not None:
        for prefix, list_set, role in _NAME_PREFIXES:
            if stem == prefix or (stem.startswith(prefix) and stem[len(prefix)] in "._-"):
                return list_set, role
    raise ListFormatError(
        path,
        "cannot tell the OFAC file's role from its name; expected sdn*.csv, alt*.csv, "
        "add*.csv, sdn_comments*.csv or cons_prim*.csv, cons_alt*.csv, cons_add*.csv, "
        "cons_comments*.csv",
    )


def _file_set(paths: Sequence[Path]) -> tuple[ListSet, dict[Role, Path]]:
    if not paths:
        raise ListFormatError("<none>", "no OFAC files given")
    roles: dict[Role, Path] = {}
    sets: set[ListSet] = set()
    for path in paths:
        list_set, role = classify(path)
        sets.add(list_set)
        if role in roles:
            raise ListFormatError(
                path, f"two OFAC {role.value} files given: {roles[role].name} and {path.name}"
            )
        roles[role] = path
    if len(sets) > 1:
        raise ListFormatError(
            paths[0], "the files mix the SDN set (sdn/alt/add) and the consolidated set (cons_*)"
        )
    list_set = sets.pop()
    if Role.PRIMARY not in roles:
        expected = "sdn*.csv" if list_set is ListSet.SDN else "cons_prim*.csv"
        raise ListFormatError(
            paths[0], f"no OFAC primary file ({expected}) among the files given; it is required"
        )
    return list_set, roles


def default_source(paths: Sequence[Path]) -> str:
    list_set, _ = _file_set(paths)
    return "us-ofac-sdn" if list_set is ListSet.SDN else "us-ofac-cons"


# --- reading records -------------------------------------------------------------------------


@dataclass(slots=True)
class _Problems:
    """Problems gathered while parsing: one per file and kind, with a count and examples."""

    items: list[LoadProblem] = field(default_factory=list)

    def add(self, path: Path, kind: str, examples: Sequence[str], count: int, what: str) -> None:
        if count:
            shown = ", ".join(examples[:_EXAMPLES])
            more = ", ..." if count > len(examples[:_EXAMPLES]) else ""
            self.items.append(
                LoadProblem(
                    path=str(path), kind=kind, message=f"{what} (e.g. {shown}{more})", count=count
                )
            )


def _records(path: Path, role: Role, problems: _Problems) -> Iterator[tuple[int, list[str]]]:
    """Yield (physical 1-based start line, raw fields) for every record of one file."""
    data = read_bytes(path)
    body = data.rstrip(b"\r\n")
    if has_eof_marker(data):
        body = body[:-1]
    else:
        problems.items.append(
            LoadProblem(
                path=str(path),
                kind="no_eof_marker",
                message="the file does not end with the 0x1A end-of-file marker of OFAC's "
                "legacy CSV files; it parsed, but may be incomplete",
            )
        )
    columns = _COLUMNS[role]
    text = decode_text(path, body, columns=columns)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise ListFormatError(
                path, f"malformed CSV ({exc}); a truncated or corrupted file?", line=start
            ) from None
        line = start
        start = reader.line_num + 1
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) != len(columns):
            hint = ""
            if line == 1 and row and not row[0].strip().isdigit():
                hint = " (it looks like a header row; OFAC legacy files have none)"
            raise ListFormatError(
                path,
                f"expected {len(columns)} columns for an OFAC {role.value} file "
                f"({', '.join(columns)}), found {len(row)}{hint}; not an OFAC legacy CSV file, "
                "or a truncated record",
                line=line,
                field=columns[len(row)] if len(row) < len(columns) else columns[-1],
            )
        yield line, row


def _clean(value: str) -> str | None:
    text = value.strip()
    return None if not text or text == _EMPTY else text


def _ent_num(path: Path, line: int, value: str) -> str:
    text = value.strip()
    if not text.isascii() or not text.isdigit():
        raise ListFormatError(
            path, f"ent_num must be a whole number, got {text[:40]!r}", line=line, field="ent_num"
        )
    return str(int(text))


def _country(text: str | None) -> str | None:
    if text is None:
        return None
    code = to_iso2(text)
    if code is None and text.lower().startswith("region:"):
        code = to_iso2(text.split(":", 1)[1])
    return code


# --- remarks ---------------------------------------------------------------------------------


def _date(text: str) -> str | None:
    match = _DATE_RX.match(text.strip())
    if match is None:
        return None
    day, month, year = match.groups()
    if month is None:
        return year if day is None else None
    number = _MONTHS.get(month.lower())
    if number is None:
        return None
    if day is None:
        return f"{year}-{number:02d}"
    if not 1 <= int(day) <= 31:
        return None
    return f"{year}-{number:02d}-{int(day):02d}"


def parse_dob(text: str) -> str | None:
    """An OFAC ``DOB`` value as an ISO date, partial date or ``from/to`` range; else None."""
    value = text.strip().rstrip(".")
    if value.lower().startswith("circa "):
        value = value[6:].strip()
    parts = _DOB_RANGE_RX.split(value)
    if len(parts) == 2:
        first, second = _date(parts[0]), _date(parts[1])
        return f"{first}/{second}" if first and second else None
    return _date(value) if len(parts) == 1 else None


def _identifier(item: str) -> Identifier | None:
    match = _ID_RX.fullmatch(item)
    if match is None:
        return None
    kind = _ID_LABELS[match.group(1)]
    tail = _ID_TAIL_RX.match(match.group(2).strip().rstrip("."))
    if tail is None:  # pragma: no cover - the pattern matches any non-empty text
        return None
    value, country_text = tail.group("value").strip(), tail.group("country")
    country = _country(country_text)
    if country_text is not None and country is None:
        value = f"{value} ({country_text})"  # a parenthesis that is not a country
    return Identifier(kind=kind, value=value, country=country) if value else None


@dataclass(slots=True)
class _RemarkFacts:
    weak_aliases: list[str] = field(default_factory=list)
    dates_of_birth: list[str] = field(default_factory=list)
    unparsed_dobs: list[str] = field(default_factory=list)
    nationalities: list[str] = field(default_factory=list)
    identifiers: list[Identifier] = field(default_factory=list)
    gender: str | None = None


def _remark_facts(remarks: str) -> _RemarkFacts:
    facts = _RemarkFacts()
    if "k.a." in remarks:
        for match in _WEAK_ALIAS_RX.finditer(remarks):
            name = match.group(1).strip()
            if len(name) > 2 and name.startswith("'") and name.endswith("'"):
                name = name[1:-1].strip()
            # "a.k.a. 'X; Y'" packs two names: one alias each (none in the 2024-25 files)
            facts.weak_aliases.extend(a.name for a in split_names(name))
    for raw in remarks.split(";"):
        item = raw.strip().rstrip(".").rstrip()
        if item.startswith("alt. "):
            item = item[5:]
        word, _, rest = item.partition(" ")
        if not rest:
            continue
        if word == "DOB":
            dob = parse_dob(rest)
            if dob is None:
                facts.unparsed_dobs.append(rest)
            else:
                facts.dates_of_birth.append(dob)
        elif word in ("nationality", "citizen"):
            code = _country(rest)
            if code:
                facts.nationalities.append(code)
        elif word == "Gender":
            facts.gender = rest
        elif word in _ID_FIRST_WORDS and (ident := _identifier(item)):
            facts.identifiers.append(ident)
    return facts


def _unique(items: Sequence[_T]) -> tuple[_T, ...]:
    return tuple(dict.fromkeys(items))


# --- the cons list code ----------------------------------------------------------------------

# Programs of the non-SDN menu-based list (NS-MBS): sanctions chosen from a "menu".
_MBS_PROGRAMS = frozenset(
    {"RUSSIA-EO14024", "CAATSA - RUSSIA", "BURMA-EO14014", "ILLICIT-DRUGS-EO14059"}
)


def _cons_list_code(programs: Sequence[str]) -> str | None:
    """The non-SDN list an entry of the consolidated set belongs to, from its programs.

    Checked against the 2023 CSL (which names each entry's source list): NS-PLC -> PLC,
    561-Related -> CAP (CAPTA), CMIC-EO13959 -> CMIC, FSE-* -> FSE, UKRAINE-EO13662 -> SSI,
    and menu-based programs (RUSSIA-EO14024 alone, CAATSA - RUSSIA, BURMA-EO14014,
    ILLICIT-DRUGS-EO14059) -> NS-MBS. None when nothing matches.
    """
    codes = set(programs)
    if "NS-PLC" in codes:
        return "PLC"
    if "561-Related" in codes:
        return "CAP"
    if any(c.startswith("CMIC") for c in codes):
        return "CMIC"
    if any(c.startswith("FSE") for c in codes):
        return "FSE"
    if "UKRAINE-EO13662" in codes:
        return "SSI"
    if codes & _MBS_PROGRAMS or "NS-MBS" in codes:
        return "NS-MBS"
    return None


def _programs(value: str | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return _unique([p.strip(" []") for p in _PROGRAM_SPLIT_RX.split(value) if p.strip(" []")])


# --- parse -----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Primary:
    line: int
    row: list[str]
    remarks: str = ""  # raw (unstripped) Remarks plus any comment overflow
    comment_rows: int = 0
    aliases: list[Alias] = field(default_factory=list)
    addresses: list[Address] = field(default_factory=list)


def _orphans(
    rows: dict[str, int], path: Path | None, kind: str, what: str, problems: _Problems
) -> int:
    count = sum(rows.values())
    if path is not None and count:
        examples = list(rows)
        problems.add(
            path,
            kind,
            examples,
            count,
            f"{count} {what} rows for {len(rows)} ent_num(s) with no primary row",
        )
    return count


def parse(paths: Sequence[Path]) -> ParsedList:
    list_set, roles = _file_set(paths)
    problems = _Problems()
    primary_path = roles[Role.PRIMARY]

    primaries: dict[str, _Primary] = {}
    for line, row in _records(primary_path, Role.PRIMARY, problems):
        key = _ent_num(primary_path, line, row[0])
        if key in primaries:
            raise ListFormatError(
                primary_path,
                f"duplicate ent_num {key} (first on line {primaries[key].line})",
                line=line,
                field="ent_num",
            )
        if _clean(row[1]) is None:
            raise ListFormatError(primary_path, "empty name", line=line, field="SDN_Name")
        raw_remarks = "" if _clean(row[11]) is None else row[11]
        primaries[key] = _Primary(line=line, row=row, remarks=raw_remarks)

    stats: dict[str, int] = {"aliases": 0, "addresses": 0, "comments": 0}
    orphan_alias: dict[str, int] = defaultdict(int)
    orphan_address: dict[str, int] = defaultdict(int)
    orphan_comment: dict[str, int] = defaultdict(int)
    empty_aliases: list[str] = []
    empty_addresses = 0
    odd_alt_types: list[str] = []

    if (alt_path := roles.get(Role.ALT)) is not None:
        for line, row in _records(alt_path, Role.ALT, problems):
            key = _ent_num(alt_path, line, row[0])
            target = primaries.get(key)
            if target is None:
                orphan_alias[key] += 1
                continue
            name = _clean(row[3])
            if name is None:
                empty_aliases.append(key)
                continue
            alt_type = (_clean(row[2]) or "").lower().replace(".", "")
            kind = _ALT_TYPES.get(alt_type)
            if kind is None:
                odd_alt_types.append(f"{key}: {row[2].strip()!r}")
                kind = AliasKind.AKA
            # one alt row is one name; a packed "A; B" (none in the 2024-25 files) gives each
            target.aliases.extend(Alias(name=a.name, kind=kind) for a in split_names(name))
            stats["aliases"] += 1

    if (add_path := roles.get(Role.ADD)) is not None:
        for line, row in _records(add_path, Role.ADD, problems):
            key = _ent_num(add_path, line, row[0])
            target = primaries.get(key)
            if target is None:
                orphan_address[key] += 1
                continue
            parts = [p for p in (_clean(row[2]), _clean(row[3]), _clean(row[4])) if p]
            if not parts:
                empty_addresses += 1  # OFAC's placeholder row: every field -0-
                continue
            target.addresses.append(
                Address(text=", ".join(parts), country=_country(_clean(row[4])))
            )
            stats["addresses"] += 1

    comments_path = roles.get(Role.COMMENTS)
    mismatched_comments: list[str] = []
    if comments_path is not None:
        for line, row in _records(comments_path, Role.COMMENTS, problems):
            key = _ent_num(comments_path, line, row[0])
            target = primaries.get(key)
            if target is None:
                orphan_comment[key] += 1
                continue
            if _clean(row[1]) is None:
                continue
            if target.comment_rows == 0 and len(target.remarks) != _REMARKS_LIMIT:
                # Not an overflow of these Remarks (files from different dates?): keep the
                # text, but as a separate item rather than glued onto the last one.
                mismatched_comments.append(key)
                target.remarks = (
                    f"{target.remarks.rstrip()}; {row[1]}" if target.remarks else row[1]
                )
            else:
                target.remarks += row[1]
            target.comment_rows += 1
            stats["comments"] += 1

    entries: list[ListEntry] = []
    unparsed_dobs: list[str] = []
    unknown_types: list[str] = []
    no_list_code: list[str] = []
    weak = 0
    for key, primary in primaries.items():
        row = primary.row
        primary_name = _clean(row[1]) or ""
        sdn_type = (_clean(row[2]) or "").lower()
        entity_type = _SDN_TYPES.get(sdn_type)
        if entity_type is None:
            unknown_types.append(f"{key}: {sdn_type!r}")
            entity_type = EntityType.UNKNOWN
        programs = _programs(_clean(row[3]))
        if list_set is ListSet.SDN:
            list_code = "SDN"
        else:
            derived = _cons_list_code(programs)
            if derived is None:
                no_list_code.append(key)
            list_code = derived or "CONS"
        remarks = primary.remarks.strip() or None
        facts = _remark_facts(remarks or "")
        unparsed_dobs.extend(f"{key}: {d!r}" for d in facts.unparsed_dobs)

        aliases = list(primary.aliases)
        known = {primary_name, *(a.name for a in aliases)}
        for name in facts.weak_aliases:
            if name not in known:
                known.add(name)
                aliases.append(Alias(name=name, kind=AliasKind.WEAK))
                weak += 1

        identifiers: list[Identifier] = []
        if (call_sign := _clean(row[5])) is not None:
            identifiers.append(Identifier(kind="call_sign", value=call_sign))
        identifiers.extend(facts.identifiers)

        extra: list[tuple[str, str]] = []
        for label, index in (
            ("vessel_type", 6),
            ("tonnage", 7),
            ("grt", 8),
            ("vessel_flag", 9),
            ("vessel_owner", 10),
        ):
            if (value := _clean(row[index])) is not None:
                extra.append((label, value))
        if facts.gender is not None:
            extra.append(("gender", facts.gender))

        entries.append(
            ListEntry(
                key=key,
                name=primary_name,
                entity_type=entity_type,
                list_code=list_code,
                aliases=_unique(aliases),
                programs=programs,
                countries=_unique([a.country for a in primary.addresses if a.country]),
                addresses=_unique(primary.addresses),
                identifiers=_unique(identifiers),
                dates_of_birth=_unique(facts.dates_of_birth),
                nationalities=_unique(facts.nationalities),
                title=_clean(row[4]),
                remarks=remarks,
                source_url=SOURCE_URL,
                extra=tuple(extra),
            )
        )

    stats["orphan_aliases"] = _orphans(orphan_alias, alt_path, "orphan_alias", "alias", problems)
    stats["orphan_addresses"] = _orphans(
        orphan_address, add_path, "orphan_address", "address", problems
    )
    stats["orphan_comments"] = _orphans(
        orphan_comment, comments_path, "orphan_comment", "comment", problems
    )
    if alt_path is not None:
        problems.add(
            alt_path, "empty_alias", empty_aliases, len(empty_aliases), "alias rows with no name"
        )
        problems.add(
            alt_path,
            "unknown_alt_type",
            odd_alt_types,
            len(odd_alt_types),
            "alias rows with an alt_type other than aka/fka/nka, kept as aka",
        )
    if comments_path is not None:
        problems.add(
            comments_path,
            "comment_mismatch",
            mismatched_comments,
            len(mismatched_comments),
            f"comments for entries whose Remarks are not cut at {_REMARKS_LIMIT} characters, so "
            'not their overflow; appended after "; " (are the files from different dates?)',
        )
    problems.add(
        primary_path,
        "unknown_sdn_type",
        unknown_types,
        len(unknown_types),
        "entries with an unknown SDN_Type, loaded as entity type 'unknown'",
    )
    problems.add(
        primary_path,
        "unknown_list_code",
        no_list_code,
        len(no_list_code),
        "consolidated entries whose programs name no known non-SDN list, given list code CONS",
    )
    problems.add(
        primary_path,
        "unparsed_dob",
        unparsed_dobs,
        len(unparsed_dobs),
        "DOB values in Remarks that are not a date, month, year or range; not loaded",
    )

    stats["entries"] = len(entries)
    stats["weak_aliases"] = weak
    stats["empty_aliases"] = len(empty_aliases)
    stats["empty_addresses"] = empty_addresses
    stats["identifiers"] = sum(len(e.identifiers) for e in entries)
    return ParsedList(
        format=FORMAT,
        entries=tuple(entries),
        published=None,
        problems=tuple(problems.items),
        stats={**stats, **name_stats(entries)},
    )
