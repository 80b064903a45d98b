"""FollowTheMoney JSON lines. The fixture is hand-made (public listing names, invented
properties and identifiers); no OpenSanctions data is used."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compliance.errors import ListFormatError
from compliance.lists import detect_format, ftm
from compliance.model import Address, Alias, AliasKind, EntityType, Identifier, ParsedList

FIXTURE = Path(__file__).parent / "fixtures" / "ftm_sample.jsonl"


@pytest.fixture(scope="module")
def parsed() -> ParsedList:
    return ftm.parse([FIXTURE])


def _write(tmp_path: Path, lines: list[str] | str, name: str = "entities.ftm.json") -> Path:
    path = tmp_path / name
    path.write_text(lines if isinstance(lines, str) else "\n".join(lines) + "\n", encoding="utf-8")
    return path


def _line(**obj: object) -> str:
    return json.dumps(obj)


def test_fixture_counts_and_stats(parsed: ParsedList) -> None:
    assert detect_format([FIXTURE]) == "ftm"
    assert [e.key for e in parsed.entries] == [
        "fx-person-bout",
        "fx-company-mahan",
        "fx-org-irgc",
        "fx-vessel-adrian",
        "fx-plane-mahan",
        "fx-legal-roe",
    ]
    assert parsed.alias_count == 9
    assert parsed.stats == {
        "entries": 6,
        "fragments_merged": 1,
        "lines": 12,
        "names": 6 + 9,
        "not_target": 1,
        "skipped:Address": 1,
        "skipped:Ownership": 1,
        "skipped:Passport": 1,
        "skipped:Sanction": 1,
    }
    assert parsed.published == "2025-03-02"
    (problem,) = parsed.problems
    assert (problem.kind, problem.line) == ("unknown_country", 9)  # "zz"


def test_entity_types(parsed: ParsedList) -> None:
    assert [e.entity_type for e in parsed.entries] == [
        EntityType.PERSON,
        EntityType.ORGANIZATION,
        EntityType.ORGANIZATION,
        EntityType.VESSEL,
        EntityType.AIRCRAFT,
        EntityType.UNKNOWN,  # LegalEntity: person or organization
    ]


def test_person(parsed: ParsedList) -> None:
    bout = parsed.entries[0]
    assert bout.name == "Viktor Anatolyevich BOUT"
    assert bout.aliases == (
        Alias("Victor BOUT"),
        Alias("Viktor BUT"),
        Alias("Boris", AliasKind.WEAK),
    )
    assert bout.dates_of_birth == ("1967-01-13",)
    assert bout.nationalities == ("RU",) and bout.countries == ("RU",)
    assert bout.identifiers == (Identifier("Passport", "FX-PP-0001", "RU"),)  # Passport entity
    assert bout.title == "Arms dealer (fixture)"
    assert bout.programs == ("SDGT",)
    assert bout.remarks == "Hand-made test fixture; not OpenSanctions data."
    assert bout.source_url == "https://example.org/fixtures/bout"
    assert bout.list_code == "us_ofac_sdn"
    assert dict(bout.extra) == {"datasets": "us_ofac_sdn", "topics": "sanction"}


def test_company_with_address_entity_and_sanction(parsed: ParsedList) -> None:
    mahan = parsed.entries[1]
    assert mahan.name == "Mahan Air"  # the caption
    # "Mahan Airlines" repeats "MAHAN AIRLINES" (case-insensitive) and is dropped.
    assert mahan.aliases == (
        Alias("MAHAN AIRLINES"),
        Alias("Mahan Air Services (fixture)", AliasKind.FKA),
    )
    assert mahan.addresses == (
        Address("Mahan Tower, Azadegan Street, Tehran"),
        Address("No. 21, Azadegan Street, Karaj Highway, Tehran", "IR"),
    )
    assert mahan.countries == ("IR",)
    assert mahan.identifiers == (Identifier("Registration Number", "FX-REG-0001"),)
    assert mahan.programs == ("SDGT",) and mahan.start_date == "2011-10-12"
    assert dict(mahan.extra)["authority"] == "Office of Foreign Assets Control"
    assert mahan.list_code == "eu_fsf,us_ofac_sdn"


def test_fragments_vessel_airplane_legal_entity(parsed: ParsedList) -> None:
    irgc, vessel, plane, roe = parsed.entries[2:]
    assert irgc.aliases == (
        Alias("Army of the Guardians of the Islamic Revolution"),
        Alias("IRGC"),
        Alias("Sepah", AliasKind.WEAK),
    )
    assert irgc.list_code == "gb_hmt_sanctions,us_ofac_sdn"
    assert vessel.aliases == (Alias("GRACE 1", AliasKind.FKA),)
    assert vessel.identifiers == (Identifier("IMO", "FX-IMO-0001"),)
    assert vessel.countries == ("IR",)  # flag
    assert plane.identifiers == (Identifier("Serial Number", "FX-MSN-0001"),)
    assert roe.countries == ("RU", "GE")  # "ge-ab" -> GE; "zz" is not a country


def test_target_filter_only_when_present(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        [
            _line(id="a", schema="Company", properties={"name": ["Kept, no target field"]}),
            _line(id="b", schema="Company", properties={"name": ["Not a target"]}, target=False),
            _line(id="c", schema="Person", properties={"name": ["Target"]}, target=True),
        ],
    )
    parsed = ftm.parse([path])
    assert [e.key for e in parsed.entries] == ["a", "c"]
    assert parsed.stats["not_target"] == 1
    assert parsed.entries[0].list_code == ""


def test_name_missing_is_a_problem(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        [
            _line(id="a", schema="Company", properties={"alias": ["Only An Alias"]}),
            _line(id="b", schema="Company", caption="From Caption", properties={}),
        ],
    )
    parsed = ftm.parse([path])
    assert [e.name for e in parsed.entries] == ["From Caption"]
    assert [(p.kind, p.line) for p in parsed.problems] == [("no_name", 1)]


def test_dangling_address_reference(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        [
            _line(id="a", schema="Company", properties={"name": ["A"], "addressEntity": ["nope"]}),
        ],
    )
    parsed = ftm.parse([path])
    assert [p.kind for p in parsed.problems] == ["missing_reference"]


def test_invalid_json_names_the_line(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        [
            _line(id="a", schema="Company", properties={"name": ["A"]}),
            "",
            '{"id": "b", "schema": "Company", "properties": {"name": ["B"]}',
        ],
    )
    with pytest.raises(ListFormatError) as info:
        ftm.parse([path])
    assert info.value.line == 3 and str(path) in str(info.value)
    assert "invalid JSON" in info.value.message


def test_structural_errors(tmp_path: Path) -> None:
    cases = [
        ('["not", "an", "object"]', None, "expected a JSON object"),
        (_line(schema="Person", properties={}), "id", "id"),
        (_line(id="x", properties={}), "schema", "schema"),
        (_line(id="x", schema="Person", properties=["name"]), "properties", "properties"),
        (
            _line(id="x", schema="Person", properties={"name": [{"v": 1}]}),
            "properties.name",
            "text",
        ),
        (_line(id="x", schema="Person", properties={}, target="yes"), "target", "target"),
        (_line(id="x", schema="Person", properties={}, datasets="sdn"), "datasets", "datasets"),
    ]
    for number, (text, field, words) in enumerate(cases):
        path = _write(
            tmp_path,
            [_line(id="ok", schema="Person", properties={"name": ["Ok"]}), text],
            f"case{number}.json",
        )
        with pytest.raises(ListFormatError) as info:
            ftm.parse([path])
        assert (info.value.line, info.value.field) == (2, field), text
        assert words in info.value.message


def test_empty_and_binary(tmp_path: Path) -> None:
    with pytest.raises(ListFormatError, match="empty"):
        ftm.parse([_write(tmp_path, "\n\n")])
    (tmp_path / "b.json").write_bytes(b'{"id": "\x00"}')
    with pytest.raises(ListFormatError, match="binary"):
        ftm.parse([tmp_path / "b.json"])


def test_country_codes() -> None:
    assert ftm.country_code("ru") == "RU"
    assert ftm.country_code("ge-ab") == "GE"
    assert ftm.country_code("Germany") == "DE"
    assert ftm.country_code("zz") is None
    assert ftm.country_code("suhh") is None  # historical: not an alpha-2 code


def test_default_source() -> None:
    assert ftm.default_source([Path("/data/entities.ftm.json")]) == "ftm-entities"
    assert ftm.default_source([FIXTURE]) == "ftm-ftm-sample"


def test_control_escape_and_deep_nesting_are_refused(tmp_path: Path) -> None:
    """Issue 8, item 11: NUL in a name; 100k-deep nesting raised RecursionError."""
    good = _line(id="a", schema="Company", properties={"name": ["A"]})
    bad = '{"id": "b", "schema": "Company", "properties": {"name": ["B\\u0000C"]}}'
    with pytest.raises(ListFormatError) as info:
        ftm.parse([_write(tmp_path, [good, bad])])
    assert (info.value.line, info.value.field) == (2, "properties.name[0]")
    deep = "[" * 100_000 + "]" * 100_000
    with pytest.raises(ListFormatError, match="nested deeper") as info:
        ftm.parse([_write(tmp_path, [good, deep], "deep.ftm.json")])
    assert info.value.line == 2
