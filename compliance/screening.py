"""Screening one record: matches, ownership, rule hits, decision, as the output contract's dict.

Pure: no database, no network, no clock (``as_of`` is an argument). A customer's names, and the
names of its owners and parents, are matched against the lists; the facts built from the record
and those matches (:mod:`compliance.facts`) go through the rules in force on ``as_of``; the
decision is the strongest rule outcome, and at least ``review`` while any match is unresolved.
``data_quality`` lists what is missing or suspicious in the record, apart from the decision:
empty customer-identification fields (``missing_kyc``) and an empty country
(``missing_field``); invisible or bidi-control characters in its text fields (removed before
matching, and a name's displayed form is screened too); words spelled with other scripts'
look-alikes of Latin letters (screened as the Latin they imitate too); a matched list entry
that does not count on ``as_of`` (``list_entry_not_in_force``). It never raises the decision:
the decision reflects law and risk policy only.
A data centre is screened the same way under its operator's name, with its accelerators
classified first (:mod:`compliance.accelerators`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import date
from operator import attrgetter
from typing import Any

from compliance.accelerators import (
    Classification,
    classify,
    default_table_version,
)
from compliance.decision import Decision, HitStatus, MatchResult, Provenance
from compliance.facts import (
    CIP_FIELDS,
    address_hit_record,
    cip_missing,
    customer_facts,
    data_centre_address,
    data_centre_facts,
    hit_record,
    in_force,
    match_status,
    not_in_force,
)
from compliance.matching.addresses import ADDRESS_VERSION, AddressIndex
from compliance.matching.engine import ENGINE_VERSION, Matcher
from compliance.model import EntityType, ListEntry, Match, Party
from compliance.normalize import invisible_characters, symbols, visual_form
from compliance.normalize.confusables import spoofed_words
from compliance.normalize.invisible import BIDI_CONTROLS, describe
from compliance.ownership import OwnershipGraph, listed_share_unknown, owner_links
from compliance.records import DataCentre
from compliance.review import PriorDecision, PriorDecisions, identity_fields, identity_hash
from compliance.rules.engine import CompiledRuleset, RuleHit, decide


@dataclass(frozen=True)
class ScreeningContext:
    """Everything a screening depends on besides the record itself (no clock, no I/O)."""

    matcher: Matcher
    list_versions: dict[str, str]
    as_of: date
    threshold: float | None = None
    ruleset_version: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    rules: CompiledRuleset | None = None
    graph: OwnershipGraph | None = None
    confirmed: frozenset[tuple[str, str]] = frozenset()
    # (source, entry key) -> why the entry does not count on as_of, from the lists' stored
    # version history: the version in force on as_of did not hold it (empty when as_of is on
    # or after every active version's date, or before any version).
    not_held: dict[tuple[str, str], str] = field(default_factory=dict)
    # Reviewers' standing decisions (confirmed / cleared) per party and entry, from the
    # decision store: applied to that party's matches (a clearance only while it holds).
    prior: PriorDecisions = field(default_factory=dict)
    _cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def effective_threshold(self) -> float:
        return self.matcher.weights.review_threshold if self.threshold is None else self.threshold

    def entry(self, source: str, key: str) -> ListEntry | None:
        entries: dict[tuple[str, str], ListEntry] | None = self._cache.get("entries")
        if entries is None:
            entries = {(src, e.key): e for src, e in self.matcher.index.entries}
            self._cache["entries"] = entries
        return entries.get((source, key))

    def address_index(self) -> AddressIndex:
        found: AddressIndex | None = self._cache.get("addresses")
        if found is None:
            found = self._cache["addresses"] = AddressIndex(self.matcher.index.entries)
        return found

    def address_hits(self, address: str | None, country: str | None) -> tuple[dict[str, Any], ...]:
        """The listed addresses ``address`` holds (``address_hits`` records, each with whether
        its entry counts on ``as_of``)."""
        if not address:
            return ()
        entries = self.matcher.index.entries
        out = []
        for hit in self.address_index().match(address, country):
            source, entry = entries[hit.entry]
            why = not_in_force(entry, self.as_of, self.not_held.get((source, entry.key)))
            out.append(address_hit_record(source, entry, hit, address, why))
        return tuple(out)

    def warm(self) -> None:
        """Build the lazy lookups now (before worker processes fork, so they share them)."""
        self.entry("", "")
        self.address_index()
        _context_part(self)
        symbols.warm()

    def results(
        self,
        party: Party,
        matches: list[Match],
        prior: dict[tuple[str, str], PriorDecision] | None = None,
        identity: str = "",
    ) -> tuple[MatchResult, ...]:
        """Each match with its status (a reviewer's standing decision in ``prior`` first: a
        confirmation, or a clearance while the party (``identity``) and the entry are unchanged
        and it has not expired) and whether its entry counts on ``as_of``."""
        out = []
        for m in matches:
            entry = self.entry(m.source, m.entry_key)
            # A listed person is never an exact hit on the name alone, whatever the input says.
            person = party.entity_type is EntityType.PERSON or (
                entry is not None and entry.entity_type is EntityType.PERSON
            )
            why = not_in_force(entry, self.as_of, self.not_held.get((m.source, m.entry_key)))
            status = match_status(m, person, self.confirmed)
            review = None
            decided = prior.get((m.source, m.entry_key)) if prior else None
            if decided is not None:
                void = decided.void_reason(identity, m.entry_hash, self.as_of)
                if void is None:
                    confirmed = decided.action == "confirmed"
                    status = HitStatus.CONFIRMED if confirmed else HitStatus.CLEARED
                review = decided.note(void)
            out.append(MatchResult(m, status, why, review))
        return tuple(out)

    def hit_records(self, results: tuple[MatchResult, ...]) -> tuple[dict[str, Any], ...]:
        """The ``list_hits`` the rules read: cleared false positives are not among them."""
        return tuple(
            hit_record(r.match, self.entry(*r.key), r.status.value, r.not_in_force)
            for r in results
            if r.status is not HitStatus.CLEARED
        )

    def screen_name(self, name: str, country: str | None) -> tuple[dict[str, Any], ...]:
        """List hits for an owner or parent name (cached: the same parent recurs in a batch)."""
        cache: dict[tuple[str, str | None], tuple[dict[str, Any], ...]] = self._cache.setdefault(
            "names", {}
        )
        key = (name, country)
        found = cache.get(key)
        if found is None:
            party = Party(id="related", name=name, country=country)
            found = self.hit_records(
                self.results(party, self.matcher.match(party, threshold=self.threshold))
            )
            if len(cache) < _NAME_CACHE:
                cache[key] = found
        return found


_NAME_CACHE = 100_000


def party_fingerprint(party: Party) -> dict[str, Any]:
    """Every input field of the party, JSON-ready (what the screening id is computed from)."""
    return {
        "id": party.id,
        "name": party.name,
        "aliases": list(party.aliases),
        "entity_type": party.entity_type.value,
        "country": party.country,
        "address": party.address,
        "registration_number": party.registration_number,
        "hq_country": party.hq_country,
        "parent": [party.parent_name, party.parent_country],
        "ultimate_parent": [party.ultimate_parent_name, party.ultimate_parent_country],
        "owners": [[o.name, o.share, o.country] for o in party.owners],
        "date_of_birth": party.date_of_birth,
        "service": party.service,
        "extra": sorted(party.extra),
    }


def data_centre_fingerprint(dc: DataCentre) -> dict[str, Any]:
    return {
        "id": dc.id,
        "name": dc.name,
        "operator": [dc.operator_name, dc.operator_country],
        "ultimate_parent": [dc.operator_ultimate_parent_name, dc.operator_ultimate_parent_country],
        "location": [dc.country, dc.city],
        "accelerators": [dc.accelerator_model, dc.accelerator_count, dc.eccn, dc.tpp_per_device],
        "extra": sorted(dc.extra),
    }


def _fingerprint(record: Party | DataCentre) -> dict[str, Any]:
    if isinstance(record, DataCentre):
        return data_centre_fingerprint(record)
    return party_fingerprint(record)


def screening_id(
    record: Party | DataCentre,
    ctx: ScreeningContext,
    related: tuple[dict[str, Any], ...] = (),
    prior: dict[tuple[str, str], PriorDecision] | None = None,
    fingerprint: dict[str, Any] | None = None,
) -> str:
    """Deterministic: the same record, list versions, ruleset, engine, threshold, as_of (and
    batch records followed for ownership, and reviewers' standing decisions on its matches)
    give the same id, so a replayed screening can be compared with the original one."""
    if fingerprint is None:
        fingerprint = _fingerprint(record)
    reference = (
        {"accelerators": default_table_version()} if isinstance(record, DataCentre) else None
    )
    parts: list[Any] = [fingerprint, reference, _followed(related)]
    if prior:  # only then: the ids of records nobody reviewed stay as they were
        parts.append(sorted([f"{k[0]}|{k[1]}", p.fingerprint()] for k, p in prior.items()))
    record_part = json.dumps(parts, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256((_context_part(ctx) + record_part).encode("utf-8")).hexdigest()[:32]


def _context_part(ctx: ScreeningContext) -> str:
    """The part of every screening id that depends on the context only, serialised once."""
    found: str | None = ctx._cache.get("id_context")
    if found is None:
        found = json.dumps(
            {
                "confirmed": sorted(ctx.confirmed),
                "lists": ctx.list_versions,
                "ruleset": ctx.ruleset_version,
                "engine": ENGINE_VERSION,
                "addresses": ADDRESS_VERSION,
                "threshold": ctx.effective_threshold,
                "as_of": ctx.as_of.isoformat(),
                "not_held": sorted(f"{k[0]}|{k[1]}|{v}" for k, v in ctx.not_held.items()),
            },
            sort_keys=True,
            ensure_ascii=False,
        )
        ctx._cache["id_context"] = found
    return found


def _followed(links: tuple[dict[str, Any], ...]) -> list[Any]:
    return [[link["record_id"], _followed(link["owners"])] for link in links if link["record_id"]]


def _evaluate(ctx: ScreeningContext, facts: dict[str, Any], kind: str) -> list[RuleHit]:
    return ctx.rules.evaluate(facts, kind) if ctx.rules is not None else []


def _party_missing(party: Party) -> list[dict[str, str]]:
    """What a customer record leaves empty that a reviewer or a policy may want: the
    customer-identification fields (``missing_kyc``) and the country (``missing_field``).
    Reported, never decided on: an operator who wants "incomplete -> review" enables the
    example overlay ``examples/rules/cip_incomplete.yaml``."""
    empty = cip_missing(party)
    found = [
        {"code": "missing_kyc", "field": name, "detail": "customer-identification field empty"}
        for name in CIP_FIELDS
        if name in empty
    ]
    if not party.country:
        found.append(
            {"code": "missing_field", "field": "country", "detail": "no country: located where?"}
        )
    return found


def _data_centre_missing(dc: DataCentre) -> list[dict[str, str]]:
    """A data centre's location or operator country left empty (``missing_field``)."""
    return [
        {"code": "missing_field", "field": name, "detail": detail}
        for name, value, detail in (
            ("country", dc.country, "no location: where does it stand?"),
            ("operator_country", dc.operator_country, "no operator headquarters country"),
        )
        if not value
    ]


_ADDRESS_KEYS = (
    "entry_id", "entry_name", "listed_address", "query_address", "score", "shared",
)  # fmt: skip


def _address_out(hits: tuple[dict[str, Any], ...]) -> list[dict[str, Any]]:
    """``address_matches``: each listed address the record's address holds, with its entry."""
    out = []
    for h in hits:
        item = {"list": h["source"], "program": h["list"], **{k: h[k] for k in _ADDRESS_KEYS}}
        if not h["in_force"]:
            item["in_force"] = False
            item["not_in_force"] = h["not_in_force"]
        out.append(item)
    return out


def _not_in_force_quality(hits: tuple[dict[str, Any], ...]) -> list[dict[str, str]]:
    """A ``list_entry_not_in_force`` data-quality item for each matched entry that does not
    count on the screening date (shown, never decided on)."""
    out: dict[tuple[str, str], dict[str, str]] = {}
    for h in hits:
        key = (h["source"], h["entry_id"])
        if not h["in_force"] and key not in out:  # matched by name and by address: once
            out[key] = {
                "code": "list_entry_not_in_force",
                "field": "address_matches" if h["status"] == "address" else "matches",
                "detail": f"{h['list']} entry {h['entry_id']} '{h['entry_name']}' "
                f"({h['source']}): {h['not_in_force']}; not applied",
            }
    return list(out.values())


def _ownership_out(links: tuple[dict[str, Any], ...]) -> list[dict[str, Any]]:
    return [
        {
            "name": link["name"],
            "share": link["share"],
            "country": link["country"],
            "via": link["via"],
            "record_id": link["record_id"],
            "hits": list(link["hits"]),
            "owners": _ownership_out(link["owners"]),
        }
        for link in links
    ]


def data_quality(values: Iterable[tuple[str, str | None]]) -> list[dict[str, str]]:
    """What is suspicious in a record's text fields, as ``{"code", "field", "detail"}`` items:
    ``mixed_script`` (words imitating Latin ones with other scripts' look-alike letters,
    "ᎻUᎪWEI": screened as the Latin they imitate too), ``bidi_override`` (explicit bidi
    embeddings, overrides or isolates, which can make a name display differently from how it
    is stored) and ``invisible_characters`` (zero-width and other format characters, soft
    hyphens, BOMs). The last two are removed before matching, and a name's displayed form is
    screened too. No flag raises the decision by itself."""
    found: list[dict[str, str]] = []
    for name, value in values:
        if not value or value.isascii():
            continue
        found.extend(_mixed_script(name, value))
        chars = invisible_characters(value)
        if not chars:
            continue
        bidi = [c for c in chars if c in BIDI_CONTROLS]
        other = [c for c in chars if c not in BIDI_CONTROLS]
        if bidi:
            detail = ", ".join(describe(c) for c in bidi)
            shown = visual_form(value)
            if shown is not None:
                detail += f'; displays as "{shown}" (screened as displayed and as stored)'
            found.append({"code": "bidi_override", "field": name, "detail": detail})
        if other:
            detail = ", ".join(describe(c) for c in other) + " (removed before matching)"
            found.append({"code": "invisible_characters", "field": name, "detail": detail})
    return found


def _scripts_text(scripts: tuple[str, ...]) -> str:
    if len(scripts) == 1:
        return f"{scripts[0].title()} letters in a Latin name"
    return " + ".join(t.title() for t in scripts)


def _mixed_script(name: str, value: str) -> list[dict[str, str]]:
    spoofed = spoofed_words(value)
    if not spoofed:
        return []
    detail = "; ".join(
        f'"{s.word}" ({_scripts_text(s.scripts)}) reads as "{s.folded}"' for s in spoofed
    )
    detail += " (screened as written and as read)"
    return [{"code": "mixed_script", "field": name, "detail": detail}]


# The name and every optional text attribute of a party (a field added to Party is read too).
_PARTY_TEXTS = ("name", *(f.name for f in fields(Party) if f.type == "str | None"))
_party_values = attrgetter(*_PARTY_TEXTS)


def _party_texts(party: Party) -> list[tuple[str, str | None]]:
    """(field, value) of every text field of a customer that screening reads (none when all
    are ASCII, the common case: nothing to flag)."""
    values: tuple[str | None, ...] = _party_values(party)
    if not party.aliases and not party.owners and "".join(filter(None, values)).isascii():
        return []
    texts = list(zip(_PARTY_TEXTS, values, strict=True))
    texts[1:1] = [(f"aliases[{i}]", alias) for i, alias in enumerate(party.aliases)]
    for i, owner in enumerate(party.owners):
        texts += [(f"owners[{i}].name", owner.name), (f"owners[{i}].country", owner.country)]
    return texts


def _data_centre_texts(dc: DataCentre) -> list[tuple[str, str | None]]:
    """(field, value) of every text field of a data centre that screening reads."""
    return [
        ("name", dc.name),
        ("operator_name", dc.operator_name),
        ("operator_country", dc.operator_country),
        ("operator_ultimate_parent_name", dc.operator_ultimate_parent_name),
        ("operator_ultimate_parent_country", dc.operator_ultimate_parent_country),
        ("country", dc.country),
        ("city", dc.city),
        ("accelerator_model", dc.accelerator_model),
        ("eccn", dc.eccn),
    ]


def _provenance(ctx: ScreeningContext, sid: str) -> Provenance:
    return Provenance(
        ctx.list_versions,
        ctx.ruleset_version,
        ctx.as_of.isoformat(),
        ctx.effective_threshold,
        ENGINE_VERSION,
        sid,
    )


def screen_party(party: Party, ctx: ScreeningContext, *, kind: str = "customer") -> Decision:
    """Screen one customer: its names against the lists, its owners and parents too, then
    the rules in force on ``ctx.as_of``."""
    matches = ctx.matcher.match(party, threshold=ctx.threshold)
    fingerprint = party_fingerprint(party)
    prior = ctx.prior.get((kind, party.id)) if ctx.prior else None
    ident = _identity_hash(kind, fingerprint, prior)
    results = ctx.results(party, matches, prior, ident)
    hits = ctx.hit_records(results)
    links = (
        owner_links(party, ctx.screen_name, ctx.graph)
        if party.owners or party.parent_name or party.ultimate_parent_name
        else ()
    )
    addressed = ctx.address_hits(party.address, party.country)
    facts = customer_facts(
        party, in_force(hits), links, listed_share_unknown(links), in_force(addressed)
    )
    rule_hits = _evaluate(ctx, facts, "customer")
    quality = (
        _party_missing(party)
        + data_quality(_party_texts(party))
        + _not_in_force_quality(hits + addressed)
    )
    return _decision(
        ctx, party, fingerprint, kind, results, rule_hits, quality, addressed, links, prior,
        ident,
    )  # fmt: skip


def _identity_hash(kind: str, fingerprint: dict[str, Any], prior: object) -> str:
    """The hash of the record's identifying fields (:func:`compliance.review.identity_fields`:
    what a reviewer's decision is keyed to); computed here only when a standing decision needs
    it (else the worker makes it for the store: :meth:`Decision.prepare`)."""
    if not prior:
        return ""
    return identity_hash(identity_fields(kind, fingerprint))


def _decision(
    ctx: ScreeningContext,
    record: Party | DataCentre,
    fingerprint: dict[str, Any],
    kind: str,
    results: tuple[MatchResult, ...],
    rule_hits: list[RuleHit],
    quality: list[dict[str, str]],
    addressed: tuple[dict[str, Any], ...],
    links: tuple[dict[str, Any], ...],
    prior: dict[tuple[str, str], PriorDecision] | None,
    ident: str,
    item: dict[str, Any] | None = None,
) -> Decision:
    """What every kind of record's decision holds: the outcome (the strongest rule outcome,
    at least ``review`` while an in-force match is undecided), the evidence, the versions and
    the screening id."""
    unresolved = any(r.in_force and r.status.unresolved for r in results)
    return Decision(
        record.id,
        kind,
        decide(rule_hits, unresolved),
        results,
        tuple(rule_hits),
        tuple(quality),
        item,
        tuple(_address_out(addressed)),
        tuple(_ownership_out(links)),
        _provenance(ctx, screening_id(record, ctx, links, prior, fingerprint)),
        record=fingerprint,
        identity_hash=ident,
    )


def data_centre_party(dc: DataCentre) -> Party:
    """The names a data centre is screened under: its operator (and its own name)."""
    name = dc.operator_name or dc.name
    aliases = (dc.name,) if dc.operator_name and dc.name != dc.operator_name else ()
    return Party(
        id=dc.id,
        name=name,
        aliases=aliases,
        entity_type=EntityType.ORGANIZATION,
        country=dc.operator_country,
        hq_country=dc.operator_country,
        ultimate_parent_name=dc.operator_ultimate_parent_name,
        ultimate_parent_country=dc.operator_ultimate_parent_country,
    )


def _item_out(item: Classification) -> dict[str, Any]:
    return {
        "eccn": item.eccn,
        "advanced_computing": item.advanced,
        "level": item.level,
        "datacenter": item.datacenter,
        "undetermined": item.undetermined,
        "eccn_conflict": item.conflict,
        "model": item.model,
        "vendor": item.vendor,
        "origin_country": item.origin_country,
        "tpp": item.tpp,
        "performance_density": item.performance_density,
        "basis": item.basis,
        "reference_table": default_table_version(),
    }


def screen_data_centre(dc: DataCentre, ctx: ScreeningContext) -> Decision:
    """Screen one data centre: classify its accelerators, screen its operator and the
    operator's ultimate parent, and apply the location and headquarters rules."""
    item = classify(dc.accelerator_model, dc.eccn, dc.tpp_per_device, as_of=ctx.as_of)
    party = data_centre_party(dc)
    matches = ctx.matcher.match(party, threshold=ctx.threshold)
    fingerprint = data_centre_fingerprint(dc)
    prior = ctx.prior.get(("data_centre", dc.id)) if ctx.prior else None
    ident = _identity_hash("data_centre", fingerprint, prior)
    results = ctx.results(party, matches, prior, ident)
    hits = ctx.hit_records(results)
    links = owner_links(party, ctx.screen_name, ctx.graph) if party.ultimate_parent_name else ()
    addressed = ctx.address_hits(data_centre_address(dc), dc.country)
    facts = data_centre_facts(
        dc, item, in_force(hits), links, in_force(addressed), listed_share_unknown(links)
    )
    rule_hits = _evaluate(ctx, facts, "data_centre")
    quality = (
        _data_centre_missing(dc)
        + data_quality(_data_centre_texts(dc))
        + _not_in_force_quality(hits + addressed)
    )
    return _decision(
        ctx, dc, fingerprint, "data_centre", results, rule_hits, quality, addressed, links,
        prior, ident, _item_out(item),
    )  # fmt: skip


def screen_record(record: Party | DataCentre, ctx: ScreeningContext) -> Decision:
    if isinstance(record, DataCentre):
        return screen_data_centre(record, ctx)
    return screen_party(record, ctx)
