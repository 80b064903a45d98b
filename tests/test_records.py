"""Reading screening input files: compliance.records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compliance.errors import BadInputError
from compliance.model import EntityType, Owner
from compliance.records import (
    MAX_FIELD_CHARS,
    MAX_LINE_CHARS,
    DataCentreResult,
    InputFileError,
    RecordResult,
    iter_customers,
    iter_data_centres,
)

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "data" / "samples"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def by_id(results: list[RecordResult]) -> dict[str, RecordResult]:
    return {r.record_id: r for r in results if r.record_id is not None and r.error is None}


def errors(results: list[RecordResult] | list[DataCentreResult]) -> dict[int, str]:
    return {r.line: r.error for r in results if r.error is not None}


# -------------------------------------------------------------------------- real samples
def test_sample_customers_parse_without_errors() -> None:
    results = list(iter_customers(SAMPLES / "customers.csv"))
    assert len(results) == 81
    assert [r.error for r in results if r.error] == []
    assert [r.line for r in results] == list(range(2, 83))  # no multi-line rows in the sample
    assert all(r.party is not None and r.party.id == r.record_id for r in results)
    assert len({r.record_id for r in results}) == 81


def test_sample_customers_fields() -> None:
    parties = {r.record_id: r.party for r in iter_customers(SAMPLES / "customers.csv")}

    c001 = parties["C001"]
    assert c001 is not None
    assert c001.name == "Northwind Analytics Inc."
    assert c001.entity_type is EntityType.ORGANIZATION
    assert c001.country == "US"
    assert c001.address == "1200 Harbor Blvd, Suite 400, Oakland, CA 94607"
    assert c001.service == "advanced_compute"
    assert c001.owners == ()
    assert c001.parent_name is None
    # account signals are kept in extra, sorted by column name
    assert c001.extra == (
        ("asn", "AS64496"),
        ("email", "billing@northwind-analytics.example.com"),
        ("ip_address", "198.51.100.10"),
        ("payment_fingerprint", "pf_3a91c0d2e4f5"),
        ("phone", "+1-202-555-0101"),
        ("signup_date", "2024-02-11"),
    )

    c067 = parties["C067"]
    assert c067 is not None
    assert c067.owners == (
        Owner("Beijing Sensetime Technology Development Co., Ltd.", 30.0, "CN"),
        Owner("Megvii Technology", 25.0, "CN"),
        Owner("Victoria Peak Capital Limited", 45.0, "HK"),
    )

    c065 = parties["C065"]
    assert c065 is not None
    assert c065.parent_name == "Starlight Cloud (Hong Kong) Limited"
    assert c065.parent_country == "HK"
    assert c065.ultimate_parent_name == "Shenzhen Starlight Cloud Technology Co., Ltd."
    assert c065.ultimate_parent_country == "CN"

    # non-Latin names are kept exactly as written
    assert parties["C038"] is not None and parties["C038"].name == "华为技术有限公司"
    assert parties["C038"].address == "深圳市龙岗区坂田华为基地"
    assert parties["C040"] is not None and parties["C040"].name == "Акционерное общество «Микрон»"
    assert parties["C047"] is not None and parties["C047"].name == "صنایع الکترونیک ایران"
    assert parties["C048"] is not None and parties["C048"].name == "조선콤퓨터쎈터"

    c011 = parties["C011"]
    assert c011 is not None
    assert c011.entity_type is EntityType.PERSON
    assert c011.date_of_birth == "1988-03-14"
    assert parties["C010"] is not None and parties["C010"].name == "Hanbit Neural Co., Ltd."


def test_sample_data_centres() -> None:
    results = list(iter_data_centres(SAMPLES / "data_centres.csv"))
    assert len(results) == 16
    assert [r.error for r in results if r.error] == []
    centres = {r.record_id: r.data_centre for r in results}
    dc01 = centres["DC01"]
    assert dc01 is not None
    assert dc01.name == "Ashburn AI Campus 1"
    assert dc01.operator_country == "US"
    assert dc01.accelerator_model == "H100 SXM"
    assert dc01.accelerator_count == 2048
    assert dc01.eccn == "3A090.a"
    assert dc01.tpp_per_device == 15832.0
    dc07 = centres["DC07"]
    assert dc07 is not None
    assert dc07.operator_ultimate_parent_name == "Shenzhen Starlight Cloud Technology Co., Ltd."
    assert dc07.operator_ultimate_parent_country == "CN"
    assert dc07.country == "MY"
    dc09 = centres["DC09"]
    assert dc09 is not None and dc09.eccn is None and dc09.tpp_per_device is None
    dc11 = centres["DC11"]
    assert dc11 is not None and dc11.accelerator_model is None and dc11.accelerator_count == 4096


# ---------------------------------------------------------------------------- bad rows
BAD_ROWS = (
    "id,name,country,owners,date_of_birth,entity_type\n"  # 1
    "G1,Good One,US,,,organization\n"  # 2
    "B1,Bad Country,Narnia,,,\n"  # 3
    "G2,Good Two,Germany,,,org\n"  # 4
    "B2,Bad Share,US,Foo Ltd:150%:CN,,\n"  # 5
    "G1,Duplicate,US,,,\n"  # 6
    "B3,,US,,,\n"  # 7
    "B4,Too,Few\n"  # 8
    "B5,Bad DOB,US,,1990-13-45,person\n"  # 9
    "G3,Good Three,China,Foo:30:CN;Bar:20%,1990,company\n"  # 10
    "B6,Over owned,US,A:60:US;B:50:US,,\n"  # 11
    "B7,Bad type,US,,,robot\n"  # 12
    "B8,Bad owner country,US,A:10:Atlantis,,\n"  # 13
    "G4,Good Four,Türkiye,,,individual\n"  # 14
    "G5,Good Five,,,,\n"  # 15
)


def test_bad_rows_are_reported_with_their_lines_and_good_rows_survive(tmp_path: Path) -> None:
    results = list(iter_customers(write(tmp_path, "c.csv", BAD_ROWS)))
    assert [r.line for r in results] == list(range(2, 16))
    found = errors(results)
    assert set(found) == {3, 5, 6, 7, 8, 9, 11, 12, 13}

    assert found[3].startswith("country: unknown country 'Narnia'")
    assert found[5].startswith("owners: share '150%' of 'Foo Ltd' is not a number from 0 to 100")
    assert found[6] == "id: duplicate id 'G1' (first on line 2)"
    assert found[7] == "name: required, but empty"
    assert found[8] == "row has 3 fields, the header has 6"
    assert found[9].startswith("date_of_birth: '1990-13-45' is not a date")
    assert "add up to 110%" in found[11]
    assert found[12].startswith("entity_type: 'robot'")
    assert "unknown country 'Atlantis'" in found[13]

    good = by_id(results)
    assert sorted(good) == ["G1", "G2", "G3", "G4", "G5"]
    assert good["G1"].line == 2 and good["G1"].party is not None
    assert good["G1"].party.name == "Good One"
    g2 = good["G2"].party
    assert g2 is not None and g2.country == "DE" and g2.entity_type is EntityType.ORGANIZATION
    g3 = good["G3"].party
    assert g3 is not None
    assert g3.country == "CN"
    assert g3.entity_type is EntityType.ORGANIZATION
    assert g3.date_of_birth == "1990"
    assert g3.owners == (Owner("Foo", 30.0, "CN"), Owner("Bar", 20.0, None))
    g4 = good["G4"].party
    assert g4 is not None and g4.country == "TR" and g4.entity_type is EntityType.PERSON
    g5 = good["G5"].party
    assert g5 is not None and g5.country is None and g5.entity_type is EntityType.UNKNOWN

    # error results carry the record id when there is one
    assert {r.line: r.record_id for r in results if r.error} == {
        3: "B1",
        5: "B2",
        6: "G1",
        7: "B3",
        8: None,  # a row with the wrong field count cannot be trusted
        9: "B5",
        11: "B6",
        12: "B7",
        13: "B8",
    }
    assert all((r.party is None) == (r.error is not None) for r in results)


def test_all_problems_of_a_row_are_reported_together(tmp_path: Path) -> None:
    path = write(tmp_path, "c.csv", "id,name,country,hq_country\n,,Narnia,Atlantis\n")
    [result] = list(iter_customers(path))
    assert result.error == (
        "id: required, but empty; name: required, but empty; "
        "country: unknown country 'Narnia' (use ISO 3166 alpha-2 or a name); "
        "hq_country: unknown country 'Atlantis' (use ISO 3166 alpha-2 or a name)"
    )
    assert result.record_id is None


def test_country_names_and_codes_become_iso2(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "c.csv",
        "id,name,country,hq_country,parent_country,ultimate_parent_country\n"
        "1,A,Germany,china,Korea, North,us\n".replace("Korea, North", '"Korea, North"')
        + "2,B,Hong Kong,Russia,Iran,United Kingdom\n",
    )
    parties = [r.party for r in iter_customers(path)]
    assert parties[0] is not None and parties[1] is not None
    assert (
        parties[0].country,
        parties[0].hq_country,
        parties[0].parent_country,
        parties[0].ultimate_parent_country,
    ) == ("DE", "CN", "KP", "US")
    assert (
        parties[1].country,
        parties[1].hq_country,
        parties[1].parent_country,
        parties[1].ultimate_parent_country,
    ) == ("HK", "RU", "IR", "GB")


@pytest.mark.parametrize(
    ("owners", "expected"),
    [
        ("Foo Ltd::CN", (Owner("Foo Ltd", None, "CN"),)),
        ("Foo Ltd:30%", (Owner("Foo Ltd", 30.0, None),)),
        ("Foo Ltd:30:CN", (Owner("Foo Ltd", 30.0, "CN"),)),
        ("Foo Ltd", (Owner("Foo Ltd", None, None),)),
        (
            " Foo Ltd : 12.5 % : China ; ; Bar : 0 : ",
            (Owner("Foo Ltd", 12.5, "CN"), Owner("Bar", 0.0, None)),
        ),
        ("Foo: The Company:100:US", (Owner("Foo: The Company", 100.0, "US"),)),
        ("A:50;B:50", (Owner("A", 50.0, None), Owner("B", 50.0, None))),
    ],
)
def test_owner_forms(tmp_path: Path, owners: str, expected: tuple[Owner, ...]) -> None:
    path = write(tmp_path, "c.jsonl", json.dumps({"id": "1", "name": "X", "owners": owners}))
    [result] = list(iter_customers(path))
    assert result.error is None
    assert result.party is not None and result.party.owners == expected


@pytest.mark.parametrize(
    ("owners", "message"),
    [
        ("Foo:-5:CN", "share '-5' of 'Foo' is not a number from 0 to 100"),
        ("Foo:101", "share '101' of 'Foo' is not a number from 0 to 100"),
        ("Foo:abc:CN", "share 'abc' of 'Foo' is not a number from 0 to 100"),
        ("Foo:CN", "share 'CN' of 'Foo' is not a number from 0 to 100"),
        ("Foo:nan:CN", "share 'nan' of 'Foo'"),
        (":30:CN", "':30:CN' has no name"),
        ("A:70;B:40", "shares add up to 110%, more than 100%"),
        ("A:10:Narnia", "unknown country 'Narnia' of 'A'"),
    ],
)
def test_bad_owners(tmp_path: Path, owners: str, message: str) -> None:
    path = write(tmp_path, "c.jsonl", json.dumps({"id": "1", "name": "X", "owners": owners}))
    [result] = list(iter_customers(path))
    assert result.party is None
    assert result.error is not None and result.error.startswith("owners: ")
    assert message in result.error


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1990", "1990"), ("1990-05", "1990-05"), ("1990-05-17", "1990-05-17"), ("", None)],
)
def test_good_dates_of_birth(tmp_path: Path, value: str, expected: str | None) -> None:
    path = write(tmp_path, "c.csv", f"id,name,date_of_birth\n1,X,{value}\n")
    [result] = list(iter_customers(path))
    assert result.party is not None and result.party.date_of_birth == expected


@pytest.mark.parametrize(
    "value", ["90", "1990/05/17", "1990-02-30", "17.05.1990", "1990-5", "0000"]
)
def test_bad_dates_of_birth(tmp_path: Path, value: str) -> None:
    path = write(tmp_path, "c.csv", f"id,name,date_of_birth\n1,X,{value}\n")
    [result] = list(iter_customers(path))
    assert result.error is not None and result.error.startswith("date_of_birth: ")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("organization", EntityType.ORGANIZATION),
        ("Organisation", EntityType.ORGANIZATION),
        ("ORG", EntityType.ORGANIZATION),
        ("company", EntityType.ORGANIZATION),
        ("person", EntityType.PERSON),
        ("Individual", EntityType.PERSON),
        ("", EntityType.UNKNOWN),
    ],
)
def test_entity_types(tmp_path: Path, value: str, expected: EntityType) -> None:
    path = write(tmp_path, "c.csv", f"id,name,entity_type\n1,X,{value}\n")
    [result] = list(iter_customers(path))
    assert result.party is not None and result.party.entity_type is expected


def test_aliases_split_trimmed_and_deduplicated(tmp_path: Path) -> None:
    path = write(tmp_path, "c.csv", 'id,name,aliases\n1,X," A ; B;;A;C "\n')
    [result] = list(iter_customers(path))
    assert result.party is not None and result.party.aliases == ("A", "B", "C")


# ------------------------------------------------------------------------ whole-file errors
def test_missing_name_column_names_file_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "nonames.csv", "id,country\n1,US\n")
    with pytest.raises(InputFileError) as info:
        iter_customers(path)  # raised at once, before any iteration
    error = info.value
    assert isinstance(error, BadInputError) and error.exit_code == 2
    assert error.column == "name"
    assert error.path == str(path)
    assert str(path) in str(error) and "'name'" in str(error)
    assert error.to_dict()["column"] == "name"


def test_missing_id_column(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="'id'"):
        iter_data_centres(write(tmp_path, "dc.csv", "name,country\nX,US\n"))


def test_duplicate_header_column(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="twice") as info:
        iter_customers(write(tmp_path, "c.csv", "id,name,Name\n1,a,b\n"))
    assert info.value.column == "name"


def test_bad_encoding_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(b"id,name\n1,Alpha\n2,Beta\n" + "3,Müller GmbH\n".encode("latin-1") + b"4,D\n")
    with pytest.raises(InputFileError) as info:
        iter_customers(path)
    assert info.value.line == 4
    assert str(path) in str(info.value) and "UTF-8" in str(info.value)


def test_bad_encoding_far_into_the_file_is_found_before_any_record(tmp_path: Path) -> None:
    rows = "".join(f"{i},Name {i}\n" for i in range(1, 60_001))  # > 1 MiB, several chunks
    path = tmp_path / "late.csv"
    path.write_bytes(b"id,name\n" + rows.encode() + b"bad,\xff\xfe\n")
    with pytest.raises(InputFileError) as info:
        iter_customers(path)
    assert info.value.line == 60_002


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf  \r\n\r\n"])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    with pytest.raises(InputFileError, match="empty"):
        iter_customers(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="not found"):
        iter_customers(tmp_path / "nope.csv")


def test_utf16_file_is_refused_with_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "u16.csv"
    path.write_bytes("id,name\n1,X\n".encode("utf-16"))
    with pytest.raises(InputFileError, match="UTF-16"):
        iter_customers(path)


def test_json_array_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="JSON Lines"):
        iter_customers(write(tmp_path, "c.json", '[{"id": "1", "name": "X"}]'))


# ------------------------------------------------------------------------------ JSON Lines
def test_jsonl_with_a_malformed_line(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "J1", "name": "Alpha", "country": "France"}),  # 1
        '{"id": "J2", "name": broken',  # 2
        json.dumps({"ID": "J3", " Name ": "Gamma", "Entity_Type": "person"}),  # 3
        "",  # 4
        "[1, 2]",  # 5
        json.dumps(  # 6
            {
                "id": 7,
                "name": "Delta 华为",
                "aliases": ["D1", "D2"],
                "owners": [{"name": "O1", "share": 40, "country": "CN"}, "O2:10%:US"],
                "date_of_birth": 1961,
                "email": "d@example.com",
                "tags": {"a": 1},
            }
        ),
        json.dumps({"id": "J8", "name": "Eps", "score": float("nan")}),  # 7
        json.dumps({"id": "J9", "name": ["not", "text"]}),  # 8
        json.dumps({"id": "J10", "name": "Zeta", "country": True}),  # 9
    ]
    path = write(tmp_path, "c.jsonl", "\n".join(lines) + "\n")
    results = list(iter_customers(path))
    assert [r.line for r in results] == [1, 2, 3, 5, 6, 7, 8, 9]
    found = errors(results)
    assert set(found) == {2, 5, 7, 8, 9}
    assert found[2].startswith("invalid JSON")
    assert found[5] == "expected a JSON object, got a JSON array"
    assert "NaN is not allowed" in found[7]
    assert found[8] == "name: expected text, got a JSON array"
    assert found[9] == "country: expected text or a number, got true"

    good = by_id(results)
    assert good["J1"].party is not None and good["J1"].party.country == "FR"
    j3 = good["J3"].party
    assert j3 is not None and j3.name == "Gamma" and j3.entity_type is EntityType.PERSON
    delta = good["7"].party
    assert delta is not None
    assert delta.name == "Delta 华为"
    assert delta.aliases == ("D1", "D2")
    assert delta.owners == (Owner("O1", 40.0, "CN"), Owner("O2", 10.0, "US"))
    assert delta.date_of_birth == "1961"
    assert delta.extra == (("email", "d@example.com"), ("tags", '{"a":1}'))


def test_jsonl_escaped_nul_and_duplicate_keys(tmp_path: Path) -> None:
    text = (
        '{"id": "N1", "name": "Nu\\u0000ll", "country": "US"}\n'
        '{"id": "N2", "name": "A", "NAME": "B"}\n'
        '{"id": "N3", "name": "Ok"}\n'
    )
    results = list(iter_customers(write(tmp_path, "n.jsonl", text)))
    assert results[0].party is not None and results[0].party.name == "Null"
    assert results[1].error == "name: appears twice" and results[1].record_id == "N2"
    assert results[2].party is not None


def test_jsonl_chosen_by_sniffing_an_unknown_extension(tmp_path: Path) -> None:
    path = write(tmp_path, "c.txt", '\n  {"id": "1", "name": "X"}\n')
    [result] = list(iter_customers(path))
    assert result.line == 2 and result.party is not None


def test_csv_chosen_by_sniffing_an_unknown_extension(tmp_path: Path) -> None:
    [result] = list(iter_customers(write(tmp_path, "c.dat", "id,name\n1,X\n")))
    assert result.party is not None and result.party.name == "X"


# ------------------------------------------------------------------- CSV shape and lines
def test_crlf_and_bom(tmp_path: Path) -> None:
    path = tmp_path / "win.csv"
    path.write_bytes(
        b"\xef\xbb\xbfID, Name ,Country,Email\r\n"
        b"W1,Windows Co,DE,a@example.com\r\n"
        b"\r\n"
        b"W2,Second Co,Japan,\r\n"
        b"W3,,FR,\r\n"
    )
    results = list(iter_customers(path))
    assert [(r.line, r.record_id) for r in results] == [(2, "W1"), (4, "W2"), (5, "W3")]
    w1 = results[0].party
    assert w1 is not None and w1.name == "Windows Co" and w1.country == "DE"
    assert w1.extra == (("email", "a@example.com"),)  # no stray "\r"
    assert results[1].party is not None and results[1].party.country == "JP"
    assert results[2].error == "name: required, but empty"


def test_quoted_multiline_field_keeps_later_line_numbers(tmp_path: Path) -> None:
    text = (
        "id,name,address\n"  # 1
        'M1,One,"Line a\n'  # 2
        "Line b\n"  # 3
        'Line c"\n'  # 4
        "M2,Two,Plain\n"  # 5
        'M3,"Three\r\nCo",x\r\n'  # 6-7
        "M4,Four,\n"  # 8
        "M5,,bad\n"  # 9
    )
    results = list(iter_customers(write(tmp_path, "m.csv", text)))
    assert [(r.line, r.record_id) for r in results] == [
        (2, "M1"),
        (5, "M2"),
        (6, "M3"),
        (8, "M4"),
        (9, "M5"),
    ]
    m1 = results[0].party
    assert m1 is not None and m1.address == "Line a\nLine b\nLine c"
    assert results[2].party is not None and results[2].party.name == "Three\r\nCo"
    assert results[4].error == "name: required, but empty"


def test_unclosed_quote_is_reported(tmp_path: Path) -> None:
    text = 'id,name,address\nU1,One,"never closed\nU2,Two,x\nU3,Three,y\n'
    results = list(iter_customers(write(tmp_path, "u.csv", text)))
    assert len(results) == 1
    assert results[0].line == 2
    assert results[0].error == (
        "unreadable CSV row: unexpected end of data "
        "(a quote opened on line 2 is not closed before line 4)"
    )


def test_stray_quote_is_a_row_error(tmp_path: Path) -> None:
    text = 'id,name\nQ1,"Quoted" tail\nQ2,O"Brien\nQ3,"Say ""hi"""\n'
    results = list(iter_customers(write(tmp_path, "q.csv", text)))
    assert [(r.line, r.record_id) for r in results] == [(2, None), (3, "Q2"), (4, "Q3")]
    assert results[0].error is not None and results[0].error.startswith("unreadable CSV row")
    assert results[1].party is not None and results[1].party.name == 'O"Brien'
    assert results[2].party is not None and results[2].party.name == 'Say "hi"'


def test_headers_case_insensitive_unknown_columns_kept(tmp_path: Path) -> None:
    text = (
        " ID ,NAME,Entity Type,Customer Tier,ip_address,,zzz\n"
        "1,Alpha,Person,gold,10.0.0.1,orphan,\n"
    )
    [result] = list(iter_customers(write(tmp_path, "h.csv", text)))
    party = result.party
    assert party is not None
    assert party.entity_type is EntityType.PERSON
    # unknown columns and signals in extra, sorted; empty values left out
    assert party.extra == (
        ("column_6", "orphan"),
        ("customer_tier", "gold"),
        ("ip_address", "10.0.0.1"),
    )


def test_field_size_cap_and_nul_bytes(tmp_path: Path) -> None:
    long_value = "x" * (MAX_FIELD_CHARS + 1)
    text = f"id,name,address\nL1,Long,{long_value}\nL2,Nu\x00ll,ok\n"
    results = list(iter_customers(write(tmp_path, "l.csv", text)))
    assert results[0].line == 2 and results[0].record_id == "L1"
    assert results[0].error == f"address: longer than {MAX_FIELD_CHARS} characters"
    assert results[1].line == 3 and results[1].party is not None
    assert results[1].party.name == "Null"


def test_overlong_line_is_skipped_with_bounded_memory(tmp_path: Path) -> None:
    text = "id,name\nA,Before\n" + "B," + "y" * (MAX_LINE_CHARS + 10) + "\nC,After\n"
    results = list(iter_customers(write(tmp_path, "big.csv", text)))
    assert [(r.line, r.record_id) for r in results] == [(2, "A"), (3, None), (4, "C")]
    assert results[1].error is not None and "longer than" in results[1].error


def test_iteration_is_lazy(tmp_path: Path) -> None:
    rows = "".join(f"R{i},Name {i},US\n" for i in range(5000))
    stream = iter_customers(write(tmp_path, "lazy.csv", "id,name,country\n" + rows))
    first = next(stream)
    assert first.line == 2 and first.record_id == "R0"
    assert sum(1 for _ in stream) == 4999


# ---------------------------------------------------------------------------- data centres
def test_data_centre_validation(tmp_path: Path) -> None:
    text = (
        "id,name,operator_country,country,accelerator_count,eccn,tpp_per_device,rack_row\n"
        'D1,One,US,Ireland,"1,024",3a090.A,15832.5,R7\n'  # 2
        "D2,Two,US,US,-5,3A090.a,1\n"  # 3 wrong field count
        "D3,Three,US,US,-5,3A090.a,1,\n"  # 4
        "D4,Four,US,US,12.5,XYZ,-1,\n"  # 5
        "D5,Five,Narnia,US,8,ear99,nan,\n"  # 6
        "D6,Six,US,US,0,4A090.a,0,\n"  # 7
        "D7,Seven,,,,3A991,,\n"  # 8
        "D1,Dup,US,US,,,,\n"  # 9
    )
    results = list(iter_data_centres(write(tmp_path, "dc.csv", text)))
    found = errors(results)
    assert set(found) == {3, 4, 5, 6, 9}
    assert found[3] == "row has 7 fields, the header has 8"
    assert found[4].startswith("accelerator_count: '-5' is not a non-negative whole number")
    assert "accelerator_count: '12.5'" in found[5]
    assert "eccn: 'XYZ' is not an ECCN" in found[5]
    assert "tpp_per_device: '-1' is not a non-negative number" in found[5]
    assert "operator_country: unknown country 'Narnia'" in found[6]
    assert "tpp_per_device: 'nan'" in found[6]
    assert found[9] == "id: duplicate id 'D1' (first on line 2)"

    centres = {r.record_id: r.data_centre for r in results if r.data_centre}
    d1 = centres["D1"]
    assert d1 is not None
    assert d1.country == "IE" and d1.accelerator_count == 1024
    assert d1.eccn == "3A090.a" and d1.tpp_per_device == 15832.5
    assert d1.extra == (("rack_row", "R7"),)
    d6 = centres["D6"]
    assert d6 is not None and d6.accelerator_count == 0 and d6.eccn == "4A090.a"
    assert d6.tpp_per_device == 0.0
    d7 = centres["D7"]
    assert d7 is not None and d7.eccn == "3A991" and d7.country is None
    assert d7.accelerator_count is None and d7.tpp_per_device is None


def test_data_centres_jsonl(tmp_path: Path) -> None:
    lines = [
        {
            "id": "J1",
            "name": "One",
            "accelerator_count": 2048,
            "tpp_per_device": 15832.0,
            "eccn": "EAR99",
            "country": "Malaysia",
        },
        {"id": "J2", "name": "Two", "accelerator_count": 10.5},
        {"id": "J3", "name": "Three", "accelerator_count": True},
        {"id": "J4", "name": "Four", "aliases": ["x"]},
    ]
    path = write(tmp_path, "dc.ndjson", "\n".join(json.dumps(line) for line in lines))
    results = list(iter_data_centres(path))
    j1 = results[0].data_centre
    assert j1 is not None
    assert (j1.accelerator_count, j1.tpp_per_device, j1.eccn, j1.country) == (
        2048,
        15832.0,
        "EAR99",
        "MY",
    )
    assert results[1].error is not None and results[1].error.startswith("accelerator_count")
    assert results[2].error == "accelerator_count: expected text or a number, got true"
    j4 = results[3].data_centre
    assert j4 is not None and j4.extra == (("aliases", '["x"]'),)


def test_jsonl_lone_surrogates_are_row_errors_naming_the_field(tmp_path: Path) -> None:
    """Issue 8 item 10: a lone surrogate (a JSON \\ud800 escape) cannot be encoded, so it is
    rejected in its row (line and field named) before it reaches the normalizer; the rest of
    the file, valid surrogate pairs and an escaped backslash included, reads as usual."""
    text = (
        '{"id": "S1", "name": "Acme"}\n'
        '{"id": "S2", "name": "Bad \\ud800 Co"}\n'
        '{"id": "\\udc00", "name": "Bad id"}\n'
        '{"id": "S4", "name": "X", "owners": [{"name": "Owner \\uDFFF", "share": 10}]}\n'
        '{"id": "S5", "name": "Emoji \\ud83d\\ude00 pair", "note": "\\\\ud800 is text"}\n'
        '{"id": "S6", "name": "Y", "col\\ud800": "x"}\n'
        '{"id": "S7", "name": "Z", "aliases": ["fine", "bad \\udbff"]}\n'
    )
    results = list(iter_customers(write(tmp_path, "s.jsonl", text)))
    assert [r.line for r in results] == [1, 2, 3, 4, 5, 6, 7]
    errs = errors(results)
    assert set(errs) == {2, 3, 4, 6, 7}
    assert errs[2].startswith("name: holds a lone surrogate (U+D800")
    assert errs[3].startswith("id: holds a lone surrogate (U+DC00")
    assert errs[4].startswith("owners: holds a lone surrogate (U+DFFF")
    assert errs[6].startswith("col\\ud800: holds a lone surrogate")
    assert errs[7].startswith("aliases: holds a lone surrogate (U+DBFF")
    # The id that holds a surrogate is not echoed (it could not be written out).
    assert results[2].record_id is None and results[1].record_id == "S2"
    for r in results:  # nothing a result carries fails to encode
        assert r.error is None or r.error.encode("utf-8")
    ok = by_id(results)
    assert ok["S5"].party is not None and ok["S5"].party.name == "Emoji \U0001f600 pair"
    assert ok["S5"].party.extra == (("note", "\\ud800 is text"),)


def test_a_row_the_reader_fails_on_is_that_rows_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 8 item 10, reader side: an unexpected exception while building one record (or
    converting one JSON object) becomes that row's error; the file goes on."""
    import dataclasses

    from compliance import records

    def build(fields, arrays, extra_keys, record_id, errors):  # type: ignore[no-untyped-def]
        if fields.get("name") == "boom":
            raise UnicodeEncodeError("utf-8", "x", 0, 1, "surrogates not allowed")
        return records._build_party(fields, arrays, extra_keys, record_id, errors)

    monkeypatch.setattr(records, "_CUSTOMERS", dataclasses.replace(records._CUSTOMERS, build=build))
    csv_path = write(tmp_path, "c.csv", "id,name\n1,ok\n2,boom\n3,fine\n")
    results = list(iter_customers(csv_path))
    assert errors(results) == {3: "row could not be read (UnicodeEncodeError)"}
    assert results[0].party is not None and results[2].party is not None

    def convert(self, obj, line):  # type: ignore[no-untyped-def]
        raise RecursionError("deep")

    monkeypatch.setattr(records._JsonFields, "__call__", convert)
    json_path = write(tmp_path, "c.jsonl", '{"id": "1", "name": "x"}\n{"id": "2", "name": "y"}\n')
    results = list(iter_customers(json_path))
    assert errors(results) == {1: "row could not be read (RecursionError)", 2: errors(results)[1]}
