"""The UK Sanctions List loader (``--format uk``): the real FCDO files, the layout on small
hand-written file sets, every error path, versions and diffs, matching, hostile input.

Expected counts on the real files were found without the loader, with the stdlib ``csv``
module on ``../shared/data/lists/uk`` and ``grep -c`` on the ODS's ``content.xml``:

* subjects.csv: 6,046 subjects (3,883 individual, 1,531 entity, 632 ship); 1,002 with a UN
  reference number, 5,148 with an OFSI group id; the latest ``last_updated`` is 29/04/2026.
* subject_names.csv: 15,050 rows (6,051 primary, 5,185 primary_variation, 3,814 alias); five
  subjects have two primary names. Per subject, the names other than the first primary,
  compared case-insensitively after collapsing whitespace and never equal to the primary:
  8,970 aliases, of which 601 are ``low_quality_aka`` (weak).
* subject_dobs.csv: 3,538 rows, all distinct per subject (2,616 exact, 132 month_year, 790
  year_only).
* subject_identifiers.csv: 22,787 rows but only 2,370 distinct (subject, type, value):
  722 passport, 418 national, 599 business registration, 631 IMO. The registration cells
  split on every character but ASCII letters and digits, keeping pieces of 5+ with a digit
  (the whole cell when there is none), give 726 distinct (subject, number); 34 of those
  pieces have a register label or word glued on the right (``7838121341OGRN``,
  ``1247700239270Russia``) and two are too short without it (``30INN``, ``2354India``): 724.
* No orphans in any file.
* The ODS: 5,302 data rows (3,754 ``Individual``, 1,087 ``Entity``, 461 ``Ship``); two
  individuals (BEL0174 on row 649 and one more) have an empty Name.
"""

from __future__ import annotations

import io
import random
import struct
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from compliance.errors import BadInputError, ListFormatError
from compliance.lists import detect_format, parse_files, uk
from compliance.lists.service import ListService
from compliance.matching.engine import Matcher
from compliance.model import AliasKind, EntityType, Identifier, ParsedList, Party

SUBJECTS = "unique_id,subject_type,un_reference_number,ofsi_group_id,date_designated,last_updated"
NAMES = (
    "name_id,unique_id,name_type,alias_strength,full_name,name_6,name_1,name_2,name_3,name_4,name_5"
)
DOBS = "dob_id,unique_id,year,month,day,precision,parse_issues"
IDS = "id,unique_id,ofsi_group_id,raw_value,identifier_type,additional_info"

SUBJECT_ROWS = [
    "RUS0001,individual,,12944,31/12/2020,09/04/2025",
    "AFG0001,entity,TAe.010,12703,29/06/2012,16/04/2026",
    "RUS0002,ship,,15000,01/03/2022,01/03/2022",
]
NAME_ROWS = [
    "1,RUS0001,primary,,Dmitry Konstantinovich KISELYOV,KISELYOV,Dmitry,Konstantinovich,,,",
    "2,RUS0001,primary_variation,,Dmitrii Konstantinovich Kiselev,Kiselev,Dmitrii,"
    "Konstantinovich,,,",
    "3,RUS0001,alias,low_quality_aka,Dima,Dima,,,,,",
    "4,RUS0001,alias,good_quality_aka,dmitry konstantinovich kiselyov,kiselyov,dmitry,"
    "konstantinovich,,,",
    "5,AFG0001,primary,,HAJI KHAIRULLAH MONEY EXCHANGE,HAJI KHAIRULLAH MONEY EXCHANGE,,,,,",
    "6,AFG0001,alias,good_quality_aka,Haji Alim Hawala,Haji Alim Hawala,,,,,",
    "7,RUS0002,primary,,SIG,SIG,,,,,",
    "8,XXX0009,alias,,Orphan Name,Orphan Name,,,,,",
]
DOB_ROWS = [
    "1,RUS0001,1954,04,26,exact,",
    "2,RUS0001,1955,,,year_only,",
    "3,RUS0001,1956,07,,month_year,",
    "4,RUS0001,1957,02,30,exact,",
    "5,XXX0009,1960,,,year_only,",
]
ID_ROWS = [
    "1,RUS0001,12944,P123456,passport,Russian passport",
    "2,RUS0001,12944,P123456,passport,Russian passport",
    "3,RUS0002,15000,IMO9000001,imo,",
    "4,AFG0001,12703,UK Company no. 06527449,business_registration_numbers,",
    '8,AFG0001,12703,"OGRN: 1027739090708 INN:7731018133KPP",business_registration_numbers,',
    "9,RUS0002,15000,'000737,passport,",
    "5,RUS0001,12944,  AB  123 ,national,",
    "6,XXX0009,,A1,passport,",
    "7,XXX0009,,A2,passport,",
]


def write(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def write_set(
    tmp_path: Path,
    subjects: list[str] = SUBJECT_ROWS,
    names: list[str] = NAME_ROWS,
    dobs: list[str] | None = DOB_ROWS,
    ids: list[str] | None = ID_ROWS,
) -> list[Path]:
    """The four files under neutral names, identifiers first: the loader must go by header."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    paths = []
    if ids is not None:
        paths.append(write(tmp_path / "a.csv", IDS, ids))
    paths.append(write(tmp_path / "b.csv", NAMES, names))
    if dobs is not None:
        paths.append(write(tmp_path / "c.csv", DOBS, dobs))
    paths.append(write(tmp_path / "d.csv", SUBJECTS, subjects))
    return paths


# ------------------------------------------------------------------------------ ODS fixtures
_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)
ODS_HEADER = [
    "Unique ID",
    "OFSI Group ID",
    "Name",
    "Regime Name",
    "Type",
    "Designation source",
    "Date Designated",
    "Sanctions Imposed",
]
ODS_ROWS = [
    [
        "RUS0001",
        "12944",
        "Dmitry Konstantinovich KISELYOV",
        "Russia",
        "Individual",
        "UK",
        "31-12-2020",
        "Asset freeze, Travel Ban",
    ],
    [
        "AFG0001",
        "12703",
        "HAJI KHAIRULLAH MONEY EXCHANGE",
        "Afghanistan",
        "Entity",
        "UN",
        "29-06-2012",
        "Asset freeze",
    ],
    ["RUS0002", "15000", "SIG", "Russia", "Ship", "UK", "01-03-2022", "Ship sanctions"],
    ["BEL0174", "16744", "", "Belarus", "Individual", "UK", "27-01-2025", "Asset freeze"],
]


def _cell(text: str) -> str:
    if not text:
        return "<table:table-cell/>"
    escaped = text.replace("&", "&amp;").replace("<", "&lt;")
    return (
        f'<table:table-cell office:value-type="string"><text:p>{escaped}</text:p>'
        "</table:table-cell>"
    )


def content_xml(rows: list[list[str]], *, prolog: str = "") -> str:
    body = "".join(
        "<table:table-row>"
        + "".join(_cell(c) for c in row)
        + '<table:table-cell table:number-columns-repeated="16376"/></table:table-row>'
        for row in rows
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<office:document-content {_NS}>'
        '<office:body><office:spreadsheet><table:table table:name="UK_Sanction_List">'
        '<table:table-column table:number-columns-repeated="16384"/>'
        f"{body}"
        '<table:table-row table:number-rows-repeated="1043268">'
        '<table:table-cell table:number-columns-repeated="16384"/></table:table-row>'
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )


def write_ods(
    path: Path,
    rows: list[list[str]] | None = None,
    *,
    content: str | bytes | None = None,
    mimetype: bytes = b"application/vnd.oasis.opendocument.spreadsheet",
) -> Path:
    if content is None:
        content = content_xml([ODS_HEADER, *(ODS_ROWS if rows is None else rows)])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", mimetype)
        archive.writestr("content.xml", content)
    return path


# ============================================================================ the real files
@pytest.fixture(scope="module")
def real_dir(shared_lists: Path) -> Path:
    return shared_lists / "uk"


@pytest.fixture(scope="module")
def real(real_dir: Path) -> ParsedList:
    return uk.parse(sorted(real_dir.glob("covyr_uk_sanctions_*.csv")))


@pytest.mark.shared
def test_real_csv_set_counts(real: ParsedList) -> None:
    assert real.format == "uk" and real.published == "2026-04-29"
    assert len(real.entries) == 6_046 and len({e.key for e in real.entries}) == 6_046
    assert Counter(e.entity_type for e in real.entries) == {
        EntityType.PERSON: 3_883,
        EntityType.ORGANIZATION: 1_531,
        EntityType.VESSEL: 632,
    }
    stats = real.stats
    assert (stats["individuals"], stats["entities"], stats["ships"]) == (3_883, 1_531, 632)
    assert stats["name_count"] == 15_050
    assert (
        stats["names:primary"],
        stats["names:primary_variation"],
        stats["names:alias"],
    ) == (6_051, 5_185, 3_814)
    assert real.alias_count == stats["aliases"] == 8_970
    assert Counter(a.kind for e in real.entries for a in e.aliases) == {
        AliasKind.AKA: 8_369,
        AliasKind.WEAK: 601,
    }
    assert stats["dob_rows"] == stats["dates_of_birth"] == 3_538
    assert sum(len(e.dates_of_birth) for e in real.entries) == 3_538
    assert stats["identifier_rows"] == 22_787
    kinds = Counter(i.kind for e in real.entries for i in e.identifiers)
    assert kinds == {
        "un_reference": 1_002,
        "passport": 722,
        "national_id": 418,
        "registration_number": 724,
        "imo": 631,
    }
    assert stats["identifiers"] == sum(kinds.values())
    assert sum(1 for e in real.entries if "ofsi_group_id" in dict(e.extra)) == 5_148
    for orphan in ("orphan_names", "orphan_dobs", "orphan_identifiers"):
        assert stats.get(orphan, 0) == 0
    problems = {p.kind: p.count for p in real.problems}
    assert problems == {"several_primary_names": 5, "entity_name_parts": 2}
    assert {e.list_code for e in real.entries} == {"UK"}
    assert Counter(e.programs[0] for e in real.entries)["RUS"] == 3_252


@pytest.mark.shared
def test_real_entries_are_built_as_documented(real: ParsedList) -> None:
    by_key = {e.key: e for e in real.entries}
    afg = by_key["AFG0007"]
    assert afg.name == "Abdul Kabir MOHAMMAD JAN" and afg.entity_type is EntityType.PERSON
    assert [a.name for a in afg.aliases] == [
        "KABIR MUHAMMAD JAN ABDUL",
        "ABDUL KABIR MUHAMMAD JAN",  # "ABDUL KABIR  MUHAMMAD JAN": whitespace collapsed
        "A Kabir",
    ]
    assert Identifier("un_reference", "TAi.003") in afg.identifiers
    assert dict(afg.extra)["ofsi_group_id"] == "6909"
    assert afg.start_date == "2001-01-25" and afg.programs == ("AFG",)
    anwari = by_key["AFG0009"]
    assert {a.name: a.kind for a in anwari.aliases}["Mudir"] is AliasKind.WEAK
    dobs = by_key["AFG0006"].dates_of_birth
    # grep ",AFG0006," subject_dobs.csv: 10 rows, two exact dates and eight years
    assert sorted(dobs) == [
        "1953",
        "1958",
        "1963",
        "1967-01-01",
        "1968",
        "1969-06-04",
        "1970",
        "1971",
        "1972",
        "1973",
    ]
    # An entity whose name row repeats the name in name_1 (full_name is it twice): name_6.
    assert by_key["BEL0125"].name == "KB RADAR"
    assert "OJSC KB RADAR-MANAGING COMPANY HOLDING RADAR SYSTEM" in by_key["BEL0125"].all_names
    assert not any(
        n.startswith("OJSC KB RADAR-MANAGING COMPANY HOLDING RADAR SYSTEM OJSC")
        for n in by_key["BEL0125"].all_names
    )


@pytest.mark.shared
def test_real_ods_counts(real_dir: Path) -> None:
    parsed = uk.parse([real_dir / "UK_Sanctions_List_FCDO_2025-08-11.ods"])
    assert len(parsed.entries) == 5_300 and parsed.stats["rows_without_name"] == 2
    assert Counter(e.entity_type for e in parsed.entries) == {
        EntityType.PERSON: 3_752,
        EntityType.ORGANIZATION: 1_087,
        EntityType.VESSEL: 461,
    }
    assert parsed.alias_count == 0
    (problem,) = parsed.problems
    assert (problem.kind, problem.line, problem.count) == ("empty_name", 649, 2)
    first = parsed.entries[0]
    assert (first.key, first.name, first.start_date) == (
        "AFG0001",
        "HAJI KHAIRULLAH HAJI SATTAR MONEY EXCHANGE",
        "2012-06-29",
    )
    assert first.identifiers == ()
    assert dict(first.extra) == {
        "ofsi_group_id": "12703",
        "regime": "Afghanistan",
        "designation_source": "UN",
        "sanctions_imposed": "Asset freeze",
    }


@pytest.mark.shared
def test_real_files_are_detected_in_any_order(real_dir: Path) -> None:
    csvs = sorted(real_dir.glob("*.csv"))
    for order in (csvs, csvs[::-1], csvs[2:] + csvs[:2]):
        assert detect_format(order) == "uk"
    assert detect_format([real_dir / "UK_Sanctions_List_FCDO_2025-08-11.ods"]) == "uk"


@pytest.mark.shared
def test_uk_names_match_through_the_matcher(real: ParsedList) -> None:
    matcher = Matcher.build([("uk-fcdo", real.entries)])
    primary = matcher.match_name("Dmitry Konstantinovich Kiselyov")
    assert (primary[0].source, primary[0].entry_key, primary[0].matched_kind) == (
        "uk-fcdo",
        "RUS0001",
        "primary",
    )
    alias = matcher.match_name("Dmitrii Konstantinovich Kiselev")
    assert (alias[0].entry_key, alias[0].matched_kind) == ("RUS0001", "aka")
    variant = matcher.match_name("Dmitri Kiselev")  # no patronymic, another spelling
    assert variant and variant[0].entry_key == "RUS0001"
    company = matcher.match_name("Haji Alim Hawala")
    assert company[0].entry_key == "AFG0001" and company[0].matched_kind == "aka"


@pytest.mark.shared
def test_an_ofsi_group_id_is_not_an_identifier_a_customer_can_match(real: ParsedList) -> None:
    """OFSI group ids are 4-5 digit list-internal numbers: as identifiers, a customer whose
    registration number is 12703 scored 0.95 against AFG0001 whatever its name."""
    matcher = Matcher.build([("uk-fcdo", real.entries)])
    party = Party(id="c1", name="Acme Widgets Ltd", registration_number="12703")
    assert matcher.match(party) == []
    # a real identifier still matches on its own (IMO number of a listed ship)
    imo = next((e.key, i.value) for e in real.entries for i in e.identifiers if i.kind == "imo")
    hits = matcher.match(Party(id="c2", name="Blue Star Shipping", registration_number=imo[1]))
    assert [h.entry_key for h in hits] == [imo[0]]


# ============================================================================ the layout
def test_fixture_set_layout(tmp_path: Path) -> None:
    parsed = uk.parse(write_set(tmp_path))
    by_key = {e.key: e for e in parsed.entries}
    assert list(by_key) == ["RUS0001", "AFG0001", "RUS0002"]
    person, firm, ship = by_key["RUS0001"], by_key["AFG0001"], by_key["RUS0002"]
    assert (person.entity_type, firm.entity_type, ship.entity_type) == (
        EntityType.PERSON,
        EntityType.ORGANIZATION,
        EntityType.VESSEL,
    )
    assert person.name == "Dmitry Konstantinovich KISELYOV"
    # the lower-case repeat of the primary is dropped; weak alias kept as weak
    assert [(a.name, a.kind) for a in person.aliases] == [
        ("Dmitrii Konstantinovich Kiselev", AliasKind.AKA),
        ("Dima", AliasKind.WEAK),
    ]
    assert person.dates_of_birth == ("1954-04-26", "1955", "1956-07", "1957-02")
    assert person.identifiers == (
        Identifier("passport", "P123456"),
        Identifier("national_id", "AB 123"),
    )
    assert firm.identifiers == (
        Identifier("un_reference", "TAe.010"),
        Identifier("registration_number", "06527449"),
        Identifier("registration_number", "1027739090708"),
        Identifier("registration_number", "7731018133"),
    )
    assert Identifier("passport", "000737") in ship.identifiers  # spreadsheet text marker
    matcher = Matcher.build([("uk-fcdo", parsed.entries)])
    hits = matcher.match(Party(id="c", name="Unrelated Name LLC", registration_number="7731018133"))
    assert [h.entry_key for h in hits] == ["AFG0001"]
    assert Identifier("imo", "IMO9000001") in ship.identifiers
    assert person.start_date == "2020-12-31" and dict(person.extra) == {
        "ofsi_group_id": "12944",
        "last_updated": "2025-04-09",
    }
    assert person.programs == ("RUS",) and person.list_code == "UK"
    assert parsed.published == "2026-04-16"
    stats = parsed.stats
    assert (stats["orphan_names"], stats["orphan_dobs"], stats["orphan_identifiers"]) == (1, 1, 2)
    assert stats["identifier_rows"] == 9 and stats["name_count"] == 8
    assert stats["registration_numbers_split"] == 2
    problems = {p.kind: (p.count, p.line, Path(p.path).name) for p in parsed.problems}
    assert problems["orphan_names"] == (1, 9, "b.csv")
    assert problems["orphan_dobs"] == (1, 6, "c.csv")
    assert problems["orphan_identifiers"] == (2, 9, "a.csv")
    assert problems["bad_date"] == (1, 5, "c.csv")  # 30 February: year and month kept
    assert "partial_file_set" not in problems


def test_name_parts_are_joined_when_there_is_no_full_name(tmp_path: Path) -> None:
    header = "unique_id,name_type,name_6,name_1,name_2,name_3"
    names = write(
        tmp_path / "names.csv",
        header,
        [
            "RUS0001,primary,KISELYOV,Dmitry,Konstantinovich,",
            "AFG0001,primary,HAJI KHAIRULLAH MONEY EXCHANGE,,,",
            "RUS0002,primary,SIG,,,",
            "RUS0001,alias,,Dima,,",
        ],
    )
    subjects = write(tmp_path / "subjects.csv", SUBJECTS, SUBJECT_ROWS)
    parsed = uk.parse([names, subjects])
    assert [e.name for e in parsed.entries] == [
        "Dmitry Konstantinovich KISELYOV",
        "HAJI KHAIRULLAH MONEY EXCHANGE",
        "SIG",
    ]
    assert parsed.entries[0].aliases[0].name == "Dima"
    kinds = {p.kind: p.message for p in parsed.problems}
    assert "dobs or identifiers" in kinds["partial_file_set"]


def test_second_primary_and_no_primary_are_problems(tmp_path: Path) -> None:
    names = [
        "1,RUS0001,primary,,Dmitry KISELYOV,KISELYOV,Dmitry,,,,",
        "2,RUS0001,primary,,Dmitrii KISELEV,KISELEV,Dmitrii,,,,",
        "3,AFG0001,alias,,Haji Alim Hawala,Haji Alim Hawala,,,,,",
        "4,RUS0002,primary,,SIG,SIG,,,,,",
    ]
    parsed = uk.parse(write_set(tmp_path, names=names))
    by_key = {e.key: e for e in parsed.entries}
    assert by_key["RUS0001"].name == "Dmitry KISELYOV"
    assert by_key["RUS0001"].aliases[0].name == "Dmitrii KISELEV"
    assert by_key["AFG0001"].name == "Haji Alim Hawala"
    kinds = {p.kind: p.line for p in parsed.problems}
    assert kinds["several_primary_names"] == 3 and kinds["no_primary_name"] == 4


def test_detect_format_by_header_not_by_name(tmp_path: Path) -> None:
    paths = write_set(tmp_path)
    assert detect_format(paths) == "uk" and detect_format(paths[::-1]) == "uk"
    fmt, parsed = parse_files(paths)
    assert fmt == "uk" and len(parsed.entries) == 3
    ods = write_ods(tmp_path / "list.ods")
    assert detect_format([ods]) == "uk"
    custom = write(tmp_path / "custom.csv", "id,name", ["1,Acme"])
    assert detect_format([custom]) == "custom"
    assert uk.default_source(paths) == "uk-fcdo"


def test_fixture_ods(tmp_path: Path) -> None:
    parsed = uk.parse([write_ods(tmp_path / "list.ods")])
    assert [e.key for e in parsed.entries] == ["RUS0001", "AFG0001", "RUS0002"]
    person = parsed.entries[0]
    assert (person.name, person.entity_type, person.start_date) == (
        "Dmitry Konstantinovich KISELYOV",
        EntityType.PERSON,
        "2020-12-31",
    )
    assert person.identifiers == () and dict(person.extra)["ofsi_group_id"] == "12944"
    assert parsed.entries[2].entity_type is EntityType.VESSEL
    assert [(p.kind, p.line) for p in parsed.problems] == [("empty_name", 5)]


def test_ods_cell_text_spacing_and_repeats(tmp_path: Path) -> None:
    """``text:s`` is a space; a repeated value fills several columns; empty padding is not
    expanded; a date-typed cell gives its ISO value."""
    row = (
        "<table:table-row>"
        + _cell("UKR0001")
        + '<table:table-cell table:number-columns-repeated="2"/>'
        + '<table:table-cell office:value-type="string"><text:p>Ivan<text:s/>'
        "<text:span>PETROV</text:span></text:p></table:table-cell>"
        + _cell("Russia")
        + _cell("Individual")
        + _cell("UK")
        + '<table:table-cell office:value-type="date" office:date-value="2022-03-15T00:00:00">'
        "<text:p>15/03/2022</text:p></table:table-cell>"
        "</table:table-row>"
    )
    header = content_xml([ODS_HEADER])
    content = header.replace("</table:table-row>", "</table:table-row>" + row, 1)
    # shift: the empty cells before Name make Name the 4th column -> use a header to match
    content = content.replace(_cell("OFSI Group ID"), _cell("OFSI Group ID") + _cell("Spare"), 1)
    parsed = uk.parse([write_ods(tmp_path / "x.ods", content=content)])
    (entry,) = parsed.entries
    assert entry.name == "Ivan PETROV" and entry.start_date == "2022-03-15"
    assert entry.identifiers == ()


# ============================================================================ errors
def _error(paths: list[Path]) -> ListFormatError:
    with pytest.raises(ListFormatError) as caught:
        uk.parse(paths)
    return caught.value


@pytest.mark.parametrize(
    ("subjects", "line", "field", "text"),
    [
        ([*SUBJECT_ROWS, ",entity,,1,01/01/2020,01/01/2020"], 5, "unique_id", "empty unique_id"),
        ([*SUBJECT_ROWS, "RUS0001,entity,,1,,"], 5, "unique_id", "duplicate unique_id"),
        ([*SUBJECT_ROWS, "RUS0009,robot,,1,,"], 5, "subject_type", "unknown subject type"),
        ([*SUBJECT_ROWS, "RUS0009,entity,,1"], 5, "date_designated", "may be truncated"),
        ([*SUBJECT_ROWS, "RUS0009,entity,,1,,,extra"], 5, "(column 7)", "expected 6 columns"),
    ],
)
def test_subjects_errors(tmp_path: Path, subjects, line, field, text) -> None:  # type: ignore[no-untyped-def]
    error = _error(write_set(tmp_path, subjects=subjects))
    assert error.path.endswith("d.csv") and (error.line, error.field) == (line, field)
    assert text in error.message and error.exit_code == 2


@pytest.mark.parametrize(
    ("names", "line", "field", "text"),
    [
        ([*NAME_ROWS, "9,RUS0001,nickname,,X,X,,,,,"], 10, "name_type", "unknown name type"),
        ([*NAME_ROWS, "9,RUS0001,alias,,,,,,,,"], 10, "name_6", "are all empty"),
        ([*NAME_ROWS, "9,,alias,,X,X,,,,,"], 10, "unique_id", "empty unique_id"),
        ([*NAME_ROWS, '9,RUS0001,alias,,"X,X,,,,,'], 10, None, "malformed CSV"),
    ],
)
def test_names_errors(tmp_path: Path, names, line, field, text) -> None:  # type: ignore[no-untyped-def]
    error = _error(write_set(tmp_path, names=names))
    assert error.path.endswith("b.csv") and (error.line, error.field) == (line, field)
    assert text in error.message


def test_missing_required_column_is_named(tmp_path: Path) -> None:
    path = write(tmp_path / "names.csv", "unique_id,name_type,full_name", ["RUS0001,primary,X"])
    error = _error([path, write(tmp_path / "s.csv", SUBJECTS, SUBJECT_ROWS)])
    assert (error.line, error.field) == (1, "name_6") and "missing required column" in error.message


def test_unknown_header_is_refused(tmp_path: Path) -> None:
    error = _error([write(tmp_path / "x.csv", "foo,bar", ["1,2"])])
    assert error.line == 1 and "not a file of the UK Sanctions List CSV set" in error.message


def test_set_without_names_or_with_two_subjects_files(tmp_path: Path) -> None:
    subjects = write(tmp_path / "s.csv", SUBJECTS, SUBJECT_ROWS)
    assert "needs a names file" in _error([subjects]).message
    again = write(tmp_path / "s2.csv", SUBJECTS, SUBJECT_ROWS)
    names = write(tmp_path / "n.csv", NAMES, NAME_ROWS)
    error = _error([subjects, names, again])
    assert error.path.endswith("s2.csv") and "a second subjects file" in error.message


def test_subject_without_a_name_is_an_error(tmp_path: Path) -> None:
    error = _error(write_set(tmp_path, subjects=[*SUBJECT_ROWS, "RUS0003,entity,,,,"]))
    assert error.path.endswith("d.csv") and (error.line, error.field) == (5, "unique_id")
    assert "has no name in b.csv" in error.message


def test_bad_dates_are_problems_not_errors(tmp_path: Path) -> None:
    subjects = [SUBJECT_ROWS[0].replace("31/12/2020", "31/13/2020"), *SUBJECT_ROWS[1:]]
    dobs = ["1,RUS0001,19x4,,,year_only,", "2,RUS0001,1954,13,01,exact,", "3,RUS0001,1954,,,exact,"]
    parsed = uk.parse(write_set(tmp_path, subjects=subjects, dobs=dobs))
    person = parsed.entries[0]
    assert person.start_date is None and person.dates_of_birth == ("1954",)
    bad = [p for p in parsed.problems if p.kind == "bad_date"]
    assert {(Path(p.path).name, p.line) for p in bad} == {
        ("d.csv", 2),
        ("c.csv", 2),
        ("c.csv", 3),
        ("c.csv", 4),
    }


def test_unknown_alias_strength_is_a_problem(tmp_path: Path) -> None:
    names = [*NAME_ROWS, "9,RUS0001,alias,medium,Dimitri K,Dimitri K,,,,,"]
    parsed = uk.parse(write_set(tmp_path, names=names))
    assert parsed.entries[0].aliases[-1].kind is AliasKind.AKA
    assert [p.line for p in parsed.problems if p.kind == "unknown_alias_strength"] == [10]


def test_bad_bytes_name_file_and_line(tmp_path: Path) -> None:
    paths = write_set(tmp_path)
    paths[1].write_bytes(paths[1].read_bytes() + b"9,RUS0001,alias,,\xff\xfe,,,,,,\n")
    error = _error(paths)
    assert error.path.endswith("b.csv") and error.line == 10 and "utf-8" in error.message
    paths[1].write_bytes(b"\x00\x01binary")
    assert "binary content" in _error(paths).message


@pytest.mark.parametrize(
    ("rows", "line", "field", "text"),
    [
        (
            [*ODS_ROWS, ["RUS0001", "1", "Again", "Russia", "Entity", "UK", "", ""]],
            6,
            "Unique ID",
            "duplicate Unique ID",
        ),
        (
            [*ODS_ROWS, ["RUS0009", "1", "Robot", "Russia", "Robot", "UK", "", ""]],
            6,
            "Type",
            "unknown subject type",
        ),
        (
            [*ODS_ROWS, ["", "1", "Nobody", "Russia", "Entity", "UK", "", ""]],
            6,
            "Unique ID",
            "empty Unique ID",
        ),
        (
            [*ODS_ROWS, ["RUS0009", "1", "X", "Russia", "Entity", "UK", "", "", "stray"]],
            6,
            "(column 9)",
            "beyond the header",
        ),
    ],
)
def test_ods_row_errors(tmp_path: Path, rows, line, field, text) -> None:  # type: ignore[no-untyped-def]
    error = _error([write_ods(tmp_path / "list.ods", rows)])
    assert error.path.endswith("list.ods") and (error.line, error.field) == (line, field)
    assert text in error.message


def test_ods_missing_column_and_wrong_container(tmp_path: Path) -> None:
    header = [h for h in ODS_HEADER if h != "Name"]
    content = content_xml([header, ["RUS0001", "1", "Russia", "Individual", "UK", "", ""]])
    error = _error([write_ods(tmp_path / "a.ods", content=content)])
    assert (error.line, error.field) == (1, "Name")
    error = _error([write_ods(tmp_path / "b.ods", mimetype=b"application/zip")])
    assert "wrong mimetype" in error.message
    plain = tmp_path / "c.ods"
    plain.write_text("Unique ID,Name\n")
    assert "not a readable ODS" in _error([plain]).message
    no_content = tmp_path / "d.ods"
    with zipfile.ZipFile(no_content, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
    assert "content.xml is missing" in _error([no_content]).message
    ods = write_ods(tmp_path / "e.ods")
    csv_file = write(tmp_path / "f.csv", SUBJECTS, SUBJECT_ROWS)
    assert "one file on its own" in _error([ods, csv_file]).message
    whole = content_xml([ODS_HEADER, *ODS_ROWS])
    broken = whole[: whole.index("AFG0001")]  # cut inside the third row
    error = _error([write_ods(tmp_path / "g.ods", content=broken)])
    assert "malformed content.xml" in error.message and error.line == 3


def test_ods_entity_expansion_is_refused(tmp_path: Path) -> None:
    prolog = '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    content = content_xml(
        [ODS_HEADER, ["RUS0001", "1", "&b;", "R", "Entity", "", "", ""]], prolog=prolog
    )
    error = _error([write_ods(tmp_path / "x.ods", content=content)])
    assert "forbidden XML construct" in error.message


@pytest.mark.parametrize("encoding", ["UTF-1", "UTF-16"])
def test_ods_with_an_unknown_or_wrong_xml_encoding_is_refused(tmp_path: Path, encoding) -> None:  # type: ignore[no-untyped-def]
    """Found by fuzzing: an unknown ``encoding`` in the XML declaration raised LookupError."""
    content = content_xml([ODS_HEADER, *ODS_ROWS]).replace("UTF-8", encoding, 1)
    error = _error([write_ods(tmp_path / "x.ods", content=content)])
    assert "x.ods" in error.message and "encoding" in error.message


def test_ods_zip_bomb_is_refused_before_parsing(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A content.xml that unpacks far beyond the limit: refused on its declared size, and
    refused while streaming when the declared size lies."""
    monkeypatch.setattr(uk, "MAX_CONTENT_BYTES", 1 << 20)
    padding = " " * (8 << 20)  # 8 MiB of spaces compress to a few KiB
    content = content_xml([ODS_HEADER, *ODS_ROWS]).replace(
        "<office:body>", padding + "<office:body>"
    )
    bomb = write_ods(tmp_path / "bomb.ods", content=content)
    assert bomb.stat().st_size < 100_000
    error = _error([bomb])
    assert "content.xml unpacks to 8,3" in error.message and "zip bomb" in error.message

    # The same archive with content.xml's declared size rewritten to 1,000 bytes.
    data = bytearray(bomb.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("content.xml")
    real_size = info.file_size
    local = info.header_offset
    struct.pack_into("<I", data, local + 22, 1000)
    central = data.rfind(b"PK\x01\x02", 0)
    while central >= 0:
        name_len = struct.unpack_from("<H", data, central + 28)[0]
        if data[central + 46 : central + 46 + name_len] == b"content.xml":
            struct.pack_into("<I", data, central + 24, 1000)
        central = data.rfind(b"PK\x01\x02", 0, central)
    liar = tmp_path / "liar.ods"
    liar.write_bytes(bytes(data))
    assert real_size > uk.MAX_CONTENT_BYTES
    error = _error([liar])  # zipfile stops at the declared size: CRC mismatch, refused
    assert "liar.ods" in error.message


def test_bounded_stream_stops_past_its_limit() -> None:
    stream = uk._Bounded(io.BytesIO(b"x" * 100), 50)
    assert stream.read(40) == b"x" * 40
    with pytest.raises(uk._TooLargeError):
        stream.read(40)


# ============================================================================ hostile input
@pytest.mark.shared
def test_hostile_input_only_raises_bad_input(real_dir: Path, tmp_path: Path) -> None:
    """Random bytes, truncated real files and byte-flipped ODS archives: parsed or refused
    with a BadInputError, never another exception."""
    rng = random.Random(20261201)
    sources = [
        real_dir / "covyr_uk_sanctions_subjects.csv",
        real_dir / "covyr_uk_sanctions_subject_names.csv",
        real_dir / "UK_Sanctions_List_FCDO_2025-08-11.ods",
    ]
    originals = {p.name: p.read_bytes() for p in sources}
    outcomes: Counter[str] = Counter()
    for attempt in range(60):
        name, data = rng.choice(sorted(originals.items()))
        mode = attempt % 3
        if mode == 0:
            blob = bytes(rng.getrandbits(8) for _ in range(rng.randrange(1, 4096)))
            if name.endswith(".ods"):
                blob = b"PK\x03\x04" + blob
        elif mode == 1:
            blob = data[: rng.randrange(1, len(data))]
        else:
            flipped = bytearray(data)
            for _ in range(rng.randrange(1, 8)):
                flipped[rng.randrange(len(flipped))] = rng.getrandbits(8)
            blob = bytes(flipped)
        target = tmp_path / f"{attempt}-{name}"
        target.write_bytes(blob)
        paths = [target]
        if name.endswith("subjects.csv"):
            paths.append(real_dir / "covyr_uk_sanctions_subject_names.csv")
        elif name.endswith("names.csv"):
            paths.append(real_dir / "covyr_uk_sanctions_subjects.csv")
        try:
            uk.parse(paths)
            outcomes["parsed"] += 1
        except BadInputError:
            outcomes["refused"] += 1
    assert outcomes["refused"] >= 20


def test_random_bytes_without_shared_files(tmp_path: Path) -> None:
    rng = random.Random(7)
    for attempt in range(40):
        blob = bytes(rng.getrandbits(8) for _ in range(rng.randrange(1, 2048)))
        path = tmp_path / (f"{attempt}.ods" if attempt % 2 else f"{attempt}.csv")
        path.write_bytes(blob)
        with pytest.raises(BadInputError):
            uk.parse([path])
    inner = tmp_path / "inner.ods"
    write_ods(inner, content=bytes(rng.getrandbits(8) for _ in range(4096)))
    with pytest.raises(ListFormatError):
        uk.parse([inner])


# ============================================================================ versions
@pytest.fixture
def service(db) -> ListService:  # type: ignore[no-untyped-def]
    return ListService(db.sessions, actor="tester")


def test_versions_and_diff_through_the_service(service: ListService, tmp_path: Path) -> None:
    v1 = write_set(tmp_path / "v1")
    first = service.load(v1, fmt="uk")
    assert (first.source, first.status, first.seq, first.entry_count) == ("uk-fcdo", "loaded", 1, 3)
    assert first.alias_count == 3
    assert {p["kind"] for p in first.problems} >= {"orphan_names", "orphan_dobs"}
    again = service.load(write_set(tmp_path / "again"), fmt="uk")
    assert again.status == "unchanged" and again.seq == 1

    names = [*NAME_ROWS, "9,RUS0001,alias,good_quality_aka,Dmitri Kiselev,Kiselev,Dmitri,,,,"]
    subjects = [*SUBJECT_ROWS[:2], "BEL0174,individual,,16744,27/01/2025,03/09/2025"]
    names = [n for n in names if ",RUS0002," not in n] + [
        "10,BEL0174,primary,,Pavel Ivanovich KAZAKOV,KAZAKOV,Pavel,Ivanovich,,,"
    ]
    v2 = write_set(tmp_path / "v2", subjects=subjects, names=names)
    second = service.load(v2, fmt="uk", policy=None)  # 1 of 3 removed: version mechanics only
    assert second.status == "loaded" and second.seq == 2
    assert second.diff_counts == {"added": 1, "removed": 1, "changed": 1, "unchanged": 1}
    diff = service.diff("uk-fcdo")
    assert [e.key for e in diff.added] == ["BEL0174"]
    assert [e.key for e in diff.removed] == ["RUS0002"]
    assert [(c.key, c.fields) for c in diff.changed] == [("RUS0001", ("aliases",))]


@pytest.mark.shared
def test_real_set_loads_as_a_version(service: ListService, real_dir: Path) -> None:
    result = service.load(sorted(real_dir.glob("covyr_uk_sanctions_*.csv")))
    assert (result.source, result.format, result.entry_count, result.alias_count) == (
        "uk-fcdo",
        "uk",
        6_046,
        8_970,
    )
    (status,) = service.status()
    assert status.published == "2026-04-29" and status.entry_count == 6_046


# ============================================================================ CLI
def test_cli_loads_a_detected_set_and_refuses_a_bad_one_with_exit_2(env: Path) -> None:
    import json

    from typer.testing import CliRunner

    from compliance.cli import app

    runner = CliRunner()
    paths = [str(p) for p in write_set(env / "v1")]
    result = runner.invoke(app, ["lists", "load", *paths, "--json"])
    assert result.exit_code == 0, result.output
    loaded = json.loads(result.stdout)
    loaded = loaded[0] if isinstance(loaded, list) else loaded
    assert (loaded["source"], loaded["format"], loaded["entries"]) == ("uk-fcdo", "uk", 3)
    bad = write_set(env / "bad", subjects=[*SUBJECT_ROWS, "RUS0009,robot,,1,,"])
    result = runner.invoke(app, ["lists", "load", *map(str, bad), "--format", "uk"])
    assert result.exit_code == 2
    assert "d.csv, line 5, field 'subject_type'" in result.stderr


def test_a_partial_uk_set_needs_allow_partial(env: Path) -> None:
    from typer.testing import CliRunner

    from compliance.cli import app

    runner = CliRunner()
    partial = write_set(env / "v1", dobs=None, ids=None)  # subjects and names only
    result = runner.invoke(app, ["lists", "load", *map(str, partial), "--format", "uk"])
    assert result.exit_code == 2, result.output
    assert "partial file set" in result.stderr and "--allow-partial" in result.stderr
    result = runner.invoke(
        app, ["lists", "load", *map(str, partial), "--format", "uk", "--allow-partial"]
    )
    assert result.exit_code == 0, result.output
