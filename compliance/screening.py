"""Screening one record: matches, decision, and the evidence, as the output contract's dict.

Pure: no database, no network, no clock (``as_of`` is an argument). Until the rules engine
exists, a record with any match at or above the review threshold is ``review``; otherwise
``clear``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from compliance.matching.engine import ENGINE_VERSION, Matcher
from compliance.model import Match, Outcome, Party


@dataclass(frozen=True)
class ScreeningContext:
    matcher: Matcher
    list_versions: dict[str, str]
    as_of: date
    threshold: float | None = None
    ruleset_version: str | None = None
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def effective_threshold(self) -> float:
        return self.matcher.weights.review_threshold if self.threshold is None else self.threshold


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
    }


def screening_id(party: Party, ctx: ScreeningContext) -> str:
    """Deterministic: the same record, list versions, ruleset, engine, threshold and as_of give
    the same id, so a replayed screening can be compared with the original one."""
    payload = json.dumps(
        {
            "party": party_fingerprint(party),
            "lists": ctx.list_versions,
            "ruleset": ctx.ruleset_version,
            "engine": ENGINE_VERSION,
            "threshold": ctx.effective_threshold,
            "as_of": ctx.as_of.isoformat(),
        },
        sort_keys=True,
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


def decide(matches: list[Match]) -> Outcome:
    return Outcome.REVIEW if matches else Outcome.CLEAR


def screen_party(party: Party, ctx: ScreeningContext, *, kind: str = "customer") -> dict[str, Any]:
    matches = ctx.matcher.match(party, threshold=ctx.threshold)
    return {
        "record_id": party.id,
        "kind": kind,
        "decision": decide(matches).value,
        "matches": [m.to_dict() for m in matches],
        "rule_hits": [],
        "list_versions": ctx.list_versions,
        "ruleset_version": ctx.ruleset_version,
        "as_of": ctx.as_of.isoformat(),
        "threshold": ctx.effective_threshold,
        "engine_version": ENGINE_VERSION,
        "screening_id": screening_id(party, ctx),
    }
