"""The UN Security Council consolidated list loader: the real snapshot and bad input.

Expected counts were determined independently of the loader: ``grep -c`` for
``<INDIVIDUAL>`` (730), ``<ENTITY>`` (273) and ``<QUALITY>Low</QUALITY>`` (615), and a plain
stdlib-ElementTree script for the rest: 3,130 non-empty aliases (2,752 ``ALIAS_NAME`` + 378
``NAME_ORIGINAL_SCRIPT``), 3,120 once exact repeats within an entry are dropped; 811
non-empty address elements, 809 once two exact repeats (DATAIDs 6908406, 114112) are dropped.

Packed fields (issue 8, item 5): 27 ``ALIAS_NAME`` values hold several names separated by
``;`` (``grep -c '<ALIAS_NAME>[^<]*;'``), some as ``Arabic (Latin 1; Latin 2)`` and one with
a ``b)`` enumerator; five alias NOTEs list more spellings; one entity's ``FIRST_NAME`` packs
two names; three address NOTEs enumerate branch offices (``i) ... ii) ...``). Split, the
aliases go from 3,120 to 3,218 (+99 names, less one alias equal to its entry's name) and
the addresses from 809 to 831.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from compliance.errors import ListFormatError
from compliance.lists import un
from compliance.model import (
    Address,
    Alias,
    AliasKind,
    EntityType,
    Identifier,
    ListEntry,
    ParsedList,
)


@pytest.fixture(scope="module")
def parsed(shared_lists: Path) -> ParsedList:
    return un.parse([shared_lists / "un" / "UN_consolidated_watchman.xml"])


@pytest.fixture(scope="module")
def by_key(parsed: ParsedList) -> dict[str, ListEntry]:
    return {e.key: e for e in parsed.entries}


@pytest.mark.shared
def test_counts(parsed: ParsedList) -> None:
    assert parsed.format == "un"
    assert parsed.published == "2026-02-27"
    assert len(parsed.entries) == 1_003
    assert Counter(e.entity_type for e in parsed.entries) == {
        EntityType.PERSON: 730,
        EntityType.ORGANIZATION: 273,
    }
    assert parsed.stats["individuals"] == 730
    assert parsed.stats["entities"] == 273
    assert parsed.alias_count == 3_218  # 3,120 before packed fields were split
    assert parsed.name_count == 1_003 + 3_218 == parsed.stats["names"]
    assert parsed.stats["names_unpacked"] == 99
    assert Counter(a.kind for e in parsed.entries for a in e.aliases) == {
        AliasKind.AKA: 2_576,  # was 2,486: 1,524 Good + 594 a.k.a. + 378 original-script
        AliasKind.WEAK: 623,  # was 615
        AliasKind.FKA: 19,
    }
    assert parsed.address_count == 831  # 809 before enumerated addresses were split
    assert not [n for e in parsed.entries for a in e.aliases for n in [a.name] if ";" in n]
    assert {e.list_code for e in parsed.entries} == {"UN"}
    assert len({e.key for e in parsed.entries}) == 1_003
    assert Counter(e.programs[0] for e in parsed.entries)["Al-Qaida"] == 341
    assert parsed.problems == ()


@pytest.mark.shared
def test_individual_with_low_quality_alias(by_key: dict[str, ListEntry]) -> None:
    entry = by_key["6907995"]
    assert entry.name == "GASTON IYAMUREMYE"
    assert entry.entity_type is EntityType.PERSON
    assert entry.aliases == (
        Alias("Rumuli", AliasKind.WEAK),  # QUALITY Low
        Alias("Byiringiro Victor Rumuli", AliasKind.AKA),
        Alias("Victor Rumuri", AliasKind.AKA),
        Alias("Michel Byiringiro", AliasKind.AKA),
    )
    assert entry.nationalities == ("RW",)
    assert entry.countries == ("RW", "CD")  # nationality, then the address country
    assert entry.dates_of_birth == ("1948",)
    assert entry.programs == ("DRC",)
    assert entry.identifiers == (Identifier("un_reference", "CDi.003"),)
    assert entry.start_date == "2010-12-01"
    assert entry.addresses == (
        Address("North Kivu Province, Democratic Republic of the Congo (as of June 2016)", "CD"),
    )
    assert (
        "designation",
        "FDLR Interim President; FDLR-FOCA 1st Vice-President; FDLR-FOCA Major General",
    ) in entry.extra


@pytest.mark.shared
def test_individual_with_passport_and_full_dob(by_key: dict[str, ListEntry]) -> None:
    entry = by_key["690795"]
    assert entry.name == "TCHAM NA MAN"
    assert entry.aliases == (Alias("Namam", AliasKind.WEAK),)
    assert entry.dates_of_birth == ("1953-02-27",)
    assert entry.nationalities == ("GW",)
    assert entry.identifiers == (
        Identifier("un_reference", "GBi.007"),
        Identifier("passport", "SA0002264", "GW"),
    )
    assert entry.remarks is not None and entry.remarks.startswith("Na Man was listed on")


@pytest.mark.shared
def test_original_script_and_year_ranges(by_key: dict[str, ListEntry]) -> None:
    saddam = by_key["6908048"]
    assert saddam.name == "SADDAM HUSSEIN AL-TIKRITI"
    assert saddam.aliases[0] == Alias("صدام حسين التكريتي", AliasKind.AKA)
    assert saddam.dates_of_birth == ("1937-04-28",)
    assert by_key["6908021"].dates_of_birth == ("1973/1974",)  # BETWEEN 1973 and 1974


@pytest.mark.shared
def test_entity(by_key: dict[str, ListEntry]) -> None:
    adf = by_key["6908402"]
    assert adf.name == "ADF"
    assert adf.entity_type is EntityType.ORGANIZATION
    assert Alias("Allied Democratic Forces", AliasKind.AKA) in adf.aliases
    assert Alias("NALU", AliasKind.FKA) in adf.aliases
    assert adf.addresses == (Address("North Kivu, Democratic Republic of the Congo", "CD"),)
    assert adf.countries == ("CD",)
    assert adf.dates_of_birth == ()


@pytest.mark.shared
def test_packed_aliases_are_split_and_match(
    parsed: ParsedList, by_key: dict[str, ListEntry]
) -> None:
    """Issue 8, item 5: "Hosain Saleemi" is listed inside one packed ALIAS_NAME of 110409."""
    from compliance.matching.engine import Matcher

    entry = by_key["110409"]
    names = [a.name for a in entry.aliases]
    assert "Hosain Saleemi" in names and "Hossein Saleemi" in names and len(names) == 9
    matches = Matcher.build([("un-sc", parsed.entries)]).match_name("Hosain Saleemi")
    assert matches and matches[0].entry_key == "110409"
    assert matches[0].matched_name == "Hosain Saleemi"


@pytest.mark.shared
def test_packed_forms_in_the_real_file(by_key: dict[str, ListEntry]) -> None:
    sabet = [a.name for a in by_key["110413"].aliases]
    assert sabet == [
        "Mohammed Sabet",
        "Mohammad Sabet",
        "M. Javad Kareemi Sabet",  # after a "b)" enumerator
        "M. Jawad Kareemi Sabet",
        "M. Jawad Karimi Sabet",
    ]
    hts = [a.name for a in by_key["6908429"].aliases]
    for name in ("Hay’at Tahrir al-Sham (HTS)", "هيئة تحرير الشام", "Hay’at Tahrir al-Sham"):
        assert name in hts  # "Latin (Arabic (original script); Latin; ...)"
    assert "Al-Nusra Front" in hts and "Fateh al-Sham Front" in hts
    # spellings listed in an alias NOTE
    assert "Abdurahman Sindhi" in [a.name for a in by_key["2983651"].aliases]
    assert Alias("Abu Du’a", AliasKind.WEAK) in by_key["2975516"].aliases
    # a packed primary name is kept and each of its names is an alias
    cagl = by_key["6908026"]
    assert cagl.name.startswith("COMPAGNIE AERIENNE DES GRANDS LACS (CAGL) ;")
    assert [a.name for a in cagl.aliases][:2] == [
        "COMPAGNIE AERIENNE DES GRANDS LACS (CAGL)",
        "GREAT LAKES BUSINESS COMPANY (GLBC)",
    ]
    # enumerated branch offices are separate addresses; "X; Phone 123" stays one address
    texts = [a.text for a in by_key["2989469"].addresses]
    assert "Branch Office 1: Wazir Mohammad Road, Quetta, Baluchistan Province, Pakistan" in texts
    assert not any(" ii) " in t for t in texts)
    phones = [a.text for a in by_key["113459"].addresses]
    assert any(t.endswith("Pakistan; Phone 4979263") for t in phones)


def test_default_source() -> None:
    assert un.default_source([Path("x.xml")]) == "un-sc"


# --- small files ---------------------------------------------------------------------------

_SMALL = """<?xml version="1.0" encoding="UTF-8"?>
<CONSOLIDATED_LIST dateGenerated="2025-01-02T03:04:05.6Z">
  <INDIVIDUALS>
    <INDIVIDUAL>
      <DATAID>11</DATAID>
      <FIRST_NAME>JOHN</FIRST_NAME>
      <SECOND_NAME>Q</SECOND_NAME>
      <FOURTH_NAME>PUBLIC</FOURTH_NAME>
      <UN_LIST_TYPE>DPRK</UN_LIST_TYPE>
      <REFERENCE_NUMBER>KPi.999</REFERENCE_NUMBER>
      <LISTED_ON>2015-04-07-04:00</LISTED_ON>
      <COMMENTS1>Line one
         line two.</COMMENTS1>
      <TITLE><VALUE>Dr.</VALUE></TITLE>
      <NATIONALITY><VALUE>Democratic People's Republic of Korea</VALUE></NATIONALITY>
      <INDIVIDUAL_ALIAS><QUALITY>Good</QUALITY><ALIAS_NAME>JQP</ALIAS_NAME></INDIVIDUAL_ALIAS>
      <INDIVIDUAL_ALIAS><QUALITY>Low</QUALITY><ALIAS_NAME>Johnny</ALIAS_NAME></INDIVIDUAL_ALIAS>
      <INDIVIDUAL_ALIAS><QUALITY/><ALIAS_NAME/></INDIVIDUAL_ALIAS>
      <INDIVIDUAL_ALIAS><QUALITY>Good</QUALITY><ALIAS_NAME>JP</ALIAS_NAME>
        <DATE_OF_BIRTH>1961-02-03</DATE_OF_BIRTH></INDIVIDUAL_ALIAS>
      <INDIVIDUAL_ADDRESS><CITY>Pyongyang</CITY>
        <COUNTRY>Democratic People's Republic of Korea</COUNTRY></INDIVIDUAL_ADDRESS>
      <INDIVIDUAL_ADDRESS><NOTE>Believed location - Egypt</NOTE></INDIVIDUAL_ADDRESS>
      <INDIVIDUAL_ADDRESS/>
      <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE>
        <DATE>1960-01-02</DATE></INDIVIDUAL_DATE_OF_BIRTH>
      <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>APPROXIMATELY</TYPE_OF_DATE>
        <YEAR>1959</YEAR></INDIVIDUAL_DATE_OF_BIRTH>
      <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>BETWEEN</TYPE_OF_DATE>
        <FROM_YEAR>1955</FROM_YEAR><TO_YEAR>1957</TO_YEAR></INDIVIDUAL_DATE_OF_BIRTH>
      <INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>Passport</TYPE_OF_DOCUMENT><NUMBER>P1</NUMBER>
        <ISSUING_COUNTRY>France</ISSUING_COUNTRY></INDIVIDUAL_DOCUMENT>
      <INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>National Identification Number</TYPE_OF_DOCUMENT>
        <NUMBER>N 2</NUMBER><COUNTRY_OF_ISSUE>Italy</COUNTRY_OF_ISSUE></INDIVIDUAL_DOCUMENT>
      <INDIVIDUAL_DOCUMENT/>
    </INDIVIDUAL>
  </INDIVIDUALS>
  <ENTITIES>
    <ENTITY>
      <DATAID>22</DATAID>
      <FIRST_NAME>ACME  FRONT</FIRST_NAME>
      <UN_LIST_TYPE>Al-Qaida</UN_LIST_TYPE>
      <REFERENCE_NUMBER>QDe.999</REFERENCE_NUMBER>
      <LISTED_ON>2001-10-06</LISTED_ON>
      <NAME_ORIGINAL_SCRIPT>أكمي</NAME_ORIGINAL_SCRIPT>
      <ENTITY_ALIAS><QUALITY>a.k.a.</QUALITY><ALIAS_NAME>AF</ALIAS_NAME></ENTITY_ALIAS>
      <ENTITY_ALIAS><QUALITY>f.k.a.</QUALITY><ALIAS_NAME>OLD ACME</ALIAS_NAME></ENTITY_ALIAS>
      <ENTITY_ADDRESS><STREET>1 Road</STREET><CITY>Kabul</CITY><COUNTRY>Afghanistan</COUNTRY>
        <NOTE>previous address</NOTE></ENTITY_ADDRESS>
    </ENTITY>
  </ENTITIES>
</CONSOLIDATED_LIST>
"""


def _xml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "un.xml"
    path.write_text(text, encoding="utf-8")
    return path


def test_small_file_mapping(tmp_path: Path) -> None:
    parsed = un.parse([_xml(tmp_path, _SMALL)])
    assert parsed.published == "2025-01-02"
    person, entity = parsed.entries
    assert person.key == "11"
    assert person.name == "JOHN Q PUBLIC"
    assert person.aliases == (
        Alias("JQP", AliasKind.AKA),
        Alias("Johnny", AliasKind.WEAK),
        Alias("JP", AliasKind.AKA),
    )
    assert person.programs == ("DPRK",)
    assert person.start_date == "2015-04-07"
    assert person.remarks == "Line one line two."
    assert person.title == "Dr."
    assert person.nationalities == ("KP",)
    assert person.countries == ("KP",)
    assert person.addresses == (
        Address("Pyongyang, Democratic People's Republic of Korea", "KP"),
        Address("Believed location - Egypt", None),
    )
    assert person.dates_of_birth == ("1960-01-02", "1959", "1955/1957", "1961-02-03")
    assert person.identifiers == (
        Identifier("un_reference", "KPi.999"),
        Identifier("passport", "P1", "FR"),
        Identifier("national_id", "N 2", "IT"),
    )
    assert entity.name == "ACME FRONT"
    assert entity.entity_type is EntityType.ORGANIZATION
    assert entity.aliases == (
        Alias("أكمي", AliasKind.AKA),
        Alias("AF", AliasKind.AKA),
        Alias("OLD ACME", AliasKind.FKA),
    )
    assert entity.addresses == (Address("1 Road, Kabul, Afghanistan (previous address)", "AF"),)
    assert entity.countries == ("AF",)


def test_packed_documents_years_and_aliases_in_a_small_file(tmp_path: Path) -> None:
    text = _SMALL.replace(
        "<ALIAS_NAME>JQP</ALIAS_NAME>", "<ALIAS_NAME>JQP; John Public; J. Q. Public</ALIAS_NAME>"
    ).replace("<NUMBER>P1</NUMBER>", "<NUMBER>P1; P2</NUMBER>")
    text = text.replace("<YEAR>1959</YEAR>", "<YEAR>1959; 1958</YEAR>")
    person = un.parse([_xml(tmp_path, text)]).entries[0]
    assert [a.name for a in person.aliases][:3] == ["JQP", "John Public", "J. Q. Public"]
    assert [i.value for i in person.identifiers if i.kind == "passport"] == ["P1", "P2"]
    assert "1958" in person.dates_of_birth and "1959" in person.dates_of_birth


def test_malformed_xml_names_the_line(tmp_path: Path) -> None:
    broken = _SMALL.replace("<SECOND_NAME>Q</SECOND_NAME>", "<SECOND_NAME>Q</SECOND>")
    path = _xml(tmp_path, broken)
    with pytest.raises(ListFormatError, match="malformed XML") as info:
        un.parse([path])
    assert info.value.line == 7
    assert f"{path}, line 7" in str(info.value)


def test_truncated_xml(tmp_path: Path) -> None:
    path = _xml(tmp_path, _SMALL[: len(_SMALL) // 2])
    with pytest.raises(ListFormatError, match="malformed XML") as info:
        un.parse([path])
    assert info.value.line is not None


def test_wrong_encoding(tmp_path: Path) -> None:
    text = _SMALL.replace("أكمي", "CAFÉ")  # declared UTF-8, written as cp1252
    line = next(n for n, t in enumerate(text.splitlines(), start=1) if "CAFÉ" in t)
    path = tmp_path / "un.xml"
    path.write_bytes(text.encode("cp1252"))
    with pytest.raises(ListFormatError, match="malformed XML") as info:
        un.parse([path])
    assert info.value.line == line


def test_unknown_declared_encoding_is_a_format_error(tmp_path: Path) -> None:
    # Was an uncaught LookupError (a traceback) from the XML parser's codec lookup.
    path = tmp_path / "un.xml"
    path.write_bytes(b'<?xml version="1.0" encoding="x-no-such-codec"?><CONSOLIDATED_LIST/>')
    with pytest.raises(ListFormatError, match="unreadable XML") as info:
        un.parse([path])
    assert info.value.line == 1


def test_entity_expansion_is_refused(tmp_path: Path) -> None:
    bomb = (
        '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>\n<CONSOLIDATED_LIST>&lol2;</CONSOLIDATED_LIST>'
    )
    with pytest.raises(ListFormatError, match="forbidden XML construct"):
        un.parse([_xml(tmp_path, bomb)])


def test_not_a_un_list(tmp_path: Path) -> None:
    path = _xml(tmp_path, '<?xml version="1.0"?><sdnList><sdnEntry/></sdnList>')
    with pytest.raises(ListFormatError, match="root element is <sdnList>"):
        un.parse([path])


def test_empty_and_binary_files(tmp_path: Path) -> None:
    path = tmp_path / "un.xml"
    path.write_bytes(b"  \n")
    with pytest.raises(ListFormatError, match="file is empty"):
        un.parse([path])
    path.write_bytes(b"\x00\x01garbage")
    with pytest.raises(ListFormatError, match="binary content"):
        un.parse([path])


def test_missing_dataid(tmp_path: Path) -> None:
    path = _xml(tmp_path, _SMALL.replace("<DATAID>22</DATAID>", ""))
    with pytest.raises(ListFormatError, match=r"ENTITY #1 \(QDe.999\) has no DATAID") as info:
        un.parse([path])
    assert info.value.field == "DATAID"


def test_duplicate_dataid(tmp_path: Path) -> None:
    path = _xml(tmp_path, _SMALL.replace("<DATAID>22</DATAID>", "<DATAID>11</DATAID>"))
    with pytest.raises(ListFormatError, match="duplicate DATAID 11"):
        un.parse([path])


def test_one_file_only(tmp_path: Path) -> None:
    with pytest.raises(ListFormatError, match="one XML file"):
        un.parse([tmp_path / "a.xml", tmp_path / "b.xml"])


@pytest.mark.parametrize("bad", ["&#0;", "&#x1b;", "\x01", "\x00"])
def test_control_character_names_line_and_element(tmp_path: Path, bad: str) -> None:
    """Issue 8, item 11: a C0 control in a name is refused naming the file, line and field."""
    text = _SMALL.replace(
        "<FIRST_NAME>ACME  FRONT</FIRST_NAME>", f"<FIRST_NAME>AC{bad}ME</FIRST_NAME>"
    )
    path = tmp_path / "un.xml"
    path.write_bytes(text.encode("utf-8"))
    with pytest.raises(ListFormatError) as info:
        un.parse([path])
    expected_line = text[: text.index("<FIRST_NAME>AC")].count("\n") + 1
    assert (info.value.line, info.value.field) == (expected_line, "FIRST_NAME")
