"""Matching features. Each is a pure function ``(query, entry, weights) -> FeatureResult | None``
whose docstring is the public explanation; ``None`` means the feature has nothing to say (a
field is missing on either side). Scores are additive adjustments to the name score, except
``name`` itself and ``identifier`` (a floor). What contradicts the entry lowers the score but
never takes a strong name match below review (``Matcher.match``, the ``review_floor`` step)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from compliance.matching.weights import Weights
from compliance.model import EntityType, FeatureResult, ListEntry, Party

_ALNUM = re.compile(r"[^0-9A-Za-z]+")
_YEAR = re.compile(r"(1[89]\d\d|20\d\d)")
_ADDR_TOKEN = re.compile(r"[a-z0-9]{4,}")
_ADDR_STOP = frozenset(
    {
        "street",
        "road",
        "district",
        "building",
        "floor",
        "room",
        "city",
        "province",
        "avenue",
        "office",
        "industrial",
        "park",
        "zone",
        "lane",
    }
)


@dataclass(frozen=True, slots=True)
class Query:
    """The parts of a party the features look at (one query name at a time)."""

    party: Party
    person: bool


def normalize_identifier(value: str) -> str:
    return _ALNUM.sub("", value).upper()


def country(query: Query, entry: ListEntry, w: Weights) -> FeatureResult | None:
    """Country: the party's country (or headquarters country) is among the entry's countries
    (addresses, nationalities): small bonus; given on both sides and disjoint: penalty."""
    mine = {c for c in (query.party.country, query.party.hq_country) if c}
    theirs = set(entry.countries) | set(entry.nationalities)
    if not mine or not theirs:
        return None
    if mine & theirs:
        shared = ", ".join(sorted(mine & theirs))
        return FeatureResult(w.country_match, f"country {shared} is among the entry's countries")
    return FeatureResult(
        w.country_mismatch,
        f"country {', '.join(sorted(mine))} contradicts the listed {', '.join(sorted(theirs))}",
    )


def entity_type(query: Query, entry: ListEntry, w: Weights) -> FeatureResult | None:
    """Entity type: a person against an organization, vessel or aircraft entry (or the
    reverse) is unlikely to be the same party."""
    mine = query.party.entity_type
    theirs = entry.entity_type
    if EntityType.UNKNOWN in (mine, theirs):
        return None
    if (mine is EntityType.PERSON) == (theirs is EntityType.PERSON):
        return None
    return FeatureResult(
        w.type_mismatch,
        f"entity type {mine.value} contradicts the listed {theirs.value}",
    )


def _years(values: Sequence[str]) -> set[int]:
    years: set[int] = set()
    for value in values:
        found = [int(y) for y in _YEAR.findall(value)]
        if "/" in value and len(found) == 2:
            years.update(range(found[0], found[1] + 1))
        else:
            years.update(found)
    return years


def date_of_birth(query: Query, entry: ListEntry, w: Weights) -> FeatureResult | None:
    """Date of birth (persons): same year as one the entry gives: bonus; given on both sides
    with no year in common: penalty."""
    if not query.party.date_of_birth or not entry.dates_of_birth:
        return None
    mine = _years([query.party.date_of_birth])
    theirs = _years(entry.dates_of_birth)
    if not mine or not theirs:
        return None
    if mine & theirs:
        return FeatureResult(w.dob_match, f"birth year {min(mine & theirs)} matches")
    return FeatureResult(
        w.dob_mismatch,
        f"date of birth {query.party.date_of_birth} contradicts the listed "
        f"{', '.join(entry.dates_of_birth)}",
    )


def _registration(query: Query, entry: ListEntry) -> str | None:
    """The party's registration number, normalized, when there is one long enough (5
    characters) to compare with the entry's identifiers, and the entry has some."""
    reg = query.party.registration_number
    if not reg or not entry.identifiers:
        return None
    mine = normalize_identifier(reg)
    return mine if len(mine) >= 5 else None


def identifier(query: Query, entry: ListEntry, w: Weights) -> FeatureResult | None:
    """Identifier: the party's registration number equals one of the entry's identifiers
    (ignoring spaces and punctuation): strong evidence on its own."""
    mine = _registration(query, entry)
    if mine is None:
        return None
    for ident in entry.identifiers:
        if normalize_identifier(ident.value) == mine:
            return FeatureResult(w.identifier_match, f"{ident.kind} {ident.value} is identical")
    return None


def identifier_differs(query: Query, entry: ListEntry, w: Weights) -> FeatureResult | None:
    """Identifier: the party's registration number differs from every identifier the entry
    gives: a small penalty. A differing number is not proof of another party (an entry lists
    some of a party's numbers, of other kinds), so it never clears a strong name match."""
    mine = _registration(query, entry)
    if mine is None:
        return None
    theirs = [normalize_identifier(ident.value) for ident in entry.identifiers]
    if mine in theirs:
        return None
    listed = ", ".join(f"{ident.kind} {ident.value}" for ident in entry.identifiers[:5])
    more = f" and {len(entry.identifiers) - 5} more" if len(entry.identifiers) > 5 else ""
    return FeatureResult(
        w.identifier_mismatch,
        f"registration number {query.party.registration_number} differs from the listed "
        f"{listed}{more}",
    )


def address(query: Query, entry: ListEntry, w: Weights) -> FeatureResult | None:
    """Address: distinctive words (4+ letters, not "street"/"district"...) shared with one of
    the entry's addresses: small bonus."""
    if not query.party.address or not entry.addresses:
        return None
    mine = set(_ADDR_TOKEN.findall(query.party.address.lower())) - _ADDR_STOP
    best: set[str] = set()
    for addr in entry.addresses:
        shared = mine & (set(_ADDR_TOKEN.findall(addr.text.lower())) - _ADDR_STOP)
        if len(shared) > len(best):
            best = shared
    if len(best) < 2:
        return None
    return FeatureResult(w.address_match, f"address shares {', '.join(sorted(best)[:5])}")


# Order = order of the explanation. `name` is computed by the scorer itself.
ADJUSTMENTS = (country, entity_type, date_of_birth, identifier_differs, address)
