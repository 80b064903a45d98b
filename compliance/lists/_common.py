"""Small helpers shared by the list loaders: text cleaning, de-duplication, stable keys,
date normalisation, problem aggregation and line-aware JSON reading.

Nothing here knows about one particular list format.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

from compliance.errors import ListFormatError
from compliance.model import Alias, AliasKind, LoadProblem

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


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def json_error(path: Path, exc: json.JSONDecodeError, what: str = "JSON") -> ListFormatError:
    return ListFormatError(path, f"invalid {what}: {exc.msg} (column {exc.colno})", line=exc.lineno)


def load_json(path: Path, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise json_error(path, exc) from None


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
        yield line_of(text, start), item
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
        try:
            yield number, json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ListFormatError(
                path, f"invalid JSON: {exc.msg} (column {exc.colno})", line=number
            ) from None


def slug(text: str) -> str:
    """A source-name fragment: lower case, runs of other characters as one ``-``."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "list"
