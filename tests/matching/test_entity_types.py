"""Issue 9 (precision): a customer declared a person or an organisation is not a ship or an
aircraft, so vessel and aircraft entries are not name candidates for it ("Dover Corporation"
alerted on the OFAC vessel DOVER, "Next plc" on the UK vessel NEXT). A party of unknown type
still meets them, and an identical identifier (an IMO number) still matches whatever the
declared type."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from compliance.index import NameIndex
from compliance.matching.engine import Matcher
from compliance.model import EntityType, Identifier, ListEntry, Party
from compliance.screening import ScreeningContext
from tests.contract import screen_party
from tests.matching.test_matching import names

ENTRIES = [
    # OFAC SDN 15046 and UK RUS2714 (vessels), trimmed.
    ListEntry("v1", "DOVER", EntityType.VESSEL, "SDN", aliases=(),
              identifiers=(Identifier("imo", "9218466"), Identifier("mmsi", "256872000"))),
    ListEntry("v2", "NEXT", EntityType.VESSEL, "UK",
              identifiers=(Identifier("imo", "IMO9286023"),)),
    # An aircraft named after a person (airlines name their aircraft so).
    ListEntry("a1", "ALEXANDER POKRYSHKIN", EntityType.AIRCRAFT, "SDN",
              identifiers=(Identifier("aircraft_msn", "1023409321"),)),
    # Organisations and a person sharing those names are still met.
    ListEntry("o1", "DOVER COMMODITY LIMITED", EntityType.ORGANIZATION, "SDN"),
    ListEntry("p1", "POKRYSHKIN, Alexander Ivanovich", EntityType.PERSON, "SDN"),
]  # fmt: skip

ORG = EntityType.ORGANIZATION
PERSON = EntityType.PERSON


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher.build([("hand", ENTRIES)])


def _keys(matcher: Matcher, party: Party, **kw: Any) -> list[str]:
    return [m.entry_key for m in matcher.match(party, **kw)]


@pytest.mark.parametrize("brute_force", [False, True])
@pytest.mark.parametrize("name", ["Dover Corporation", "DOVER", "Next plc"])
def test_a_declared_organisation_is_not_a_vessel(
    matcher: Matcher, name: str, brute_force: bool
) -> None:
    party = Party("q", name, entity_type=ORG)
    # Before: DOVER 0.97, NEXT 0.97 (the review floor kept them whatever the type).
    found = matcher.match(party, threshold=0.3, brute_force=brute_force)
    assert not {"v1", "v2"} & {m.entry_key for m in found}, names(found)


@pytest.mark.parametrize("brute_force", [False, True])
def test_a_declared_person_is_not_an_aircraft(matcher: Matcher, brute_force: bool) -> None:
    party = Party("q", "Alexander Pokryshkin", entity_type=PERSON)
    # Before: the aircraft at 0.80 (1.0 - 0.12 for the type, kept at the review floor).
    keys = _keys(matcher, party, threshold=0.3, brute_force=brute_force)
    assert "a1" not in keys
    assert "p1" in keys  # the listed person of that name is still met


def test_an_alias_meets_no_vessel_either(matcher: Matcher) -> None:
    party = Party("q", "Acme Holdings", aliases=("Dover",), entity_type=ORG)
    assert "v1" not in _keys(matcher, party, threshold=0.3)


@pytest.mark.parametrize("declared", [EntityType.UNKNOWN, EntityType.VESSEL])
def test_an_unknown_type_still_meets_vessels(matcher: Matcher, declared: EntityType) -> None:
    found = matcher.match(Party("q", "Dover Corporation", entity_type=declared))
    assert found and found[0].entry_key == "v1" and found[0].score >= 0.9
    assert matcher.match_name("Next plc")[0].entry_key == "v2"


@pytest.mark.parametrize("declared", [EntityType.UNKNOWN, EntityType.AIRCRAFT])
def test_an_unknown_type_still_meets_aircraft(matcher: Matcher, declared: EntityType) -> None:
    party = Party("q", "Alexander Pokryshkin", entity_type=declared)
    assert "a1" in _keys(matcher, party)


@pytest.mark.parametrize(
    ("name", "declared", "number", "key"),
    [
        ("Dover Corporation", ORG, "9218466", "v1"),  # the vessel's name and its IMO number
        ("Oceanic Freight Ltd", ORG, "IMO 9286023", "v2"),  # another name, the UK's IMO form
        ("Alexander Pokryshkin", PERSON, "1023409321", "a1"),
    ],
)
def test_an_identical_identifier_still_matches_whatever_the_type(
    matcher: Matcher, name: str, declared: EntityType, number: str, key: str
) -> None:
    party = Party("q", name, entity_type=declared, registration_number=number)
    (match,) = [m for m in matcher.match(party) if m.entry_key == key]
    assert match.score >= 0.95
    assert "is identical" in dict(match.features)["identifier"].detail


def test_organisations_of_the_vessels_name_are_still_met(matcher: Matcher) -> None:
    party = Party("q", "Dover Commodity Ltd", entity_type=ORG)
    assert _keys(matcher, party) == ["o1"]


def test_the_rule_survives_the_index_cache_form(matcher: Matcher) -> None:
    # name_craft is derived on load (from the entries), not stored in the cache file.
    plain, arrays = matcher.index.to_state()
    index = NameIndex.from_state(matcher.index.entries, matcher.weights, plain, arrays)
    assert index.name_craft.tolist() == matcher.index.name_craft.tolist()
    loaded = Matcher(index)
    assert loaded.match(Party("q", "Dover Corporation", entity_type=ORG)) == []
    assert _keys(loaded, Party("q", "Dover Corporation")) == ["v1"]


def test_a_declared_organisation_screens_clear(matcher: Matcher) -> None:
    ctx = ScreeningContext(matcher, {"hand": "sha256:hand"}, date(2026, 11, 27))
    assert screen_party(Party("c", "Next plc", entity_type=ORG), ctx)["decision"] == "clear"
    assert screen_party(Party("c", "Next plc"), ctx)["decision"] != "clear"
