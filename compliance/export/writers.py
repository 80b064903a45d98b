"""Screening result writers: JSON Lines (the reference form), CSV and XLSX (flattened).

Input is an iterable of result dicts shaped like the reference JSON Lines record of
ARCHITECTURE.md section 4 (``record_id``, ``kind``, ``decision``, ``matches``, ``rule_hits``,
``list_versions``, ``ruleset_version``, ``as_of``, ``screening_id``; a row that could not be
read has ``error`` and ``line`` instead of a decision). Every writer streams: one pass over the
results, constant memory (XLSX through openpyxl's write-only mode, which spools each sheet to
a temporary file).

Files are written to a temporary file beside the target and renamed into place at the end, so
a failure part-way never leaves a half-written result file behind.

Flat forms (CSV, the XLSX "Results" sheet) have one row per (record, match), in match order,
with ``match_rank`` 1, 2, ...; a record without matches has one row with the match columns
empty. A result's ``data_quality`` list (absent in older results) becomes one column of
``code (field)`` items joined with ``"; "``. Every text cell goes through
:func:`~compliance.export.cells.neutralise_cell` (formula-injection defence); numbers
(``line``, ``match_rank``, ``score``) stay numbers, and CSV quotes every text field.
"""

from __future__ import annotations

import contextlib
import csv
import math
import os
import re
import secrets
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime
from enum import Enum
from pathlib import Path
from typing import IO, Any

from compliance.decision import Decision
from compliance.errors import BadInputError
from compliance.export.cells import neutralise_cell
from compliance.jsontext import dumps as _dumps

__all__ = [
    "RESULT_COLUMNS",
    "OutputFileError",
    "explain_features",
    "flatten_result",
    "write_csv",
    "write_jsonl",
    "write_results",
    "write_xlsx",
]

RESULT_COLUMNS: tuple[str, ...] = (
    "record_id",
    "kind",
    "decision",
    "error",
    "line",
    "match_rank",
    "list",
    "program",
    "entry_id",
    "entry_name",
    "matched_name",
    "query_name",
    "score",
    "match_status",
    "explanation",
    "rule_ids",
    "rule_reasons",
    "as_of",
    "screening_id",
    "list_versions",
    "ruleset_version",
    "data_quality",
)
"""The columns of the CSV file and of the XLSX "Results" sheet, in order."""

# Column widths (characters) for the XLSX "Results" sheet.
_WIDTHS: dict[str, float] = {
    "record_id": 14,
    "kind": 11,
    "decision": 17,
    "error": 40,
    "line": 7,
    "match_rank": 7,
    "list": 12,
    "program": 14,
    "entry_id": 14,
    "entry_name": 36,
    "matched_name": 36,
    "query_name": 30,
    "score": 8,
    "match_status": 10,
    "explanation": 70,
    "rule_ids": 24,
    "rule_reasons": 70,
    "as_of": 12,
    "screening_id": 20,
    "list_versions": 40,
    "ruleset_version": 20,
    "data_quality": 40,
}

XLSX_MAX_CELL_CHARS = 32_767  # Excel's limit for one cell
XLSX_MAX_ROWS = 1_048_576  # Excel's limit for one sheet, header included
_TRUNCATED = " [truncated]"


class OutputFileError(BadInputError):
    """The requested output file cannot be written (unknown extension, missing directory)."""

    code = "output_file"

    def __init__(self, path: Path | str, message: str) -> None:
        self.path = str(path)
        super().__init__(f"{self.path}: {message}")


# ------------------------------------------------------------------------------ helpers
def _text(value: object) -> str | None:
    """A text column's value: ``None`` stays empty, everything else becomes ``str``."""
    if value is None:
        return None
    if isinstance(value, str):
        return str(value)  # plain str, also for StrEnum members
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping | list | tuple):
        return _dumps(value)
    return str(value)


def _number(value: object) -> int | float | str | None:
    """A numeric column's value: numbers stay numbers, anything else becomes text."""
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    return _text(value)  # NaN/Infinity as text: a spreadsheet has no such number


def _format_score(score: object) -> str:
    if isinstance(score, float):
        return repr(round(score, 4))
    return str(score)


def explain_features(features: object) -> str:
    """``{"name": {"score": 0.93, "detail": "..."}, ...}`` as
    ``"name: 0.93 (...); country: 1.0 (...)"``."""
    if not features:
        return ""
    if not isinstance(features, Mapping):
        return str(features)
    parts: list[str] = []
    for name, feature in features.items():
        if isinstance(feature, Mapping):
            text = f"{name}: {_format_score(feature.get('score'))}"
            detail = feature.get("detail")
            if detail:
                text += f" ({detail})"
        else:
            text = f"{name}: {feature}"
        parts.append(text)
    return "; ".join(parts)


def _rule_ids(rule_hits: object) -> str:
    if not isinstance(rule_hits, list | tuple):
        return ""
    ids = [
        str(hit.get("rule_id"))
        for hit in rule_hits
        if isinstance(hit, Mapping) and hit.get("rule_id")
    ]
    return ";".join(ids)


def _rule_reasons(rule_hits: object) -> str:
    """Each fired rule as ``id -> outcome [basis; citation; unverified]: reason``."""
    if not isinstance(rule_hits, list | tuple):
        return ""
    parts = []
    for hit in rule_hits:
        if not isinstance(hit, Mapping) or not hit.get("rule_id"):
            continue
        tags = [str(hit.get("basis") or ""), str(hit.get("citation") or "")]
        if hit.get("verified") is False:
            tags.append("unverified")
        head = f"{hit['rule_id']} -> {hit.get('outcome')} [{'; '.join(t for t in tags if t)}]"
        parts.append(f"{head}: {hit.get('reason') or ''}")
    return " | ".join(parts)


def _data_quality(items: object) -> str | None:
    """``[{"code": "invisible_characters", "field": "name", ...}, ...]`` as
    ``"invisible_characters (name); ..."``; empty when the record has none (or no such key)."""
    if not items:
        return None
    if not isinstance(items, list | tuple):
        return _text(items)
    parts: list[str] = []
    for item in items:
        entry = _as_mapping(item)
        if not entry:
            parts.append(str(item))
            continue
        code = str(entry.get("code") or "")
        field = entry.get("field")
        parts.append(f"{code} ({field})" if field else code)
    return "; ".join(parts)


def _match_status(match: Mapping[str, Any]) -> str | None:
    """``exact``, ``potential``...; "exact, not in force: expired 2020-05-01, ..." for a
    matched entry that does not count on the screening date."""
    status = _text(match.get("status"))
    if match.get("in_force") is False:
        return f"{status}, not in force: {match.get('not_in_force')}"
    return status


def _as_mapping(value: object) -> Mapping[str, Any]:
    if isinstance(value, Mapping):
        return value
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        data = to_dict()
        if isinstance(data, Mapping):
            return data
    return {}


def flatten_result(result: Mapping[str, Any]) -> Iterator[list[object]]:
    """The flat rows (values in :data:`RESULT_COLUMNS` order, not yet neutralised) of one
    result: one per match, or one with empty match columns when there is none."""
    versions = result.get("list_versions")
    common_head: list[object] = [
        _text(result.get("record_id")),
        _text(result.get("kind")),
        _text(result.get("decision")),
        _text(result.get("error")),
        _number(result.get("line")),
    ]
    common_tail: list[object] = [
        _rule_ids(result.get("rule_hits")),
        _rule_reasons(result.get("rule_hits")),
        _text(result.get("as_of")),
        _text(result.get("screening_id")),
        _dumps(versions, sort_keys=True) if versions else None,
        _text(result.get("ruleset_version")),
        _data_quality(result.get("data_quality")),
    ]
    matches = result.get("matches") or ()
    if not isinstance(matches, list | tuple) or not matches:
        yield [*common_head, *([None] * 10), *common_tail]
        return
    for rank, raw_match in enumerate(matches, 1):
        match = _as_mapping(raw_match)
        yield [
            *common_head,
            rank,
            _text(match.get("list")),
            _text(match.get("program")),
            _text(match.get("entry_id")),
            _text(match.get("entry_name")),
            _text(match.get("matched_name")),
            _text(match.get("query_name")),
            _number(match.get("score")),
            _match_status(match),
            explain_features(match.get("features")),
            *common_tail,
        ]


@contextmanager
def _atomic(path: Path, mode: str) -> Iterator[IO[Any]]:
    """A new temporary file beside ``path`` (created with the usual permissions), renamed onto
    ``path`` when the block succeeds and removed when it fails."""
    directory = path.parent
    if not directory.is_dir():
        raise OutputFileError(path, f"directory {str(directory)!r} does not exist")
    tmp = directory / f".{path.name}.{secrets.token_hex(6)}.tmp"
    try:
        if "b" in mode:
            handle: IO[Any] = tmp.open(mode.replace("w", "x"))
        else:
            handle = tmp.open(mode.replace("w", "x"), encoding="utf-8", newline="")
        with handle:
            yield handle
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


# ------------------------------------------------------------------------------ writers
def write_jsonl(results: Iterable[Decision | Mapping[str, Any]], path: Path) -> int:
    """One compact JSON object per line (UTF-8, non-ASCII kept as is). Returns the number of
    records written. A decision's line is the text its worker made."""
    count = 0
    with _atomic(Path(path), "w") as handle:
        write = handle.write
        for result in results:
            write(result.json_text() if isinstance(result, Decision) else _dumps(result))
            write("\n")
            count += 1
    return count


def write_csv(results: Iterable[Mapping[str, Any]], path: Path) -> int:
    """The flat form as CSV (UTF-8, no BOM, header row, every text field quoted, numbers bare).
    Returns the number of records written (a record with several matches spans several rows)."""
    count = 0
    with _atomic(Path(path), "w") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_NONNUMERIC)
        writer.writerow(RESULT_COLUMNS)
        for result in results:
            for row in flatten_result(result):
                writer.writerow([neutralise_cell(value) for value in row])
            count += 1
    return count


def write_xlsx(
    results: Iterable[Mapping[str, Any]],
    path: Path,
    *,
    meta: Mapping[str, Any] | None = None,
) -> int:
    """The flat form as an Excel workbook: sheet "Results" (header frozen, auto-filter) and
    sheet "About" (``meta``: list versions, thresholds, as-of date...; plus the generation
    time and the counts). Returns the number of records written.

    Excel holds at most 1,048,576 rows per sheet: past that, the rows continue on
    "Results (2)", "Results (3)"... each with the same header."""
    from openpyxl import Workbook  # type: ignore[import-untyped, unused-ignore]
    from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped, unused-ignore]
    from openpyxl.styles import Font  # type: ignore[import-untyped, unused-ignore]
    from openpyxl.utils import get_column_letter  # type: ignore[import-untyped, unused-ignore]

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    last_column = get_column_letter(len(RESULT_COLUMNS))

    def header_cell(ws: Any, value: str) -> Any:
        cell = WriteOnlyCell(ws, value=value)
        cell.font = bold
        return cell

    def results_sheet(number: int) -> Any:
        ws = workbook.create_sheet("Results" if number == 1 else f"Results ({number})")
        for index, column in enumerate(RESULT_COLUMNS, 1):
            ws.column_dimensions[get_column_letter(index)].width = _WIDTHS.get(column, 16)
        ws.freeze_panes = "A2"
        ws.append([header_cell(ws, column) for column in RESULT_COLUMNS])
        return ws

    sheets = 1
    sheet = results_sheet(sheets)
    count = rows = in_sheet = 0
    try:
        for result in results:
            for row in flatten_result(result):
                if in_sheet == XLSX_MAX_ROWS - 1:
                    sheet.auto_filter.ref = f"A1:{last_column}{in_sheet + 1}"
                    sheets += 1
                    sheet = results_sheet(sheets)
                    in_sheet = 0
                sheet.append([_xlsx_value(value) for value in row])
                rows += 1
                in_sheet += 1
            count += 1
    except BaseException:
        _discard(workbook)
        raise
    sheet.auto_filter.ref = f"A1:{last_column}{in_sheet + 1}"

    about = workbook.create_sheet("About")
    about.column_dimensions["A"].width = 28
    about.column_dimensions["B"].width = 80
    about.append([header_cell(about, "key"), header_cell(about, "value")])
    info: dict[str, Any] = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        **dict(meta or {}),
        "records": count,
        "result_rows": rows,
    }
    if sheets > 1:
        info["result_sheets"] = sheets
    for key, value in _flatten_meta(info):
        about.append([_xlsx_value(key), _xlsx_value(value)])

    with _atomic(Path(path), "wb") as handle:
        workbook.save(handle)
    return count


def _discard(workbook: Any) -> None:
    """Close a write-only workbook's sheets after a failure, so that their spool files are
    finished and removed now rather than by a noisy finaliser."""
    for ws in workbook.worksheets:
        try:
            ws.close()
        except Exception:  # noqa: S112 - best effort; the original error is what matters
            continue
        writer = getattr(ws, "_writer", None)
        if writer is not None:
            with contextlib.suppress(Exception):
                writer.cleanup()


def _flatten_meta(meta: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, object]]:
    """``{"list_versions": {"us-csl": "sha256:.."}}`` -> ``("list_versions.us-csl", ...)``."""
    for key, value in meta.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            yield from _flatten_meta(value, f"{name}.")
        elif isinstance(value, int | float) and not isinstance(value, bool):
            yield name, value
        else:
            yield name, _text(value)


# Characters XML 1.0 cannot hold (an .xlsx is XML): C0 controls but tab/LF/CR, lone
# surrogates, and the noncharacters U+FFFE/U+FFFF.
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xlsx_value(value: object) -> object:
    """A cell value for openpyxl: characters XML cannot hold replaced by U+FFFD, text longer
    than Excel's cell limit cut, then neutralised."""
    if isinstance(value, str):
        value = _ILLEGAL_XML.sub("\ufffd", value)
        if len(value) > XLSX_MAX_CELL_CHARS - 1:  # room for the neutralising quote
            value = value[: XLSX_MAX_CELL_CHARS - 1 - len(_TRUNCATED)] + _TRUNCATED
    return neutralise_cell(value)


_WRITERS: dict[str, Callable[[Iterable[Mapping[str, Any]], Path], int]] = {
    ".jsonl": write_jsonl,
    ".csv": write_csv,
}


def as_dicts(results: Iterable[Decision | Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
    """Each result in its output-contract form (a :class:`Decision` by its ``to_dict``)."""
    for result in results:
        yield result.to_dict() if isinstance(result, Decision) else result


def write_results(
    results: Iterable[Decision | Mapping[str, Any]],
    path: Path,
    *,
    meta: Mapping[str, Any] | None = None,
) -> int:
    """Write ``results`` (decisions, or their dicts) to ``path``, the format chosen by its
    extension: ``.jsonl``, ``.csv`` or ``.xlsx`` (``meta`` fills the XLSX "About" sheet; the
    other formats ignore it). Returns the number of records written."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        return write_jsonl(results, path)
    results = as_dicts(results)
    if suffix == ".xlsx":
        return write_xlsx(results, path, meta=meta)
    writer = _WRITERS.get(suffix)
    if writer is None:
        raise OutputFileError(path, "unknown output format; use .jsonl, .csv or .xlsx")
    return writer(results, path)
