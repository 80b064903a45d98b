"""The custom (provider's own) list format: CSV, JSON array, JSON lines, and its errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from compliance.errors import ListFormatError
from compliance.lists import custom, detect_format
from compliance.model import Address, Alias, AliasKind, EntityType, Outcome

DOC = Path(__file__).resolve().parents[2] / "docs" / "custom-list-format.md"

HEADER = "id,name,aliases,type,countries,addresses,program,outcome,notes"


def _write(tmp_path: Path, text: str | bytes, name: str = "blocklist.csv") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def _error(path: Path) -> ListFormatError:
    with pytest.raises(ListFormatError) as info:
        custom.parse([path])
    return info.value


def _doc_examples(tmp_path: Path) -> tuple[Path, Path]:
    blocks = dict(re.findall(r"```(csv|json)\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S))
    return (
        _write(tmp_path, blocks["csv"], "my-blocklist.csv"),
        _write(tmp_path, blocks["json"], "my-blocklist.jsonl"),
    )


def test_documented_example_parses(tmp_path: Path) -> None:
    csv_path, jsonl_path = _doc_examples(tmp_path)
    parsed = custom.parse([csv_path])
    assert custom.default_source([csv_path]) == "internal-my-blocklist"
    assert detect_format([csv_path]) == "custom" and detect_format([jsonl_path]) == "custom"
    first, second, third = parsed.entries
    assert first.key == "blk-001" and first.name == "Example Trading FZE"
    assert first.aliases == (
        Alias("ETF", AliasKind.WEAK),
        Alias("Example General Trading LLC", AliasKind.FKA),
    )
    assert first.countries == ("AE", "HK")
    assert first.addresses == (Address("Office 12, Jebel Ali Free Zone, Dubai"),)
    assert first.programs == ("INTERNAL-RISK",)
    assert first.declared_outcome is Outcome.PROHIBITED
    assert first.remarks == "Diverted GPUs in 2024"
    assert first.extra == (("ticket", "SEC-1187"),)
    assert first.list_code == "INTERNAL" and first.entity_type is EntityType.ORGANIZATION
    assert second.entity_type is EntityType.PERSON
    assert second.declared_outcome is Outcome.REVIEW
    assert second.remarks == 'Former employee of a listed entity; check "end use" statements'
    assert third.countries == ("CN",) and third.declared_outcome is Outcome.LICENSE_REQUIRED
    assert third.extra == ()
    # The JSON lines version of the example is the same list.
    assert custom.parse([jsonl_path]).entries == parsed.entries


def test_json_array_with_case_insensitive_keys(tmp_path: Path) -> None:
    data = [
        {
            "ID": 17,
            "Name": "Vessel One",
            "TYPE": "Vessel",
            "Countries": "Panama; LR",
            "aliases": ["nka:Vessel Uno", "aka:V-1"],
            "List": "WATCH",
            "flag_state": "PA",
            "tags": ["a", "b"],
            "meta": {"x": 1},
        },
        {
            "id": "p-2",
            "name": "Jane Example",
            "type": "PERSON",
            "programs": ["KYC-FAIL", "FRAUD"],
            "outcome": "License-Required",
        },
    ]
    path = _write(tmp_path, json.dumps(data, indent=2), "list.json")
    vessel, jane = custom.parse([path]).entries
    assert vessel.key == "17" and vessel.entity_type is EntityType.VESSEL
    assert vessel.countries == ("PA", "LR") and vessel.list_code == "WATCH"
    assert vessel.aliases == (Alias("Vessel Uno", AliasKind.NKA), Alias("V-1"))
    assert dict(vessel.extra) == {"flag_state": "PA", "tags": "a; b", "meta": '{"x": 1}'}
    assert jane.programs == ("KYC-FAIL", "FRAUD")
    assert jane.declared_outcome is Outcome.LICENSE_REQUIRED


def test_csv_header_case_bom_blank_lines_and_quotes(tmp_path: Path) -> None:
    text = (
        "\ufeffID , NAME,Aliases,Countries,Notes\n"
        "\n"
        'x1,"Acme, Inc.","ACME; weak:AC",US,"multi\nline; note"\n'
        "x2,Beta,,,\n"
    )
    parsed = custom.parse([_write(tmp_path, text)])
    acme, beta = parsed.entries
    assert acme.name == "Acme, Inc."
    assert acme.aliases == (Alias("ACME"), Alias("AC", AliasKind.WEAK))
    assert acme.remarks == "multi line; note"
    assert beta.aliases == () and beta.countries == () and beta.entity_type is EntityType.UNKNOWN
    assert parsed.stats == {"entries": 2, "names": 4, "rows": 2}  # names: 2 primary + 2 aliases


def test_duplicate_id_names_both_lines(tmp_path: Path) -> None:
    path = _write(tmp_path, f"{HEADER}\na,Alpha,,,,,,,\nb,Beta,,,,,,,\na,Alpha 2,,,,,,,\n")
    err = _error(path)
    assert (err.line, err.field) == (4, "id")
    assert "duplicate id 'a'" in err.message and "line 2" in err.message
    assert str(path) in str(err)


def test_duplicate_id_in_json_lines(tmp_path: Path) -> None:
    text = '{"id": "a", "name": "A"}\n\n{"id": "b", "name": "B"}\n{"id": "a", "name": "A2"}\n'
    err = _error(_write(tmp_path, text, "l.jsonl"))
    assert err.line == 4 and "first on line 1" in err.message


def test_unknown_country_names_line_and_field(tmp_path: Path) -> None:
    err = _error(_write(tmp_path, f"{HEADER}\na,Alpha,,,CN,,,,\nb,Beta,,,Atlantis,,,,\n"))
    assert (err.line, err.field) == (3, "countries") and "Atlantis" in err.message


def test_invalid_outcome_and_type(tmp_path: Path) -> None:
    err = _error(_write(tmp_path, f"{HEADER}\na,Alpha,,,,,,forbidden,\n"))
    assert (err.line, err.field) == (2, "outcome") and "forbidden" in err.message
    err = _error(_write(tmp_path, f"{HEADER}\na,Alpha,,company-ish,,,,,\n", "t.csv"))
    assert (err.line, err.field) == (2, "type")


def test_required_columns_and_values(tmp_path: Path) -> None:
    err = _error(_write(tmp_path, "identifier,name\n1,A\n"))
    assert (err.line, err.field) == (1, "id") and "missing required column 'id'" in err.message
    err = _error(_write(tmp_path, "id,title\n1,A\n", "n.csv"))
    assert err.field == "name"
    err = _error(_write(tmp_path, f"{HEADER}\n,Alpha,,,,,,,\n", "e.csv"))
    assert (err.line, err.field) == (2, "id")
    err = _error(_write(tmp_path, '[{"id": "1", "name": ""}]', "e.json"))
    assert (err.line, err.field) == (1, "name")
    err = _error(_write(tmp_path, "id,name,id\n1,A,2\n", "d.csv"))
    assert "appears twice" in err.message


def test_wrong_column_count(tmp_path: Path) -> None:
    err = _error(_write(tmp_path, f"{HEADER}\na,Alpha,,,,,,,\nb,Beta,,\n"))
    assert (err.line, err.field) == (3, "countries")
    assert "expected 9 columns" in err.message and "found 4" in err.message


def test_invalid_json_names_the_line(tmp_path: Path) -> None:
    text = '{"id": "a", "name": "A"}\n{"id": "b", "name": "B"\n{"id": "c", "name": "C"}\n'
    err = _error(_write(tmp_path, text, "bad.jsonl"))
    assert err.line == 2 and "invalid JSON" in err.message
    array = '[\n  {"id": "a", "name": "A"},\n  {"id": "b" "name": "B"}\n]'
    err = _error(_write(tmp_path, array, "bad.json"))
    assert err.line == 3
    pretty = '{\n  "id": "a",\n  "name": "A"\n}\n'
    err = _error(_write(tmp_path, pretty, "pretty.jsonl"))
    assert err.line == 1 and "JSON array" in err.message
    not_objects = '[{"id": "a", "name": "A"},\n 42]'
    err = _error(_write(tmp_path, not_objects, "num.json"))
    assert err.line == 2 and "expected a JSON object" in err.message
    unclosed = '[{"id": "a", "name": "A"},\n{"id": "b", "name": "B"}'
    err = _error(_write(tmp_path, unclosed, "open.json"))
    assert "not closed" in err.message
    nested = '[{"id": "a", "name": {"first": "A"}}]'
    err = _error(_write(tmp_path, nested, "nested.json"))
    assert err.field == "name"


def test_truncated_csv(tmp_path: Path) -> None:
    err = _error(_write(tmp_path, f'{HEADER}\na,Alpha,,,,,,,\nb,"Beta Trad'))
    assert (err.line, err.field) == (3, "name") and "unbalanced quote" in err.message


def test_empty_binary_and_encoding(tmp_path: Path) -> None:
    assert "empty" in _error(_write(tmp_path, "", "e.csv")).message
    assert "binary" in _error(_write(tmp_path, b"\x00\x00garbage", "b.csv")).message
    latin1 = f"{HEADER}\na,Société Générale,,,FR,,,,\n".encode("latin-1")
    err = _error(_write(tmp_path, latin1, "l.csv"))
    assert err.line == 2 and "not valid utf-8" in err.message
    assert "no entries" in _error(_write(tmp_path, HEADER + "\n", "h.csv")).message
    assert "no entries" in _error(_write(tmp_path, "[]", "a.json")).message


def test_several_files_share_one_id_space(tmp_path: Path) -> None:
    one = _write(tmp_path, f"{HEADER}\na,Alpha,,,,,,,\n", "one.csv")
    two = _write(tmp_path, '[{"id": "a", "name": "Alpha again"}]', "two.json")
    err = _error_many([one, two])
    assert err.path == str(two) and str(one) in err.message


def _error_many(paths: list[Path]) -> ListFormatError:
    with pytest.raises(ListFormatError) as info:
        custom.parse(paths)
    return info.value


def test_default_source_slug() -> None:
    assert custom.default_source([Path("/x/Group Blocklist 2026.csv")]) == (
        "internal-group-blocklist-2026"
    )


# --- issue 8: control characters and deep nesting ----------------------------------------


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x1b", "\x0c"])
def test_control_character_in_csv_is_refused(tmp_path: Path, char: str) -> None:
    """Never loaded (and never silently altered): NUL loaded on SQLite, failed on PostgreSQL."""
    text = f'{HEADER}\na,Alpha,,,,,,,\nb,"Beta{char} Trading",B1;B2,,,,,,\n'
    err = _error(_write(tmp_path, text, "ctl.csv"))
    assert (err.line, err.field) == (3, "name") and "refused" in err.message


@pytest.mark.parametrize("escape", ["\\u0000", "\\u001f", "\\ud800", "\\udc00"])
def test_control_escape_in_json_is_refused(tmp_path: Path, escape: str) -> None:
    array = (
        '[\n {"id": "a", "name": "A"},\n {"id": "b", "name": "B", "aliases": ["ok", "B'
        + escape
        + '"]}\n]'
    )
    err = _error(_write(tmp_path, array, "ctl.json"))
    assert (err.line, err.field) == (3, "aliases[1]")
    lines = '{"id": "a", "name": "A"}\n{"id": "b", "name": "B' + escape + '"}\n'
    err = _error(_write(tmp_path, lines, "ctl.jsonl"))
    assert (err.line, err.field) == (2, "name")


def test_a_valid_surrogate_pair_escape_loads(tmp_path: Path) -> None:
    (entry,) = custom.parse(
        [_write(tmp_path, '[{"id": "a", "name": "A \\ud83d\\ude00"}]', "p.json")]
    ).entries
    assert entry.name == "A \U0001f600"


def test_deep_nesting_is_refused(tmp_path: Path) -> None:
    """JSON nested 100k deep raised RecursionError (a traceback and exit 1)."""
    deep = "[" * 100_000 + "]" * 100_000
    err = _error(_write(tmp_path, '[\n{"id": "a", "name": "A"},\n' + deep + "\n]", "deep.json"))
    assert err.line == 3 and "nested deeper" in err.message
    err = _error(_write(tmp_path, '{"id": "a", "name": "A"}\n' + deep + "\n", "deep.jsonl"))
    assert err.line == 2 and "nested deeper" in err.message
    shallow = '[{"id": "a", "name": "A", "x": ' + "[" * 60 + "]" * 60 + "}]"
    assert len(custom.parse([_write(tmp_path, shallow, "ok.json")]).entries) == 1
