"""The facts a rule may test: one table, checked when a rule file is loaded.

A fact is a named value computed for one screened record (see :mod:`compliance.facts`). Each
has a type, which decides the operators it accepts (:mod:`compliance.rules.operators`), and
the record kinds it exists for. A rule naming a fact that is not in this table fails to load.

Two structured facts carry records rather than scalars:

* ``list_hits``: one item per list entry the record's own names matched, with fields
  ``list`` (list code: ``EL``, ``SDN``, ``DPL``...), ``source``, ``status``
  (``potential`` = a fuzzy match not yet decided; ``exact`` = the name is identical after
  normalization and nothing contradicts it; ``confirmed`` = a reviewer confirmed it),
  ``declared_outcome`` (custom lists), ``entry_id``, ``entry_name``, ``matched_name``,
  ``score``, ``license_requirement``, ``license_policy``, ``federal_register``.
* ``ownership.owners``: one item per owner, parent and ultimate parent the record names, with
  ``name``, ``share`` (percent or ``None``), ``country``, ``via`` (``owner``, ``parent``,
  ``ultimate_parent``), ``hits`` (that name's list hits, same fields as above),
  ``record_id`` and ``owners`` (when the owner is itself a record of the same batch: its own
  owners, followed further).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class FactType(StrEnum):
    STRING = "string"
    CHOICE = "choice"  # a string from a fixed set
    COUNTRY = "country"  # ISO 3166 alpha-2
    NUMBER = "number"
    BOOL = "bool"
    SET = "set"  # a set of strings
    HITS = "hits"  # list_hits records
    OWNERS = "owners"  # ownership.owners records


KINDS = frozenset({"customer", "data_centre"})
BOTH = KINDS
CUSTOMER = frozenset({"customer"})
DATA_CENTRE = frozenset({"data_centre"})

HIT_STATUSES = ("potential", "exact", "confirmed")
HIT_FILTER_FIELDS = frozenset({"list", "status", "source", "declared_outcome"})


@dataclass(frozen=True, slots=True)
class FactSpec:
    name: str
    type: FactType
    description: str
    kinds: frozenset[str] = BOTH
    choices: frozenset[str] | None = None


def _spec(
    name: str,
    type_: FactType,
    description: str,
    kinds: frozenset[str] = BOTH,
    choices: tuple[str, ...] | None = None,
) -> FactSpec:
    return FactSpec(name, type_, description, kinds, frozenset(choices) if choices else None)


FACTS: dict[str, FactSpec] = {
    s.name: s
    for s in (
        _spec("record.kind", FactType.CHOICE, "what is screened", choices=tuple(sorted(KINDS))),
        _spec("party.name", FactType.STRING, "customer name; data centre: operator name"),
        _spec(
            "party.entity_type",
            FactType.CHOICE,
            "organization, person or unknown",
            choices=("organization", "person", "vessel", "aircraft", "unknown"),
        ),
        _spec("party.country", FactType.COUNTRY, "customer country; data centre: operator's"),
        _spec(
            "party.hq_country",
            FactType.COUNTRY,
            "headquarters country (customer: hq_country, else country; data centre: "
            "operator_country)",
        ),
        _spec("party.parent_country", FactType.COUNTRY, "immediate parent's country"),
        _spec(
            "party.ultimate_parent_country",
            FactType.COUNTRY,
            "ultimate parent's headquarters country",
        ),
        _spec(
            "party.end_use",
            FactType.STRING,
            "declared end use (input column end_use), e.g. wmd, military_intelligence",
        ),
        _spec(
            "party.uae_approved",
            FactType.BOOL,
            "the party is a UAE government or approved entity (input column uae_approved)",
        ),
        _spec(
            "party.cip_missing",
            FactType.SET,
            "customer-identification fields left empty (address, email, payment_fingerprint)",
            CUSTOMER,
        ),
        _spec(
            "region",
            FactType.CHOICE,
            "covered region of Ukraine named in the address (customer) or city (data centre)",
            choices=("crimea", "donetsk", "luhansk"),
        ),
        _spec(
            "service",
            FactType.STRING,
            "what is provided (advanced_compute, general_cloud, ...)",
            CUSTOMER,
        ),
        _spec("destination.country", FactType.COUNTRY, "where the data centre stands", DATA_CENTRE),
        _spec("item.model", FactType.STRING, "accelerator model", DATA_CENTRE),
        _spec("item.vendor", FactType.STRING, "accelerator vendor (reference table)", DATA_CENTRE),
        _spec(
            "item.eccn",
            FactType.STRING,
            "ECCN: from the record, else classified from the reference table or the TPP",
            DATA_CENTRE,
        ),
        _spec(
            "item.advanced_computing",
            FactType.BOOL,
            "an advanced-computing item (3A090, 4A090 or a .z item)",
            DATA_CENTRE,
        ),
        _spec(
            "item.level",
            FactType.CHOICE,
            "3A090/4A090 paragraph: a or b (z for .z items)",
            DATA_CENTRE,
            choices=("a", "b", "z"),
        ),
        _spec(
            "item.datacenter",
            FactType.BOOL,
            "designed or marketed for data centres (reference table; missing for a model the "
            "table does not know)",
            DATA_CENTRE,
        ),
        _spec(
            "item.undetermined",
            FactType.BOOL,
            "the accelerators could not be classified from what the record gives",
            DATA_CENTRE,
        ),
        _spec(
            "item.eccn_conflict",
            FactType.BOOL,
            "the record's ECCN disagrees with the classification from the model or TPP",
            DATA_CENTRE,
        ),
        _spec("item.tpp", FactType.NUMBER, "total processing performance per device", DATA_CENTRE),
        _spec(
            "item.performance_density",
            FactType.NUMBER,
            "TPP per mm2 of die area",
            DATA_CENTRE,
        ),
        _spec("item.count", FactType.NUMBER, "number of accelerators", DATA_CENTRE),
        _spec(
            "item.origin_country",
            FactType.COUNTRY,
            "country of origin of the accelerator design (reference table)",
            DATA_CENTRE,
        ),
        _spec("list_hits", FactType.HITS, "list entries the record's own names matched"),
        _spec(
            "address_hits",
            FactType.HITS,
            "list entries whose listed address the record's address holds (customer: "
            "address; data centre: its address column and city)",
        ),
        _spec("ownership.owners", FactType.OWNERS, "owners, parent and ultimate parent"),
        _spec(
            "ownership.listed_share_unknown",
            FactType.BOOL,
            "an owner, parent or ultimate parent matched a list entry but has no share given",
        ),
    )
}
