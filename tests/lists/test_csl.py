"""The trade.gov Consolidated Screening List loader: the real 2023 snapshot, the JSON shape,
and bad input."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from compliance.errors import ListFormatError
from compliance.lists import csl, detect_format
from compliance.model import Address, Alias, AliasKind, EntityType, Identifier, ParsedList

FIXTURES = Path(__file__).parent / "fixtures"
CSL_FILE = "us_csl/csl_consolidated_watchman-pr523_2023-11_partial.csv"
HEADER = list(csl.COLUMNS)

# Counted independently of the loader (csv/pandas over the snapshot: rows other than the
# repeated header and the cut-off last record; aliases split on ";", de-duplicated per row,
# the primary name left out; addresses likewise).
REAL_ROWS = 4226
REAL_ALIASES_AS_LISTED = 6129
# + ISN comma-lists split, "f.k.a."/"a.k.a." names inside names, minus the repeats this
# creates, + (issue 8) the 11 names "X[;] and any successor, sub-unit, or subsidiary thereof"
# give X as an alias (6,220 before). stats["aliases_derived"] counts 105 (94 before) derived
# names before de-dup.
REAL_ALIASES = 6231
REAL_ADDRESSES = 6114
REAL_PER_LIST = {
    "SDN": 1737,  # README: 1,738 -- the 1,738th is the cut-off last record (line 4233)
    "EL": 919,
    "DPL": 577,
    "SSI": 288,
    "UVL": 186,
    "ISN": 144,
    "DTC": 142,
    "PLC": 78,
    "MEU": 71,
    "CMIC": 68,
    "NS-MBS": 14,
    "FSE": 1,
    "CAP": 1,
}


@pytest.fixture(scope="module")
def real_path(shared_lists: Path) -> Path:
    return shared_lists / CSL_FILE


@pytest.fixture(scope="module")
def real(real_path: Path) -> ParsedList:
    return csl.parse([real_path], allow_truncated=True)


@pytest.fixture(scope="module")
def by_key(real: ParsedList) -> dict[str, Any]:
    return {e.key: e for e in real.entries}


def _row(**values: str) -> list[str]:
    row = dict.fromkeys(HEADER, "")
    row.update(values)
    return [row[c] for c in HEADER]


def _csv(rows: list[list[str]], header: list[str] | None = None) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(header or HEADER)
    writer.writerows(rows)
    return buf.getvalue()


EL = "Entity List (EL) - Bureau of Industry and Security"
SDN = "Specially Designated Nationals (SDN) - Treasury Department"
GOOD_ROWS = [
    _row(_id="a1", source=EL, name="Alpha Ltd.", addresses="1 Road, Beijing, CN"),
    _row(_id="a2", source=EL, name="Beta GmbH", alt_names="BETA GMBH; Beta Holding"),
    _row(_id="7", entity_number="7", source=SDN, type="Individual", name="DOE, John"),
]


def _write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------
# The real snapshot


@pytest.mark.shared
def test_real_snapshot_is_cut_off_and_refused_by_default(real_path: Path) -> None:
    with pytest.raises(ListFormatError) as info:
        csl.parse([real_path])
    err = info.value
    assert (err.line, err.field) == (4233, "addresses")
    assert str(real_path) in str(err) and "truncated" in str(err)
    assert csl.looks_complete(real_path.read_bytes()) is False


@pytest.mark.shared
def test_real_counts(real: ParsedList) -> None:
    assert len(real.entries) == REAL_ROWS
    assert real.alias_count == REAL_ALIASES
    assert real.address_count == REAL_ADDRESSES
    assert real.stats["rows"] == REAL_ROWS
    assert real.stats["repeated_headers"] == 1
    assert real.stats["truncated_records"] == 1
    assert real.stats["aliases_derived"] == 105
    assert real.stats["names"] == real.name_count == REAL_ROWS + REAL_ALIASES
    per_list = {k.removeprefix("list:"): v for k, v in real.stats.items() if k.startswith("list:")}
    assert per_list == REAL_PER_LIST
    assert sum(1 for e in real.entries if e.list_code == "SDN") == 1737
    assert real.published is None
    kinds = {p.kind: p for p in real.problems}
    assert kinds["truncated_record"].line == 4233
    assert kinds["duplicate_id"].count == 14


@pytest.mark.shared
def test_real_entry_types(real: ParsedList) -> None:
    counts: dict[EntityType, int] = {}
    for e in real.entries:
        counts[e.entity_type] = counts.get(e.entity_type, 0) + 1
    assert counts == {
        EntityType.UNKNOWN: 2039,
        EntityType.PERSON: 1124,
        EntityType.ORGANIZATION: 1060,
        EntityType.VESSEL: 3,
    }


@pytest.mark.shared
def test_real_keys_are_unique_and_shared_ids_disambiguated(
    real: ParsedList, by_key: dict[str, Any]
) -> None:
    assert len(by_key) == len(real.entries)
    # One OFAC entity on two CSL lists: both rows kept, keyed <_id>/<list_code>.
    assert "17014" not in by_key
    assert by_key["17014/SSI"].name == "JOINT STOCK COMPANY RUSSIAN AGRICULTURAL BANK"
    assert by_key["17014/NS-MBS"].name == "Joint Stock Company Russian Agricultural Bank"
    assert by_key["9659/SDN"].list_code == "SDN" and by_key["9659/PLC"].list_code == "PLC"
    assert by_key["30882"].name == "China Telecom Corporation Limited"


@pytest.mark.shared
def test_real_entity_list_entry(by_key: dict[str, Any]) -> None:
    nudt = by_key["f6efc317c6d8b6ea8498388812cc12c91586cddee27b56fb37d974d5"]
    assert nudt.name == "National University of Defense Technology (NUDT)"
    assert nudt.list_code == "EL" and nudt.entity_type is EntityType.UNKNOWN
    assert nudt.aliases == (
        Alias("Central South CAD Center"),
        Alias("CSCC"),
        Alias("Hunan Guofang Keji University"),
    )
    assert nudt.addresses[0] == Address(
        "Garden Road (Metro West), Changsha City, Kaifu District, Hunan Province, CN", "CN"
    )
    assert len(nudt.addresses) == 8 and nudt.countries == ("CN",)
    assert nudt.license_requirement == (
        "For all items subject to the EAR. (See §§ 734.9(e) and 744.11 of the EAR)4"
    )
    assert nudt.license_policy == "Presumption of denial."
    assert nudt.federal_register == "80 FR 8524; 84 FR 29373; 87 FR 38925; 87 FR 62202"
    assert nudt.start_date == "2015-02-18"
    assert nudt.source_url == (
        "https://www.bis.doc.gov/index.php/policy-guidance/lists-of-parties-of-concern/entity-list"
    )


@pytest.mark.shared
def test_real_sdn_individual(by_key: dict[str, Any]) -> None:
    person = by_key["6905"]
    assert person.name == "HUSAYN, Zayn al-Abidin Muhammad"
    assert (person.list_code, person.entity_type) == ("SDN", EntityType.PERSON)
    assert person.dates_of_birth == ("1971-03-12",)
    assert person.identifiers == (Identifier("Passport", "484824", "EG"),)
    assert person.nationalities == ("PS",)
    assert person.countries == ("CU", "PS")
    assert Alias("ABU ZUBAYDAH") in person.aliases
    extra = dict(person.extra)
    assert extra["Gender"] == "Male" and extra["places_of_birth"] == "Riyadh, Saudi Arabia"
    several = [e for e in by_key.values() if len(e.dates_of_birth) > 1]
    assert several, "multi-valued dates_of_birth are split on ';'"


@pytest.mark.shared
def test_real_isn_comma_aliases_are_split(real: ParsedList) -> None:
    irgc = next(e for e in real.entries if e.name == "Islamic Revolutionary Guard Corps")
    names = [a.name for a in irgc.aliases]
    assert names[:3] == ["IRGC", "The Iranian Revolutionary Guards", "IRG"]
    assert "Sepah Pasdaran" in names and len(names) == 15
    citc = next(
        e for e in real.entries if e.name == "Center for Innovation and Technology Cooperation"
    )
    assert Alias(
        "Presidency Office of Scientific and Industrial Studies (POSIS)", AliasKind.FKA
    ) in (citc.aliases)
    # "SURNAME, Given" is one name, not two.
    zaman = [e for e in real.entries if Alias("ZAMAN, Haydar") in e.aliases]
    assert len(zaman) == 1


@pytest.mark.shared
def test_real_bis_repairs(real: ParsedList) -> None:
    names = {e.name for e in real.entries}
    assert "Xi'an Research Institute of Navigation Technology" in names
    assert "Donetsk People's Republic" in names
    # "Xi\x92an" (Windows-1252 read as Latin-1 upstream) -> "Xi’an"
    assert "CAST Xi’an Spaceflight Engine Factory" in names
    assert real.stats["c1_controls_repaired"] == 3
    assert not any(re.search("[\x80-\x9f]", e.name) for e in real.entries)
    assert not any("?" in e.name for e in real.entries if e.list_code in csl.BIS_LISTS)
    lts = next(e for e in real.entries if e.name.startswith("LTS Holding Limited"))
    assert Alias("IPP-International Petroleum Products Ltd.", AliasKind.FKA) in lts.aliases
    glue = [a for e in real.entries for a in e.aliases if a.name.lower().startswith("and ")]
    assert glue == []


@pytest.mark.shared
def test_real_parse_is_deterministic(real_path: Path, real: ParsedList) -> None:
    # Speed is measured by benchmarks/load_sdn.py, not asserted here: a timed unit test only
    # measures how busy the machine is.
    again = csl.parse([real_path], allow_truncated=True)
    assert again == real


# --------------------------------------------------------------------------------------------
# JSON shape: the same rows through the JSON loader give the same entries

_ID_DATE = r"(?:\d{4}(?:-\d{2}-\d{2})?|\d{1,2} [A-Za-z]{3} \d{4}|[A-Za-z]{3} \d{4})"
_ID = re.compile(
    rf"^(?P<type>[^,]*)(?:,\s*(?P<number>.*?))??(?:,\s*(?P<country>[A-Z]{{2}}))?"
    rf"(?:,\s*(?P<issued>{_ID_DATE}))?(?:,\s*(?P<expires>{_ID_DATE}))?$"
)


def _json_id(text: str) -> dict[str, str | None]:
    match = _ID.match(text)
    assert match is not None, text
    number = match.group("number")
    country = match.group("country")
    if number is None:  # "Type, CC" or "Type, date": the last part is the number
        number = country or match.group("issued") or ""
        country = None
    return {
        "type": match.group("type"),
        "number": number,
        "country": country,
        "issue_date": match.group("issued"),
        "expiration_date": match.group("expires"),
    }


def _as_json_record(row: dict[str, str]) -> dict[str, Any]:
    def many(column: str) -> list[str]:
        return [p.strip() for p in row[column].split(";") if p.strip()]

    record: dict[str, Any] = {k: (v or None) for k, v in row.items()}
    record["id"] = record.pop("_id")
    for column in (
        "programs",
        "alt_names",
        "citizenships",
        "dates_of_birth",
        "nationalities",
        "places_of_birth",
    ):
        record[column] = many(column)
    addresses = []
    for text in many("addresses"):
        head, _, last = text.strip(" ,").rpartition(",")
        addresses.append(
            {
                "address": head or None,
                "city": None,
                "state": None,
                "postal_code": None,
                "country": last.strip(),
            }
        )
    record["addresses"] = addresses
    record["ids"] = [_json_id(i) for i in many("ids")]
    return record


@pytest.mark.shared
def test_json_shape_gives_the_same_entries(
    real_path: Path, real: ParsedList, tmp_path: Path
) -> None:
    with real_path.open(newline="", encoding="utf-8") as fh:
        records = list(csv.reader(fh))
    header, body = records[0], records[1:]
    rows = [
        dict(zip(header, r, strict=True)) for r in body if r != header and len(r) == len(header)
    ]
    assert len(rows) == REAL_ROWS
    document = {
        "sources_used": [
            {"source": SDN, "source_last_updated": "2023-11-16T09:00:00-05:00"},
            {"source": EL, "source_last_updated": "2023-11-20T15:30:00-05:00"},
        ],
        "search_performed_at": "2023-11-30T08:00:00Z",
        "total": len(rows),
        "results": [_as_json_record(r) for r in rows],
    }
    path = tmp_path / "consolidated.json"
    path.write_text(json.dumps(document, ensure_ascii=False, indent=1), encoding="utf-8")
    assert detect_format([path]) == "csl"
    parsed = csl.parse([path])
    assert parsed.published == "2023-11-20"
    assert len(parsed.entries) == len(real.entries)
    for from_json, from_csv in zip(parsed.entries, real.entries, strict=True):
        assert from_json == from_csv
    assert csl.looks_complete(path.read_bytes())
    assert not csl.looks_complete(path.read_bytes()[:-200])


def test_json_fixture() -> None:
    path = FIXTURES / "csl_sample.json"
    assert detect_format([path]) == "csl"
    parsed = csl.parse([path])
    assert parsed.published == "2025-05-06"  # latest sources_used[].source_last_updated
    sugon, person, isn, vessel = parsed.entries
    assert (sugon.key, sugon.list_code, sugon.entity_type) == (
        "fx-el-0001",
        "EL",
        EntityType.UNKNOWN,
    )
    assert sugon.addresses == (
        Address(
            "No. 36 Zhongguancun Software Park, 8 Dongbeiwang West Road, Haidian District, "
            "Beijing, 100193, CN",
            "CN",
        ),
        Address("Sugon Industrial Park, Tianjin, CN", "CN"),
    )
    assert [a.name for a in sugon.aliases] == [
        "Dawning Information Industry Co., Ltd.",
        "Dawning Information Industry Co. Ltd.",
    ]  # the alias equal to the name is dropped
    assert (sugon.license_requirement, sugon.license_policy, sugon.federal_register) == (
        "For all items subject to the EAR. (See §744.11 of the EAR).",
        "Presumption of denial.",
        "84 FR 29371",
    )
    assert person.entity_type is EntityType.PERSON
    assert person.programs == ("SDGT", "IRGC")
    assert person.dates_of_birth == ("1970-01-01", "circa 1971")
    assert person.nationalities == ("IR",) and person.countries == ("IR",)
    assert person.identifiers == (Identifier("Passport", "FX0000001", "IR"),)
    assert dict(person.extra)["Gender"] == "Male"
    assert dict(person.extra)["entity_number"] == "90002"
    assert person.title == "Procurement agent (fixture)"
    assert isn.aliases == (
        Alias("FMIO"),
        Alias("Fixture Missile Industries Org."),
        Alias("Old Fixture Industries Group", AliasKind.FKA),
    )
    assert vessel.entity_type is EntityType.VESSEL
    assert dict(vessel.extra)["vessel_flag"] == "Panama"


def test_json_bad_input(tmp_path: Path) -> None:
    bad = _write(tmp_path, "a.json", '{"results": [\n  {"id": "x", "name": "A"},\n  oops\n]}')
    with pytest.raises(ListFormatError) as info:
        csl.parse([bad])
    assert info.value.line == 3

    no_results = _write(tmp_path, "b.json", '{"items": []}')
    with pytest.raises(ListFormatError, match="no 'results' array"):
        csl.parse([no_results])

    wrong_type = _write(
        tmp_path,
        "c.json",
        json.dumps({"results": [{"id": "1", "source": EL, "name": "A", "alt_names": [{"x": 1}]}]}),
    )
    with pytest.raises(ListFormatError) as info:
        csl.parse([wrong_type])
    assert info.value.field == "results[0].alt_names[0]"

    no_name = _write(tmp_path, "d.json", json.dumps({"results": [{"id": "1", "source": EL}]}))
    with pytest.raises(ListFormatError) as info:
        csl.parse([no_name])
    assert info.value.field == "results[0].name"


@pytest.mark.shared
def test_successor_clause_is_not_part_of_the_name(real: ParsedList) -> None:
    """Issue 8: "Synnat Pharma Pvt Ltd.; and any successor, sub-unit, or subsidiary thereof"
    screened clear for "Synnat Pharma Pvt Ltd"."""
    from compliance.matching.engine import Matcher

    (entry,) = [e for e in real.entries if e.name.startswith("Synnat Pharma")]
    assert Alias("Synnat Pharma Pvt Ltd.") in entry.aliases
    matches = Matcher.build([("us-csl", real.entries)]).match_name("Synnat Pharma Pvt Ltd")
    assert matches and matches[0].entry_key == entry.key


def test_packed_alt_names_give_one_alias_each(tmp_path: Path) -> None:
    """Issue 8, item 5: CSL alt_names are ";"-joined; each name is its own alias (CSV and
    JSON, where a list item may itself be packed)."""
    packed = "Husain Salimi; Hosain Salimi;Hossein Saleemi ;  Hosain Saleemi"
    want = ["Husain Salimi", "Hosain Salimi", "Hossein Saleemi", "Hosain Saleemi"]
    path = _write(tmp_path, "p.csv", _csv([_row(_id="p1", source=EL, name="X", alt_names=packed)]))
    (entry,) = csl.parse([path]).entries
    assert [a.name for a in entry.aliases] == want
    record = {"id": "p1", "source": EL, "name": "X", "alt_names": [packed, "Other Name"]}
    path = _write(tmp_path, "p.json", json.dumps({"results": [record]}))
    (entry,) = csl.parse([path]).entries
    assert [a.name for a in entry.aliases] == [*want, "Other Name"]


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x0b", "\x1f"])
def test_control_character_in_csv_is_refused(tmp_path: Path, char: str) -> None:
    """Issue 8, item 11: a C0 control loaded on SQLite and failed on PostgreSQL (NUL)."""
    rows = [*GOOD_ROWS, _row(_id="z", source=EL, name="Zeta", alt_names=f"Ev{char}il Co")]
    path = _write(tmp_path, "c.csv", _csv(rows))
    with pytest.raises(ListFormatError) as info:
        csl.parse([path])
    assert (info.value.line, info.value.field) == (5, "alt_names")
    assert str(path) in str(info.value)


@pytest.mark.parametrize("escape", ["\\u0000", "\\u0008", "\\udfff"])
def test_control_escape_in_json_is_refused(tmp_path: Path, escape: str) -> None:
    text = '{"results": [\n {"id": "1", "source": "EL", "name": "A"},\n'
    text += ' {"id": "2", "source": "EL", "name": "B' + escape + 'C"}\n]}'
    with pytest.raises(ListFormatError) as info:
        csl.parse([_write(tmp_path, "n.json", text)])
    assert (info.value.line, info.value.field) == (3, "results[1].name")


def test_deeply_nested_json_is_refused(tmp_path: Path) -> None:
    text = '{"results": [\n' + "[" * 100_000 + "]" * 100_000 + "]}"
    with pytest.raises(ListFormatError, match="nested deeper") as info:
        csl.parse([_write(tmp_path, "deep.json", text)])
    assert info.value.line == 2
    assert csl.looks_complete(text.encode()) is False


# --------------------------------------------------------------------------------------------
# Small files


def test_small_csv_mapping(tmp_path: Path) -> None:
    text = _csv([*GOOD_ROWS[:1], HEADER, *GOOD_ROWS[1:]])  # a repeated header mid-file
    parsed = csl.parse([_write(tmp_path, "consolidated.csv", text)])
    assert [e.key for e in parsed.entries] == ["a1", "a2", "7"]
    alpha, beta, doe = parsed.entries
    assert alpha.addresses == (Address("1 Road, Beijing, CN", "CN"),)
    assert beta.aliases == (Alias("Beta Holding"),)  # "BETA GMBH" is the name (case-insensitive)
    assert doe.entity_type is EntityType.PERSON and doe.list_code == "SDN"
    assert parsed.stats["repeated_headers"] == 1


def test_list_codes_for_all_sources() -> None:
    assert {csl.list_code_for(s) for s in csl.SOURCE_CODES} == set(REAL_PER_LIST)
    assert (
        csl.list_code_for("Non-SDN Menu-Based Sanctions List (NS-MBS List) - Treasury Department")
        == "NS-MBS"
    )
    assert csl.list_code_for("Brand New List (BNL) - Some Agency") == "BNL"
    assert csl.list_code_for("Some List Without Code") == "Some List Without Code"


def test_unknown_source_is_a_problem(tmp_path: Path) -> None:
    text = _csv([_row(_id="z1", source="Brand New List (BNL) - Some Agency", name="Zeta")])
    parsed = csl.parse([_write(tmp_path, "c.csv", text)])
    assert parsed.entries[0].list_code == "BNL"
    assert [p.kind for p in parsed.problems] == ["unknown_source"]


def test_truncated_file(tmp_path: Path) -> None:
    text = _csv(GOOD_ROWS)
    cut = text[: text.index("c/o") if "c/o" in text else text.rindex('"DOE') + 3]
    path = _write(tmp_path, "consolidated.csv", cut)
    with pytest.raises(ListFormatError) as info:
        csl.parse([path])
    assert (info.value.line, info.value.field) == (4, "name")
    assert str(path) in str(info.value) and "line 4" in str(info.value)
    assert not csl.looks_complete(path.read_bytes())
    lenient = csl.parse([path], allow_truncated=True)
    assert [e.key for e in lenient.entries] == ["a1", "a2"]
    assert [(p.kind, p.line) for p in lenient.problems] == [("truncated_record", 4)]


def test_truncated_between_columns(tmp_path: Path) -> None:
    text = _csv(GOOD_ROWS)
    cut = text[: text.rindex('"DOE, John",') + len('"DOE, John",')]  # quotes balanced
    path = _write(tmp_path, "consolidated.csv", cut)
    with pytest.raises(ListFormatError) as info:
        csl.parse([path])
    assert (info.value.line, info.value.field) == (4, "addresses")  # the first missing column
    assert "truncated" in info.value.message
    assert not csl.looks_complete(path.read_bytes())
    assert len(csl.parse([path], allow_truncated=True).entries) == 2


def test_wrong_column_count_names_line_and_field(tmp_path: Path) -> None:
    lines = _csv(GOOD_ROWS).splitlines()
    short = lines[2].rsplit(",", 3)[0]  # drop the last three values of line 3
    text = "\n".join([*lines[:2], short, *lines[3:]]) + "\n"
    path = _write(tmp_path, "consolidated.csv", text)
    with pytest.raises(ListFormatError) as info:
        csl.parse([path])
    err = info.value
    assert (err.path, err.line, err.field) == (str(path), 3, "places_of_birth")
    assert "expected 29 columns" in err.message and "found 26" in err.message
    assert err.to_dict()["line"] == 3


def test_missing_required_column(tmp_path: Path) -> None:
    header = [c for c in HEADER if c != "alt_names"]
    rows = [[v for c, v in zip(HEADER, r, strict=True) if c != "alt_names"] for r in GOOD_ROWS]
    path = _write(tmp_path, "c.csv", _csv(rows, header))
    with pytest.raises(ListFormatError) as info:
        csl.parse([path])
    assert (info.value.line, info.value.field) == (1, "alt_names")
    assert "missing required column 'alt_names'" in str(info.value)


def test_ofac_file_is_refused_clearly(tmp_path: Path) -> None:
    sdn = '36,"AEROCARIBBEAN AIRLINES",-0- ,"CUBA",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n'
    path = _write(tmp_path, "sdn.csv", sdn * 3)
    with pytest.raises(ListFormatError) as info:
        csl.parse([path])
    assert "not a Consolidated Screening List CSV" in str(info.value)
    assert "OFAC" in str(info.value) and info.value.line == 1


@pytest.mark.shared
def test_real_ofac_file_is_refused(shared_lists: Path) -> None:
    with pytest.raises(ListFormatError, match="not a Consolidated Screening List CSV"):
        csl.parse([shared_lists / "ofac" / "sdn_2024-05-03.csv"])


def test_empty_binary_and_wrong_encoding(tmp_path: Path) -> None:
    with pytest.raises(ListFormatError, match="empty"):
        csl.parse([_write(tmp_path, "empty.csv", b"\n\n")])
    with pytest.raises(ListFormatError, match="binary") as info:
        csl.parse([_write(tmp_path, "bin.csv", b"_id,source\n\x89PNG\x00\x01\x02")])
    assert info.value.line == 2
    latin1 = _csv([_row(_id="e1", source=EL, name="Société Générale Équipement")]).encode("latin-1")
    with pytest.raises(ListFormatError, match="not valid utf-8") as info:
        csl.parse([_write(tmp_path, "latin1.csv", latin1)])
    assert info.value.line == 2
    with pytest.raises(ListFormatError, match="file not found"):
        csl.parse([tmp_path / "missing.csv"])


def test_garbage_text_and_stray_quote(tmp_path: Path) -> None:
    with pytest.raises(ListFormatError, match="not a Consolidated Screening List"):
        csl.parse([_write(tmp_path, "g.csv", "lorem ipsum dolor\nsit amet\n")])
    lines = _csv(GOOD_ROWS).splitlines()
    lines[2] = lines[2].replace('"a2"', '"a2"x', 1)
    with pytest.raises(ListFormatError, match="malformed CSV") as info:
        csl.parse([_write(tmp_path, "q.csv", "\n".join(lines) + "\n")])
    assert info.value.line == 3


def test_header_only(tmp_path: Path) -> None:
    with pytest.raises(ListFormatError, match="no entries"):
        csl.parse([_write(tmp_path, "h.csv", _csv([]))])


def test_looks_complete(tmp_path: Path) -> None:
    data = _csv(GOOD_ROWS).encode()
    assert csl.looks_complete(data)
    assert csl.looks_complete(data.rstrip(b"\n"))  # no final newline is fine
    assert not csl.looks_complete(data[:-30])  # cut inside a quoted value
    assert not csl.looks_complete(b"")
    assert not csl.looks_complete(b"\xff\xfe garbage")
    assert not csl.looks_complete(b"lorem,ipsum\n1,2\n")
    assert not csl.looks_complete(_csv([]).encode())  # a header alone is not a list


def test_default_source() -> None:
    assert csl.default_source([Path("whatever.csv")]) == "us-csl"
