"""Reading screening input files (customers, data centres) into typed records, streaming.

The input contract is ARCHITECTURE.md section 4. A file is CSV (UTF-8, a BOM allowed, RFC 4180
quoting, one header row) or JSON Lines (one object per line); ``.csv`` means CSV, ``.jsonl``,
``.ndjson`` and ``.json`` mean JSON Lines, any other name is sniffed from its first character.

Errors come in two kinds:

* **Whole-file** problems raise :class:`InputFileError` (a :class:`BadInputError`) *before any
  record is yielded*: the file is missing or empty, is not valid UTF-8 (the error names the
  line), or its header lacks a required column or repeats one. :func:`iter_customers` and
  :func:`iter_data_centres` check these when they are called, not when iteration starts, so
  the caller can fail before it opens an output file.
* **Row** problems are yielded in place, in file order, as a result with ``error`` set and the
  1-based physical line the record starts on: a wrong number of fields, a missing id or name, a
  duplicate id (naming the line it first appeared on), an unknown country, a bad owner share, a
  bad date, a field longer than :data:`MAX_FIELD_CHARS`... All of a row's problems are reported
  together (``"; "``-joined, each prefixed with the field it concerns). A bad row never stops
  the stream.

Memory stays bounded: the file is read line by line (a physical line longer than
:data:`MAX_LINE_CHARS` is skipped and reported as a row error). The only state that grows is
the set of ids seen, which the uniqueness check needs.

Untrusted text is never evaluated: JSON is parsed with :func:`json.loads` (``NaN`` and
``Infinity`` refused), NUL characters are removed, values echoed in error messages are quoted
with :func:`repr` and shortened. A lone UTF-16 surrogate (only a JSON ``\\ud800`` escape can
make one) is not text: its row is rejected, naming the field, and its id is not echoed.
"""

from __future__ import annotations

import codecs
import csv
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Generic, Literal, TextIO, TypeVar, cast

if TYPE_CHECKING:
    from _csv import Reader as _CsvReader

from compliance.countries import to_iso2
from compliance.errors import FileFormatError
from compliance.model import EntityType, Owner, Party

__all__ = [
    "CUSTOMER_FIELDS",
    "DATA_CENTRE_FIELDS",
    "MAX_FIELD_CHARS",
    "MAX_LINE_CHARS",
    "DataCentre",
    "DataCentreResult",
    "InputFileError",
    "RecordResult",
    "detect_format",
    "iter_customers",
    "iter_data_centres",
]

MAX_FIELD_CHARS = 10_000
"""A longer field (after NUL removal) makes its row an error."""

MAX_LINE_CHARS = 1 << 20
"""A longer physical line is skipped and reported as a row error (bounds memory)."""

_CHUNK = 1 << 20
_SENTINEL = "\x00line-too-long\x00"  # NUL never survives cleaning, so it cannot be real data

Format = Literal["csv", "jsonl"]


# ------------------------------------------------------------------------------ errors
class InputFileError(FileFormatError):
    """A screening input file cannot be read at all. Names the file, and the line and column
    when they are known."""

    code = "input_file"
    where_label = "column"

    def __init__(
        self,
        path: Path | str,
        message: str,
        *,
        line: int | None = None,
        column: str | None = None,
    ) -> None:
        super().__init__(path, message, line=line, field=column)

    @property
    def column(self) -> str | None:
        return self.field


# ------------------------------------------------------------------------------ records
@dataclass(frozen=True, slots=True)
class RecordResult:
    """One customer record read from a file: exactly one of ``party`` and ``error`` is set."""

    line: int  # 1-based physical line the record starts on
    record_id: str | None
    party: Party | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True, slots=True)
class DataCentre:
    """A data centre to screen (ARCHITECTURE.md section 4, ``--kind data-centres``)."""

    id: str
    name: str
    operator_name: str | None = None
    operator_country: str | None = None  # ISO alpha-2 (headquarters)
    operator_ultimate_parent_name: str | None = None
    operator_ultimate_parent_country: str | None = None
    country: str | None = None  # where the data centre is
    city: str | None = None
    accelerator_model: str | None = None
    accelerator_count: int | None = None
    eccn: str | None = None  # normalised: "3A090.a", "EAR99"
    tpp_per_device: float | None = None
    extra: tuple[tuple[str, str], ...] = ()  # unknown columns, kept


@dataclass(frozen=True, slots=True)
class DataCentreResult:
    """One data-centre record read from a file: exactly one of ``data_centre`` and ``error``."""

    line: int
    record_id: str | None
    data_centre: DataCentre | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


CUSTOMER_FIELDS: tuple[str, ...] = (
    "id",
    "name",
    "aliases",
    "entity_type",
    "country",
    "address",
    "registration_number",
    "hq_country",
    "parent_name",
    "parent_country",
    "ultimate_parent_name",
    "ultimate_parent_country",
    "owners",
    "date_of_birth",
    "service",
)
"""The columns that map to :class:`~compliance.model.Party` attributes. Every other column
(the account signals ``email``, ``phone``, ``payment_fingerprint``, ``ip_address``, ``asn``,
``signup_date`` included) is kept in ``Party.extra``."""

DATA_CENTRE_FIELDS: tuple[str, ...] = (
    "id",
    "name",
    "operator_name",
    "operator_country",
    "operator_ultimate_parent_name",
    "operator_ultimate_parent_country",
    "country",
    "city",
    "accelerator_model",
    "accelerator_count",
    "eccn",
    "tpp_per_device",
)

_REQUIRED = ("id", "name")
_LIST_FIELDS = frozenset({"aliases", "owners"})  # may be JSON arrays
_CUSTOMER_KNOWN = frozenset(CUSTOMER_FIELDS)
_DATA_CENTRE_KNOWN = frozenset(DATA_CENTRE_FIELDS)

# A raw record as the readers hand it to the builders: column -> text (stripped, NUL-free),
# the JSON arrays given for ``aliases``/``owners``, and the sorted names of the columns that
# are kept as ``extra``.
Fields = dict[str, str]
Arrays = dict[str, list[object]]
_NO_ARRAYS: Arrays = {}


# ------------------------------------------------------------------------ value parsing
def _show(value: str, limit: int = 60) -> str:
    """A value for an error message: quoted, control characters escaped, shortened."""
    if len(value) > limit:
        value = value[:limit] + "..."
    return repr(value)


def _country(value: str, key: str, errors: list[str]) -> str | None:
    if not value:
        return None
    return to_iso2(value) or _unknown_country(key, value, errors)


_ENTITY_TYPES = {
    "organization": EntityType.ORGANIZATION,
    "organisation": EntityType.ORGANIZATION,
    "org": EntityType.ORGANIZATION,
    "company": EntityType.ORGANIZATION,
    "person": EntityType.PERSON,
    "individual": EntityType.PERSON,
}


def _entity_type(value: str, errors: list[str]) -> EntityType:
    if not value:
        return EntityType.UNKNOWN
    found = _ENTITY_TYPES.get(value.lower())
    if found is None:
        errors.append(
            f"entity_type: {_show(value)} is not 'organization' or 'person' "
            "(or 'org', 'company', 'individual')"
        )
        return EntityType.UNKNOWN
    return found


def _aliases(text: str, array: list[object] | None, errors: list[str]) -> tuple[str, ...]:
    if not text and not array:
        return ()
    pieces: Iterable[object] = text.split(";") if text else ()
    if array is not None:
        pieces = array
    seen: dict[str, None] = {}
    for piece in pieces:
        if not isinstance(piece, str):
            errors.append("aliases: a JSON list of aliases must hold strings only")
            return ()
        alias = piece.replace("\x00", "").strip()
        if alias:
            seen[alias] = None
    return tuple(seen)


_DECIMAL = re.compile(r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
_GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", re.ASCII)
_INTEGER = re.compile(r"\d+|\d{1,3}(?:,\d{3})+", re.ASCII)


def _number(text: str) -> float | None:
    """A non-negative finite decimal (``1,024.5`` grouping allowed), else ``None``."""
    if _DECIMAL.fullmatch(text) or _GROUPED.fullmatch(text):
        value = float(text.replace(",", ""))
        if math.isfinite(value):
            return value
    return None


def _share(text: str) -> float | Literal[False] | None:
    """An owner's share in percent: ``None`` when empty, ``False`` when invalid."""
    text = text.strip().removesuffix("%").strip()
    if not text:
        return None
    value = _number(text)
    if value is None or value > 100:
        return False
    return value


_OWNER_FORMAT = "use name:share%:country, e.g. 'Foo Ltd:30%:CN' or 'Foo Ltd::CN'"


def _owner_from_text(item: str, errors: list[str]) -> Owner | None:
    parts = item.split(":")
    if len(parts) >= 3:  # a name may itself hold a colon: share and country are the last two
        name, share_text, country_text = ":".join(parts[:-2]), parts[-2], parts[-1]
    elif len(parts) == 2:
        name, share_text, country_text = parts[0], parts[1], ""
    else:
        name, share_text, country_text = parts[0], "", ""
    return _owner(item, name, share_text, country_text, errors)


def _owner(
    item: str, name: str, share_text: str, country_text: str, errors: list[str]
) -> Owner | None:
    name = name.replace("\x00", "").strip()
    ok = True
    if not name:
        errors.append(f"owners: {_show(item)} has no name ({_OWNER_FORMAT})")
        ok = False
    share = _share(share_text)
    if share is False:
        errors.append(
            f"owners: share {_show(share_text.strip())} of {_show(name)} is not a number "
            f"from 0 to 100 ({_OWNER_FORMAT})"
        )
        ok = False
    country: str | None = None
    country_text = country_text.strip()
    if country_text:
        country = to_iso2(country_text)
        if country is None:
            errors.append(f"owners: unknown country {_show(country_text)} of {_show(name)}")
            ok = False
    if not ok or share is False:
        return None
    return Owner(name=name, share=share, country=country)


def _owner_from_json(item: object, errors: list[str]) -> Owner | None:
    if isinstance(item, str):
        return _owner_from_text(item, errors)
    if isinstance(item, dict):
        values: dict[str, str] = {}
        for key in ("name", "share", "country"):
            value = item.get(key)
            if value is None:
                values[key] = ""
            elif isinstance(value, str):
                values[key] = value
            elif isinstance(value, int | float) and not isinstance(value, bool):
                values[key] = _json_number(value)
            else:
                errors.append(f"owners: owner field {key!r} must be text or a number")
                return None
        label = values["name"] or json.dumps(item, ensure_ascii=False)
        return _owner(label, values["name"], values["share"], values["country"], errors)
    errors.append("owners: a JSON list of owners must hold strings or objects")
    return None


def _owners(text: str, array: list[object] | None, errors: list[str]) -> tuple[Owner, ...]:
    if not text and not array:
        return ()
    before = len(errors)
    owners: list[Owner] = []
    if array is not None:
        for element in array:
            owner = _owner_from_json(element, errors)
            if owner is not None:
                owners.append(owner)
    else:
        for item in text.split(";"):
            if item.strip():
                owner = _owner_from_text(item.strip(), errors)
                if owner is not None:
                    owners.append(owner)
    if len(errors) > before:
        return ()
    total = sum(o.share for o in owners if o.share is not None)
    if total > 100 + 1e-6:
        errors.append(f"owners: shares add up to {total:g}%, more than 100%")
        return ()
    return tuple(owners)


_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", re.ASCII)


def _date_of_birth(value: str, errors: list[str]) -> str | None:
    if not value:
        return None
    match = _DATE.fullmatch(value)
    if match is not None:
        year, month, day = match.groups()
        try:
            date(int(year), int(month or 1), int(day or 1))
        except ValueError:
            pass
        else:
            return value
    errors.append(f"date_of_birth: {_show(value)} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)")
    return None


_ECCN = re.compile(r"([0-9])([A-E])([0-9]{3})((?:\.[A-Z0-9]+)*)", re.ASCII | re.IGNORECASE)


def _eccn(value: str, errors: list[str]) -> str | None:
    if not value:
        return None
    if value.upper() == "EAR99":
        return "EAR99"
    match = _ECCN.fullmatch(value)
    if match is None:
        errors.append(
            f"eccn: {_show(value)} is not an ECCN (like '3A090.a', '4A090.a', '3A991', 'EAR99')"
        )
        return None
    category, group, number, paragraphs = match.groups()
    return f"{category}{group.upper()}{number}{paragraphs.lower()}"


def _count(value: str, errors: list[str]) -> int | None:
    if not value:
        return None
    if _INTEGER.fullmatch(value) and len(value) <= 15:
        return int(value.replace(",", ""))
    errors.append(f"accelerator_count: {_show(value)} is not a non-negative whole number")
    return None


def _tpp(value: str, errors: list[str]) -> float | None:
    if not value:
        return None
    number = _number(value)
    if number is None:
        errors.append(f"tpp_per_device: {_show(value)} is not a non-negative number")
    return number


# ----------------------------------------------------------------------------- builders
def _unknown_country(key: str, value: str, errors: list[str]) -> str | None:
    errors.append(f"{key}: unknown country {_show(value)} (use ISO 3166 alpha-2 or a name)")
    return None


def _build_party(
    fields: Fields,
    arrays: Arrays,
    extra_keys: Iterable[str],
    record_id: str,
    errors: list[str],
) -> Party | None:
    # The hot path of a million-row file: inlined on purpose (no helper call for empty or
    # well-formed values).
    get = fields.get
    name = get("name", "")
    if not name:
        errors.append("name: required, but empty")
    aliases: tuple[str, ...] = ()
    text = get("aliases")
    if text or arrays:
        aliases = _aliases(text or "", arrays.get("aliases"), errors)
    entity_type = EntityType.UNKNOWN
    text = get("entity_type")
    if text:
        entity_type = _ENTITY_TYPES.get(text.lower()) or _entity_type(text, errors)
    text = get("country")
    country = (to_iso2(text) or _unknown_country("country", text, errors)) if text else None
    text = get("hq_country")
    hq_country = (to_iso2(text) or _unknown_country("hq_country", text, errors)) if text else None
    text = get("parent_country")
    parent_country = (
        (to_iso2(text) or _unknown_country("parent_country", text, errors)) if text else None
    )
    text = get("ultimate_parent_country")
    ultimate_parent_country = (
        (to_iso2(text) or _unknown_country("ultimate_parent_country", text, errors))
        if text
        else None
    )
    owners: tuple[Owner, ...] = ()
    text = get("owners")
    if text or arrays:
        owners = _owners(text or "", arrays.get("owners"), errors)
    text = get("date_of_birth")
    date_of_birth = _date_of_birth(text, errors) if text else None
    if errors:
        return None
    return Party(
        id=record_id,
        name=name,
        aliases=aliases,
        entity_type=entity_type,
        country=country,
        address=get("address") or None,
        registration_number=get("registration_number") or None,
        hq_country=hq_country,
        parent_name=get("parent_name") or None,
        parent_country=parent_country,
        ultimate_parent_name=get("ultimate_parent_name") or None,
        ultimate_parent_country=ultimate_parent_country,
        owners=owners,
        date_of_birth=date_of_birth,
        service=get("service") or None,
        extra=tuple([(key, value) for key in extra_keys if (value := fields[key])]),
    )


def _build_data_centre(
    fields: Fields,
    arrays: Arrays,
    extra_keys: Iterable[str],
    record_id: str,
    errors: list[str],
) -> DataCentre | None:
    get = fields.get
    name = get("name", "")
    if not name:
        errors.append("name: required, but empty")
    operator_country = _country(get("operator_country", ""), "operator_country", errors)
    parent_country = _country(
        get("operator_ultimate_parent_country", ""), "operator_ultimate_parent_country", errors
    )
    country = _country(get("country", ""), "country", errors)
    accelerator_count = _count(get("accelerator_count", ""), errors)
    eccn = _eccn(get("eccn", ""), errors)
    tpp_per_device = _tpp(get("tpp_per_device", ""), errors)
    if errors:
        return None
    return DataCentre(
        id=record_id,
        name=name,
        operator_name=get("operator_name") or None,
        operator_country=operator_country,
        operator_ultimate_parent_name=get("operator_ultimate_parent_name") or None,
        operator_ultimate_parent_country=parent_country,
        country=country,
        city=get("city") or None,
        accelerator_model=get("accelerator_model") or None,
        accelerator_count=accelerator_count,
        eccn=eccn,
        tpp_per_device=tpp_per_device,
        extra=tuple([(key, value) for key in extra_keys if (value := fields[key])]),
    )


# ------------------------------------------------------------------------ file handling
_KEY_SEPARATORS = re.compile(r"[\s\-]+")


def _norm_key(name: str) -> str:
    """Header / JSON key normal form: case-insensitive, trimmed, inner spaces and hyphens as
    ``_`` (``"Entity Type"`` -> ``"entity_type"``)."""
    return _KEY_SEPARATORS.sub("_", name.replace("\x00", "").strip().lstrip("\ufeff").lower())


@dataclass(frozen=True, slots=True)
class _Scan:
    fmt: Format
    has_nul: bool


def detect_format(path: Path, first_char: str | None = None) -> Format:
    """``csv`` or ``jsonl`` from the file name; other names by the first character."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    return "jsonl" if first_char in ("{", "[") else "csv"


def _scan(path: Path) -> _Scan:
    """Check the whole file is UTF-8 before anything is yielded (constant memory), note NUL
    bytes and the first character, pick the format."""
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    newlines = 0
    has_nul = False
    first_char: str | None = None
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise InputFileError(path, "file not found") from None
    except IsADirectoryError:
        raise InputFileError(path, "is a directory, expected a CSV or JSON Lines file") from None
    except OSError as exc:
        raise InputFileError(path, f"cannot read: {exc.strerror}") from None
    with handle:
        first = True
        while True:
            chunk = handle.read(_CHUNK)
            if first:
                if chunk.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                    raise InputFileError(path, "is UTF-16 encoded; save it as UTF-8")
                first = False
            pending = decoder.getstate()[0]
            try:
                text = decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                data = pending + chunk
                line = newlines + data.count(b"\n", 0, exc.start) + 1
                bad = data[exc.start : exc.start + 1].hex()
                raise InputFileError(
                    path,
                    f"not valid UTF-8 (byte 0x{bad}); save the file as UTF-8",
                    line=line,
                ) from None
            if not chunk:
                break
            newlines += chunk.count(b"\n")
            if not has_nul and b"\x00" in chunk:
                has_nul = True
            if first_char is None:
                stripped = text.lstrip("\ufeff \t\r\n\x00")
                if stripped:
                    first_char = stripped[0]
    if first_char is None:
        raise InputFileError(path, "file is empty")
    fmt = detect_format(path, first_char)
    if fmt == "jsonl" and first_char == "[":
        raise InputFileError(
            path, "is a JSON array; give one JSON object per line (JSON Lines)", line=1
        )
    return _Scan(fmt=fmt, has_nul=has_nul)


class _Lines:
    """Physical lines of a text file, NULs removed (only when the file has any) and a line
    longer than ``MAX_LINE_CHARS`` replaced by a sentinel line (memory stays bounded).

    ``wide`` turns true when a line longer than ``MAX_FIELD_CHARS`` (or a sentinel) has been
    read: only then can a field be too long, so only then do the readers measure fields.
    They reset it after each record."""

    def __init__(self, handle: TextIO, has_nul: bool) -> None:
        self._handle = handle
        self._has_nul = has_nul
        self.wide = False

    def __iter__(self) -> Iterator[str]:
        readline = self._handle.readline
        has_nul = self._has_nul
        limit = MAX_LINE_CHARS
        field_limit = MAX_FIELD_CHARS
        while True:
            line: str = readline(limit)
            if not line:
                return
            if len(line) > field_limit:
                self.wide = True
                if len(line) == limit and line[-1] not in "\r\n":
                    while True:  # drain the rest of the physical line
                        rest: str = readline(limit)
                        if not rest or rest[-1] in "\r\n":
                            break
                    yield _SENTINEL + "\n"
                    continue
            if has_nul:
                line = line.replace("\x00", "")
            yield line


_T = TypeVar("_T")
_R = TypeVar("_R")


@dataclass(frozen=True, slots=True)
class _Kind(Generic[_T, _R]):
    """What distinguishes customers from data centres for the shared reading machinery."""

    known: frozenset[str]
    list_fields: frozenset[str]
    build: Callable[[Fields, Arrays, Iterable[str], str, list[str]], _T | None]
    result: Callable[[int, str | None, _T | None, str | None], _R]


class _Finisher(Generic[_T, _R]):
    """Turns a raw record into a result: the id checks (present, unique) and the build."""

    def __init__(self, kind: _Kind[_T, _R]) -> None:
        self.first_line: dict[str, int] = {}
        self.build = kind.build
        self.result = kind.result

    def __call__(self, line: int, fields: Fields, arrays: Arrays, extra_keys: Iterable[str]) -> _R:
        errors: list[str] = []
        record_id = fields.get("id", "")
        if not record_id:
            errors.append("id: required, but empty")
        else:
            first = self.first_line.setdefault(record_id, line)
            if first != line:
                errors.append(f"id: duplicate id {_show(record_id)} (first on line {first})")
        try:
            built = self.build(fields, arrays, extra_keys, record_id, errors)
        except Exception as exc:  # a reader bug on odd input: this row fails, not the file
            errors.append(f"row could not be read ({type(exc).__name__})")
            built = None
        if built is None or errors:
            return self.result(line, record_id or None, None, "; ".join(errors) or "invalid")
        return self.result(line, record_id, built, None)

    def fail(self, line: int, error: str, fields: Fields | None = None) -> _R:
        record_id = fields.get("id", "") if fields is not None else ""
        shown = record_id if 0 < len(record_id) <= MAX_FIELD_CHARS else None
        if shown is not None and _SURROGATE.search(shown):
            shown = None  # an id that cannot be written out; the line number says which row
        return self.result(line, shown, None, error)


def _read_header(path: Path, reader: _CsvReader) -> tuple[list[str], int]:
    """The normalised column names of the first non-blank row, and the line it ends on."""
    for row in reader:
        if any(cell.strip() for cell in row):
            names = [_norm_key(cell) or f"column_{i}" for i, cell in enumerate(row, 1)]
            break
    else:
        raise InputFileError(path, "file has no header row")
    line = reader.line_num
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise InputFileError(path, "column appears twice in the header", line=line, column=name)
        seen.add(name)
    return names, line


def _csv_header(path: Path, scan: _Scan) -> tuple[list[str], int]:
    with path.open("r", encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(_Lines(handle, scan.has_nul), strict=True)
        try:
            return _read_header(path, reader)
        except csv.Error as exc:
            raise InputFileError(path, f"unreadable header: {exc}") from None


def _csv_results(path: Path, scan: _Scan, kind: _Kind[_T, _R]) -> Iterator[_R]:
    finish = _Finisher(kind)
    with path.open("r", encoding="utf-8-sig", newline="") as handle:
        lines = _Lines(handle, scan.has_nul)
        reader = csv.reader(lines, strict=True)
        names, end = _read_header(path, reader)
        extra_keys = sorted(name for name in names if name not in kind.known)
        width = len(names)
        strip = str.strip
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                lines.wide = False
                start, end = end + 1, reader.line_num
                message = f"unreadable CSV row: {exc}"
                if end > start:
                    message += f" (a quote opened on line {start} is not closed before line {end})"
                yield finish.fail(start, message)
                continue
            except UnicodeDecodeError:  # the file changed after it was checked
                raise InputFileError(path, "not valid UTF-8; save the file as UTF-8") from None
            start, end = end + 1, reader.line_num
            if len(row) != width or not row[0]:
                lines.wide = False
                if not any(cell.strip() for cell in row):
                    continue  # a blank line, or only separators
                if len(row) == 1 and row[0] == _SENTINEL:
                    yield finish.fail(start, _LONG_LINE)
                    continue
                if len(row) != width:
                    message = f"row has {len(row)} fields, the header has {width}"
                    if end > start:
                        message += (
                            f" (the row runs from line {start} to line {end}: "
                            "probably a quote that is not closed)"
                        )
                    yield finish.fail(start, message)
                    continue
            fields = dict(zip(names, map(strip, row), strict=True))
            if lines.wide or end > start:  # a field may be too long: measure
                lines.wide = False
                error = _check_lengths(fields)
                if error is not None:
                    yield finish.fail(start, error, fields)
                    continue
            yield finish(start, fields, _NO_ARRAYS, extra_keys)


_LONG_LINE = f"line is longer than {MAX_LINE_CHARS} characters"


def _check_lengths(fields: Fields) -> str | None:
    for key, value in fields.items():
        if _SENTINEL in value:
            return _LONG_LINE
        if len(value) > MAX_FIELD_CHARS:
            return f"{key}: longer than {MAX_FIELD_CHARS} characters"
    return None


def _json_number(value: float) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value) if isinstance(value, float) else str(value)


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not allowed")


def _compact(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


_JSON = json.JSONDecoder(parse_constant=_reject_constant)
_CACHE_LIMIT = 4096  # distinct keys / key sets remembered per file (bounded memory)


class _JsonFields:
    """Turns a decoded JSON object into ``(fields, arrays, error)``.

    Remembers, per distinct key sequence (a file usually has one), the normalised names and
    the sorted extra keys, so that the common all-text object is converted at C speed."""

    def __init__(self, known: frozenset[str], list_fields: frozenset[str]) -> None:
        self.known = known
        self.list_fields = list_fields
        self._plans: dict[tuple[str, ...], tuple[list[str], list[str], bool]] = {}

    def _plan(self, keys: tuple[str, ...]) -> tuple[list[str], list[str], bool]:
        plan = self._plans.get(keys)
        if plan is None:
            names = [_norm_key(key) or f"column_{i}" for i, key in enumerate(keys, 1)]
            extra = sorted(name for name in names if name not in self.known)
            plan = (names, extra, len(set(names)) == len(names))
            if len(self._plans) < _CACHE_LIMIT:
                self._plans[keys] = plan
        return plan

    def __call__(
        self, obj: dict[str, object], line: str
    ) -> tuple[Fields, Arrays, list[str], str | None]:
        if "\\u" in line and _SURROGATE_ESCAPE.search(line):
            error = _check_surrogates(obj)
            if error is not None:
                record_id = obj.get("id")
                fields = {"id": record_id} if isinstance(record_id, str) else {}
                return fields, _NO_ARRAYS, [], error
        names, extra, unique = self._plan(tuple(obj))
        values = obj.values()
        if unique and set(map(type, values)) == _ONLY_STR:
            texts = cast("Iterable[str]", values)  # every value is a str: checked above
            if "\\u0000" in line:
                texts = (text.replace("\x00", "") for text in texts)
            fields = dict(zip(names, map(str.strip, texts), strict=True))
            arrays = _NO_ARRAYS
            error = None
        else:
            fields, arrays, error = self._convert(names, values)
        if error is None and len(line) > MAX_FIELD_CHARS:
            error = _check_lengths(fields)  # a field that long needs a line that long
        return fields, arrays, extra, error

    def _convert(
        self, names: list[str], values: Iterable[object]
    ) -> tuple[Fields, Arrays, str | None]:
        fields: Fields = {}
        arrays: Arrays = {}
        for name, value in zip(names, values, strict=True):
            if name in fields:
                return fields, arrays, f"{name}: appears twice"
            if isinstance(value, str):
                fields[name] = value.replace("\x00", "").strip()
            elif value is None:
                fields[name] = ""
            elif isinstance(value, bool):
                return (
                    fields,
                    arrays,
                    f"{name}: expected text or a number, got {str(value).lower()}",
                )
            elif isinstance(value, int | float):
                fields[name] = _json_number(value)
            elif isinstance(value, list) and name in self.list_fields:
                arrays[name] = value
                fields[name] = ""
                if len(_compact(value)) > MAX_FIELD_CHARS:
                    return fields, arrays, f"{name}: longer than {MAX_FIELD_CHARS} characters"
            elif isinstance(value, list | dict) and name not in self.known:
                fields[name] = _compact(value).replace("\x00", "")
            else:
                return fields, arrays, f"{name}: expected text, got a {_json_type(value)}"
        return fields, arrays, None


_ONLY_STR = {str}

# A lone UTF-16 surrogate can only come from a JSON ``\\uD800``-style escape (a UTF-8 file
# cannot hold one, and a valid escaped pair decodes to one character). It is not text: it
# cannot be encoded, normalised or written, so the row is rejected before it reaches the core.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]", re.ASCII)
_SURROGATE = re.compile("[\ud800-\udfff]")


def _escaped(text: str) -> str:
    """``text`` with lone surrogates written as ``\\udXXX`` (safe to print and encode)."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _check_surrogates(obj: dict[str, object]) -> str | None:
    """The first key or value of a JSON object holding a lone surrogate, as a row error."""
    for key, value in obj.items():
        text = value if isinstance(value, str) else _compact(value)
        found = _SURROGATE.search(key) or _SURROGATE.search(text)
        if found is not None:
            code = f"U+{ord(found.group()):04X}"
            return (
                f"{_escaped(_norm_key(key))}: holds a lone surrogate ({code}, from a JSON "
                "\\u escape), which is not Unicode text; escape both halves of a pair or "
                "remove it"
            )
    return None


def _json_type(value: object) -> str:
    if isinstance(value, list):
        return "JSON array"
    if isinstance(value, dict):
        return "JSON object"
    if isinstance(value, str):
        return "JSON string"
    if value is None:
        return "JSON null"
    return "JSON " + type(value).__name__


def _jsonl_results(path: Path, scan: _Scan, kind: _Kind[_T, _R]) -> Iterator[_R]:
    finish = _Finisher(kind)
    convert = _JsonFields(kind.known, kind.list_fields)
    decode = _JSON.decode
    with path.open("r", encoding="utf-8-sig", newline="") as handle:
        lines = enumerate(_Lines(handle, scan.has_nul), 1)
        while True:
            try:
                number, line = next(lines)
            except StopIteration:
                return
            except UnicodeDecodeError:  # the file changed after it was checked
                raise InputFileError(path, "not valid UTF-8; save the file as UTF-8") from None
            if not line.strip():
                continue
            if line.startswith(_SENTINEL):
                yield finish.fail(number, _LONG_LINE)
                continue
            try:
                obj = decode(line)
            except (ValueError, RecursionError) as exc:
                yield finish.fail(number, f"invalid JSON: {str(exc)[:200]}")
                continue
            if not isinstance(obj, dict):
                yield finish.fail(number, f"expected a JSON object, got a {_json_type(obj)}")
                continue
            try:
                fields, arrays, extra_keys, error = convert(obj, line)
            except Exception as exc:  # a reader bug on odd input: this row fails, not the file
                yield finish.fail(number, f"row could not be read ({type(exc).__name__})")
                continue
            if error is not None:
                yield finish.fail(number, error, fields)
                continue
            yield finish(number, fields, arrays, extra_keys)


def _iter_records(path: Path, kind: _Kind[_T, _R]) -> Iterator[_R]:
    """Check the file (encoding, header) now; return the lazy stream of results."""
    path = Path(path)
    scan = _scan(path)
    if scan.fmt == "jsonl":
        return _jsonl_results(path, scan, kind)
    names, header_line = _csv_header(path, scan)
    for column in _REQUIRED:
        if column not in names:
            raise InputFileError(
                path,
                f"the header has no {column!r} column (it has: {', '.join(names)[:300]})",
                line=header_line,
                column=column,
            )
    return _csv_results(path, scan, kind)


_CUSTOMERS: _Kind[Party, RecordResult] = _Kind(
    known=_CUSTOMER_KNOWN,
    list_fields=_LIST_FIELDS,
    build=_build_party,
    result=RecordResult,
)
_DATA_CENTRES: _Kind[DataCentre, DataCentreResult] = _Kind(
    known=_DATA_CENTRE_KNOWN,
    list_fields=frozenset(),
    build=_build_data_centre,
    result=DataCentreResult,
)


# ---------------------------------------------------------------------------- public API
def iter_customers(path: Path) -> Iterator[RecordResult]:
    """The customer records of a CSV or JSON Lines file, in file order.

    Raises :class:`InputFileError` at once (before iteration) when the file cannot be read
    at all; every row-level problem is yielded as a :class:`RecordResult` with ``error`` set.
    """
    return _iter_records(path, _CUSTOMERS)


def iter_data_centres(path: Path) -> Iterator[DataCentreResult]:
    """The data-centre records of a CSV or JSON Lines file, in file order (see
    :func:`iter_customers` for the error behaviour)."""
    return _iter_records(path, _DATA_CENTRES)
