"""The UK Sanctions List (FCDO): the CSV file set split by subject, or the official ODS.

**CSV file set**: the FCDO CSV's fields split into one file per kind of row (subjects, names,
dates of birth, identifiers), as in ``../shared/data/lists/uk``. Each file is told by its
header, never by its name:

* subjects (``unique_id, subject_type`` + ``un_reference_number, ofsi_group_id,
  date_designated, last_updated``): one :class:`ListEntry` each. ``key`` = ``unique_id``
  (``RUS0001``); ``entity_type`` from ``subject_type`` (``individual`` -> person, ``entity``
  -> organization, ``ship`` -> vessel, ``aircraft``); ``programs`` = the regime code, the
  letters of ``unique_id`` (``RUS``); ``un_reference_number`` is an identifier of kind
  ``un_reference`` (as in the UN loader: it pairs entries across lists). ``ofsi_group_id`` is
  kept in ``extra``, not as an identifier: it is a 4-5 digit list-internal number, and the
  matcher treats a customer registration number equal to any identifier as a near-certain
  hit (``12703`` would alert on AFG0001). ``start_date`` = ``date_designated`` (``DD/MM/YYYY``);
  ``published`` = the latest ``last_updated``.
* names (``unique_id, name_type, name_6`` + ``name_id, alias_strength, full_name,
  name_1..name_5``), required. The text is ``full_name`` when given, else ``name_1`` ..
  ``name_5`` then ``name_6`` (the family name); for an entity or ship ``name_6`` is the whole
  name and is used as is (a row that also fills ``name_1..name_5`` is an
  ``entity_name_parts`` problem). ``name_type`` ``primary`` is the entry's name (a second primary
  becomes an ``aka`` alias and a problem); ``primary_variation`` and ``alias`` are aliases,
  ``aka`` unless ``alias_strength`` is ``low_quality_aka`` (-> ``weak``).
* dates of birth (``unique_id, year`` + ``month, day, precision``), optional: ``YYYY-MM-DD``,
  ``YYYY-MM`` or ``YYYY`` as the precision (``exact`` / ``month_year`` / ``year_only``) and the
  values allow; an impossible date keeps what is valid of it and is a problem.
* identifiers (``unique_id, identifier_type, raw_value``), optional: ``passport``,
  ``national`` -> ``national_id``, ``business_registration_numbers`` ->
  ``registration_number`` (one identifier per number in a labelled cell such as ``OGRN:
  1027739090708 INN: 7731018133``), ``imo``; repeated rows are counted
  (``stats["identifier_rows"]``) and kept once.

A name, date or identifier whose ``unique_id`` is not a subject is an orphan: counted
(``stats["orphan_names"]`` ...) and reported as a problem. A subject without any name row is
an error. A file set without the dates-of-birth or identifiers file loads, with
a ``partial_file_set`` problem.

**ODS** (``UK_Sanctions_List.ods``, primary names only): one sheet whose first non-empty row
is the header ``Unique ID, OFSI Group ID, Name, Regime Name, Type, Designation source, Date
Designated, Sanctions Imposed``. The file is a zip archive: ``content.xml`` is refused when
it unpacks to more than :data:`MAX_CONTENT_BYTES` (declared size or bytes actually read), and
is parsed as a stream with :mod:`defusedxml`. Same keys, types and programs as the CSV set;
``extra`` holds the OFSI group id, regime name, designation source and sanctions imposed; a
row with an empty Name (the 2025-08-11 file has two) is not loaded and is an ``empty_name``
problem. ``published`` is unknown (the file does not say). Line numbers in errors are
spreadsheet row numbers.
"""

from __future__ import annotations

import csv
import re
import xml.etree.ElementTree as StdET  # only for the ParseError type and Element typing
import zipfile
import zlib
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from compliance.errors import ListFormatError
from compliance.lists._common import Problems, build_aliases, clean, csv_records, unique
from compliance.lists.reading import decode_text, read_bytes
from compliance.model import Alias, AliasKind, EntityType, Identifier, ListEntry, ParsedList

FORMAT = "uk"
LIST_CODE = "UK"
SOURCE_URL = "https://www.gov.uk/government/publications/the-uk-sanctions-list"

# content.xml of the real ODS (5,302 rows) is 7.4 MB; anything far above is refused.
MAX_CONTENT_BYTES = 256 * 1024 * 1024
_MAX_COLUMNS = 256  # the ODS header has 8; padding cells beyond a value are never expanded
_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
_ZIP_MAGIC = b"PK\x03\x04"

_TYPES = {
    "individual": EntityType.PERSON,
    "entity": EntityType.ORGANIZATION,
    "ship": EntityType.VESSEL,
    "aircraft": EntityType.AIRCRAFT,
}
_NAME_TYPES = frozenset({"primary", "primary_variation", "alias"})
_STRENGTH = {
    "": AliasKind.AKA,
    "good_quality_aka": AliasKind.AKA,
    "low_quality_aka": AliasKind.WEAK,
}
_ID_KINDS = {
    "passport": "passport",
    "national": "national_id",
    "business_registration_numbers": "registration_number",
    "imo": "imo",
}
_NAME_PARTS = ("name_1", "name_2", "name_3", "name_4", "name_5")

# Role of a CSV file -> (required columns, optional columns).
_COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "subjects": (
        ("unique_id", "subject_type"),
        ("un_reference_number", "ofsi_group_id", "date_designated", "last_updated"),
    ),
    "names": (
        ("unique_id", "name_type", "name_6"),
        ("name_id", "alias_strength", "full_name", *_NAME_PARTS),
    ),
    "dobs": (("unique_id", "year"), ("dob_id", "month", "day", "precision", "parse_issues")),
    "identifiers": (
        ("unique_id", "identifier_type", "raw_value"),
        ("id", "ofsi_group_id", "additional_info"),
    ),
}
_ODS_COLUMNS = (
    ("unique id", "name", "type"),
    (
        "ofsi group id",
        "regime name",
        "designation source",
        "date designated",
        "sanctions imposed",
    ),
)
_ODS_HEADER = {  # the header's own spelling, for error messages
    "unique id": "Unique ID",
    "name": "Name",
    "type": "Type",
}
_REGIME = re.compile(r"^([A-Z]{2,4})\d")
_DMY = re.compile(r"([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})")
_ISO = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[T ].*)?")
# Registration numbers inside a labelled cell: pieces between other characters, less a word or
# a register's label glued on the right ("1247700239270Russia", "7838121341OGRN"); 5+
# characters with a digit. Other trailing capitals are kept (codes end in letters too).
_PIECES = re.compile(r"[^0-9A-Za-z]+")
_GLUED_WORD = re.compile(
    r"(.*[0-9])(?:[A-Z]?[a-z]+|INN|OGRN|OGRNIP|KPP|TIN|SRN|BIN|PPC|OKPO|SWIFT|VAT|UNN)"
)
_DIGITS = re.compile(r"[0-9]{1,9}")  # ints small enough for any count or date part


def default_source(paths: Sequence[Path]) -> str:
    return "uk-fcdo"


def csv_role(header: Sequence[str]) -> str | None:
    """Which file of the UK CSV set a header row belongs to, or None."""
    names = {clean(h).lstrip("\ufeff").casefold() for h in header}
    if "unique_id" not in names:
        return None
    for role, marker in (
        ("names", "name_type"),
        ("subjects", "subject_type"),
        ("identifiers", "identifier_type"),
        ("dobs", "dob_id"),
        ("dobs", "precision"),
    ):
        if marker in names:
            return role
    return None


def sniff(first_line: str) -> bool:
    """True when a file's first line is a header of the UK CSV set (for format detection)."""
    try:
        header = next(csv.reader([first_line]))
    except (csv.Error, StopIteration):
        return False
    return csv_role(header) is not None


def iso_day(text: str) -> str | None:
    """``DD/MM/YYYY`` (or ``DD-MM-YYYY``, ``YYYY-MM-DD``) as ``YYYY-MM-DD``; else None."""
    value = clean(text)
    if m := _DMY.fullmatch(value):
        day, month, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
    elif m := _ISO.fullmatch(value):
        year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
    else:
        return None
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


# ------------------------------------------------------------------------------ CSV reading
@dataclass
class _Table:
    path: Path
    role: str
    index: dict[str, int]
    rows: list[tuple[int, list[str]]]

    def get(self, record: list[str], column: str) -> str:
        position = self.index.get(column)
        return clean(record[position]) if position is not None else ""


def _records(path: Path, text: str) -> list[tuple[int, list[str]]]:
    """(first line, record) for every non-blank CSV record; an unclosed quote is an error."""
    return csv_records(path, text, strict=True)


def _read_csv(path: Path) -> _Table:
    text = decode_text(path, read_bytes(path))
    records = _records(path, text)
    if not records:
        raise ListFormatError(path, "no header row", line=1)
    line, header = records[0]
    role = csv_role(header)
    if role is None:
        raise ListFormatError(
            path,
            "not a file of the UK Sanctions List CSV set: the header names none of "
            "subject_type, name_type, identifier_type, dob_id (with unique_id)",
            line=line,
        )
    names = [clean(h).lstrip("\ufeff").casefold() for h in header]
    index: dict[str, int] = {}
    required, optional = _COLUMNS[role]
    for column in (*required, *optional):
        if column in names:
            index[column] = names.index(column)
        elif column in required:
            raise ListFormatError(
                path, f"missing required column {column!r} ({role} file)", line=line, field=column
            )
    width = len(header)
    rows = records[1:]
    for number, (row_line, record) in enumerate(rows, start=1):
        if len(record) != width:
            column = header[len(record)] if len(record) < width else f"(column {width + 1})"
            hint = " (the last row: the file may be truncated)" if number == len(rows) else ""
            raise ListFormatError(
                path,
                f"expected {width} columns as in the header, found {len(record)}{hint}",
                line=row_line,
                field=clean(column),
            )
    return _Table(path, role, index, rows)


# ------------------------------------------------------------------------------ ODS reading
_TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_OFFICE_NS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_T_TABLE = f"{{{_TABLE_NS}}}table"
_T_ROW = f"{{{_TABLE_NS}}}table-row"
_T_CELLS = (f"{{{_TABLE_NS}}}table-cell", f"{{{_TABLE_NS}}}covered-table-cell")
_T_ROWS_REPEATED = f"{{{_TABLE_NS}}}number-rows-repeated"
_T_COLS_REPEATED = f"{{{_TABLE_NS}}}number-columns-repeated"
_P = f"{{{_TEXT_NS}}}p"
_SPACING = frozenset({f"{{{_TEXT_NS}}}s", f"{{{_TEXT_NS}}}tab", f"{{{_TEXT_NS}}}line-break"})
_VALUE_TYPE = f"{{{_OFFICE_NS}}}value-type"
_DATE_VALUE = f"{{{_OFFICE_NS}}}date-value"


class _TooLargeError(Exception):
    pass


class _Bounded:
    """A read-only stream that fails once more than ``limit`` bytes have been read."""

    def __init__(self, raw: IO[bytes], limit: int) -> None:
        self.raw = raw
        self.limit = limit
        self.seen = 0

    def read(self, size: int = -1) -> bytes:
        chunk = self.raw.read(size if size and size > 0 else 1 << 16)
        self.seen += len(chunk)
        if self.seen > self.limit:
            raise _TooLargeError
        return chunk


def _inline(element: StdET.Element) -> str:
    out = [element.text or ""]
    for child in element:
        out.append(" " if child.tag in _SPACING else _inline(child))
        out.append(child.tail or "")
    return "".join(out)


def _cell_text(cell: StdET.Element) -> str:
    if cell.get(_VALUE_TYPE) == "date" and cell.get(_DATE_VALUE):
        return cell.get(_DATE_VALUE, "")[:10]
    return "\n".join(_inline(p) for p in cell.iter(_P))


def _repeat(path: Path, element: StdET.Element, attribute: str, row: int) -> int:
    text = element.get(attribute, "1")
    if not _DIGITS.fullmatch(text) or int(text) < 1:
        raise ListFormatError(path, f"bad repeat count {text!r} in content.xml", line=row)
    return int(text)


def _row_cells(path: Path, element: StdET.Element, row: int) -> list[str]:
    cells: list[str] = []
    pending = 0  # empty cells not yet added: only added when a value follows them
    for cell in element:
        if cell.tag not in _T_CELLS:
            continue
        count = _repeat(path, cell, _T_COLS_REPEATED, row)
        text = clean(_cell_text(cell))
        if not text:
            pending += count
            continue
        if len(cells) + pending + count > _MAX_COLUMNS:
            raise ListFormatError(
                path, f"a value beyond column {_MAX_COLUMNS}: not the UK list layout", line=row
            )
        cells.extend([""] * pending)
        cells.extend([text] * count)
        pending = 0
    return cells


def _ods_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(spreadsheet row number, cell texts) for the non-empty rows of the first sheet."""
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise ListFormatError(path, "file not found") from None
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ListFormatError(path, f"not a readable ODS (zip) file: {exc}") from None
    with archive:
        members = set(archive.namelist())
        for member in ("mimetype", "content.xml"):
            if member not in members:
                raise ListFormatError(
                    path, f"not an ODS spreadsheet: {member} is missing from the archive"
                )
        mimetype = archive.getinfo("mimetype")
        info = archive.getinfo("content.xml")
        if info.file_size > MAX_CONTENT_BYTES:
            raise ListFormatError(
                path,
                f"content.xml unpacks to {info.file_size:,} bytes, above the limit of "
                f"{MAX_CONTENT_BYTES:,}: refusing it (a zip bomb or not the UK list)",
            )
        row = 0
        sheets = 0
        try:
            if mimetype.file_size > 200 or archive.read(mimetype).strip() != _ODS_MIMETYPE:
                raise ListFormatError(path, "not an ODS spreadsheet (wrong mimetype)")
            with archive.open(info) as raw:
                stream = _Bounded(raw, MAX_CONTENT_BYTES)
                for event, element in SafeET.iterparse(stream, events=("start", "end")):
                    if element.tag == _T_TABLE:
                        if event == "start":
                            sheets += 1
                        elif sheets == 1:
                            return
                        continue
                    if event != "end" or element.tag != _T_ROW or sheets != 1:
                        continue
                    count = _repeat(path, element, _T_ROWS_REPEATED, row + 1)
                    cells = _row_cells(path, element, row + 1)
                    element.clear()
                    if cells:
                        # A repeated non-empty row is repeated data: yield it twice at most,
                        # which the duplicate-key check turns into an error.
                        for i in range(min(count, 2)):
                            yield row + 1 + i, cells
                    row += count
        except _TooLargeError:
            raise ListFormatError(
                path,
                f"content.xml unpacks to more than {MAX_CONTENT_BYTES:,} bytes: refusing it "
                "(a zip bomb or not the UK list)",
            ) from None
        except StdET.ParseError as exc:
            line, _column = exc.position
            raise ListFormatError(
                path, f"malformed content.xml: {exc} (XML line {line})", line=row + 1 or None
            ) from None
        except (LookupError, UnicodeError) as exc:  # <?xml encoding="..."?> unknown or wrong
            raise ListFormatError(
                path, f"content.xml: unreadable text encoding ({exc})", line=row + 1
            ) from None
        except DefusedXmlException as exc:
            raise ListFormatError(
                path, f"forbidden XML construct in content.xml ({type(exc).__name__})"
            ) from None
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, ValueError) as exc:
            raise ListFormatError(path, f"corrupt ODS archive: {exc}") from None
        except NotImplementedError as exc:
            raise ListFormatError(path, f"unsupported ODS archive: {exc}") from None
    if sheets == 0:
        raise ListFormatError(path, "the ODS file has no sheet")


# ------------------------------------------------------------------------------ building
@dataclass
class _Subject:
    line: int
    key: str
    entity_type: EntityType
    un_reference: str = ""
    ofsi_group: str = ""
    designated: str | None = None
    # (line, name_type, text, alias kind), in file order
    names: list[tuple[int, str, str, AliasKind]] = field(default_factory=list)
    dobs: list[str] = field(default_factory=list)
    identifiers: list[Identifier] = field(default_factory=list)
    extra: list[tuple[str, str]] = field(default_factory=list)


def _regime(key: str) -> tuple[str, ...]:
    match = _REGIME.match(key)
    return (match.group(1),) if match else ()


def _entry(subject: _Subject, names_path: Path | None, problems: Problems) -> ListEntry:
    primaries = [n for n in subject.names if n[1] == "primary"]
    if not primaries:
        first = subject.names[0]
        problems.add(
            "no_primary_name",
            "a subject without a primary name: its first name is used",
            line=first[0],
            path=names_path,
        )
        primaries = [first]
    name = primaries[0][2]
    if len(primaries) > 1:
        problems.add(
            "several_primary_names",
            "a subject with more than one primary name: the first is the name, the others "
            "are aka aliases",
            line=primaries[1][0],
            path=names_path,
        )
    aliases = build_aliases(
        name,
        [Alias(text, kind) for _line, _type, text, kind in subject.names if text != name],
    )
    identifiers: list[Identifier] = []
    if subject.un_reference:
        identifiers.append(Identifier("un_reference", subject.un_reference))
    identifiers.extend(subject.identifiers)
    extra = [("ofsi_group_id", subject.ofsi_group)] if subject.ofsi_group else []
    return ListEntry(
        key=subject.key,
        name=name,
        entity_type=subject.entity_type,
        list_code=LIST_CODE,
        aliases=aliases,
        programs=_regime(subject.key),
        identifiers=tuple(dict.fromkeys(identifiers)),
        dates_of_birth=unique(subject.dobs),
        start_date=subject.designated,
        source_url=SOURCE_URL,
        extra=(*extra, *subject.extra),
    )


def _entity_type(path: Path, text: str, line: int, column: str) -> EntityType:
    found = _TYPES.get(text.casefold())
    if found is None:
        known = ", ".join(_TYPES)
        raise ListFormatError(
            path, f"unknown subject type {text!r} (known: {known})", line=line, field=column
        )
    return found


def _subjects(table: _Table, problems: Problems, stats: Counter[str]) -> dict[str, _Subject]:
    subjects: dict[str, _Subject] = {}
    for line, record in table.rows:
        key = table.get(record, "unique_id")
        if not key:
            raise ListFormatError(table.path, "empty unique_id", line=line, field="unique_id")
        if key in subjects:
            raise ListFormatError(
                table.path,
                f"duplicate unique_id {key!r} (first on line {subjects[key].line})",
                line=line,
                field="unique_id",
            )
        kind = _entity_type(table.path, table.get(record, "subject_type"), line, "subject_type")
        subject = _Subject(line, key, kind)
        subject.un_reference = table.get(record, "un_reference_number")
        subject.ofsi_group = table.get(record, "ofsi_group_id")
        for column in ("date_designated", "last_updated"):
            text = table.get(record, column)
            day = iso_day(text) if text else None
            if text and day is None:
                problems.add(
                    "bad_date",
                    f"{column} {text!r} is not a DD/MM/YYYY date",
                    line=line,
                    path=table.path,
                )
            if day and column == "date_designated":
                subject.designated = day
            elif day:
                subject.extra.append(("last_updated", day))
        subjects[key] = subject
        stats[
            {"person": "individuals", "organization": "entities", "vessel": "ships"}.get(
                kind.value, "aircraft"
            )
        ] += 1
    return subjects


def _name_text(table: _Table, record: list[str], individual: bool) -> str:
    whole = table.get(record, "name_6")
    if not individual and whole:
        return whole
    full = table.get(record, "full_name")
    if full:
        return full
    return " ".join(p for p in (*(table.get(record, c) for c in _NAME_PARTS), whole) if p)


def _orphan(problems: Problems, what: str, path: Path, line: int) -> None:
    problems.add(
        f"orphan_{what}",
        f"{what} rows whose unique_id is not in the subjects file; not loaded",
        line=line,
        path=path,
    )


def _names(
    table: _Table, subjects: dict[str, _Subject], problems: Problems, stats: Counter[str]
) -> None:
    for line, record in table.rows:
        key = table.get(record, "unique_id")
        if not key:
            raise ListFormatError(table.path, "empty unique_id", line=line, field="unique_id")
        name_type = table.get(record, "name_type").casefold()
        if name_type not in _NAME_TYPES:
            raise ListFormatError(
                table.path,
                f"unknown name type {name_type!r} (known: primary, primary_variation, alias)",
                line=line,
                field="name_type",
            )
        stats[f"names:{name_type}"] += 1
        stats["name_count"] += 1
        subject = subjects.get(key)
        individual = subject is None or subject.entity_type is EntityType.PERSON
        text = _name_text(table, record, individual)
        if not text:
            raise ListFormatError(
                table.path,
                f"no name for {key}: full_name and name_1..name_6 are all empty",
                line=line,
                field="name_6",
            )
        if subject is None:
            stats["orphan_names"] += 1
            _orphan(problems, "names", table.path, line)
            continue
        if not individual and any(table.get(record, c) for c in _NAME_PARTS):
            problems.add(
                "entity_name_parts",
                "an entity or ship name row also fills name_1..name_5; name_6 is used",
                line=line,
                path=table.path,
            )
        strength = table.get(record, "alias_strength").casefold()
        kind = _STRENGTH.get(strength)
        if kind is None:
            problems.add(
                "unknown_alias_strength",
                f"alias_strength {strength!r} is not known; loaded as aka",
                line=line,
                path=table.path,
            )
            kind = AliasKind.AKA
        subject.names.append((line, name_type, text, kind))


def _number(text: str) -> int | None:
    return int(text) if _DIGITS.fullmatch(text) else None


def _dob(table: _Table, record: list[str], line: int, problems: Problems) -> str | None:
    year_text = table.get(record, "year")
    year = _number(year_text)
    if year is None or len(year_text) != 4:
        problems.add(
            "bad_date",
            f"year {year_text!r} is not a 4-digit year; date of birth not loaded",
            line=line,
            path=table.path,
        )
        return None
    precision = table.get(record, "precision").casefold()
    month = _number(table.get(record, "month")) if precision != "year_only" else None
    day = (
        _number(table.get(record, "day")) if precision not in ("year_only", "month_year") else None
    )
    if month is not None and not 1 <= month <= 12:
        problems.add(
            "bad_date",
            "a month outside 1-12; only the year is loaded",
            line=line,
            path=table.path,
        )
        return f"{year:04d}"
    if month is None:
        if precision in ("exact", "month_year"):
            problems.add(
                "bad_date",
                f"precision {precision} without a month; only the year is loaded",
                line=line,
                path=table.path,
            )
        return f"{year:04d}"
    if day is None:
        if precision == "exact":
            problems.add(
                "bad_date",
                "precision exact without a day; year and month are loaded",
                line=line,
                path=table.path,
            )
        return f"{year:04d}-{month:02d}"
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        problems.add(
            "bad_date",
            "an impossible day of the month; year and month are loaded",
            line=line,
            path=table.path,
        )
        return f"{year:04d}-{month:02d}"


def _subject_rows(
    table: _Table,
    subjects: dict[str, _Subject],
    problems: Problems,
    stats: Counter[str],
    what: str,
) -> Iterator[tuple[int, list[str], _Subject]]:
    """The rows of a per-subject file (dobs, identifiers) with their subject; a row whose
    subject is not in the subjects file is counted and reported as an orphan, never dropped
    silently."""
    for line, record in table.rows:
        key = table.get(record, "unique_id")
        if not key:
            raise ListFormatError(table.path, "empty unique_id", line=line, field="unique_id")
        stats[f"{what[:-1]}_rows"] += 1
        subject = subjects.get(key)
        if subject is None:
            stats[f"orphan_{what}"] += 1
            _orphan(problems, what, table.path, line)
            continue
        yield line, record, subject


def _dobs(
    table: _Table, subjects: dict[str, _Subject], problems: Problems, stats: Counter[str]
) -> None:
    for line, record, subject in _subject_rows(table, subjects, problems, stats, "dobs"):
        value = _dob(table, record, line, problems)
        if value:
            subject.dobs.append(value)


def _identifiers(
    table: _Table, subjects: dict[str, _Subject], problems: Problems, stats: Counter[str]
) -> None:
    for line, record, subject in _subject_rows(table, subjects, problems, stats, "identifiers"):
        type_text = table.get(record, "identifier_type").casefold()
        value = table.get(record, "raw_value")
        if not value:
            problems.add(
                "empty_identifier",
                "an identifier row without a value",
                line=line,
                path=table.path,
            )
            continue
        kind = _ID_KINDS.get(type_text) or re.sub(r"[^a-z0-9]+", "_", type_text).strip("_")
        for number in _numbers(kind, value, stats):
            subject.identifiers.append(Identifier(kind or "identifier", number))


def _numbers(kind: str, value: str, stats: Counter[str]) -> list[str]:
    """The identifier values in one ``raw_value``. A leading ``'`` (a spreadsheet's text
    marker: ``'000737``) is dropped. A registration-number cell is a label and one or more
    numbers (``OGRN: 1027739090708 INN: 7731018133``, ``UK Company no. 06527449``): each
    number (5+ ASCII letters and digits, one a digit) is an identifier of its own, so that
    a customer's registration number can equal it; a cell without one is kept whole."""
    text = value.lstrip("'’ ").strip() or value
    if kind != "registration_number":
        return [text]
    pieces = (
        m.group(1) if (m := _GLUED_WORD.fullmatch(piece)) else piece
        for piece in _PIECES.split(text)
    )
    found = list(dict.fromkeys(p for p in pieces if len(p) >= 5 and any(c.isdigit() for c in p)))
    if not found:
        return [text]
    if found != [text]:
        stats["registration_numbers_split"] += 1
    return found


def _parse_csv_set(paths: Sequence[Path]) -> ParsedList:
    tables: dict[str, _Table] = {}
    for path in paths:
        table = _read_csv(path)
        if table.role in tables:
            raise ListFormatError(
                path,
                f"a second {table.role} file in the set (the first is {tables[table.role].path})",
                line=1,
            )
        tables[table.role] = table
    for role in ("subjects", "names"):
        if role not in tables:
            raise ListFormatError(
                paths[0],
                f"the UK CSV set needs a {role} file (by header); found only "
                f"{', '.join(sorted(tables))}",
            )
    problems = Problems(tables["subjects"].path)
    stats: Counter[str] = Counter()
    subjects = _subjects(tables["subjects"], problems, stats)
    _names(tables["names"], subjects, problems, stats)
    missing = [role for role in ("dobs", "identifiers") if role not in tables]
    if "dobs" in tables:
        _dobs(tables["dobs"], subjects, problems, stats)
    if "identifiers" in tables:
        _identifiers(tables["identifiers"], subjects, problems, stats)
    if missing:
        problems.add(
            "partial_file_set",
            f"no {' or '.join(missing)} file given: the entries have none",
        )
    names_path = tables["names"].path
    entries: list[ListEntry] = []
    for subject in subjects.values():
        if not subject.names:
            raise ListFormatError(
                tables["subjects"].path,
                f"subject {subject.key} has no name in {names_path.name}",
                line=subject.line,
                field="unique_id",
            )
        entries.append(_entry(subject, names_path, problems))
    updated = [v for s in subjects.values() for k, v in s.extra if k == "last_updated"]
    return _result(entries, problems, stats, max(updated) if updated else None)


def _result(
    entries: list[ListEntry], problems: Problems, stats: Counter[str], published: str | None
) -> ParsedList:
    stats["entries"] = len(entries)
    stats["aliases"] = sum(len(e.aliases) for e in entries)
    stats["weak_aliases"] = sum(1 for e in entries for a in e.aliases if a.kind is AliasKind.WEAK)
    stats["dates_of_birth"] = sum(len(e.dates_of_birth) for e in entries)
    stats["identifiers"] = sum(len(e.identifiers) for e in entries)
    return ParsedList(
        format=FORMAT,
        entries=tuple(entries),
        published=published,
        problems=problems.as_tuple(),
        stats=dict(sorted(stats.items())),
    )


def _parse_ods(path: Path) -> ParsedList:
    problems = Problems(path)
    stats: Counter[str] = Counter()
    rows = _ods_rows(path)
    first = next(rows, None)
    if first is None:
        raise ListFormatError(path, "the sheet is empty: no header row", line=1)
    header_row, header = first
    names = [h.casefold() for h in header]
    required, optional = _ODS_COLUMNS
    index: dict[str, int] = {}
    for column in (*required, *optional):
        if column in names:
            index[column] = names.index(column)
        elif column in required:
            raise ListFormatError(
                path,
                f"missing required column {column!r}: not the UK Sanctions List ODS "
                "(Unique ID, OFSI Group ID, Name, Regime Name, Type, ...)",
                line=header_row,
                field=_ODS_HEADER[column],
            )

    def get(cells: list[str], column: str) -> str:
        position = index.get(column)
        return cells[position] if position is not None and position < len(cells) else ""

    subjects: dict[str, _Subject] = {}
    for row, cells in rows:
        if len(cells) > len(header):
            raise ListFormatError(
                path,
                f"a value in column {len(cells)}, beyond the header's {len(header)}",
                line=row,
                field=f"(column {len(cells)})",
            )
        key = get(cells, "unique id")
        if not key:
            raise ListFormatError(path, "empty Unique ID", line=row, field="Unique ID")
        if key in subjects:
            raise ListFormatError(
                path,
                f"duplicate Unique ID {key!r} (first on row {subjects[key].line})",
                line=row,
                field="Unique ID",
            )
        name = get(cells, "name")
        if not name:
            # The official file has such rows (BEL0174 in the 2025-08-11 file).
            stats["rows_without_name"] += 1
            problems.add(
                "empty_name", "rows with an empty Name: not loaded (no name to match)", line=row
            )
            continue
        subject = _Subject(row, key, _entity_type(path, get(cells, "type"), row, "Type"))
        subject.ofsi_group = get(cells, "ofsi group id")
        subject.names.append((row, "primary", name, AliasKind.AKA))
        designated = get(cells, "date designated")
        subject.designated = iso_day(designated) if designated else None
        if designated and subject.designated is None:
            problems.add(
                "bad_date", f"Date Designated {designated!r} is not a DD-MM-YYYY date", line=row
            )
        for column, label in (
            ("regime name", "regime"),
            ("designation source", "designation_source"),
            ("sanctions imposed", "sanctions_imposed"),
        ):
            if value := get(cells, column):
                subject.extra.append((label, value))
        subjects[key] = subject
        stats["name_count"] += 1
        stats[
            {"person": "individuals", "organization": "entities", "vessel": "ships"}.get(
                subject.entity_type.value, "aircraft"
            )
        ] += 1
    entries = [_entry(s, path, problems) for s in subjects.values()]
    return _result(entries, problems, stats, None)


def _is_zip(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return fh.read(4) == _ZIP_MAGIC
    except OSError:
        return False


def parse(paths: Sequence[Path]) -> ParsedList:
    if not paths:
        raise ListFormatError("(no file)", "no UK Sanctions List file given")
    odss = [p for p in paths if p.suffix.lower() == ".ods" or _is_zip(p)]
    if odss:
        if len(paths) != 1:
            raise ListFormatError(
                odss[0], f"the UK list ODS is one file on its own; {len(paths)} files were given"
            )
        return _parse_ods(odss[0])
    return _parse_csv_set(paths)
