"""The BIS Denied Persons List loader (official tab-separated file)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from compliance.errors import ListFormatError
from compliance.lists import csl, detect_format, dpl
from compliance.model import Address, EntityType, ListEntry, ParsedList

DPL_FILE = "us_csl/bis_dpl_watchman-pr523_2023-11.txt"
CSL_FILE = "us_csl/csl_consolidated_watchman-pr523_2023-11_partial.csv"

# Counted independently (csv.DictReader over the file, grouped by name with whitespace
# collapsed and case folded + Effective_Date; addresses de-duplicated per group).
REAL_ROWS = 665
REAL_ENTRIES = 547
REAL_ADDRESSES = 663

HEADER = "\t".join(f'"{c}"' for c in dpl.COLUMNS)


def _line(*values: str) -> str:
    return "\t".join(f'"{v}"' for v in values)


ROW_US = _line(
    "JOHN EXAMPLE",
    "1 MAIN ST",
    "EL PASO",
    "TX",
    "",
    "79905",
    "08/24/2022",
    "01/14/2026",
    "Y",
    "2022-08-29",
    "F.R. NOTICE ADDED",
    "87 F.R. 52741 8/29/2022",
)
ROW_CN = _line(
    "JOHN  EXAMPLE",
    "2 ROAD",
    "SHANGHAI",
    "",
    "CN",
    "200000",
    "08/24/2022",
    "01/14/2026",
    "Y",
    "2022-08-30",
    "ADDRESS ADDED",
    "87 F.R. 52741  8/29/2022",
)
ROW_OTHER = _line(
    "ACME EXPORTS LTD",
    "P.O. BOX 1",
    "DUBAI",
    "",
    "AE",
    "",
    "02/10/2022",
    "",
    "N",
    "2022-02-22",
    "NEW",
    "87 F.R. 9030 2/17/2022",
)


def _write(tmp_path: Path, text: str | bytes, name: str = "dpl.txt") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def real(shared_lists: Path) -> ParsedList:
    return dpl.parse([shared_lists / DPL_FILE])


@pytest.fixture(scope="module")
def by_name(real: ParsedList) -> dict[str, list[ListEntry]]:
    out: dict[str, list[ListEntry]] = {}
    for entry in real.entries:
        out.setdefault(entry.name, []).append(entry)
    return out


@pytest.mark.shared
def test_real_counts(real: ParsedList, shared_lists: Path) -> None:
    assert detect_format([shared_lists / DPL_FILE]) == "dpl"
    assert real.stats == {
        "entries": REAL_ENTRIES,
        "merged_rows": REAL_ROWS - REAL_ENTRIES,
        "names": REAL_ENTRIES + 2,
        "rows": REAL_ROWS,
    }
    assert len(real.entries) == REAL_ENTRIES
    assert real.address_count == REAL_ADDRESSES
    # The DPL has no alias column; one name embeds one (issue 8: it was 0 aliases before):
    # "PEARL (A.K.A. NEI-CHIEN CHU) LI" -> "NEI-CHIEN CHU" and "PEARL LI".
    assert real.alias_count == 2
    assert len({e.key for e in real.entries}) == REAL_ENTRIES
    assert {e.list_code for e in real.entries} == {"DPL"}
    assert {e.entity_type for e in real.entries} == {EntityType.UNKNOWN}
    # 3033-09-30 is a typo in the file; the latest plausible Last_Update is used.
    assert real.published == "2023-11-28"
    kinds = sorted((p.kind, p.count) for p in real.problems)
    assert kinds == [
        ("conflicting_values", 1),
        ("conflicting_values", 1),
        ("conflicting_values", 21),
        ("implausible_date", 1),
    ]


@pytest.mark.shared
def test_real_entry_with_two_addresses(by_name: dict[str, list[ListEntry]]) -> None:
    (zimo,) = by_name["ZIMO SHENG"]
    expected_key = hashlib.sha1(b"zimo sheng\x1f2020-03-16", usedforsecurity=False).hexdigest()
    assert zimo.key == expected_key[:16]
    assert zimo.addresses == (
        Address("3975 N. CRAMER STREET, UNIT 204, MILWAUKEE, WI, 53211", "US"),
        Address("JINXIUYUAN 17-403, CHANGSHU, JIANGSU, 215500, CN", "CN"),
    )
    assert zimo.countries == ("US", "CN")
    assert (zimo.start_date, zimo.end_date) == ("2020-03-16", "2028-12-13")
    assert zimo.federal_register == "85 F.R. 16054 3/20/2020"
    assert zimo.remarks == "FR NOTICE ADDED"
    assert dict(zimo.extra) == {"standard_order": "Y", "last_update": "2020-03-20"}


@pytest.mark.shared
def test_real_rows_of_one_denial_are_merged(by_name: dict[str, list[ListEntry]]) -> None:
    # Four rows, one denial; the FR_Citation texts differ by typos between the rows.
    (airline,) = by_name["AL NASER AIRLINES"]
    assert len(airline.addresses) == 4
    assert airline.countries == ("IQ", "AE", "JO")
    assert airline.start_date == "2023-10-31"
    # Two denials of one name (different effective dates) stay two entries.
    assert len(by_name["HAYDEE HERRERA"]) == 2
    # Leading space and double spaces in names are cleaned.
    assert "I. ASH" in by_name and "AL-NASER AIRLINES" in by_name


@pytest.mark.shared
def test_real_address_countries(real: ParsedList) -> None:
    countries = {a.country for e in real.entries for a in e.addresses}
    assert "US" in countries and "CN" in countries
    # "PRC" -> CN; a state code (NM) in the Country column -> US; no ISO code left unmapped
    # except the one address that has no country at all.
    unmapped = [a.text for e in real.entries for a in e.addresses if a.country is None]
    assert unmapped == ["633104, NOVOSIBIRSKAYA OBL., G. OB, PROSPEKT MOZZHERINA, D. 10 OFIS 201"]
    la_tuna = [a for e in real.entries for a in e.addresses if "30819-408" in a.text]
    assert la_tuna == [
        Address("INMATE NUMBER: 30819-408, FCI LA TUNA, P.O. Box 3000, ANTHONY, 88021, NM", "US")
    ]


@pytest.mark.shared
def test_same_parties_as_the_csl_dpl_rows(real: ParsedList, shared_lists: Path) -> None:
    csl_rows = csl.parse([shared_lists / CSL_FILE], allow_truncated=True)
    csl_names = {e.name.casefold() for e in csl_rows.entries if e.list_code == "DPL"}
    assert {e.name.casefold() for e in real.entries} == csl_names
    assert len(csl_names) == 545


def test_small_file_merges_and_maps(tmp_path: Path) -> None:
    path = _write(tmp_path, "\n".join([HEADER, ROW_US, ROW_CN, ROW_OTHER]) + "\n")
    assert detect_format([path]) == "dpl"
    parsed = dpl.parse([path])
    assert len(parsed.entries) == 2
    john, acme = parsed.entries
    assert john.name == "JOHN EXAMPLE"
    assert john.addresses == (
        Address("1 MAIN ST, EL PASO, TX, 79905", "US"),
        Address("2 ROAD, SHANGHAI, 200000, CN", "CN"),
    )
    assert john.federal_register == "87 F.R. 52741 8/29/2022"
    assert john.remarks == "ADDRESS ADDED"  # the most recently updated row
    assert acme.end_date is None and dict(acme.extra)["standard_order"] == "N"
    assert parsed.published == "2022-08-30"
    assert dpl.default_source([path]) == "us-bis-dpl"


def test_wrong_column_count(tmp_path: Path) -> None:
    short = ROW_OTHER.rsplit("\t", 2)[0]
    path = _write(tmp_path, "\n".join([HEADER, ROW_US, short, ROW_CN]) + "\n")
    with pytest.raises(ListFormatError) as info:
        dpl.parse([path])
    err = info.value
    assert (err.path, err.line, err.field) == (str(path), 3, "Action")
    assert "found 10" in err.message


def test_truncated_file(tmp_path: Path) -> None:
    text = "\n".join([HEADER, ROW_US, ROW_OTHER])
    path = _write(tmp_path, text[: text.rindex("DUBAI") + 2])
    with pytest.raises(ListFormatError) as info:
        dpl.parse([path])
    assert (info.value.line, info.value.field) == (3, "City")
    assert "truncated" in info.value.message


def test_bad_date_and_missing_name(tmp_path: Path) -> None:
    bad_date = ROW_OTHER.replace("02/10/2022", "2022-13-45")
    with pytest.raises(ListFormatError) as info:
        dpl.parse([_write(tmp_path, f"{HEADER}\n{bad_date}\n")])
    assert (info.value.line, info.value.field) == (2, "Effective_Date")
    no_name = ROW_OTHER.replace("ACME EXPORTS LTD", "")
    with pytest.raises(ListFormatError) as info:
        dpl.parse([_write(tmp_path, f"{HEADER}\n{no_name}\n", "n.txt")])
    assert (info.value.line, info.value.field) == (2, "Name")


def test_wrong_format_and_garbage(tmp_path: Path) -> None:
    csl_like = "_id,source,entity_number,type\n1,2,3,4\n"
    with pytest.raises(ListFormatError, match="not a BIS Denied Persons List file"):
        dpl.parse([_write(tmp_path, csl_like, "c.csv")])
    missing = HEADER.replace('"FR_Citation"', '"Citation"')
    with pytest.raises(ListFormatError) as info:
        dpl.parse([_write(tmp_path, f"{missing}\n{ROW_US}\n", "m.txt")])
    assert info.value.field == "FR_Citation"
    with pytest.raises(ListFormatError, match="empty"):
        dpl.parse([_write(tmp_path, "", "e.txt")])
    with pytest.raises(ListFormatError, match="binary"):
        dpl.parse([_write(tmp_path, b"\x00\x01\x02garbage", "b.txt")])
    with pytest.raises(ListFormatError, match="not valid utf-8"):
        dpl.parse(
            [
                _write(
                    tmp_path,
                    f"{HEADER}\n{ROW_CN}\n".replace("SHANGHAI", "SÃO PAULO").encode("cp1252"),
                    "w.txt",
                )
            ]
        )
    with pytest.raises(ListFormatError, match="no rows"):
        dpl.parse([_write(tmp_path, HEADER + "\n", "h.txt")])


def test_address_country_rules() -> None:
    assert dpl.address_country("", "TX") == "US"
    assert dpl.address_country("NM", "") == "US"  # a state in the Country column
    assert dpl.address_country("CA", "") == "CA"  # an ISO code wins: Canada
    assert dpl.address_country("PRC", "") == "CN"
    assert dpl.address_country("", "") is None
    assert dpl.address_country("", "ONTARIO") is None


def test_control_character_is_refused_naming_the_column(tmp_path: Path) -> None:
    """Issue 8, item 11: a C0 control in a text field is refused, never loaded or altered."""
    street = ROW_US.split("\t")[1].strip('"')
    for char in ("\x00", "\x07", "\x1b"):
        bad = ROW_US.replace(street, street[:5] + char + street[5:], 1)
        with pytest.raises(ListFormatError) as info:
            dpl.parse([_write(tmp_path, f"{HEADER}\n{ROW_CN}\n{bad}\n")])
        assert (info.value.line, info.value.field) == (3, "Street_Address")
        assert "refused" in str(info.value)


@pytest.mark.shared
def test_embedded_alias_is_found(real: ParsedList) -> None:
    """Issue 8, item 5 (every loader): "Pearl Li" screened clear against
    "PEARL (A.K.A. NEI-CHIEN CHU) LI"."""
    from compliance.matching.engine import Matcher

    (pearl,) = [e for e in real.entries if e.name.startswith("PEARL (A.K.A.")]
    assert [a.name for a in pearl.aliases] == ["NEI-CHIEN CHU", "PEARL LI"]
    matches = Matcher.build([("bis-dpl", real.entries)]).match_name("Pearl Li")
    assert matches and matches[0].entry_key == pearl.key


def test_packed_name_gives_one_alias_each(tmp_path: Path) -> None:
    row = ROW_US.replace("JOHN EXAMPLE", "ACME TRADING; ACME EXPORT CO", 1)
    (entry,) = dpl.parse([_write(tmp_path, f"{HEADER}\n{row}\n")]).entries
    assert entry.name == "ACME TRADING; ACME EXPORT CO"
    assert [a.name for a in entry.aliases] == ["ACME TRADING", "ACME EXPORT CO"]
