"""A provider's own restricted-party list ("custom" format): CSV or JSON.

This docstring is the format's reference; ``docs/custom-list-format.md`` repeats it with a
worked example.

File shapes
-----------

* **CSV**: UTF-8 (a BOM is allowed), comma-separated, RFC 4180 quoting (a value holding a
  comma, a quote or a line break is written in double quotes, a quote inside doubled ``""``),
  one header row, then one row per entry. Blank lines are skipped.
* **JSON**: an array of objects (``[{...}, {...}]``), or **JSON lines**: one object per line
  (blank lines skipped). Told apart by the first character (``[`` or ``{``).

Columns (JSON keys)
-------------------

Names are case-insensitive; surrounding spaces are ignored.

===============  ========  ==================================================================
column           required  meaning
===============  ========  ==================================================================
``id``           yes       the entry's id, unique within the file (the stable key)
``name``         yes       the primary name
``aliases``      no        other names, ``;``-separated (JSON: a list or a ``;`` string).
                           Prefix ``weak:`` for a weak alias (a match on it alone is weaker
                           evidence), ``fka:`` for a former name, ``nka:`` for a new name,
                           ``aka:`` (the default) for an ordinary alias
``type``         no        ``organization``, ``person``, ``vessel`` or ``aircraft``
                           (empty: unknown)
``countries``    no        ``;``-separated ISO 3166 alpha-2 codes or English country names;
                           stored as alpha-2
``addresses``    no        ``;``-separated address texts
``program``      no        ``;``-separated program / reason labels (``programs`` is accepted)
``outcome``      no        what a confirmed hit means: ``clear``, ``review``,
                           ``license_required`` or ``prohibited``
``notes``        no        free text, kept as the entry's remarks
``list``         no        a list code for the entry (default ``INTERNAL``)
(any other)      no        kept with the entry as an extra field (non-empty values only)
===============  ========  ==================================================================

Errors
------

Every problem is a :class:`~compliance.errors.ListFormatError` naming the file, the line (the
line a CSV row or a JSON object starts on) and the column: a missing ``id``/``name`` column or
value, a duplicate ``id`` (naming both lines), an unknown country, type or outcome, a row with a
different number of columns than the header, invalid JSON. Nothing is loaded from a file with
an error.

The source name defaults to ``internal-<file stem>``.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from compliance.countries import to_iso2
from compliance.errors import ListFormatError
from compliance.lists._common import (
    Problems,
    build_aliases,
    clean,
    csv_records,
    iter_json_array,
    json_line,
    name_stats,
    slug,
    split_multi,
    unique,
)
from compliance.lists.reading import decode_text, read_bytes
from compliance.model import Address, Alias, AliasKind, EntityType, ListEntry, Outcome, ParsedList

FORMAT = "custom"
DEFAULT_LIST_CODE = "INTERNAL"

KNOWN_COLUMNS = (
    "id",
    "name",
    "aliases",
    "type",
    "countries",
    "addresses",
    "program",
    "outcome",
    "notes",
    "list",
)
_SYNONYMS = {"programs": "program"}

_TYPES = {
    "organization": EntityType.ORGANIZATION,
    "organisation": EntityType.ORGANIZATION,
    "person": EntityType.PERSON,
    "vessel": EntityType.VESSEL,
    "aircraft": EntityType.AIRCRAFT,
    "": EntityType.UNKNOWN,
}
_ALIAS_PREFIXES = {
    "weak:": AliasKind.WEAK,
    "fka:": AliasKind.FKA,
    "nka:": AliasKind.NKA,
    "aka:": AliasKind.AKA,
}

Record = dict[str, Any]


def _column_name(raw: str) -> str:
    name = clean(raw).lstrip("\ufeff").casefold()
    return _SYNONYMS.get(name, name)


# --------------------------------------------------------------------------------------------
# Reading records: (line, {column: value}) with lower-cased column names


def _csv_records(path: Path, text: str) -> Iterator[tuple[int, Record]]:
    unbalanced = text.count('"') % 2 == 1
    rows = csv_records(path, text)
    if not rows:
        raise ListFormatError(path, "no header row", line=1)
    header_line, raw_header = rows[0]
    header = [_column_name(h) for h in raw_header]
    for position, column in enumerate(header):
        if not column:
            raise ListFormatError(
                path, f"empty column name in the header (column {position + 1})", line=header_line
            )
    repeated = [c for c, n in Counter(header).items() if n > 1]
    if repeated:
        raise ListFormatError(
            path,
            f"column {repeated[0]!r} appears twice in the header",
            line=header_line,
            field=repeated[0],
        )
    for column in ("id", "name"):
        if column not in header:
            raise ListFormatError(
                path, f"missing required column {column!r}", line=header_line, field=column
            )
    if unbalanced:
        line, row = rows[-1]
        raise ListFormatError(
            path,
            "the file ends inside a quoted value: an unbalanced quote or a truncated file",
            line=line,
            field=header[min(len(row), len(header)) - 1],
        )
    width = len(header)
    for line, row in rows[1:]:
        if len(row) != width:
            column = header[len(row)] if len(row) < width else f"(column {width + 1})"
            raise ListFormatError(
                path,
                f"expected {width} columns as in the header, found {len(row)}",
                line=line,
                field=column,
            )
        yield line, dict(zip(header, row, strict=True))


def _json_records(path: Path, text: str) -> Iterator[tuple[int, Record]]:
    first = text.lstrip()[:1]
    items = iter_json_array(path, text) if first == "[" else _json_lines(path, text)
    for line, item in items:
        if not isinstance(item, dict):
            raise ListFormatError(
                path, f"expected a JSON object, found {type(item).__name__}", line=line
            )
        record: Record = {}
        for raw_key, value in item.items():
            column = _column_name(str(raw_key))
            if column in record:
                raise ListFormatError(
                    path,
                    f"key {column!r} given twice (keys are case-insensitive)",
                    line=line,
                    field=column,
                )
            record[column] = value
        yield line, record


def _json_lines(path: Path, text: str) -> Iterator[tuple[int, Any]]:
    pretty = text.lstrip().split("\n", 1)[0].strip() == "{"
    hint = (
        "; JSON lines need one whole object per line (for a pretty-printed file, put the "
        "objects in a JSON array)"
        if pretty
        else ""
    )
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        yield number, json_line(path, number, raw, hint)


# --------------------------------------------------------------------------------------------
# Values


def _text(path: Path, line: int, column: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return clean(value)
    raise ListFormatError(
        path, f"expected text, found {type(value).__name__}", line=line, field=column
    )


def _many(path: Path, line: int, column: str, value: Any) -> list[str]:
    if isinstance(value, list):
        out: list[str] = []
        for item in value:
            out.extend(split_multi(_text(path, line, column, item)))
        return out
    return split_multi(_text(path, line, column, value))


def _extra_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, list):
        return "; ".join(clean(v) if isinstance(v, str) else json.dumps(v) for v in value)
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _alias(text: str) -> Alias:
    lowered = text.casefold()
    for prefix, kind in _ALIAS_PREFIXES.items():
        if lowered.startswith(prefix):
            return Alias(clean(text[len(prefix) :]), kind)
    return Alias(text)


def _entry(path: Path, line: int, record: Record) -> ListEntry:
    def text(column: str) -> str:
        return _text(path, line, column, record.get(column))

    def many(column: str) -> list[str]:
        return _many(path, line, column, record.get(column))

    key = text("id")
    if not key:
        raise ListFormatError(path, "empty id", line=line, field="id")
    name = text("name")
    if not name:
        raise ListFormatError(path, "empty name", line=line, field="name")

    type_text = text("type").casefold()
    entity_type = _TYPES.get(type_text)
    if entity_type is None:
        raise ListFormatError(
            path,
            f"unknown type {text('type')!r}; expected organization, person, vessel or aircraft",
            line=line,
            field="type",
        )

    countries: list[str] = []
    for country in many("countries"):
        code = to_iso2(country)
        if code is None or len(code) != 2:
            raise ListFormatError(
                path,
                f"unknown country {country!r}; give an ISO 3166 alpha-2 code or an English name",
                line=line,
                field="countries",
            )
        countries.append(code)

    outcome_text = text("outcome").casefold().replace("-", "_").replace(" ", "_")
    outcome: Outcome | None = None
    if outcome_text:
        try:
            outcome = Outcome(outcome_text)
        except ValueError:
            raise ListFormatError(
                path,
                f"unknown outcome {text('outcome')!r}; expected clear, review, "
                "license_required or prohibited",
                line=line,
                field="outcome",
            ) from None

    aliases = build_aliases(name, (_alias(a) for a in many("aliases")))
    extra = tuple(
        (column, _extra_text(value))
        for column, value in record.items()
        if column not in KNOWN_COLUMNS and _extra_text(value)
    )
    return ListEntry(
        key=key,
        name=name,
        entity_type=entity_type,
        list_code=text("list") or DEFAULT_LIST_CODE,
        aliases=aliases,
        programs=unique(many("program")),
        countries=unique(countries),
        addresses=tuple(Address(a) for a in unique(many("addresses"))),
        remarks=_text(path, line, "notes", record.get("notes")) or None,
        declared_outcome=outcome,
        extra=extra,
    )


# --------------------------------------------------------------------------------------------
# Loader contract


def parse(paths: Sequence[Path]) -> ParsedList:
    if not paths:
        raise ListFormatError("(no file)", "no list file given")
    problems = Problems(paths[0])
    stats: Counter[str] = Counter()
    entries: list[ListEntry] = []
    first_seen: dict[str, tuple[Path, int]] = {}
    for path in paths:
        text = decode_text(path, read_bytes(path))
        head = text.lstrip()[:1]
        records = _json_records(path, text) if head in ("[", "{") else _csv_records(path, text)
        for line, record in records:
            entry = _entry(path, line, record)
            seen = first_seen.get(entry.key)
            if seen is not None:
                where = f"line {seen[1]}" if seen[0] == path else f"{seen[0]}, line {seen[1]}"
                raise ListFormatError(
                    path, f"duplicate id {entry.key!r} (first on {where})", line=line, field="id"
                )
            first_seen[entry.key] = (path, line)
            entries.append(entry)
            stats["rows"] += 1
    if not entries:
        raise ListFormatError(paths[0], "the file holds no entries")
    stats["entries"] = len(entries)
    return ParsedList(
        format=FORMAT,
        entries=tuple(entries),
        published=None,
        problems=problems.as_tuple(),
        stats=dict(sorted({**stats, **name_stats(entries)}.items())),
    )


def default_source(paths: Sequence[Path]) -> str:
    stem = paths[0].stem if paths else "list"
    return f"internal-{slug(stem)}"
