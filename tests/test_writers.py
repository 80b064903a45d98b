"""Screening result writers: compliance.export."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl  # type: ignore[import-untyped, unused-ignore]
import pytest
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped, unused-ignore]

from compliance.errors import BadInputError
from compliance.export import (
    RESULT_COLUMNS,
    OutputFileError,
    neutralise_cell,
    write_csv,
    write_jsonl,
    write_results,
    write_xlsx,
)

LIST_VERSIONS = {"us-csl": "sha256:aaa", "un": "sha256:bbb"}


def match(name: str, score: float, **extra: Any) -> dict[str, Any]:
    return {
        "list": "us-csl",
        "program": "Entity List",
        "entry_id": f"e-{name}",
        "entry_name": name,
        "matched_name": name,
        "query_name": name,
        "score": score,
        "features": {
            "name": {"score": score, "detail": "token overlap"},
            "country": {"score": 1.0, "detail": "CN = CN"},
        },
        **extra,
    }


def results() -> list[dict[str, Any]]:
    return [
        {
            "record_id": "c-42",
            "kind": "customer",
            "decision": "review",
            "matches": [match("Huawei Technologies", 0.93), match("华为技术有限公司", 0.81)],
            "rule_hits": [
                {
                    "rule_id": "ear.ac.hq-d5",
                    "outcome": "license_required",
                    "citation": "15 CFR 742.6(a)(6)(iii)(A)",
                    "reason": "headquartered in a D:5 country",
                    "facts": {"hq_country": "CN"},
                },
                {"rule_id": "ear.el.744-11", "outcome": "prohibited"},
            ],
            "list_versions": LIST_VERSIONS,
            "ruleset_version": "sha256:rules",
            "as_of": "2026-11-27",
            "screening_id": "scr-1",
        },
        {
            "record_id": "c-43",
            "kind": "customer",
            "decision": "clear",
            "matches": [],
            "rule_hits": [],
            "list_versions": LIST_VERSIONS,
            "ruleset_version": "sha256:rules",
            "as_of": "2026-11-27",
            "screening_id": "scr-1",
        },
        {"record_id": None, "kind": "customer", "line": 7, "error": "country: unknown 'Narnia'"},
    ]


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# ------------------------------------------------------------------------------ JSONL
def test_jsonl_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    assert write_results(results(), path) == 3
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3
    assert [json.loads(line) for line in lines] == results()
    raw = path.read_bytes()
    assert "华为技术有限公司".encode() in raw  # UTF-8, not \\u escapes
    assert b", " not in lines[0].encode() and b'": ' not in raw  # compact separators


def test_jsonl_accepts_a_generator_and_writes_dates(tmp_path: Path) -> None:
    from datetime import date

    def generate() -> Iterator[dict[str, Any]]:
        for i in range(3):
            yield {"record_id": f"r{i}", "as_of": date(2026, 11, 27), "matches": []}

    path = tmp_path / "gen.jsonl"
    assert write_jsonl(generate(), path) == 3
    assert json.loads(path.read_text().splitlines()[2]) == {
        "record_id": "r2",
        "as_of": "2026-11-27",
        "matches": [],
    }


# -------------------------------------------------------------------------------- CSV
def test_csv_one_row_per_match(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    assert write_results(results(), path) == 3
    with path.open(encoding="utf-8", newline="") as handle:
        assert next(csv.reader(handle)) == list(RESULT_COLUMNS)
    rows = read_csv(path)
    assert len(rows) == 4  # 2 matches + 1 clear record + 1 error row

    first, second, clear, bad = rows
    assert (first["record_id"], first["match_rank"], first["entry_name"]) == (
        "c-42",
        "1",
        "Huawei Technologies",
    )
    assert (second["record_id"], second["match_rank"], second["entry_name"]) == (
        "c-42",
        "2",
        "华为技术有限公司",
    )
    assert first["decision"] == "review" and first["kind"] == "customer"
    assert first["list"] == "us-csl" and first["program"] == "Entity List"
    assert first["entry_id"] == "e-Huawei Technologies"
    assert first["score"] == "0.93" and second["score"] == "0.81"
    assert first["explanation"] == "name: 0.93 (token overlap); country: 1.0 (CN = CN)"
    assert first["rule_ids"] == "ear.ac.hq-d5;ear.el.744-11"
    assert first["rule_reasons"].startswith(
        "ear.ac.hq-d5 -> license_required [15 CFR 742.6(a)(6)(iii)(A)]: headquartered in a D:5"
    )
    assert clear["ruleset_version"] == "sha256:rules" and clear["rule_reasons"] == ""
    assert (first["as_of"], first["screening_id"]) == ("2026-11-27", "scr-1")
    assert json.loads(first["list_versions"]) == LIST_VERSIONS
    assert first["list_versions"] == '{"un":"sha256:bbb","us-csl":"sha256:aaa"}'
    assert first["error"] == "" and first["line"] == ""

    assert clear["record_id"] == "c-43" and clear["decision"] == "clear"
    for column in ("match_rank", "list", "entry_id", "matched_name", "score", "explanation"):
        assert clear[column] == ""

    assert bad["error"] == "country: unknown 'Narnia'" and bad["line"] == "7"
    assert bad["record_id"] == "" and bad["decision"] == ""


# ------------------------------------------------------------------------------- XLSX
def test_xlsx_has_header_rows_and_about_sheet(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    meta = {
        "list_versions": LIST_VERSIONS,
        "thresholds": {"review": 0.82, "match": 0.9},
        "as_of": "2026-11-27",
        "ruleset_version": "sha256:rules",
    }
    assert write_results(results(), path, meta=meta) == 3
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["Results", "About"]
    sheet = workbook["Results"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == RESULT_COLUMNS
    assert len(rows) == 5
    assert rows[1][:3] == ("c-42", "customer", "review")
    assert rows[2][RESULT_COLUMNS.index("entry_name")] == "华为技术有限公司"
    assert rows[3][RESULT_COLUMNS.index("match_rank")] is None
    assert rows[4][RESULT_COLUMNS.index("error")] == "country: unknown 'Narnia'"
    assert sheet.freeze_panes == "A2"
    last = get_column_letter(len(RESULT_COLUMNS))
    assert sheet.auto_filter.ref == f"A1:{last}5"
    explanation = get_column_letter(RESULT_COLUMNS.index("explanation") + 1)
    assert sheet.column_dimensions[explanation].width == 70  # explanation is wide

    about = dict(workbook["About"].iter_rows(min_row=2, values_only=True))
    assert about["list_versions.us-csl"] == "sha256:aaa"
    assert about["list_versions.un"] == "sha256:bbb"
    assert about["thresholds.review"] == 0.82
    assert about["as_of"] == "2026-11-27"
    assert about["records"] == 3 and about["result_rows"] == 4
    assert isinstance(about["generated_at"], str) and about["generated_at"].startswith("20")


def test_xlsx_numbers_are_numeric_cells(tmp_path: Path) -> None:
    path = tmp_path / "n.xlsx"
    write_xlsx(results(), path)
    sheet = openpyxl.load_workbook(path)["Results"]
    score = sheet.cell(row=2, column=RESULT_COLUMNS.index("score") + 1)
    assert score.data_type == "n" and score.value == 0.93
    rank = sheet.cell(row=3, column=RESULT_COLUMNS.index("match_rank") + 1)
    assert rank.data_type == "n" and rank.value == 2
    line = sheet.cell(row=5, column=RESULT_COLUMNS.index("line") + 1)
    assert line.data_type == "n" and line.value == 7


def test_xlsx_without_meta_and_without_results(tmp_path: Path) -> None:
    path = tmp_path / "empty.xlsx"
    assert write_xlsx([], path) == 0
    workbook = openpyxl.load_workbook(path)
    assert list(workbook["Results"].iter_rows(values_only=True)) == [RESULT_COLUMNS]
    about = dict(workbook["About"].iter_rows(min_row=2, values_only=True))
    assert about["records"] == 0 and "generated_at" in about


def test_xlsx_rows_past_the_sheet_limit_continue_on_a_new_sheet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from compliance.export import writers

    monkeypatch.setattr(writers, "XLSX_MAX_ROWS", 3)  # header + 2 rows per sheet
    path = tmp_path / "many.xlsx"
    records = [{"record_id": f"r{i}", "decision": "clear"} for i in range(5)]
    assert write_xlsx(records, path) == 5
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["Results", "Results (2)", "Results (3)", "About"]
    ids = [
        row[0]
        for name in workbook.sheetnames[:-1]
        for row in workbook[name].iter_rows(min_row=2, values_only=True)
    ]
    assert ids == [f"r{i}" for i in range(5)]
    assert workbook["Results (2)"]["A1"].value == "record_id"
    last = get_column_letter(len(RESULT_COLUMNS))
    assert workbook["Results (3)"].auto_filter.ref == f"A1:{last}2"
    about = dict(workbook["About"].iter_rows(min_row=2, values_only=True))
    assert about["result_sheets"] == 3 and about["result_rows"] == 5


def test_xlsx_control_characters_and_huge_text(tmp_path: Path) -> None:
    path = tmp_path / "ctl.xlsx"
    record = {
        "record_id": "x\x01y\x0bz",
        "decision": "clear",
        "matches": [match("\x02=cmd", 0.9)],
        "error": "e" * 40_000,
    }
    write_xlsx([record], path)
    sheet = openpyxl.load_workbook(path)["Results"]
    assert sheet["A2"].value == "x\ufffdy\ufffdz"
    assert sheet.cell(row=2, column=RESULT_COLUMNS.index("entry_name") + 1).value == "\ufffd=cmd"
    error = sheet.cell(row=2, column=RESULT_COLUMNS.index("error") + 1).value
    assert isinstance(error, str) and len(error) <= 32_767 and error.endswith("[truncated]")


# -------------------------------------------------------------------- formula injection
PAYLOADS = ['=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)", "\tfoo", "\r=1+1", "=1+1"]
# What each payload must become: a quote before every trigger that can start a cell.
NEUTRALISED = {p: "'" + p for p in PAYLOADS} | {"\r=1+1": "'\r'=1+1"}


def injected() -> list[dict[str, Any]]:
    return [
        {
            "record_id": payload,
            "kind": "customer",
            "decision": "review",
            "matches": [
                {
                    "list": "us-csl",
                    "program": "Entity List",
                    "entry_id": "e1",
                    "entry_name": payload,
                    "matched_name": payload,
                    "query_name": payload,
                    "score": -0.5,  # a (nonsense) negative number must stay a number
                    "features": {},
                }
            ],
            "rule_hits": [],
            "as_of": "2026-11-27",
            "screening_id": "s",
        }
        for payload in PAYLOADS
    ]


TEXT_COLUMNS = ("record_id", "entry_name", "matched_name", "query_name")


def test_csv_neutralises_formulas(tmp_path: Path) -> None:
    path = tmp_path / "inj.csv"
    write_csv(injected(), path)
    rows = read_csv(path)
    assert len(rows) == len(PAYLOADS)
    for payload, row in zip(PAYLOADS, rows, strict=True):
        for column in TEXT_COLUMNS:
            assert row[column] == NEUTRALISED[payload]
        assert row["score"] == "-0.5"  # numbers are not prefixed
    with path.open(encoding="utf-8", newline="") as handle:
        for cells in csv.reader(handle):
            for cell in cells:
                if cell.startswith(("=", "+", "-", "@", "\t", "\r")):
                    float(cell)  # only a number may start like a formula


def test_xlsx_neutralises_formulas(tmp_path: Path) -> None:
    path = tmp_path / "inj.xlsx"
    write_results(injected(), path, meta={"note": "=EVIL()"})
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["Results"]
    for row_index, payload in enumerate(PAYLOADS, start=2):
        for column in TEXT_COLUMNS:
            cell = sheet.cell(row=row_index, column=RESULT_COLUMNS.index(column) + 1)
            # (XML turns a bare CR into LF when the file is read back)
            assert cell.value == NEUTRALISED[payload].replace("\r", "\n")
            assert cell.data_type == "s"
        score = sheet.cell(row=row_index, column=RESULT_COLUMNS.index("score") + 1)
        assert score.data_type == "n" and score.value == -0.5
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
    about = dict(workbook["About"].iter_rows(min_row=2, values_only=True))
    assert about["note"] == "'=EVIL()"


@pytest.mark.parametrize("value", ["=1", "+1", "-1", "@a", "\tx", "\rx", " =1", "  @a"])
def test_neutralise_cell_prefixes_triggers(value: str) -> None:
    assert neutralise_cell(value) == "'" + value


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Huawei Technologies Co Ltd;=1+1", "Huawei Technologies Co Ltd;'=1+1"),
        ("a,+1", "a,'+1"),
        ("a; -1", "a;' -1"),
        ("a\n@SUM(A1)", "a\n'@SUM(A1)"),
        ("a\t=1", "a\t'=1"),
        ("=a;=b", "'=a;'=b"),
    ],
)
def test_neutralise_cell_guards_every_cell_a_reader_may_split_off(
    value: str, expected: str
) -> None:
    assert neutralise_cell(value) == expected


@pytest.mark.parametrize(
    "value", ["", "Huawei", "'=1", "a=b", "1-2", "Co., Ltd.", "a; b", "x;'=1", 0.93, -2, 0, None]
)
def test_neutralise_cell_leaves_safe_values(value: object) -> None:
    assert neutralise_cell(value) == value


# ------------------------------------------------------------------------ file handling
def test_unknown_extension_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(OutputFileError) as info:
        write_results(results(), tmp_path / "out.txt")
    assert isinstance(info.value, BadInputError) and info.value.exit_code == 2
    assert "out.txt" in str(info.value)


def test_missing_directory_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(OutputFileError, match="does not exist"):
        write_results(results(), tmp_path / "nope" / "out.csv")


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".xlsx"])
def test_failure_part_way_leaves_no_partial_file(tmp_path: Path, suffix: str) -> None:
    target = tmp_path / f"out{suffix}"
    target.write_text("previous")

    def broken() -> Iterator[dict[str, Any]]:
        yield results()[0]
        raise RuntimeError("screening failed")

    with pytest.raises(RuntimeError):
        write_results(broken(), target)
    assert target.read_text() == "previous"  # untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]  # no temp file left


def test_output_file_has_normal_permissions(tmp_path: Path) -> None:
    path = tmp_path / "perm.csv"
    write_csv(results(), path)
    assert path.stat().st_mode & 0o044  # readable by group/others under a usual umask


# ------------------------------------------- issue 8.9: semicolon (list separator) injection
SPLIT_PAYLOADS = [
    "Huawei Technologies Co Ltd;=1+1",
    "Acme;+cmd|' /C calc'!A0",
    "Acme, -2+3",
    "Acme;\t=1",
    'Acme\n=HYPERLINK("http://x","y")',
    "Acme;@SUM(A1)",
]


def split_injected() -> list[dict[str, Any]]:
    rows = []
    for index, payload in enumerate(SPLIT_PAYLOADS):
        row = injected()[0] | {"record_id": payload, "screening_id": f"s{index}"}
        row["matches"] = [match(payload, 0.9) | {"program": payload}]
        row["rule_hits"] = [{"rule_id": payload, "outcome": "review", "reason": payload}]
        row["data_quality"] = [{"code": "x", "field": payload, "detail": payload}]
        rows.append(row)
    return rows


def _unsafe(cell: str) -> bool:
    """A cell a spreadsheet would read as a formula (a number is not one)."""
    if not cell.startswith(("=", "+", "-", "@", "\t", "\r")):
        return False
    try:
        float(cell)
    except ValueError:
        return True
    return False


@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
def test_csv_no_cell_starts_a_formula_whatever_the_separator(
    tmp_path: Path, delimiter: str
) -> None:
    """Read back as Excel in a ";" locale would (quotes honoured or not): no formula cell."""
    path = tmp_path / "split.csv"
    write_csv(split_injected(), path)
    with path.open(encoding="utf-8", newline="") as handle:
        cells = [cell for row in csv.reader(handle, delimiter=delimiter) for cell in row]
    assert cells and not [c for c in cells if _unsafe(c)]
    # A reader that ignores CSV quoting and splits every line at the separator.
    text = path.read_text(encoding="utf-8")
    naive = [piece.lstrip('" ') for line in text.splitlines() for piece in line.split(delimiter)]
    assert not [c for c in naive if _unsafe(c)]
    # The default reader still gets the original text back, with the quote marks added.
    rows = read_csv(path)
    assert rows[0]["record_id"] == "Huawei Technologies Co Ltd;'=1+1"
    assert rows[0]["entry_name"] == "Huawei Technologies Co Ltd;'=1+1"


def test_csv_quotes_every_text_field(tmp_path: Path) -> None:
    path = tmp_path / "quoted.csv"
    write_csv(split_injected()[:1], path)
    with path.open(encoding="utf-8", newline="") as handle:
        header, row = list(csv.reader(handle, quoting=csv.QUOTE_NONNUMERIC))[:2]
    assert header == list(RESULT_COLUMNS)
    record = dict(zip(RESULT_COLUMNS, row, strict=True))
    assert record["record_id"] == "Huawei Technologies Co Ltd;'=1+1"
    assert record["score"] == 0.9 and record["match_rank"] == 1.0  # bare numbers


def test_xlsx_split_payloads_are_text(tmp_path: Path) -> None:
    path = tmp_path / "split.xlsx"
    write_xlsx(split_injected(), path)
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["Results"]
    name = sheet.cell(row=2, column=RESULT_COLUMNS.index("entry_name") + 1)
    assert name.data_type == "s" and name.value == "Huawei Technologies Co Ltd;'=1+1"
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not _unsafe(cell.value), (cell.coordinate, cell.value)


# --------------------------------------------------------------------------- data_quality
def test_data_quality_is_one_column(tmp_path: Path) -> None:
    flagged = results()[:2]
    flagged[0] = flagged[0] | {
        "data_quality": [
            {"code": "invisible_characters", "field": "name", "detail": "U+202E removed"},
            {"code": "missing_field", "field": "country", "detail": "no country"},
        ]
    }
    flagged[1] = flagged[1] | {"data_quality": []}
    path = tmp_path / "dq.csv"
    write_csv([*flagged, results()[2]], path)  # the error row has no data_quality key at all
    rows = read_csv(path)
    expected = "invisible_characters (name); missing_field (country)"
    assert [r["data_quality"] for r in rows] == [expected, expected, "", ""]
    xlsx = tmp_path / "dq.xlsx"
    write_xlsx(flagged, xlsx)
    sheet = openpyxl.load_workbook(xlsx)["Results"]
    column = RESULT_COLUMNS.index("data_quality") + 1
    assert sheet.cell(row=1, column=column).value == "data_quality"
    assert sheet.cell(row=2, column=column).value == expected
    assert sheet.cell(row=4, column=column).value is None
