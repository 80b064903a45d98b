"""Issue 8, item 7: a customer-supplied attribute that contradicts a list entry (birth date,
country, entity type, a differing identifier) may lower the score, but never takes a name
that alone reaches the review threshold below it; the explanation says so, and such a hit
is never ``exact``."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from compliance.lists import parse_files
from compliance.matching.engine import Matcher
from compliance.model import EntityType, Identifier, ListEntry, Match, Party
from compliance.screening import ScreeningContext
from tests.contract import screen_party

ENTRIES = [
    ListEntry("p1", "AL ZAWAHIRI, Dr. Ayman", EntityType.PERSON, "SDN",
              dates_of_birth=("1951-06-19",), countries=("EG",),
              identifiers=(Identifier("passport", "1084010", "EG"),)),
    ListEntry("o1", "Rostec Avionics Holding", EntityType.ORGANIZATION, "SDN",
              countries=("RU",),
              identifiers=(Identifier("Registration Number", "1207700471110", "RU"),)),
]  # fmt: skip


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher.build([("hand", ENTRIES)])


def _only(matches: list[Match], key: str) -> Match:
    found = [m for m in matches if m.entry_key == key]
    assert len(found) == 1, [(m.entry_key, m.score) for m in matches]
    return found[0]


def _person(**kw: Any) -> Party:
    return Party("q", "Aiman AL ZAWAHRI", entity_type=EntityType.PERSON, **kw)


def test_name_alone_reaches_review(matcher: Matcher) -> None:
    # The premise of the tests below: a strong name (>= 0.80) that one penalty (-0.15 for
    # the birth date) would take below the threshold.
    match = _only(matcher.match(_person()), "p1")
    assert 0.85 < match.score < 0.95
    assert [k for k, _ in match.features] == ["name"]


def test_contradicting_birth_date_keeps_a_strong_name_at_review(matcher: Matcher) -> None:
    # Before the fix: 0.92 - 0.15 = 0.77 < 0.80, so the entry was not listed (clear).
    match = _only(matcher.match(_person(date_of_birth="1990-01-01")), "p1")
    assert match.score == pytest.approx(0.80)
    features = dict(match.features)
    assert features["date_of_birth"].score < 0
    assert features["date_of_birth"].detail == (
        "date of birth 1990-01-01 contradicts the listed 1951-06-19"
    )
    floor = features["review_floor"]
    assert floor.detail.startswith("date of birth 1990-01-01 contradicts the listed 1951-06-19")
    assert "kept at review because the name alone (0.92) reaches the threshold (0.80)" in (
        floor.detail
    )
    # The explanation adds up: name + adjustments = score.
    assert sum(f.score for _, f in match.features) == pytest.approx(match.score)


def test_contradicting_country_keeps_a_strong_name_at_review(matcher: Matcher) -> None:
    # 0.92 - 0.08 (country) - 0.15 (birth date) would be 0.69.
    match = _only(matcher.match(_person(country="US", date_of_birth="1990")), "p1")
    assert match.score == pytest.approx(0.80)
    features = dict(match.features)
    assert features["country"].detail == "country US contradicts the listed EG"
    assert "country US contradicts the listed EG" in features["review_floor"].detail


def test_contradicting_country_alone_on_an_organization(matcher: Matcher) -> None:
    # The name scores ~0.87 (a typo, an added word); -0.08 for DE would leave it below 0.80.
    name = "Rostek Avionics Holding Group"
    party = Party("q", name, entity_type=EntityType.ORGANIZATION)
    name_only = _only(matcher.match(party, threshold=0.5), "o1").score
    assert 0.80 <= name_only < 0.88
    contradicted = Party("q", name, entity_type=EntityType.ORGANIZATION, country="DE")
    match = _only(matcher.match(contradicted), "o1")
    assert match.score == pytest.approx(0.80)
    assert dict(match.features)["country"].detail == "country DE contradicts the listed RU"


def test_differing_identifier_is_explained_and_never_clears(matcher: Matcher) -> None:
    party = _person(registration_number="X1234567", date_of_birth="1990-01-01")
    match = _only(matcher.match(party), "p1")
    assert match.score == pytest.approx(0.80)
    differs = dict(match.features)["identifier_differs"]
    assert differs.score < 0
    assert differs.detail == "registration number X1234567 differs from the listed passport 1084010"
    assert "differs from the listed passport 1084010" in dict(match.features)["review_floor"].detail


def test_identical_identifier_is_not_a_contradiction(matcher: Matcher) -> None:
    party = Party("q", "Rostec Avionics Holding", registration_number="1207700471110")
    features = dict(_only(matcher.match(party), "o1").features)
    assert "identifier_differs" not in features and "identifier" in features


def test_contradicting_entity_type_keeps_a_strong_name_at_review(matcher: Matcher) -> None:
    party = Party(
        "q", "Aiman AL ZAWAHRI", entity_type=EntityType.ORGANIZATION, date_of_birth="1990"
    )
    match = _only(matcher.match(party), "p1")
    assert match.score == pytest.approx(0.80)
    assert dict(match.features)["entity_type"].detail == (
        "entity type organization contradicts the listed person"
    )


def test_a_weak_name_is_not_lifted(matcher: Matcher) -> None:
    # A name below the review threshold gets no floor at review: the floor is for names
    # that alone reach it.
    weak = Party("q", "Aymen Zawari", entity_type=EntityType.PERSON, date_of_birth="1990")
    (low,) = [m for m in matcher.match(weak, threshold=0.3) if m.entry_key == "p1"]
    assert low.score < 0.5
    assert matcher.match(weak) == []


def test_the_floor_follows_the_threshold_asked_for(matcher: Matcher) -> None:
    # A stricter caller threshold: the name (0.92) reaches 0.85, so it is kept at 0.85.
    match = _only(matcher.match(_person(date_of_birth="1990"), threshold=0.85), "p1")
    assert match.score == pytest.approx(0.85)
    # A looser one (a benchmark listing candidates) still keeps the review threshold.
    low = _only(matcher.match(_person(date_of_birth="1990"), threshold=0.5), "p1")
    assert low.score == pytest.approx(0.80)


def test_a_kept_hit_is_never_exact_and_the_decision_is_review(matcher: Matcher) -> None:
    ctx = ScreeningContext(matcher, {"hand": "sha256:hand"}, date(2026, 11, 27))
    result = screen_party(_person(date_of_birth="1990"), ctx)
    assert result["decision"] == "review"
    (hit,) = result["matches"]
    assert hit["status"] == "potential"
    assert "kept at review" in hit["features"]["review_floor"]["detail"]
    # The identical name: exact with a birth year that agrees, potential with one that
    # contradicts (0.85, above the threshold without the floor) or a differing identifier.
    name = "Ayman AL ZAWAHIRI"
    person = EntityType.PERSON
    agrees = Party("q", name, entity_type=person, date_of_birth="1951")
    assert screen_party(agrees, ctx)["matches"][0]["status"] == "exact"
    for other in (
        Party("q", name, entity_type=person, date_of_birth="1990"),
        Party("q", name, entity_type=person, date_of_birth="1951", registration_number="X123456"),
    ):
        assert screen_party(other, ctx)["matches"][0]["status"] == "potential"


# ------------------------------------------------------------------ the real OFAC SDN list
@pytest.fixture(scope="module")
def sdn_matcher(shared_lists: Path) -> Matcher:
    files = ("sdn_2024-05-03.csv", "alt_watchman-2025-12.csv", "add_watchman-2025-12.csv")
    sdn = parse_files([shared_lists / "ofac" / f for f in files], "ofac")[1]
    return Matcher.build([("us-ofac-sdn", sdn.entries)])


@pytest.mark.parametrize(
    "extra",
    [
        {"date_of_birth": "1990-01-01"},
        {"date_of_birth": "1990-01-01", "registration_number": "X1234567"},
        {"date_of_birth": "1990-01-01", "entity_type": EntityType.ORGANIZATION},
    ],
)
def test_zawahri_on_the_real_sdn(sdn_matcher: Matcher, extra: dict[str, Any]) -> None:
    plain = sdn_matcher.match(_person())
    assert plain and plain[0].entry_name == "AL ZAWAHIRI, Dr. Ayman"
    party = Party("q", "Ayman AL ZAWAHRI", **{"entity_type": EntityType.PERSON, **extra})
    found = [m for m in sdn_matcher.match(party) if m.entry_name == "AL ZAWAHIRI, Dr. Ayman"]
    assert found, "a false birth date cleared an SDN person"
    assert found[0].score >= 0.80
    detail = dict(found[0].features)["review_floor"].detail
    assert "date of birth 1990-01-01 contradicts the listed 1951-06-19" in detail
    assert "kept at review" in detail


# ------------------------------------------- the declared entity type is an attribute too
# Issue 8 hardening, second round: the declared type chose the normalization, so a listed
# company declared a person ("joint stock company" not read as the legal form jsc) was never
# scored, and the review floor never applied. Both readings are scored now.
TYPED = [
    ListEntry("o2", "JOINT STOCK COMPANY RADIOZAVOD", EntityType.ORGANIZATION, "SDN"),
    ListEntry("o3", "LIMITED LIABILITY COMPANY PROFFLAB", EntityType.ORGANIZATION, "SDN"),
    ListEntry("p2", "SALEH, Dr. Abdul Latif", EntityType.PERSON, "SDN"),
]


@pytest.fixture(scope="module")
def typed_matcher() -> Matcher:
    return Matcher.build([("hand", TYPED)])


@pytest.mark.parametrize(
    ("name", "key", "declared", "listed"),
    [
        ("JOINT STOCK COMPANY RADIOZAVOD", "o2", EntityType.PERSON, "organization"),
        ("LIMITED LIABILITY COMPANY PROFFLAB", "o3", EntityType.PERSON, "organization"),
        ("SALEH, Dr. Abdul Latif", "p2", EntityType.ORGANIZATION, "person"),
    ],
)
def test_a_declared_type_never_hides_a_listed_name(
    typed_matcher: Matcher, name: str, key: str, declared: EntityType, listed: str
) -> None:
    as_listed = Party("q", name, entity_type=EntityType(listed))
    assert _only(typed_matcher.match(as_listed), key).score == 1.0
    as_declared = _only(typed_matcher.match(Party("q", name, entity_type=declared)), key)
    # Found under the other reading; the contradiction lowers the score and is explained.
    assert 0.80 <= as_declared.score < 1.0
    features = dict(as_declared.features)
    assert features["name"].score == 1.0
    assert features["entity_type"].detail == (
        f"entity type {declared.value} contradicts the listed {listed}"
    )
    # The same name given as an alias, and through screening (a CSV's entity_type column).
    alias = Party("q", "Someone Else", aliases=(name,), entity_type=declared)
    assert _only(typed_matcher.match(alias), key).score == as_declared.score
    ctx = ScreeningContext(typed_matcher, {"hand": "sha256:hand"}, date(2026, 11, 27))
    result = screen_party(Party("c", name, entity_type=declared), ctx)
    assert result["decision"] != "clear"
    assert result["matches"][0]["entry_id"] == key


def test_the_contradicted_type_still_meets_the_review_floor(typed_matcher: Matcher) -> None:
    # Declared a person, a contradicting country too: kept at review by the name alone.
    party = Party(
        "q", "JOINT STOCK COMPANY RADIOZAVOD", entity_type=EntityType.PERSON, country="US"
    )
    match = _only(typed_matcher.match(party), "o2")
    assert match.score >= 0.80
    assert dict(match.features)["name"].score == 1.0


@pytest.mark.parametrize(
    ("listed", "declared"),
    [
        (EntityType.ORGANIZATION, EntityType.PERSON),
        (EntityType.PERSON, EntityType.ORGANIZATION),
    ],
)
def test_no_sdn_name_is_cleared_by_its_declared_type(
    sdn_matcher: Matcher, listed: EntityType, declared: EntityType
) -> None:
    # Before: 118 of 800 random SDN entity names declared a person were clear.
    import random

    entries = [e for _, e in sdn_matcher.index.entries if e.entity_type is listed]
    sample = random.Random(8).sample(entries, min(800, len(entries)))
    cleared = [
        e.name
        for e in sample
        if not any(
            m.entry_key == e.key
            for m in sdn_matcher.match(Party("q", e.name, entity_type=declared))
        )
    ]
    assert cleared == []
