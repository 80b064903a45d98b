"""The facts the rules see, built from one record, its matches and its ownership (pure).

The names and types are those of :data:`compliance.rules.catalog.FACTS`; a test checks that
every fact built here is in the catalog and that every catalog fact is built for its kinds.
"""

from __future__ import annotations

import re
from collections.abc import Container
from datetime import date
from typing import Any

from compliance.accelerators import Classification
from compliance.decision import HitStatus
from compliance.lists._common import iso_date
from compliance.matching.addresses import AddressHit
from compliance.model import EntityType, ListEntry, Match, Party
from compliance.records import DataCentre

CIP_FIELDS = ("address", "email", "payment_fingerprint")
_WORD_SEP = re.compile(r"[^0-9a-z]+")


_REGIONS = (
    (re.compile(r"\b(crimea|krym|sevastopol|simferopol|kerch|yalta|feodosi[ay])\b"), "crimea"),
    (re.compile(r"\b(donetsk|dnr|makiivka|horlivka|gorlovka|mariupol)\b"), "donetsk"),
    (re.compile(r"\b(luhansk|lugansk|lnr|alchevsk)\b"), "luhansk"),
)


def covered_region(*texts: str | None) -> str | None:
    """``crimea``, ``donetsk`` or ``luhansk`` when an address or city names a place in the
    covered regions of Ukraine (a country code alone cannot say so: they are ``UA``)."""
    text = " ".join(t for t in texts if t).casefold()
    if not text:
        return None
    for pattern, region in _REGIONS:
        if pattern.search(text):
            return region
    return None


def keyword(value: str | None) -> str | None:
    """``"Advanced Compute"``, ``"advanced-compute"`` -> ``"advanced_compute"`` (rules compare
    these values exactly, so a spelling variant must not slip past them)."""
    if not value:
        return None
    return _WORD_SEP.sub("_", value.casefold()).strip("_") or None


EXACT_NAME = 0.999
_TRUE = frozenset({"1", "true", "yes", "y"})


def match_status(
    match: Match, person: bool, confirmed: Container[tuple[str, str]] = ()
) -> HitStatus:
    """``confirmed`` (a reviewer said so), ``exact`` or ``potential``.

    Exact: the name or a strong alias is identical after normalization, no feature counts
    against it (country, entity type, birth date), and, for a person, the birth year or an
    identifier agrees too; or an identical identifier backs a name match. Worked example:
    "Megvii Technology" for the Entity List's "Megvii Technology" with no country given is
    exact; "Wen Li" for a listed "LI, Wen" with no birth date is only potential.
    """
    if (match.source, match.entry_key) in confirmed:
        return HitStatus.CONFIRMED
    features = dict(match.features)
    ident = features.get("identifier")
    if ident is not None and ident.score > 0:
        return HitStatus.EXACT
    if match.matched_kind == "weak" or features["name"].score < EXACT_NAME:
        return HitStatus.POTENTIAL
    if any(f.score < 0 for k, f in features.items() if k != "name"):
        return HitStatus.POTENTIAL
    if person:
        dob = features.get("date_of_birth")
        if dob is None or dob.score <= 0:
            return HitStatus.POTENTIAL
    return HitStatus.EXACT


def parse_day(text: str | None) -> date | None:
    """The day a list's date field gives (the loaders' spellings: :func:`iso_date`); None when
    it gives none or one that does not parse (lists write some dates as free text, kept as
    given, and "2026-W11-1" is not a day a list means)."""
    iso = iso_date(text)
    return date.fromisoformat(iso) if iso else None


def not_in_force(entry: ListEntry | None, as_of: date, history: str | None = None) -> str | None:
    """Why a matched list entry does not count on ``as_of``, or None when it does.

    An entry counts from its ``start_date`` to its ``end_date``, both inclusive (a Denied
    Persons order "in effect until" its expiry date; a designation from the day it is
    published). ``history`` is what the list's stored versions say, when they say it: no
    version dated on or before ``as_of`` held the entry (see
    :meth:`compliance.store.repository.ListRepository.not_held_on`); it is used only for an
    entry that gives no start date of its own. Worked example: a Denied
    Persons order expiring 2020-05-01, screened as of 2026-12-01 -> "expired 2020-05-01".
    """
    if entry is None:
        return history
    own = dates_not_in_force(entry.start_date, entry.end_date, as_of)
    if own is not None:
        return own
    # The list's own start date, when it gives one, is more precise than the dates of the
    # versions this program happened to store: an entry listed on 01-15 counts on 01-20 even
    # if the version stored on 01-01 could not hold it yet.
    return history if parse_day(entry.start_date) is None else None


def dates_not_in_force(start_date: str | None, end_date: str | None, as_of: date) -> str | None:
    """:func:`not_in_force` from an entry's own two dates."""
    start, end = parse_day(start_date), parse_day(end_date)
    if start is not None and as_of < start:
        return f"listed from {start.isoformat()}, after {as_of.isoformat()}"
    if end is not None and as_of > end:
        return f"expired {end.isoformat()}, before {as_of.isoformat()}"
    return None


def in_force(hits: tuple[dict[str, Any], ...]) -> tuple[dict[str, Any], ...]:
    """The hits on entries that count on the screening date (what the rules see)."""
    return tuple(h for h in hits if h.get("in_force", True))


def hit_record(
    match: Match, entry: ListEntry | None, status: str, out_of_force: str | None = None
) -> dict[str, Any]:
    """One ``list_hits`` item. ``out_of_force``: why the entry does not count on the
    screening date (:func:`not_in_force`); such a hit is kept, for the output, but no rule
    and no review floor reads it."""
    return {
        "list": match.list_code,
        "source": match.source,
        "status": status,
        "entry_id": match.entry_key,
        "entry_name": match.entry_name,
        "matched_name": match.matched_name,
        "score": round(match.score, 4),
        **_entry_terms(entry, out_of_force),
    }


def _entry_terms(entry: ListEntry | None, out_of_force: str | None) -> dict[str, Any]:
    """What every hit record carries of its entry: its declared outcome, license terms and
    whether it counts on the screening date."""
    return {
        "declared_outcome": (
            entry.declared_outcome.value if entry and entry.declared_outcome else None
        ),
        "license_requirement": entry.license_requirement if entry else None,
        "license_policy": entry.license_policy if entry else None,
        "federal_register": entry.federal_register if entry else None,
        "in_force": out_of_force is None,
        "not_in_force": out_of_force,
    }


def address_hit_record(
    source: str, entry: ListEntry, hit: AddressHit, query: str, out_of_force: str | None = None
) -> dict[str, Any]:
    """One ``address_hits`` item: a listed address the record's address holds."""
    return {
        "list": entry.list_code,
        "source": source,
        "status": "address",
        "entry_id": entry.key,
        "entry_name": entry.name,
        "matched_name": None,
        "score": hit.score,
        "listed_address": hit.address.text,
        "query_address": query,
        "shared": list(hit.shared),
        **_entry_terms(entry, out_of_force),
    }


def _extra(extra: tuple[tuple[str, str], ...]) -> dict[str, str]:
    return dict(extra)


def cip_missing(party: Party) -> frozenset[str]:
    """The customer-identification fields (:data:`CIP_FIELDS`) the record leaves empty."""
    values = {"address": party.address or "", **_extra(party.extra)}
    return frozenset(f for f in CIP_FIELDS if not values.get(f, "").strip())


def customer_facts(
    party: Party,
    hits: tuple[dict[str, Any], ...],
    owners: tuple[dict[str, Any], ...],
    listed_share_unknown: bool,
    address_hits: tuple[dict[str, Any], ...] = (),
) -> dict[str, Any]:
    extra = _extra(party.extra)
    return {
        "record.kind": "customer",
        "party.name": party.name,
        "party.entity_type": party.entity_type.value,
        "party.country": party.country,
        "party.hq_country": party.hq_country or party.country,
        "party.parent_country": party.parent_country,
        "party.ultimate_parent_country": party.ultimate_parent_country,
        "party.end_use": keyword(extra.get("end_use")),
        "party.uae_approved": extra.get("uae_approved", "").strip().lower() in _TRUE,
        "party.cip_missing": cip_missing(party),
        "region": covered_region(party.address),
        "service": keyword(party.service),
        "list_hits": hits,
        "address_hits": address_hits,
        "ownership.owners": owners,
        "ownership.listed_share_unknown": listed_share_unknown,
    }


def data_centre_address(dc: DataCentre) -> str | None:
    """The address a data centre is screened under: its ``address`` column with its city."""
    street = _extra(dc.extra).get("address", "").strip()
    if not street:
        return None
    return f"{street}, {dc.city}" if dc.city and dc.city not in street else street


def data_centre_facts(
    dc: DataCentre,
    item: Classification,
    hits: tuple[dict[str, Any], ...],
    owners: tuple[dict[str, Any], ...],
    address_hits: tuple[dict[str, Any], ...] = (),
    listed_share_unknown: bool = False,
) -> dict[str, Any]:
    extra = _extra(dc.extra)
    return {
        "record.kind": "data_centre",
        "party.name": dc.operator_name or dc.name,
        "party.entity_type": EntityType.ORGANIZATION.value,
        "party.country": dc.operator_country,
        "party.hq_country": dc.operator_country,
        "party.parent_country": None,
        "party.ultimate_parent_country": dc.operator_ultimate_parent_country,
        "party.end_use": keyword(extra.get("end_use")),
        "party.uae_approved": extra.get("uae_approved", "").strip().lower() in _TRUE,
        "destination.country": dc.country,
        "region": covered_region(dc.city, extra.get("address")),
        "item.model": item.model,
        "item.vendor": item.vendor,
        "item.eccn": item.eccn,
        "item.advanced_computing": item.advanced,
        "item.level": item.level,
        "item.datacenter": item.datacenter,
        "item.undetermined": item.undetermined,
        "item.eccn_conflict": item.conflict,
        "item.tpp": item.tpp,
        "item.performance_density": item.performance_density,
        "item.count": float(dc.accelerator_count) if dc.accelerator_count is not None else None,
        "item.origin_country": item.origin_country,
        "list_hits": hits,
        "address_hits": address_hits,
        "ownership.owners": owners,
        "ownership.listed_share_unknown": listed_share_unknown,
    }
