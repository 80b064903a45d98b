"""Issue 10, finding 11: an address that matches a listed address is a hit in its own right
(at least review, the matched address shown), whatever the name; not a city, not another
house number, not an entry out of force."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from compliance.matching.addresses import AddressIndex, address_words
from compliance.matching.engine import Matcher
from compliance.model import Address, EntityType, ListEntry, Party
from compliance.records import DataCentre
from compliance.rules import load_ruleset, rule_dirs
from compliance.screening import ScreeningContext
from tests.contract import screen_data_centre, screen_party

ORG = EntityType.ORGANIZATION
RULESET = load_ruleset(rule_dirs())
TODAY = date(2026, 11, 27)

# Filler entries give the word rarities a real list has: "beijing", "district" and "road" are
# in many listed addresses, a street name in few.
FILLER = [
    ListEntry(f"f{i}", f"FILLER TRADING {i} LTD", ORG, "EL", countries=("CN",),
              addresses=(Address(f"{i} Renmin Road, Chaoyang District, Beijing", "CN"),))
    for i in range(60)
]  # fmt: skip
LISTED = ListEntry(
    "el-9",
    "BEIJING SKYVERSE TECHNOLOGY CO., LTD.",
    ORG,
    "EL",
    countries=("CN",),
    addresses=(Address("Room 1203, 8 Jianguomen Outer Street, Chaoyang District, Beijing", "CN"),),
)
ADDRESS_ONLY = ListEntry(
    "el-10",
    "Unit 5, 23 Gagarina Prospekt, Novosibirsk",
    ORG,
    "EL",
    countries=("RU",),
    addresses=(Address("Unit 5, 23 Gagarina Prospekt, Novosibirsk", "RU"),),
)
CITY_ONLY = ListEntry(
    "sdn-3", "NORTHERN STAR SHIPPING", ORG, "SDN", addresses=(Address("Dubai, UAE", "AE"),)
)
EXPIRED = ListEntry(
    "dpl-4", "OLD DENIED GMBH", ORG, "DPL", end_date="2020-01-01",
    addresses=(Address("Hafenstrasse 17, 20457 Hamburg", "DE"),),
)  # fmt: skip


@pytest.fixture(scope="module")
def ctx() -> ScreeningContext:
    matcher = Matcher.build([("us-csl", [*FILLER, LISTED, ADDRESS_ONLY, CITY_ONLY, EXPIRED])])
    return ScreeningContext(matcher, {"us-csl": "sha256:x"}, TODAY, rules=RULESET.compiled(TODAY))


def screen(ctx: ScreeningContext, address: str, country: str | None) -> dict[str, Any]:
    party = Party("c1", "Aurora Render Labs", entity_type=ORG, country=country, address=address)
    return screen_party(party, ctx)


def test_a_customer_at_a_listed_address_is_a_hit_whatever_its_name(ctx: ScreeningContext) -> None:
    result = screen(ctx, "8 Jianguomen Outer St., Rm 1203, Chaoyang Dist., Beijing 100022", "CN")
    assert result["matches"] == []  # the name matches nothing
    assert result["decision"] == "review"
    [hit] = [h for h in result["rule_hits"] if h["rule_id"] == "lists.address-match"]
    assert "listed address: Room 1203, 8 Jianguomen Outer Street" in hit["reason"]
    [match] = result["address_matches"]
    assert match["entry_id"] == "el-9" and match["program"] == "EL" and match["score"] >= 0.85


def test_an_address_only_entity_list_entry(ctx: ScreeningContext) -> None:
    result = screen(ctx, "Novosibirsk, 23 Gagarina prospekt, unit 5", "RU")
    assert [m["entry_id"] for m in result["address_matches"]] == ["el-10"]
    assert "lists.address-match" in [h["rule_id"] for h in result["rule_hits"]]


@pytest.mark.parametrize(
    ("address", "country"),
    [
        ("18 Jianguomen Outer Street, Room 1203, Chaoyang District, Beijing", "CN"),  # number
        ("8 Jianguomen Outer Street, Room 1204, Chaoyang District, Beijing", "CN"),  # unit
        ("Room 1203, 8 Jianguomen Outer Street, Chaoyang District, Beijing", "US"),  # country
        ("Chaoyang District, Beijing", "CN"),  # a district
        ("Dubai, UAE", "AE"),  # a listed address that is only a city
        ("12 Renmin Road, Chaoyang District, Beijing", "CN"),  # listed, but only common words
    ],
)
def test_what_is_not_an_address_match(ctx: ScreeningContext, address: str, country: str) -> None:
    result = screen(ctx, address, country)
    found = [m["entry_id"] for m in result.get("address_matches", [])]
    assert "el-9" not in found and "sdn-3" not in found, found
    if address.startswith("12 Renmin"):
        assert found == []  # "f12" is listed at it, but every word is in 60 listed addresses


def test_an_expired_entry_s_address_is_shown_not_applied(ctx: ScreeningContext) -> None:
    result = screen(ctx, "Hafenstrasse 17, 20457 Hamburg, Germany", "DE")
    [match] = result["address_matches"]
    assert match["entry_id"] == "dpl-4" and match["in_force"] is False
    assert result["decision"] == "clear"
    assert "list_entry_not_in_force" in [q["code"] for q in result["data_quality"]]


def test_a_data_centre_s_address(ctx: ScreeningContext) -> None:
    street = "Room 1203, 8 Jianguomen Outer Street, Chaoyang"
    dc = DataCentre("d1", "Hall 7", operator_name="Aurora Render Labs", operator_country="CN",
                    country="CN", city="Beijing", accelerator_model="A30",
                    extra=(("address", street),))  # fmt: skip
    result = screen_data_centre(dc, ctx)
    assert [m["entry_id"] for m in result["address_matches"]] == ["el-9"]
    assert "lists.address-match" in [h["rule_id"] for h in result["rule_hits"]]


def test_address_words() -> None:
    assert address_words("8 Jianguomen Outer St., #18-01, 12F") == (
        "8", "jianguomen", "outer", "street", "18", "01", "12", "f",
    )  # fmt: skip


def test_a_crafted_address_stays_cheap() -> None:
    index = AddressIndex([("x", e) for e in [*FILLER, LISTED]])
    assert index.match("beijing " * 20_000 + "8 jianguomen", "CN") == []
    assert index.match("", None) == [] and index.match("!!!", None) == []


def _index(*entries: ListEntry) -> AddressIndex:
    return AddressIndex([("x", e) for e in [*FILLER, *entries]])


def _entry(key: str, address: str, country: str) -> ListEntry:
    return ListEntry(key, f"PARTY {key}", ORG, "EL", addresses=(Address(address, country),))


@pytest.mark.parametrize(
    ("listed", "query"),
    [
        ("No. 1 Xinxi Road, Haidian District, Beijing",
         "Building 3, Unit 1, No. 10 Xinxi Road, Haidian District, Beijing"),
        ("No. 1 Xinxi Road, Haidian District, Beijing",
         "Xinxi Road No. 66, Floor 1, Haidian District, Beijing"),
        ("Room 1203, 8 Jianguomen Outer Street, Chaoyang District, Beijing",
         "Room 8, 1203 Jianguomen Outer Street, Chaoyang District, Beijing"),
    ],
)  # fmt: skip
def test_a_listed_number_must_stand_where_it_stands(listed: str, query: str) -> None:
    index = _index(_entry("n1", listed, "CN"))
    assert index.match(query, "CN") == []
    assert [h.address.text for h in index.match(listed, "CN")] == [listed]  # the control


def test_a_small_list_where_every_word_is_rare() -> None:
    index = AddressIndex([("x", _entry("m1", "1 Main Street, London", "GB"))])
    assert index.match("Flat 1, 221 Main Street, London", "GB") == []


def test_an_address_many_listed_parties_share_stays_matchable() -> None:
    fronts = [_entry(f"t{i}", "No. 37 Asseman Tower, Vali Asr Avenue, Tehran", "IR")
              for i in range(60)]  # fmt: skip
    index = AddressIndex([("x", e) for e in fronts])
    found = index.match("Asseman Tower, No. 37, Vali Asr Ave., Tehran", "IR")
    assert len(found) == 60 and found[0].score >= 0.85
