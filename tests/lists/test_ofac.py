"""The OFAC legacy CSV loader: the real SDN and consolidated snapshots, and bad input.

The expected counts below were determined independently of the loader, with awk/grep and a
plain ``csv`` script over the shared files (../shared/data/lists/ofac):

* SDN primary rows: ``wc -l`` = 14,965 (the README agrees), 12 columns each; SDN_Type:
  6,854 individual, 6,884 empty (organisations), 851 vessel, 376 aircraft.
* alt rows: 20,107 = 17,647 whose ent_num is in sdn.csv + 2,460 orphans (ent_num not there).
* add rows: 24,244 = 19,351 attached + 4,893 orphans; of the attached, 2,556 are OFAC's
  all-``-0-`` placeholder rows (no address at all), leaving 16,795 addresses.
* sdn_comments rows: 28 = 22 attached + 6 orphans.
* weak aliases (``a.k.a. '...'`` items of Remarks after appending comments, unique per
  entry, counted by splitting on ";"): 3,695 for SDN, 72 for cons.
* cons: 442 entries; 1,073 aliases, no orphans; 574 address rows of which 52 placeholders
  (522 addresses); 10 comments. List codes from the Program column: SSI 286
  (UKRAINE-EO13662 in 197 + 86 + 2 + 1 rows), PLC 78, CMIC 68, NS-MBS 9, CAP 1.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from compliance.errors import ListFormatError
from compliance.lists import ofac
from compliance.model import (
    Address,
    Alias,
    AliasKind,
    EntityType,
    Identifier,
    ListEntry,
    ParsedList,
)

SDN_FILES = (
    "sdn_2024-05-03.csv",
    "alt_watchman-2025-12.csv",
    "add_watchman-2025-12.csv",
    "sdn_comments_watchman-2025-12.csv",
)
CONS_FILES = (
    "cons_prim_watchman.csv",
    "cons_alt_watchman.csv",
    "cons_add_watchman.csv",
    "cons_comments_watchman.csv",
)


@pytest.fixture(scope="module")
def sdn(shared_lists: Path) -> ParsedList:
    return ofac.parse([shared_lists / "ofac" / name for name in SDN_FILES])


@pytest.fixture(scope="module")
def cons(shared_lists: Path) -> ParsedList:
    return ofac.parse([shared_lists / "ofac" / name for name in CONS_FILES])


def _by_key(parsed: ParsedList) -> dict[str, ListEntry]:
    return {e.key: e for e in parsed.entries}


def _problems(parsed: ParsedList) -> dict[str, int]:
    return {p.kind: p.count for p in parsed.problems}


# --- the real SDN set ------------------------------------------------------------------------


@pytest.mark.shared
def test_sdn_counts(sdn: ParsedList) -> None:
    assert sdn.format == "ofac"
    assert len(sdn.entries) == 14_965
    assert sdn.stats["entries"] == 14_965
    assert sdn.stats["aliases"] == 17_647
    assert sdn.stats["weak_aliases"] == 3_695
    assert sdn.alias_count == 17_647 + 3_695
    assert sdn.stats["addresses"] == 16_795 == sdn.address_count
    assert sdn.stats["empty_addresses"] == 2_556
    assert sdn.stats["comments"] == 22
    assert sdn.stats["orphan_aliases"] == 2_460
    assert sdn.stats["orphan_addresses"] == 4_893
    assert sdn.stats["orphan_comments"] == 6
    assert Counter(e.entity_type for e in sdn.entries) == {
        EntityType.PERSON: 6_854,
        EntityType.ORGANIZATION: 6_884,
        EntityType.VESSEL: 851,
        EntityType.AIRCRAFT: 376,
    }
    assert {e.list_code for e in sdn.entries} == {"SDN"}
    assert len({e.key for e in sdn.entries}) == 14_965
    assert sdn.published is None


@pytest.mark.shared
def test_sdn_orphans_are_reported_not_dropped(sdn: ParsedList) -> None:
    problems = _problems(sdn)
    assert problems["orphan_alias"] == 2_460
    assert problems["orphan_address"] == 4_893
    assert problems["orphan_comment"] == 6
    # The 2025 comments file continues five 2024 Remarks that were not cut at 1,000 chars.
    assert problems["comment_mismatch"] == 5
    assert "no_eof_marker" not in problems
    orphan = next(p for p in sdn.problems if p.kind == "orphan_comment")
    assert orphan.path.endswith("sdn_comments_watchman-2025-12.csv")
    assert "17016" in orphan.message and "43421" in orphan.message


@pytest.mark.shared
def test_sdn_organisation_with_aliases_and_addresses(sdn: ParsedList) -> None:
    entry = _by_key(sdn)["306"]
    assert entry.name == "BANCO NACIONAL DE CUBA"
    assert entry.entity_type is EntityType.ORGANIZATION
    assert entry.programs == ("CUBA",)
    assert entry.aliases == (
        Alias("NATIONAL BANK OF CUBA", AliasKind.AKA),
        Alias("BNC", AliasKind.WEAK),  # from Remarks: a.k.a. 'BNC'
    )
    assert entry.addresses[0] == Address("Zweierstrasse 35, Zurich CH-8022, Switzerland", "CH")
    assert entry.countries == ("CH", "ES", "JP", "PA")
    assert entry.source_url == "https://sanctionssearch.ofac.treas.gov/"


@pytest.mark.shared
def test_sdn_individual_with_dob_passport_and_title(sdn: ParsedList) -> None:
    entry = _by_key(sdn)["2676"]
    assert entry.name == "AL ZAWAHIRI, Dr. Ayman"
    assert entry.entity_type is EntityType.PERSON
    assert entry.title == "Operational and Military Leader of JIHAD GROUP"
    assert entry.dates_of_birth == ("1951-06-19",)
    assert entry.identifiers == (
        Identifier("passport", "1084010", "EG"),
        Identifier("passport", "19820215", None),
    )
    assert Alias("SALIM, Ahmad Fuad", AliasKind.AKA) in entry.aliases
    ranged = _by_key(sdn)["15962"]  # DOB 01 Jan 1961 to 31 Dec 1962; nationality Iran
    assert ranged.dates_of_birth == ("1961-01-01/1962-12-31",)
    assert ranged.nationalities == ("IR",)


@pytest.mark.shared
def test_sdn_vessels_and_aircraft(sdn: ParsedList) -> None:
    by_key = _by_key(sdn)
    ebano = by_key["4243"]
    assert ebano.entity_type is EntityType.VESSEL
    assert ebano.identifiers == (Identifier("imo", "7406784"),)
    assert ebano.aliases == (
        Alias("ANA I", AliasKind.WEAK),  # f.k.a. 'ANA I' in Remarks
        Alias("SAND SWAN", AliasKind.WEAK),
    )
    assert ("vessel_flag", "Panama") in ebano.extra
    tifon = by_key["4249"]
    assert Identifier("call_sign", "CL2059") in tifon.identifiers
    aircraft = by_key["15431"]
    assert aircraft.entity_type is EntityType.AIRCRAFT
    assert Identifier("aircraft_msn", "1023409321") in aircraft.identifiers


@pytest.mark.shared
def test_sdn_comment_overflow_is_appended(sdn: ParsedList) -> None:
    entry = _by_key(sdn)["28263"]  # Remarks cut at 1,000 chars mid-alias: "... 'snowsjo"
    remarks = entry.remarks
    assert remarks is not None and len(remarks) > 1000
    assert "a.k.a. 'snowsjohn'; Linked To: LAZARUS GROUP." in remarks
    assert Alias("snowsjohn", AliasKind.WEAK) in entry.aliases


# --- the real consolidated (non-SDN) set -----------------------------------------------------


@pytest.mark.shared
def test_cons_counts_and_list_codes(cons: ParsedList) -> None:
    assert len(cons.entries) == 442
    assert cons.stats["aliases"] == 1_073
    assert cons.stats["weak_aliases"] == 72
    assert cons.stats["addresses"] == 522
    assert cons.stats["empty_addresses"] == 52
    assert cons.stats["comments"] == 10
    assert cons.stats["orphan_aliases"] == 0
    assert cons.stats["orphan_addresses"] == 0
    assert cons.stats["orphan_comments"] == 0
    assert cons.problems == ()
    assert Counter(e.list_code for e in cons.entries) == {
        "SSI": 286,
        "PLC": 78,
        "CMIC": 68,
        "NS-MBS": 9,
        "CAP": 1,
    }


@pytest.mark.shared
def test_cons_spot_checks(cons: ParsedList) -> None:
    by_key = _by_key(cons)
    sber = by_key["17018"]
    assert sber.name == "PUBLIC JOINT STOCK COMPANY SBERBANK OF RUSSIA"
    assert sber.list_code == "SSI"
    assert sber.programs == ("UKRAINE-EO13662", "RUSSIA-EO14024")
    assert Alias("SBERBANK ROSSII OAO", AliasKind.FKA) in sber.aliases
    # These two weak aliases are only in the comments overflow.
    assert Alias("SBERBANK INDIA", AliasKind.WEAK) in sber.aliases
    assert Identifier("tax_id", "7707083893", "RU") in sber.identifiers
    assert Identifier("registration", "1027700132195", "RU") in sber.identifiers
    assert sber.addresses[0] == Address("19 ul. Vavilova, Moscow 117312, Russia", "RU")

    zahhar = by_key["9647"]
    assert zahhar.list_code == "PLC"
    assert zahhar.programs == ("SDGT", "NS-PLC")
    assert zahhar.addresses == (Address("Region: Gaza", "PS"),)
    assert zahhar.dates_of_birth == ("1945",)

    assert by_key["15268"].list_code == "CAP"
    martelly = by_key["50476"]
    assert martelly.list_code == "NS-MBS"
    assert Alias("Sweet Micky", AliasKind.WEAK) in martelly.aliases
    assert martelly.dates_of_birth == ("1961-02-12",)
    assert Identifier("national_id", "0032768386", "HT") in martelly.identifiers


@pytest.mark.shared
def test_shared_files_are_complete(shared_lists: Path) -> None:
    for name in SDN_FILES + CONS_FILES:
        assert ofac.looks_complete((shared_lists / "ofac" / name).read_bytes()), name


@pytest.mark.shared
def test_real_file_cut_short(shared_lists: Path, tmp_path: Path) -> None:
    data = (shared_lists / "ofac" / SDN_FILES[0]).read_bytes()
    cut = data[: len(data) // 2]  # a download that stopped half-way, mid-record
    assert not ofac.looks_complete(cut)
    path = tmp_path / "sdn.csv"
    path.write_bytes(cut)
    with pytest.raises(ListFormatError) as info:
        ofac.parse([path])
    assert info.value.line == cut.count(b"\n") + 1  # the last, partial record


def test_default_source() -> None:
    assert ofac.default_source([Path("sdn.csv"), Path("alt.csv")]) == "us-ofac-sdn"
    assert ofac.default_source([Path("cons_prim.csv")]) == "us-ofac-cons"


# --- small files ---------------------------------------------------------------------------


def _write(path: Path, lines: list[str], *, eof: bool = True, encoding: str = "utf-8") -> Path:
    body = "".join(line + "\r\n" for line in lines).encode(encoding)
    path.write_bytes(body + (b"\x1a" if eof else b""))
    return path


def _sdn_row(ent_num: str, name: str, sdn_type: str = "-0- ", remarks: str = "-0- ") -> str:
    empty = ",".join(["-0- "] * 7)
    return f'{ent_num},"{name}",{sdn_type},"CUBA",{empty},{remarks}'


def test_small_set_with_orphans(tmp_path: Path) -> None:
    sdn = _write(
        tmp_path / "sdn.csv",
        [
            _sdn_row("1", "ACME TRADING", remarks="\"a.k.a. ''FOOPIE''; a.k.a. ''ABD AL-X'.\""),
            _sdn_row("2", "DOE, John", '"individual"', '"DOB circa 1965-1969; citizen Iran."'),
        ],
    )
    alt = _write(
        tmp_path / "alt.csv",
        ['1,10,"fka","OLD ACME",-0- ', '7,11,"aka","NOBODY",-0- ', '8,12,"aka","NOONE",-0- '],
    )
    add = _write(
        tmp_path / "add.csv",
        [
            '2,20,"1 Main St","Tehran","Iran",-0- ',
            "2,21,-0- ,-0- ,-0- ,-0- ",
            '9,22,-0- ,-0- ,"Cuba",-0- ',
        ],
    )
    parsed = ofac.parse([sdn, alt, add])
    acme, doe = parsed.entries
    assert acme.aliases == (
        Alias("OLD ACME", AliasKind.FKA),
        Alias("FOOPIE", AliasKind.WEAK),  # a quoted nickname loses its quotes
        Alias("'ABD AL-X", AliasKind.WEAK),  # a leading apostrophe is part of the name
    )
    assert acme.entity_type is EntityType.ORGANIZATION
    assert doe.entity_type is EntityType.PERSON
    assert doe.dates_of_birth == ("1965/1969",)
    assert doe.nationalities == ("IR",)
    assert doe.addresses == (Address("1 Main St, Tehran, Iran", "IR"),)
    assert doe.countries == ("IR",)
    assert parsed.stats["orphan_aliases"] == 2
    assert parsed.stats["orphan_addresses"] == 1
    assert parsed.stats["empty_addresses"] == 1
    problems = {p.kind: p for p in parsed.problems}
    assert problems["orphan_alias"].count == 2
    assert "7" in problems["orphan_alias"].message and "8" in problems["orphan_alias"].message
    assert problems["orphan_address"].count == 1
    assert problems["orphan_address"].path == str(add)


def test_comment_overflow_is_glued_exactly(tmp_path: Path) -> None:
    remarks = "x" * 992 + "; Passpo"  # exactly 1,000 characters, cut mid-word
    assert len(remarks) == 1000
    sdn = _write(tmp_path / "sdn.csv", [_sdn_row("5", "ACME", remarks=f'"{remarks}"')])
    comments = _write(tmp_path / "sdn_comments.csv", ['5,"rt A123 (Cuba)."'])
    (entry,) = ofac.parse([sdn, comments]).entries
    assert entry.remarks == remarks + "rt A123 (Cuba)."
    assert entry.identifiers == (Identifier("passport", "A123", "CU"),)


def test_missing_eof_marker_is_a_problem_not_an_error(tmp_path: Path) -> None:
    sdn = _write(tmp_path / "sdn.csv", [_sdn_row("1", "ACME")], eof=False)
    parsed = ofac.parse([sdn])
    assert len(parsed.entries) == 1
    assert [p.kind for p in parsed.problems] == ["no_eof_marker"]
    assert not ofac.looks_complete(sdn.read_bytes())


def test_looks_complete() -> None:
    assert ofac.looks_complete(b'1,"A",-0- \r\n\x1a')
    assert ofac.looks_complete(b'1,"A",-0- \r\n\x1a\r\n')
    assert not ofac.looks_complete(b'1,"A",-0- \r\n')
    assert not ofac.looks_complete(b'1,"A",-0- \r\n2,"B')
    assert not ofac.looks_complete(b"\x1a")
    assert not ofac.looks_complete(b"")


def test_truncated_inside_a_quoted_field(tmp_path: Path) -> None:
    rows = _sdn_row("1", "ACME") + "\r\n" + _sdn_row("2", "BETA") + "\r\n"
    path = tmp_path / "sdn.csv"
    path.write_bytes((rows + '3,"HALF A NA').encode())
    with pytest.raises(ListFormatError) as info:
        ofac.parse([path])
    assert info.value.line == 3
    assert str(path) in str(info.value) and "line 3" in str(info.value)


def test_truncated_between_fields(tmp_path: Path) -> None:
    path = tmp_path / "sdn.csv"
    path.write_bytes((_sdn_row("1", "ACME") + '\r\n2,"BETA",-0- ,"CUBA",-0- ').encode()[:-12])
    with pytest.raises(ListFormatError) as info:
        ofac.parse([path])
    assert info.value.line == 2
    assert info.value.field == "Program"  # the first missing column
    assert "expected 12 columns" in str(info.value)


def test_wrong_column_count_names_file_line_and_field(tmp_path: Path) -> None:
    rows = [_sdn_row("1", "A"), _sdn_row("2", "B"), _sdn_row("3", "C") + ",-0- "]
    path = _write(tmp_path / "sdn.csv", rows)
    with pytest.raises(ListFormatError) as info:
        ofac.parse([path])
    err = info.value
    assert (err.path, err.line, err.field) == (str(path), 3, "Remarks")
    assert f"{path}, line 3, field 'Remarks'" in str(err)
    assert "found 13" in str(err)


def test_line_numbers_count_physical_lines(tmp_path: Path) -> None:
    # A quoted field may hold a newline; the bad record then starts on line 3, not 2.
    rows = [_sdn_row("1", "A", remarks='"two\r\nlines"'), '2,"B",-0- ']
    path = _write(tmp_path / "sdn.csv", rows)
    with pytest.raises(ListFormatError) as info:
        ofac.parse([path])
    assert info.value.line == 3


def test_non_integer_ent_num(tmp_path: Path) -> None:
    path = _write(tmp_path / "alt.csv", ['1,10,"aka","X",-0- ', 'A7,11,"aka","Y",-0- '])
    sdn = _write(tmp_path / "sdn.csv", [_sdn_row("1", "ACME")])
    with pytest.raises(ListFormatError) as info:
        ofac.parse([sdn, path])
    assert (info.value.path, info.value.line, info.value.field) == (str(path), 2, "ent_num")


def test_duplicate_ent_num(tmp_path: Path) -> None:
    path = _write(tmp_path / "sdn.csv", [_sdn_row("1", "A"), _sdn_row("1", "B")])
    with pytest.raises(ListFormatError, match=r"duplicate ent_num 1 \(first on line 1\)") as info:
        ofac.parse([path])
    assert info.value.line == 2


def test_wrong_encoding(tmp_path: Path) -> None:
    rows = [_sdn_row("1", "ACME"), _sdn_row("2", "CAFÉ NOIR")]
    path = _write(tmp_path / "sdn.csv", rows, encoding="cp1252")
    with pytest.raises(ListFormatError, match=r"not valid utf-8 \(byte 0xc9") as info:
        ofac.parse([path])
    assert info.value.line == 2


def test_csl_file_given_as_sdn(tmp_path: Path) -> None:
    header = (
        "_id,source,entity_number,type,programs,name,title,addresses,federal_register_notice,"
        "start_date,end_date,standard_order,license_requirement,license_policy,call_sign,"
        "vessel_type,gross_tonnage,gross_registered_tonnage,vessel_flag,vessel_owner,remarks,"
        "source_list_url,alt_names,citizenships,dates_of_birth,nationalities,places_of_birth,"
        "source_information_url,ids"
    )
    path = tmp_path / "sdn.csv"
    path.write_text(header + "\n" + "x," * 28 + "x\n", encoding="utf-8")
    with pytest.raises(ListFormatError, match="header row") as info:
        ofac.parse([path])
    assert info.value.line == 1
    assert "not an OFAC legacy CSV file" in str(info.value)


def test_unrecognised_file_name(tmp_path: Path) -> None:
    path = _write(tmp_path / "consolidated.csv", [_sdn_row("1", "A")])
    with pytest.raises(ListFormatError, match="cannot tell the OFAC file's role"):
        ofac.parse([path])
    with pytest.raises(ListFormatError, match="cannot tell"):
        ofac.classify(Path("address.csv"))


def test_file_roles_by_name() -> None:
    sdn, cons = ofac.ListSet.SDN, ofac.ListSet.CONS
    role = ofac.Role
    assert ofac.classify(Path("sdn_2024-05-03.csv")) == (sdn, role.PRIMARY)
    assert ofac.classify(Path("SDN.CSV")) == (sdn, role.PRIMARY)
    assert ofac.classify(Path("sdn_comments_watchman-2025-12.csv")) == (sdn, role.COMMENTS)
    assert ofac.classify(Path("alt_watchman-2025-12.csv")) == (sdn, role.ALT)
    assert ofac.classify(Path("add.csv")) == (sdn, role.ADD)
    assert ofac.classify(Path("cons_prim_watchman.csv")) == (cons, role.PRIMARY)
    assert ofac.classify(Path("cons_alt.csv")) == (cons, role.ALT)
    assert ofac.classify(Path("cons_add.csv")) == (cons, role.ADD)
    assert ofac.classify(Path("cons_comments.csv")) == (cons, role.COMMENTS)


def test_bad_file_sets(tmp_path: Path) -> None:
    with pytest.raises(ListFormatError, match="no OFAC primary file"):
        ofac.parse([tmp_path / "alt.csv"])
    with pytest.raises(ListFormatError, match="mix"):
        ofac.parse([tmp_path / "sdn.csv", tmp_path / "cons_alt.csv"])
    with pytest.raises(ListFormatError, match="two OFAC primary files"):
        ofac.parse([tmp_path / "sdn.csv", tmp_path / "sdn_2.csv"])


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "sdn.csv"
    path.write_bytes(b"\r\n\x1a")
    with pytest.raises(ListFormatError, match="file is empty"):
        ofac.parse([path])


def test_binary_garbage(tmp_path: Path) -> None:
    path = tmp_path / "sdn.csv"
    path.write_bytes(b"PK\x03\x04\x14\x00\x00\x00\x08\x00garbage")
    with pytest.raises(ListFormatError, match="binary content"):
        ofac.parse([path])
    path.write_bytes(bytes(range(0x80, 0x100)))
    with pytest.raises(ListFormatError, match="not valid utf-8"):
        ofac.parse([path])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10 Dec 1948", "1948-12-10"),
        ("Dec 1948", "1948-12"),
        ("1948", "1948"),
        ("circa 1951", "1951"),
        ("1960 to 1962", "1960/1962"),
        ("Mar 1966 to Feb 1967", "1966-03/1967-02"),
        ("circa 1965-1969", "1965/1969"),
        ("01 Jan 1961 to 31 Dec 1962", "1961-01-01/1962-12-31"),
        ("sometime", None),
        ("45 Jan 1960", None),
    ],
)
def test_parse_dob(text: str, expected: str | None) -> None:
    assert ofac.parse_dob(text) == expected


def test_cons_list_code_from_programs(tmp_path: Path) -> None:
    empty = ",".join(["-0- "] * 8)
    rows = [
        f'1,"A",-0- ,"SDGT] [NS-PLC",{empty}',
        f'2,"B",-0- ,"UKRAINE-EO13662] [RUSSIA-EO14024",{empty}',
        f'3,"C",-0- ,"CMIC-EO13959",{empty}',
        f'4,"D",-0- ,"CAATSA - RUSSIA",{empty}',
        f'5,"E",-0- ,"561-Related",{empty}',
        f'6,"F",-0- ,"FSE-IR",{empty}',
        f'7,"G",-0- ,"SOMETHING-NEW",{empty}',
    ]
    parsed = ofac.parse([_write(tmp_path / "cons_prim.csv", rows)])
    assert [e.list_code for e in parsed.entries] == [
        "PLC",
        "SSI",
        "CMIC",
        "NS-MBS",
        "CAP",
        "FSE",
        "CONS",
    ]
    assert parsed.entries[0].programs == ("SDGT", "NS-PLC")
    assert [p.kind for p in parsed.problems] == ["unknown_list_code"]


def test_control_character_is_refused_naming_the_column(tmp_path: Path) -> None:
    """Issue 8, item 11: a C0 control in a name is refused (file, line, column), not loaded."""
    for char in ("\x00", "\x02", "\x1f"):
        sdn = _write(
            tmp_path / "sdn.csv",
            [_sdn_row("1", "GOOD CO"), _sdn_row("2", f"EVIL{char} CO")],
        )
        with pytest.raises(ListFormatError) as info:
            ofac.parse([sdn])
        assert (info.value.line, info.value.field) == (2, "SDN_Name")
        assert "refused" in str(info.value)


def test_packed_alias_fields_give_one_alias_each(tmp_path: Path) -> None:
    """Issue 8, item 5: a field packing several names (none in the 2024-25 files) gives one
    alias per name; a name with a ";" inside a quote, or none at all, is kept as given."""
    sdn = _write(
        tmp_path / "sdn.csv",
        [_sdn_row("1", "ACME TRADING", remarks="\"a.k.a. 'FOO ONE; FOO TWO'; a.k.a. 'BAR'.\"")],
    )
    alt = _write(
        tmp_path / "alt.csv",
        ['1,10,"aka","OLD ACME; ACME OLD CO",-0- ', '1,11,"aka","DOUBLE  SPACED  NAME",-0- '],
    )
    (acme,) = ofac.parse([sdn, alt]).entries
    assert acme.aliases == (
        Alias("OLD ACME"),
        Alias("ACME OLD CO"),
        Alias("DOUBLE  SPACED  NAME"),  # one name: exactly as given
        Alias("FOO ONE", AliasKind.WEAK),
        Alias("FOO TWO", AliasKind.WEAK),
        Alias("BAR", AliasKind.WEAK),
    )
