"""The nsfreg loader: 13 US restricted-party lists as extracted JSON (2026 snapshot)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from compliance.errors import ListFormatError
from compliance.lists import detect_format, nsfreg
from compliance.model import Address, Alias, ParsedList

NSFREG = "us_export_control_nsfreg"

# (file, list code, entries, aliases, addresses), counted independently with json.load:
# aliases de-duplicated per entity (case-insensitive) without the primary name; addresses split
# at "; and ". Packed names (issue 8, item 5: "IRGC Air Force; IRGCAF") are split into one alias
# each since; that changed four counts: bis_entity_list 5,156 -> 5,190, cbp_wro 35 -> 42,
# state_debarred_admin 0 -> 2, state_debarred_statutory 156 -> 158. Addresses joined by ";"
# that each end in a country are split too: bis_entity_list 5,908 -> 5,928, ofac_nscmic 68 -> 75.
REAL_FILES = [
    ("bis_dpl.json", "DPL", 564, 2, 564),
    ("bis_entity_list.json", "EL", 3409, 5190, 5928),
    ("bis_meu.json", "MEU", 70, 3, 70),
    ("cbp_wro.json", "CBP-WRO", 67, 42, 0),
    ("dhs_uflpa.json", "DHS-UFLPA", 148, 94, 0),
    ("dow_1260h.json", "DOW-1260H", 80, 78, 0),
    ("dow_1286.json", "DOW-1286", 134, 143, 0),
    ("fcc_covered.json", "FCC-COVERED", 15, 0, 0),
    ("ofac_eo14032_annex.json", "OFAC-EO14032", 59, 0, 0),
    ("ofac_nscmic.json", "CMIC", 68, 149, 75),
    ("state_debarred_admin.json", "DTC", 8, 2, 0),
    ("state_debarred_statutory.json", "DTC", 779, 158, 0),
    ("state_nonproliferation.json", "ISN", 528, 165, 0),
]


@pytest.fixture(scope="module")
def folder(shared_lists: Path) -> Path:
    return shared_lists / NSFREG


@pytest.fixture(scope="module")
def entity_list(folder: Path) -> ParsedList:
    return nsfreg.parse([folder / "bis_entity_list.json", folder / "lists.json"])


def _write(tmp_path: Path, data: Any, name: str = "list.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data) if not isinstance(data, str) else data, encoding="utf-8")
    return path


def _doc(
    *entities: dict[str, Any], count: int | None = None, list_id: str = "bis-entity-list"
) -> dict[str, Any]:
    return {
        "list_id": list_id,
        "source_file": "fixture.txt",
        "extracted": "2026-07-09",
        "count": len(entities) if count is None else count,
        "entities": list(entities),
    }


def _entity(name: str, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": name,
        "aliases": [],
        "country": None,
        "address": None,
        "status": None,
        "effective_date": None,
        "federal_register": None,
        "notes": None,
    }
    base.update(fields)
    return base


@pytest.mark.shared
@pytest.mark.parametrize(("name", "code", "entries", "aliases", "addresses"), REAL_FILES)
def test_real_file_counts(
    folder: Path, name: str, code: str, entries: int, aliases: int, addresses: int
) -> None:
    path = folder / name
    assert detect_format([path]) == "nsfreg"
    parsed = nsfreg.parse([path])
    assert len(parsed.entries) == entries
    assert parsed.alias_count == aliases
    assert parsed.stats["names"] == parsed.name_count == entries + aliases
    assert parsed.address_count == addresses
    assert {e.list_code for e in parsed.entries} == {code}
    assert len({e.key for e in parsed.entries}) == entries
    assert parsed.published == "2026-07-09"
    assert not [p for p in parsed.problems if p.kind == "count_mismatch"]
    data = json.loads(path.read_text(encoding="utf-8"))
    assert nsfreg.default_source([path]) == f"nsfreg-{data['list_id']}"


@pytest.mark.shared
def test_real_all_lists_together(folder: Path) -> None:
    paths = sorted(folder.glob("*.json"))
    parsed = nsfreg.parse(paths)
    assert len(parsed.entries) == sum(f[2] for f in REAL_FILES) == 5929
    assert len({e.key for e in parsed.entries}) == 5929
    assert nsfreg.default_source(paths) == "nsfreg"


@pytest.mark.shared
def test_real_entity_list_entry(entity_list: ParsedList) -> None:
    huawei = next(e for e in entity_list.entries if e.name == "Huawei Technologies Co., Ltd.")
    assert huawei.aliases == (
        Alias("Shenzhen Huawei Technologies"),
        Alias("Huawei Technology"),
        Alias("Beijing Huawei Longshine"),
        Alias("Huawei Marine"),
        Alias("Shenzhen Huawei Agisson Electric Co., Ltd."),
    )
    assert huawei.countries == ("CN",)
    assert huawei.addresses[1] == Address(
        "No. 1899 Xi Yuan Road, High-Tech West District, Chengdu, 611731", "CN"
    )
    assert huawei.addresses[0].text.startswith(
        "Addresses for Huawei Technologies Co., Ltd.: Bantian Huawei Base, Longgang District"
    )
    assert huawei.license_requirement == (
        "For all items subject to the EAR, see §§ 734.9(e) 1 and 744.11 of the EAR 2"
    )
    assert huawei.license_policy is None  # the 2026 extraction carries no policy column
    assert huawei.federal_register == "84 FR 22963, 5/21/19"
    assert huawei.start_date is None and huawei.remarks is None
    assert huawei.source_url == (  # from lists.json
        "https://www.ecfr.gov/current/title-15/subtitle-B/chapter-VII/subchapter-C/part-744"
        "#Supplement-No.-4-to-Part-744"
    )
    key = hashlib.sha1(
        b"bis-entity-list\x1fhuawei technologies co., ltd.\x1fchina\x1f84 fr 22963, 5/21/19",
        usedforsecurity=False,
    ).hexdigest()[:16]
    assert huawei.key == key


@pytest.mark.shared
def test_real_entity_list_license_texts(entity_list: ParsedList) -> None:
    requirements = {e.license_requirement for e in entity_list.entries}
    assert "For all items subject to the EAR. (See § 744.11 of the EAR)" in requirements
    assert None not in requirements
    assert {e.license_policy for e in entity_list.entries} == {None}
    # Same name, several countries: one entry per country, no key suffixes needed.
    assert "key_suffixes" not in entity_list.stats
    assert entity_list.problems == ()  # every country maps, see below


@pytest.mark.shared
def test_real_country_spellings(folder: Path) -> None:
    raw = json.loads((folder / "bis_entity_list.json").read_text(encoding="utf-8"))["entities"]
    parsed = nsfreg.parse([folder / "bis_entity_list.json"])
    by_country: dict[str, set[tuple[str, ...]]] = {}
    for item, entry in zip(raw, parsed.entries, strict=True):
        by_country.setdefault(item["country"], set()).add(entry.countries)
    assert by_country["Crimea Region of Ukraine"] == {("UA",)}  # 28 entries
    assert by_country["China"] == {("CN",)}
    assert by_country["Russia"] == {("RU",)}
    assert nsfreg.country_code("North Korea (DPRK)") == "KP"
    assert nsfreg.country_code("Turkey (Turkiye)") == "TR"
    assert nsfreg.country_code("Fishing Vessels") is None


@pytest.mark.shared
def test_real_dpl_and_other_lists(folder: Path) -> None:
    dpl = nsfreg.parse([folder / "bis_dpl.json"])
    assert dpl.stats["key_suffixes"] == 42  # one party per address row: -2, -3...
    santillan = next(e for e in dpl.entries if e.name == "MARCO SANTILLAN, JR")
    assert santillan.end_date == "2032-08-01"
    assert santillan.start_date == "2025-12-15"
    assert santillan.remarks == "Type of denial: Standard; Expires: 2032-08-01"
    cmic = nsfreg.parse([folder / "ofac_nscmic.json"])
    aecc = cmic.entries[0]
    assert aecc.programs == ("CMIC-EO13959",)
    assert Alias("AECC") in aecc.aliases
    isn = nsfreg.parse([folder / "state_nonproliferation.json"])
    russia = isn.entries[0]
    assert russia.programs == (
        "Chemical and Biological Weapons Control and Warfare Elimination Act (CBW Act)",
    )
    assert russia.countries == ("RU",)
    unknown = sorted(p.message for p in isn.problems if p.kind == "unknown_country")
    assert unknown == [
        "country 'Middle East Region' is not a country",
        "country 'North Korean entity in China' is not a country",
        "country 'Turkish individual' is not a country",
    ]
    uflpa = nsfreg.parse([folder / "dhs_uflpa.json"])
    assert uflpa.entries[0].start_date == "2022-06-21"  # "June 21, 2022"
    wro = nsfreg.parse([folder / "cbp_wro.json"])
    assert dict(wro.entries[0].extra)["status"] == "Active"
    assert any(p.message == "country 'Fishing Vessels' is not a country" for p in wro.problems)


def test_split_license() -> None:
    assert nsfreg.split_license(
        "For all items subject to the EAR. (See § 744.11 of the EAR) Presumption of denial."
    ) == ("For all items subject to the EAR. (See § 744.11 of the EAR)", "Presumption of denial.")
    assert nsfreg.split_license("For all items subject to the EAR; case-by-case review") == (
        "For all items subject to the EAR",
        "case-by-case review",
    )
    assert nsfreg.split_license("For all items subject to the EAR") == (
        "For all items subject to the EAR",
        None,
    )
    assert nsfreg.split_license("Policy of denial") == (None, "Policy of denial")
    assert nsfreg.split_license("") == (None, None)


def test_small_file(tmp_path: Path) -> None:
    doc = _doc(
        _entity(
            "Alpha Ltd.",
            aliases=["ALPHA LTD.", "Alpha"],
            country="North Korea (DPRK)",
            address="1 Road, Pyongyang; and 2 Street, Pyongyang",
            federal_register="91 FR 1, 1/2/26",
            notes="For all items subject to the EAR. Presumption of denial.",
        ),
        _entity("Alpha Ltd.", country="North Korea (DPRK)", federal_register="91 FR 1, 1/2/26"),
    )
    parsed = nsfreg.parse([_write(tmp_path, doc)])
    first, second = parsed.entries
    assert first.aliases == (Alias("Alpha"),)
    assert first.countries == ("KP",)
    assert [a.text for a in first.addresses] == ["1 Road, Pyongyang", "2 Street, Pyongyang"]
    assert (first.license_requirement, first.license_policy) == (
        "For all items subject to the EAR.",
        "Presumption of denial.",
    )
    assert second.key == f"{first.key}-2"
    assert parsed.stats["key_suffixes"] == 1


def test_count_mismatch_is_a_problem(tmp_path: Path) -> None:
    path = _write(tmp_path, _doc(_entity("A"), _entity("B"), count=3))
    parsed = nsfreg.parse([path])
    assert len(parsed.entries) == 2
    (problem,) = parsed.problems
    assert problem.kind == "count_mismatch" and problem.path == str(path)
    assert "count=3" in problem.message and "2 entities" in problem.message


def test_metadata_file_gives_source_urls(tmp_path: Path) -> None:
    meta = {"lists": [{"id": "bis-meu", "official_url": "https://example.gov/meu"}]}
    parsed = nsfreg.parse(
        [
            _write(tmp_path, _doc(_entity("MEU Co."), list_id="bis-meu"), "meu.json"),
            _write(tmp_path, meta, "lists.json"),
        ]
    )
    assert parsed.entries[0].source_url == "https://example.gov/meu"
    assert parsed.entries[0].list_code == "MEU"
    with pytest.raises(ListFormatError, match=r"only lists\.json"):
        nsfreg.parse([_write(tmp_path, meta, "lists.json")])


def test_list_codes() -> None:
    assert nsfreg.list_code_for("state-debarred-statutory") == "DTC"
    assert nsfreg.list_code_for("state-debarred-admin") == "DTC"
    assert nsfreg.list_code_for("ofac-nscmic") == "CMIC"
    assert nsfreg.list_code_for("fcc-covered") == "FCC-COVERED"


def test_bad_input(tmp_path: Path) -> None:
    broken = _write(
        tmp_path, '{"list_id": "bis-meu",\n "entities": [\n  {"name": "A",}\n]}', "x.json"
    )
    with pytest.raises(ListFormatError) as info:
        nsfreg.parse([broken])
    assert info.value.line == 3 and str(broken) in str(info.value)
    with pytest.raises(ListFormatError, match="no list_id"):
        nsfreg.parse([_write(tmp_path, {"results": []}, "csl.json")])
    with pytest.raises(ListFormatError, match="expected a JSON object"):
        nsfreg.parse([_write(tmp_path, [1, 2], "arr.json")])
    with pytest.raises(ListFormatError) as info:
        nsfreg.parse([_write(tmp_path, _doc(_entity("A"), _entity("")), "noname.json")])
    assert info.value.field == "entities[1].name"
    with pytest.raises(ListFormatError) as info:
        nsfreg.parse([_write(tmp_path, _doc(_entity("A", aliases="B")), "al.json")])
    assert info.value.field == "entities[0].aliases"
    with pytest.raises(ListFormatError, match="empty"):
        nsfreg.parse([_write(tmp_path, "  \n", "e.json")])
    (tmp_path / "bin.json").write_bytes(b'{"list_id": \x00}')
    with pytest.raises(ListFormatError, match="binary"):
        nsfreg.parse([tmp_path / "bin.json"])


def test_packed_names_give_one_alias_each(tmp_path: Path) -> None:
    doc = _doc(
        _entity("IRGC", aliases=["IRGC Air Force; IRGCAF", "HPSTAR; and", "A.B. Co.;—C.D. Co."]),
        _entity("Fuchu Prison; Union Kogyo Co., Ltd."),
        _entity("Man, Cho Yan Nathan; a.k.a Nathan Man"),
        _entity("Ship Repair Center 'Zvezdochka;'"),
    )
    parsed = nsfreg.parse([_write(tmp_path, doc)])
    irgc, wro, man, ship = parsed.entries
    names = [a.name for a in irgc.aliases]
    assert names[:2] == ["IRGC Air Force", "IRGCAF"]
    assert "HPSTAR" in names and "HPSTAR; and" not in names
    assert "A.B. Co." in names and "C.D. Co." in names
    # a one-word piece may be part of a broken name: the whole text is kept as well
    assert "IRGC Air Force; IRGCAF" in names
    # a packed primary name stays; each of its names is an alias
    assert wro.name == "Fuchu Prison; Union Kogyo Co., Ltd."
    assert [a.name for a in wro.aliases] == ["Fuchu Prison", "Union Kogyo Co., Ltd."]
    assert [a.name for a in man.aliases] == ["Man, Cho Yan Nathan", "Nathan Man"]
    assert ship.aliases == ()  # a ";" inside a quoted name is not a separator
    assert parsed.stats["names"] == parsed.name_count == 4 + len(names) + 2 + 2


@pytest.mark.parametrize("escape", ["\\u0000", "\\u0007", "\\u001b", "\\ud800"])
def test_control_characters_and_lone_surrogates_are_refused(tmp_path: Path, escape: str) -> None:
    """Issue 8, item 11: NUL in a name loaded on SQLite and failed on PostgreSQL."""
    text = json.dumps(_doc(_entity("A"), _entity("B", aliases=["ok", "X"])), indent=1)
    path = _write(tmp_path, text.replace('"X"', f'"Evil{escape}Corp"'))
    with pytest.raises(ListFormatError) as info:
        nsfreg.parse([path])
    assert info.value.field == "entities[1].aliases[1]"
    lines = text.splitlines()
    assert info.value.line == next(i for i, t in enumerate(lines, 1) if t.strip() == '"X"')
    assert "refused" in str(info.value) and str(path) in str(info.value)


def test_deep_nesting_is_refused(tmp_path: Path) -> None:
    """Issue 8, item 11: 100k nested arrays raised RecursionError."""
    deep = '{"list_id": "bis-meu", "entities": [\n' + "[" * 100_000 + "]" * 100_000 + "]}"
    with pytest.raises(ListFormatError, match="nested deeper") as info:
        nsfreg.parse([_write(tmp_path, deep)])
    assert info.value.line == 2


def test_split_addresses() -> None:
    assert nsfreg.split_addresses(
        "No. 99 Taoyuan Road, Hefei, China; 1 Nandahongmen Road, Beijing, China; and "
        "P.O. Box 1, Dubai, UAE"
    ) == [
        "No. 99 Taoyuan Road, Hefei, China",
        "1 Nandahongmen Road, Beijing, China",
        "P.O. Box 1, Dubai, UAE",
    ]
    # a ";" inside one address, or before a bare country, is not a separator
    one = "Hamra Street, Saroulla Building, 11th Floor; P.O. Box 113/5647, Beirut, Lebanon"
    assert nsfreg.split_addresses(one) == [one]
    bare = "18 Zhangjiang Road, Shanghai, China; Cayman Islands"
    assert nsfreg.split_addresses(bare) == [bare]
