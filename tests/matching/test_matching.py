"""Matching behaviour, including the known failure modes of other screening systems.

Runs on the bundled demo list plus a few hand-written entries, so it needs no shared data;
``test_real_lists.py`` repeats the key cases on the full real lists.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from compliance.lists import parse_files
from compliance.matching.engine import Matcher
from compliance.model import Alias, AliasKind, EntityType, Identifier, ListEntry, Party

DEMO = Path(__file__).resolve().parents[2] / "compliance" / "data" / "demo_list.csv"

EXTRA = [
    ListEntry("x1", "HABBASH, George", EntityType.PERSON, "SDN", countries=("LB",),
              dates_of_birth=("1926",)),
    ListEntry("x2", "JSC ARGUMENT", EntityType.ORGANIZATION, "SDN",
              identifiers=(Identifier("Registration Number", "1207700471110", "RU"),)),
    ListEntry("x3", "Gazprom Neft", EntityType.ORGANIZATION, "SDN", countries=("RU",),
              aliases=(Alias("Газпром нефть"),)),
    ListEntry("x4", "ABC", EntityType.ORGANIZATION, "SDN"),
    ListEntry("x5", "Golden Crescent Trading", EntityType.ORGANIZATION, "SDN",
              aliases=(Alias("GCT Shipping", AliasKind.WEAK),)),
    ListEntry("x6", "PETROV, Ivan Sergeyevich", EntityType.PERSON, "SDN",
              dates_of_birth=("1970-05-01",), countries=("RU",)),
    ListEntry("x7", "Beijing Skyverse Technology Co., Ltd.", EntityType.ORGANIZATION, "EL",
              countries=("CN",)),
    ListEntry("x8", "Beijing Institute of Technology", EntityType.ORGANIZATION, "EL"),
]  # fmt: skip


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    _, demo = parse_files([DEMO], "csl")
    return Matcher.build([("demo", demo.entries), ("extra", EXTRA)])


def names(matches: list) -> list[str]:  # type: ignore[type-arg]
    return [m.entry_name for m in matches]


# query, expected top entry name (None = nothing may match)
CASES: list[tuple[str, str | None]] = [
    ("Huawei Technologies Co., Ltd.", "Huawei Technologies Co., Ltd."),
    ("HUAWEI TECHNOLOGIES CO LTD", "Huawei Technologies Co., Ltd."),
    ("Huawei Technologies Limited", "Huawei Technologies Co., Ltd."),
    ("华为技术有限公司", "Huawei Technologies Co., Ltd."),
    ("Suawei Technologies Co., Ltd.", "Huawei Technologies Co., Ltd."),  # first-letter typo
    ("Huawie Technologies", "Huawei Technologies Co., Ltd."),  # transposition
    ("Technologies Huawei", "Huawei Technologies Co., Ltd."),  # word order
    ("JSCARGUMENT", "JSC ARGUMENT"),
    ("Argument JSC", "JSC ARGUMENT"),
    ("ООО Газпром нефть", "Gazprom Neft"),
    ("Gazprom Neft OOO", "Gazprom Neft"),
    ("George Bush", None),
    ("Co., Ltd.", None),
    ("CORP", None),
    ("Beijing Technology Co., Ltd.", None),
    ("International Group Limited", None),
    ("Northwind Analytics Inc.", None),
]


@pytest.mark.parametrize(("query", "expected"), CASES)
def test_top_match(matcher: Matcher, query: str, expected: str | None) -> None:
    found = matcher.match_name(query)
    if expected is None:
        assert found == [], f"{query!r} should match nothing, got {names(found)}"
    else:
        assert found, f"{query!r} found nothing"
        assert found[0].entry_name == expected


def test_george_bush_is_far_from_george_habbash(matcher: Matcher) -> None:
    low = matcher.match(Party("q", "George Bush", entity_type=EntityType.PERSON), threshold=0.3)
    habbash = [m for m in low if m.entry_key == "x1"]
    assert not habbash or habbash[0].score < 0.6


def test_person_name_order_and_missing_middle_name(matcher: Matcher) -> None:
    for query in ("Ivan PETROV", "PETROV, Ivan", "Ivan Sergeyevich Petrov"):
        found = matcher.match(Party("q", query, entity_type=EntityType.PERSON))
        assert found and found[0].entry_key == "x6", query


def test_date_of_birth_and_country_move_the_score(matcher: Matcher) -> None:
    base = matcher.match(Party("q", "Ivan Petrov", entity_type=EntityType.PERSON))[0].score
    same = matcher.match(
        Party("q", "Ivan Petrov", entity_type=EntityType.PERSON, date_of_birth="1970", country="RU")
    )[0]
    other = matcher.match(
        Party("q", "Ivan Petrov", entity_type=EntityType.PERSON, date_of_birth="1985"),
        threshold=0.5,
    )[0]
    assert same.score > base > other.score
    features = dict(same.features)
    assert "date_of_birth" in features and "country" in features
    assert "1970" in features["date_of_birth"].detail


def test_short_names_do_not_flood(matcher: Matcher) -> None:
    assert names(matcher.match_name("ABC")) == ["ABC"]
    assert matcher.match_name("AB") == []
    assert matcher.match_name("XYZ") == []
    # a 3-letter token must be equal, not one edit away
    assert matcher.match_name("ABD") == []


def test_weak_aliases_are_searched_and_marked(matcher: Matcher) -> None:
    (match,) = matcher.match_name("GCT Shipping")
    assert match.entry_key == "x5" and match.matched_kind == "weak"
    assert "weak_alias" in dict(match.features)


def test_identifier_hit_is_strong_evidence(matcher: Matcher) -> None:
    party = Party("q", "Completely Different Name", registration_number="1207700471110")
    (match,) = matcher.match(party)
    assert match.entry_key == "x2" and match.score >= 0.95
    assert "identical" in dict(match.features)["identifier"].detail


def test_generic_words_do_not_carry_a_match(matcher: Matcher) -> None:
    low = {m.entry_key: m.score for m in matcher.match_name("Beijing Technology", threshold=0.3)}
    assert low.get("x7", 0) < 0.75 and low.get("x8", 0) < 0.75


def test_every_match_is_explained(matcher: Matcher) -> None:
    (match, *_) = matcher.match(Party("q", "Huawei Technologies Co Ltd", country="CN"))
    data = match.to_dict()
    assert data["features"]["name"]["detail"].startswith("'huawei technologies llc' vs")
    assert "huawei=huawei" in data["features"]["name"]["detail"]
    assert data["features"]["country"]["score"] > 0
    assert data["entry_hash"].startswith("sha256:")


def test_one_match_per_entry_best_name_first(matcher: Matcher) -> None:
    found = matcher.match_name("Huawei Technologies Co., Ltd.")
    keys = [(m.source, m.entry_key) for m in found]
    assert len(keys) == len(set(keys))
    assert [m.score for m in found] == sorted((m.score for m in found), reverse=True)


def test_brute_force_agrees_with_blocking_on_these_queries(matcher: Matcher) -> None:
    for query, _ in CASES:
        party = Party("q", query)
        fast = {(m.source, m.entry_key, m.score) for m in matcher.match(party)}
        slow = {(m.source, m.entry_key, m.score) for m in matcher.match(party, brute_force=True)}
        assert fast == slow, query
