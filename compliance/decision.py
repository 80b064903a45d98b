"""The decision on one screened record: one typed, frozen object that everything reads.

:func:`compliance.screening.screen_record` returns a :class:`Decision`; the file writers, the
decision store, the review queue and (later) the API schemas and exports all read it.
:meth:`Decision.to_dict` is the JSON contract of ARCHITECTURE.md section 4 (the JSON Lines
output); its keys and their order are part of that contract.

A batch row that could not be screened is a :class:`Decision` too, with no outcome and an
``error`` (and the input ``line``), so a writer never has to tell two kinds of result apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from compliance.jsontext import dumps
from compliance.model import Match, Outcome
from compliance.rules.engine import RuleHit


class HitStatus(StrEnum):
    """What is known about one matched list entry for this record.

    - ``potential``: a fuzzy match nobody has decided yet;
    - ``exact``: the name is identical after normalization and nothing contradicts it;
    - ``confirmed``: a reviewer confirmed it is this party (the list's outcome applies);
    - ``cleared``: a reviewer cleared it as a false positive, and the suppression still holds
      (same party fields, same entry, not expired): it does not hold the record at ``review``.

    ``potential`` and ``exact`` are unresolved: they keep a record at least at ``review``.
    """

    POTENTIAL = "potential"
    EXACT = "exact"
    CONFIRMED = "confirmed"
    CLEARED = "cleared"

    @property
    def unresolved(self) -> bool:
        return self in (HitStatus.POTENTIAL, HitStatus.EXACT)


@dataclass(frozen=True)
class MatchResult:
    """One matched list entry in a decision: the match, its status, whether the entry counts
    on the screening date, and the review that set the status (or voided a suppression)."""

    match: Match
    status: HitStatus
    not_in_force: str | None = None  # why the entry does not count on as_of; None: it does
    review: dict[str, Any] | None = None  # {"action", "case_id", "by", "at", ...}

    @property
    def in_force(self) -> bool:
        return self.not_in_force is None

    @property
    def key(self) -> tuple[str, str]:
        """(source, entry key): the entry's identity across list versions."""
        return self.match.source, self.match.entry_key

    def to_dict(self) -> dict[str, Any]:
        out = {**self.match.to_dict(), "status": self.status.value}
        if self.not_in_force is not None:
            out["in_force"] = False
            out["not_in_force"] = self.not_in_force
        if self.review is not None:
            out["review"] = dict(self.review)
        return out


@dataclass(frozen=True)
class Provenance:
    """What a decision was made with: enough to replay it (ARCHITECTURE.md section 6)."""

    list_versions: dict[str, str]
    ruleset_version: str | None
    as_of: str  # ISO date
    threshold: float
    engine_version: str
    screening_id: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "list_versions": self.list_versions,
            "ruleset_version": self.ruleset_version,
            "as_of": self.as_of,
            "threshold": self.threshold,
            "engine_version": self.engine_version,
            "screening_id": self.screening_id,
        }


@dataclass(frozen=True)
class Decision:
    """A screened record (or a row that could not be screened: ``outcome`` None, ``error``)."""

    record_id: str | None
    kind: str  # "customer" | "data_centre"
    outcome: Outcome | None
    matches: tuple[MatchResult, ...] = ()
    rule_hits: tuple[RuleHit, ...] = ()
    data_quality: tuple[dict[str, str], ...] = ()
    item: dict[str, Any] | None = None  # a data centre's accelerator classification
    address_matches: tuple[dict[str, Any], ...] = ()
    ownership: tuple[dict[str, Any], ...] = ()
    provenance: Provenance | None = None
    error: str | None = None
    line: int | None = None
    # The record as screened (its fingerprint, JSON-ready) and the hash of its identifying
    # fields: what the store keeps and what a suppression is keyed by. Not in to_dict().
    record: dict[str, Any] = field(default_factory=dict, compare=False)
    identity_hash: str = field(default="", compare=False)

    @property
    def screening_id(self) -> str | None:
        return self.provenance.screening_id if self.provenance is not None else None

    @property
    def failed(self) -> bool:
        return self.error is not None

    @property
    def unresolved(self) -> tuple[MatchResult, ...]:
        """The in-force matches nobody has decided (what opens or keeps a case)."""
        return tuple(m for m in self.matches if m.in_force and m.status.unresolved)

    def with_line(self, line: int | None) -> Decision:
        return replace(self, line=line)

    def json_text(self) -> str:
        """``to_dict()`` as one JSON Lines line's text (without the newline), made once: a
        screening worker makes it, so that the writer and the store in the parent process
        only copy it."""
        found: str | None = self.__dict__.get("_json")
        if found is None:
            found = dumps(self.to_dict())
            object.__setattr__(self, "_json", found)
        return found

    def record_identity(self) -> str:
        """The hash of the record's identifying fields (what a reviewer's decision on one of
        its matches is keyed to), made once."""
        if self.identity_hash:
            return self.identity_hash
        from compliance.review import identity_fields, identity_hash

        found = identity_hash(identity_fields(self.kind, self.record))
        object.__setattr__(self, "identity_hash", found)
        return found

    def prepare(self) -> Decision:
        """Make what the parent process would otherwise make for each decision (its JSON
        text and identity hash): called in the worker that screened it."""
        if self.error is None:
            self.json_text()
            self.record_identity()
        return self

    def to_dict(self) -> dict[str, Any]:
        """The output contract (JSON Lines form): today's keys, in today's order."""
        if self.error is not None:
            return {
                "record_id": self.record_id,
                "kind": self.kind,
                "decision": None,
                "error": self.error,
                "line": self.line,
                "matches": [],
                "rule_hits": [],
            }
        out: dict[str, Any] = {
            "record_id": self.record_id,
            "kind": self.kind,
            "decision": self.outcome.value if self.outcome is not None else None,
            "matches": [m.to_dict() for m in self.matches],
            "rule_hits": [h.to_dict() for h in self.rule_hits],
        }
        if self.item is not None:
            out["item"] = self.item
        out["data_quality"] = list(self.data_quality)
        if self.address_matches:
            out["address_matches"] = list(self.address_matches)
        if self.ownership:
            out["ownership"] = list(self.ownership)
        if self.provenance is not None:
            out.update(self.provenance.to_dict())
        return out


def failed(record_id: str | None, kind: str, error: str, line: int | None = None) -> Decision:
    """The result of a row that could not be read or screened: no decision, never ``clear``."""
    return Decision(record_id, kind, None, error=error, line=line)
