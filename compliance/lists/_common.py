"""Small helpers shared by the list loaders: text cleaning, de-duplication, stable keys,
date normalisation, problem aggregation, line-aware JSON reading (refusing nesting deeper than
:data:`MAX_JSON_DEPTH`, C0 controls and lone surrogates) and splitting packed name fields.

Nothing here knows about one particular list format.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from compliance.errors import ListFormatError
from compliance.model import Alias, AliasKind, ListEntry, LoadProblem

# Official list files carry long fields (OFAC remarks, CSL ids); the csv module's default
# limit of 128 KiB per field would turn a truncated file into a misleading "field larger than
# field limit" error. 16 MiB is far above any real field.
csv.field_size_limit(max(csv.field_size_limit(), 16 * 1024 * 1024))


def clean(value: object) -> str:
    """A single-line text value: ``None`` -> ``""``, whitespace runs collapsed, ends stripped."""
    if not value:
        return ""
    text = value if isinstance(value, str) else str(value)
    return " ".join(text.split())


_C1 = re.compile("[\x80-\x9f]")


def _cp1252(match: re.Match[str]) -> str:
    return bytes([ord(match.group())]).decode("cp1252", errors="replace")


def repair_c1(text: str) -> str:
    """C1 control characters (U+0080-U+009F) are Windows-1252 punctuation that went through
    a Latin-1 decode somewhere upstream (``Xi\x92an``); map them back (``Xi’an``)."""
    return _C1.sub(_cp1252, text) if _C1.search(text) else text


def split_multi(value: str, sep: str = ";") -> list[str]:
    """Split a ``sep``-joined multi-value cell; pieces are cleaned, empty pieces dropped."""
    if not value:
        return []
    return [piece for piece in (clean(p) for p in value.split(sep)) if piece]


def unique(values: Iterable[str | None]) -> tuple[str, ...]:
    """Order-preserving de-duplication that also drops empty values."""
    seen: dict[str, None] = {}
    for value in values:
        if value and value not in seen:
            seen[value] = None
    return tuple(seen)


def norm_text(value: str) -> str:
    """The comparison form used inside derived keys: whitespace collapsed, case folded."""
    return clean(value).casefold()


def short_hash(*parts: str) -> str:
    """16 hex digits of SHA-1 over the parts joined by U+001F (a stable, derived key)."""
    payload = "\x1f".join(parts).encode("utf-8")
    return hashlib.sha1(payload, usedforsecurity=False).hexdigest()[:16]


def build_aliases(name: str, candidates: Iterable[Alias]) -> tuple[Alias, ...]:
    """Drop empty aliases, aliases equal to the primary name and repeats (compared case-
    insensitively, first kind wins)."""
    seen = {name.casefold()}
    out: list[Alias] = []
    for alias in candidates:
        text = clean(alias.name)
        folded = text.casefold()
        if not text or folded in seen:
            continue
        seen.add(folded)
        out.append(alias if text == alias.name else Alias(text, alias.kind))
    return tuple(out)


_EMBEDDED = re.compile(
    r"""(?:\(\s*(?P<pk>[af])(?:\.\s?k\.\s?a\.|ka\b),?\s*(?P<paren>[^()]*(?:\([^()]*\)[^()]*)*)\)"""
    r"""|,\s*(?P<ik>[af])\.k\.a\.,?\s*(?P<inline>.+)$)""",
    re.IGNORECASE,
)


def embedded_aliases(text: str) -> list[Alias]:
    """Alternative names written inside a name: ``X (f.k.a. Y)``, ``X, a.k.a. Y``.

    The text itself is left alone by the caller; this only returns the extra names (``Y``),
    as FKA for ``f.k.a.`` and AKA for ``a.k.a.``.
    """
    found: list[Alias] = []
    for match in _EMBEDDED.finditer(text):
        kind_letter = match.group("pk") or match.group("ik") or "a"
        inner = clean(match.group("paren") or match.group("inline") or "").strip(" ,;")
        if inner:
            kind = AliasKind.FKA if kind_letter.lower() == "f" else AliasKind.AKA
            found.append(Alias(inner, kind))
    return found


_SUCCESSOR = re.compile(
    r"[;,]?\s+and\s+(?:any|all)\s+(?:of\s+its\s+)?successors?\b.*$", re.IGNORECASE
)


def strip_successor(text: str) -> str:
    """``X; and any successor, sub-unit, or subsidiary thereof`` -> ``X`` (the ISN's legal
    qualifier is not part of the name; a query for ``X`` alone must find the entry)."""
    match = _SUCCESSOR.search(text)
    return clean(text[: match.start()]).rstrip(" ,;") if match and match.start() > 0 else text


def strip_embedded(text: str) -> str:
    """``X, f.k.a., Y`` -> ``X`` (only the trailing inline form; parentheses are kept)."""
    match = re.search(r",\s*[af]\.k\.a\.,?\s*.+$", text, re.IGNORECASE)
    return clean(text[: match.start()]) if match else text


_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
    )
}
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?$")
_US = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_LONG = re.compile(r"^([A-Za-z]{3,9})\.? (\d{1,2}),? (\d{4})$")  # June 21, 2022
_DMY = re.compile(r"^(\d{1,2}) ([A-Za-z]{3,9})\.? (\d{4})$")  # 21 Jun 2022


def iso_date(text: str | None) -> str | None:
    """``YYYY-MM-DD`` for the date spellings seen in US list files, else ``None``.

    Accepts ISO dates (a time part is dropped), ``MM/DD/YYYY``, ``June 21, 2022`` and
    ``21 Jun 2022``. An impossible date (02/30/2020) is ``None``.
    """
    value = clean(text)
    if not value:
        return None
    year: int
    month: int | None
    day: int
    if m := _ISO.match(value):
        year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
    elif m := _US.match(value):
        year, month, day = int(m.group(3)), int(m.group(1)), int(m.group(2))
    elif m := _LONG.match(value):
        year, month, day = int(m.group(3)), _MONTHS.get(m.group(1)[:3].lower()), int(m.group(2))
    elif m := _DMY.match(value):
        year, month, day = int(m.group(3)), _MONTHS.get(m.group(2)[:3].lower()), int(m.group(1))
    else:
        return None
    if month is None:
        return None
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def iso_day(timestamp: str | None) -> str | None:
    """The calendar day of an ISO timestamp or date (``2023-11-17T10:00:00-05:00``)."""
    value = clean(timestamp)
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        return iso_date(value)


class Problems:
    """Collects :class:`LoadProblem` values; repeats of one (file, kind, message) are counted
    once, keeping the first line they were seen at."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self._items: dict[tuple[str, str, str], LoadProblem] = {}

    def add(
        self, kind: str, message: str, *, line: int | None = None, path: Path | str | None = None
    ) -> None:
        where = self.path if path is None else str(path)
        key = (where, kind, message)
        found = self._items.get(key)
        if found is None:
            self._items[key] = LoadProblem(where, kind, message, line=line)
        else:
            self._items[key] = LoadProblem(
                where, kind, message, line=found.line, count=found.count + 1
            )

    def __iter__(self) -> Iterator[LoadProblem]:
        return iter(self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def as_tuple(self) -> tuple[LoadProblem, ...]:
        return tuple(self._items.values())


def csv_records(
    path: Path,
    text: str,
    *,
    delimiter: str = ",",
    strict: bool | None = None,
    what: str = "CSV",
    blank_fields: bool = False,
) -> list[tuple[int, list[str]]]:
    """(first line, record) of every record with a non-blank cell (``blank_fields``: of every
    non-empty line, a row of empty fields included, for an official file's loader to refuse as
    damage; a user's spreadsheet export ends in such rows); a reader error becomes a
    :class:`ListFormatError` naming its line. ``strict`` None: strict unless the text holds an
    odd number of quotes, when the reader reads on and the caller reports the unbalanced quote
    where it knows the field."""
    if strict is None:
        strict = text.count('"') % 2 == 0
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=strict)
    out: list[tuple[int, list[str]]] = []
    previous = 0
    try:
        for record in reader:
            start, previous = previous + 1, reader.line_num
            if (record and record != [""]) if blank_fields else any(c.strip() for c in record):
                out.append((start, record))
    except csv.Error as exc:
        raise ListFormatError(path, f"malformed {what}: {exc}", line=previous + 1) from None
    return out


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def json_error(path: Path, exc: json.JSONDecodeError, what: str = "JSON") -> ListFormatError:
    return ListFormatError(path, f"invalid {what}: {exc.msg} (column {exc.colno})", line=exc.lineno)


# Deeper than any list format needs; far below the decoder's recursion limit.
MAX_JSON_DEPTH = 64
# A C0 control (not tab, LF, CR) or a lone surrogate: JSON escapes can smuggle both into text.
_BAD_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')
_ESCAPE = re.compile(r"(?<!\\)(?:\\\\)*\\u([0-9a-fA-F]{4})")


def _too_deep_line(text: str) -> int | None:
    """The line where ``text``'s brackets first nest deeper than :data:`MAX_JSON_DEPTH`."""
    depth = 0
    for token in _TOKEN.finditer(text):
        mark = token.group()
        if mark in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return line_of(text, token.start())
        elif mark in "]}":
            depth -= 1
    return None


def too_deep(path: Path, text: str, line: int | None = None) -> ListFormatError:
    return ListFormatError(
        path,
        f"JSON nested deeper than {MAX_JSON_DEPTH} levels; refusing to parse",
        line=line if line is not None else _too_deep_line(text),
    )


def _escape_line(text: str, char: str) -> int | None:
    """The line of the first ``\\uXXXX`` escape in ``text`` that decodes to ``char`` alone."""
    code = ord(char)
    for match in _ESCAPE.finditer(text):
        if int(match.group(1), 16) != code:
            continue
        after = text[match.end() : match.end() + 6]
        if 0xD800 <= code < 0xDC00 and re.match(r"\\u[dD][c-fC-F]", after):
            continue  # the high half of a valid pair
        before = text[max(0, match.start() - 6) : match.start()]
        if 0xDC00 <= code < 0xE000 and re.fullmatch(r"\\u[dD][89abAB][0-9a-fA-F]{2}", before):
            continue  # the low half of a valid pair
        return line_of(text, match.start())
    return None


def bad_text_message(char: str) -> str:
    code = ord(char)
    what = "a lone surrogate" if 0xD800 <= code < 0xE000 else "control character"
    return (
        f"{what} U+{code:04X} in a text value; "
        "the file is refused (a list is never altered silently)"
    )


def check_json(
    path: Path, data: Any, *, text: str = "", line: int | None = None, where: str = ""
) -> None:
    """Refuse decoded JSON nesting deeper than :data:`MAX_JSON_DEPTH` or holding a C0 control
    (other than tab, CR, LF) or a lone surrogate in a key or string. Iterative (no recursion).

    ``line`` is the value's line when known, else it is looked up in ``text``; ``where`` is
    the value's JSON path, named as the field.
    """
    stack: list[tuple[Any, str, int]] = [(data, where, 0)]
    while stack:
        value, at, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise too_deep(path, text, line)
        if isinstance(value, str):
            if bad := _BAD_TEXT.search(value):
                found = line if line is not None else _escape_line(text, bad.group())
                raise ListFormatError(
                    path, bad_text_message(bad.group()), line=found, field=at or None
                )
        elif isinstance(value, dict):
            for key in reversed(list(value)):
                here = f"{at}.{key}" if at else str(key)
                if bad := _BAD_TEXT.search(str(key)):
                    found = line if line is not None else _escape_line(text, bad.group())
                    raise ListFormatError(
                        path, bad_text_message(bad.group()), line=found, field=here
                    )
                stack.append((value[key], here, depth + 1))
        elif isinstance(value, list):
            stack.extend(
                (item, f"{at}[{i}]", depth + 1) for i, item in reversed(list(enumerate(value)))
            )


def load_json(path: Path, text: str) -> Any:
    """Decode a whole JSON document and :func:`check_json` it."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise json_error(path, exc) from None
    except RecursionError:
        raise too_deep(path, text) from None
    check_json(path, data, text=text)
    return data


def json_line(path: Path, number: int, raw: str, hint: str = "") -> Any:
    """One line of a JSON-lines file, decoded and checked."""
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ListFormatError(
            path, f"invalid JSON: {exc.msg} (column {exc.colno}){hint}", line=number
        ) from None
    except RecursionError:
        raise too_deep(path, raw, number) from None
    check_json(path, value, line=number)
    return value


_DECODER = json.JSONDecoder()
_WS_CHARS = " \t\r\n"


def _skip_ws(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _WS_CHARS:
        pos += 1
    return pos


def iter_json_array(path: Path, text: str) -> Iterator[tuple[int, Any]]:
    """The items of a top-level JSON array, each with the line its value starts on."""
    pos = _skip_ws(text, 0)
    if pos >= len(text) or text[pos] != "[":
        raise ListFormatError(path, "expected a JSON array", line=line_of(text, pos))
    pos = _skip_ws(text, pos + 1)
    if pos < len(text) and text[pos] == "]":
        pos = _skip_ws(text, pos + 1)
        if pos < len(text):
            raise ListFormatError(path, "text after the JSON array", line=line_of(text, pos))
        return
    while True:
        start = pos
        try:
            item, pos = _DECODER.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise json_error(path, exc) from None
        except RecursionError:
            raise too_deep(path, text) from None
        line = line_of(text, start)
        check_json(path, item, line=line)
        yield line, item
        pos = _skip_ws(text, pos)
        if pos >= len(text):
            raise ListFormatError(
                path, "the JSON array is not closed (truncated file?)", line=line_of(text, pos)
            )
        if text[pos] == ",":
            pos = _skip_ws(text, pos + 1)
            continue
        if text[pos] == "]":
            pos = _skip_ws(text, pos + 1)
            if pos < len(text):
                raise ListFormatError(path, "text after the JSON array", line=line_of(text, pos))
            return
        raise ListFormatError(
            path,
            f"expected ',' or ']' in the JSON array, found {text[pos]!r}",
            line=line_of(text, pos),
        )


def iter_json_lines(path: Path, text: str) -> Iterator[tuple[int, Any]]:
    """JSON lines: one JSON value per line; blank lines are skipped."""
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        yield number, json_line(path, number, raw)


def slug(text: str) -> str:
    """A source-name fragment: lower case, runs of other characters as one ``-``."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "list"


# ------------------------------------------------------------------------- packed names
# A ";" separates names when followed by a space, a dash or the end ("X; Y", "X;—Y", "X;"),
# never inside a word or quote ("Center 'Zvezdochka;'") or inside parentheses.
_NAME_SEP = re.compile(r";(?=[\s\u2014\u2013-]|$)")
# Enumerated items inside one field: "a) X b) Y", "i) X; ii) Y".
_ENUMERATOR = re.compile(r"(?:^|(?<=\s))(?:[a-h]|i{1,3}|iv|vi{0,3}|ix|x)\)\s+")
_ANNOTATION = re.compile(r"\s*\((?:original script|in original script)\)$", re.IGNORECASE)
_AKA_PREFIX = re.compile(
    r"^(?:(?P<f>f\.?\s?k\.?\s?a\.?|formerly known as)|a\.?\s?k\.?\s?a\.?|also known as)[\s:,]+",
    re.IGNORECASE,
)
_CONTINUATION = re.compile(
    r"^(?:(?:and|or)\b|\(|(?:inc|ltd|llc|co|corp|limited|company|gmbh|plc|s\.?a)\.?$)",
    re.IGNORECASE,
)


def _packed_tail(piece: str) -> tuple[str, str] | None:
    """``X (A; B; C)`` -> (``X``, ``A; B; C``): a parenthesised tail holding ``;`` lists more
    spellings of X. Found by counting parentheses back from the end (linear, no regex)."""
    if not piece.endswith(")"):
        return None
    depth = 0
    for i in range(len(piece) - 1, -1, -1):
        if piece[i] == ")":
            depth += 1
        elif piece[i] == "(":
            depth -= 1
            if depth == 0:
                inner = piece[i + 1 : -1]
                return (piece[:i].rstrip(), inner) if ";" in inner else None
    return None


def _split_top(text: str, pattern: re.Pattern[str]) -> list[str]:
    """Split ``text`` at ``pattern`` matches that lie outside parentheses (one pass)."""
    scanner = re.compile(rf"(?P<open>\()|(?P<close>\))|(?P<cut>{pattern.pattern})")
    pieces: list[str] = []
    depth = 0
    start = 0
    for match in scanner.finditer(text):
        if match.group("open") is not None:
            depth += 1
        elif match.group("close") is not None:
            depth = max(0, depth - 1)
        elif depth == 0:
            pieces.append(text[start : match.start()])
            start = match.end()
    pieces.append(text[start:])
    return pieces


def split_names(text: str) -> list[Alias]:
    """The names packed into one name field, in order, as AKA unless prefixed ``f.k.a.``.

    Splits at ``;`` outside parentheses and at enumerators (``a) X b) Y``); a parenthesised
    tail holding ``;`` (``أبو بكر (Abu Bakr; Abu Bakr al-Baghdadi)``) gives the head and each
    inner name; ``(original script)`` and ``a.k.a.`` prefixes are dropped. A piece that only
    continues the previous one (``; and ...``, ``; (all of preceding ...)``) is not a name of
    its own, and a one-word piece may be part of a name the ``;`` broke (``Yuliya Leonidovna;
    Molkova-Polyukh``): the whole text is then kept as well, so nothing is lost. A field
    holding one name is returned exactly as given.
    """
    value = clean(text)
    if not value or (";" not in value and ")" not in value):
        return [Alias(text)] if value else []
    out: list[Alias] = []
    continued = False
    for part in _split_top(value, _NAME_SEP):
        for piece in _split_top(part, _ENUMERATOR):
            piece = clean(piece).strip(" ,\u2014\u2013-")
            if not piece:
                continue
            if out and _CONTINUATION.match(piece):
                if piece.casefold() not in ("and", "or"):
                    continued = True
                continue
            if (tail := _packed_tail(piece)) is not None:
                head, inner = tail
                candidates = [head, *(clean(p) for p in _split_top(inner, _NAME_SEP))]
            else:
                candidates = [piece]
            for candidate in candidates:
                candidate = _ANNOTATION.sub("", clean(candidate))
                kind = AliasKind.AKA
                if prefix := _AKA_PREFIX.match(candidate):
                    kind = AliasKind.FKA if prefix.group("f") else AliasKind.AKA
                    candidate = candidate[prefix.end() :]
                if candidate:
                    out.append(Alias(candidate, kind))
    parts = [p for p in (clean(q) for q in _split_top(value, _NAME_SEP)) if p]
    parts = [p for p in parts if not _CONTINUATION.match(p)]
    if len(parts) > 1 and any(" " not in p for p in parts):
        continued = True  # a one-word piece may be a broken-off part of one name
    if continued:
        out.append(Alias(value))
    if not out or (len(out) == 1 and out[0] == Alias(value)):
        return [Alias(text)]  # one name: returned exactly as given
    return out


def name_stats(entries: Sequence[ListEntry], unpacked: int = 0) -> dict[str, int]:
    """Per-field counters for ``ParsedList.stats``: ``names`` (primary names plus aliases) and
    ``names_unpacked`` (names gained by splitting packed fields)."""
    counts = {"names": sum(1 + len(e.aliases) for e in entries)}
    if unpacked:
        counts["names_unpacked"] = unpacked
    return counts
