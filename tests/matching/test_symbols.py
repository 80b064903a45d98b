"""Name symbols, sound-alike name parts, initials and middle names (issue 9): the pairs they
make, what they must not pair, and the explanation that names why a pair counts."""

from __future__ import annotations

import pytest

from compliance.matching.engine import Matcher
from compliance.model import EntityType, ListEntry, Party
from compliance.normalize import normalize_name
from compliance.normalize.symbols import phonetic_key, word_symbols

P = EntityType.PERSON
ORG = EntityType.ORGANIZATION

ENTRIES = [
    ListEntry("s1", "HUSSEIN, Qusay Saddam", P, "SDN"),
    ListEntry("s2", "OSTROVSKY, Nikolay Petrovich", P, "SDN"),
    ListEntry("s3", "ALTURA", ORG, "SDN"),
    ListEntry("s4", "HOSSEINI, Seyed Mohammad", P, "SDN"),
    ListEntry("s5", "KRAVCHENKO, Vasily", P, "SDN"),
]


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher.build([("sym", ENTRIES)])


def _name_detail(matcher: Matcher, query: str, etype: EntityType, key: str) -> tuple[float, str]:
    for m in matcher.match(Party("q", query, entity_type=etype), threshold=0.3):
        if m.entry_key == key:
            return m.score, dict(m.features)["name"].detail
    return 0.0, ""


def test_a_word_keeps_the_symbols_of_its_own_script() -> None:
    # حسين transliterates to "hsyn", which rigour does not know; the token keeps the
    # symbols of the Arabic word, shared with the Latin "hussein".
    arabic = normalize_name("حسين", True)
    assert arabic.tokens == ("hsyn",)
    assert arabic.symbols[0] & word_symbols("hussein")
    assert not word_symbols("hsyn")


def test_a_spelling_paired_by_symbol_is_explained(matcher: Matcher) -> None:
    score, detail = _name_detail(matcher, "Qusay Saddam Husayn", P, "s1")
    assert score >= 0.8
    assert "husayn~hussein (0.90" in detail and "same name" in detail


def test_a_sound_alike_spelling_is_explained(matcher: Matcher) -> None:
    assert phonetic_key("nykolai") == phonetic_key("nikolay")
    score, detail = _name_detail(matcher, "Nykolai OSTROVSKY", P, "s2")
    assert score >= 0.8
    assert "nykolai~nikolay (0.85" in detail and "sounds alike" in detail


def test_sound_alike_brands_are_not_paired(matcher: Matcher) -> None:
    assert phonetic_key("altria") == phonetic_key("altura")
    score, _ = _name_detail(matcher, "Altria", ORG, "s3")
    assert score < 0.8


def test_an_initial_is_explained(matcher: Matcher) -> None:
    score, detail = _name_detail(matcher, "V. Kravchenko", P, "s5")
    assert score >= 0.8
    assert "v~vasily (0.80" in detail and "an initial" in detail


def test_a_missing_middle_name_costs_less_than_a_different_one(matcher: Matcher) -> None:
    # The query's middle name is absent from the entry: it costs half...
    missing, _ = _name_detail(matcher, "Qusay Ahmad Saddam Hussein", P, "s1")
    # ... where the same extra word at the end (a family name the entry lacks) costs in full.
    at_end, _ = _name_detail(matcher, "Qusay Saddam Hussein Ahmad", P, "s1")
    assert missing >= 0.8
    assert missing > at_end + 0.05
    # A middle name different from the entry's costs in full too.
    different, _ = _name_detail(matcher, "Seyed Jalal Hosseini", P, "s4")
    assert different < 0.8
