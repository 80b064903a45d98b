"""The case workflow, pure: what a reviewer's action does, when it needs a second reviewer,
and whether a past decision on a match still holds for a new screening.

No database and no clock here (times and actors are arguments); the store
(:mod:`compliance.store.cases`) keeps cases, events and suppressions, and the services
(:mod:`compliance.services.review`) put the two together in one transaction.

Case states (``Case.status``)::

    open ──escalate──▶ escalated
      │                    │
      └── every match decided (or, with no match, confirm) ──▶ closed

    A new unresolved match for a party whose case is closed opens a new case.

- A case is opened for a party by its first screening whose decision is not ``clear`` and
  updated by later ones (new matches join it; a match whose entry left the lists is noted).
- A match in a case is ``open`` until a reviewer confirms it (``confirmed``: the list's outcome
  applies on later screenings) or clears it as a false positive (``cleared``: a suppression is
  recorded). An action waiting for a second reviewer leaves it ``pending``.
- The case closes by itself when its last open match is decided; a case with rule hits and no
  open match (a rule decided, nothing to review) is closed with ``close``.

Four-eyes: clearing a match scoring at or above the configured threshold, and any decision
on a case that has been ``prohibited`` (its strongest stored decision, whatever a later
what-if screening says), is only *proposed*: it takes effect when a second, different
reviewer approves it (``approve``), and is dropped on ``reject``. The proposal is tied to the
party's and the entry's content hashes it was made on: once either changes it can no longer
be approved. Comments never need a second reviewer. Reviewer names are compared as people
would read them (:func:`same_person`), and a name or rationale holding control or invisible
characters is refused.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from compliance.errors import BadInputError


class CaseStatus(StrEnum):
    OPEN = "open"
    ESCALATED = "escalated"
    CLOSED = "closed"


class MatchState(StrEnum):
    OPEN = "open"
    PENDING = "pending"  # a decision waits for a second reviewer
    CONFIRMED = "confirmed"
    CLEARED = "cleared"


class Action(StrEnum):
    CONFIRM = "confirm"
    CLEAR = "clear"
    ESCALATE = "escalate"
    COMMENT = "comment"
    APPROVE = "approve"
    REJECT = "reject"
    CLOSE = "close"


class EventState(StrEnum):
    APPLIED = "applied"
    PENDING = "pending"  # waiting for a second reviewer
    APPROVED = "approved"  # was pending; a second reviewer approved it (now applied)
    REJECTED = "rejected"  # was pending; a second reviewer rejected it (never applied)


MATCH_ACTIONS = frozenset({Action.CONFIRM, Action.CLEAR})


class ReviewError(BadInputError):
    """An action the workflow does not allow (names the rule it breaks)."""

    code = "review_refused"
    http_status = 409


class ConflictError(ReviewError):
    """Someone else changed the case since it was read: read it again and retry."""

    code = "conflict"
    http_status = 409


def needs_second_reviewer(
    action: Action, case_outcome: str | None, score: float | None, four_eyes_score: float
) -> bool:
    """Whether ``action`` only takes effect once a second, different reviewer approves it.

    Worked examples (``four_eyes_score`` 0.95): clearing a 0.97 match needs approval, clearing
    a 0.88 one does not; confirming anything on a ``prohibited`` case needs approval;
    escalating a ``review`` case does not; a comment never does."""
    if action in (Action.COMMENT, Action.APPROVE, Action.REJECT):
        return False
    if case_outcome == "prohibited":
        return True
    return action is Action.CLEAR and score is not None and score >= four_eyes_score


# C0 and C1 controls (terminal escapes) other than tab and line breaks: never in a name or a
# rationale; nor format characters (zero-width, bidi controls, soft hyphen...).
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _hidden(text: str) -> bool:
    return bool(_UNPRINTABLE.search(text)) or any(unicodedata.category(c) == "Cf" for c in text)


def check_rationale(rationale: str | None) -> str:
    text = (rationale or "").strip()
    if len(text) < 3:
        raise ReviewError('every review action needs a rationale (--rationale "...")')
    if len(text) > 4000:
        raise ReviewError("the rationale is longer than 4,000 characters")
    if _hidden(text):
        raise ReviewError("the rationale holds control or invisible characters")
    return text


def check_actor(actor: str) -> str:
    """A reviewer's name as recorded: refused when empty or holding control or invisible
    characters (which would make one person look like two)."""
    name = actor.strip()
    if not name or len(name) > 200 or _hidden(name):
        raise ReviewError(
            "the reviewer's name (COMPLIANCE_ACTOR) is empty, too long, or holds control or "
            "invisible characters"
        )
    return name


def person_key(actor: str) -> str:
    """How a reviewer's name reads: NFKC, case-folded, accents and spaces dropped, and letters
    of other scripts that imitate Latin ones folded to them ("Аlice" with a Cyrillic А,
    "ａｌｉｃｅ", "Alicé" all read "alice")."""
    from compliance.normalize.confusables import latin_skeleton

    text = unicodedata.normalize("NFKC", actor)
    text = latin_skeleton(text) or text
    text = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in text if c.isalnum() and not unicodedata.combining(c))


def same_person(a: str, b: str) -> bool:
    return person_key(a) == person_key(b)


def check_approver(proposer: str, approver: str) -> None:
    """Four-eyes: the second reviewer must be a different person."""
    if same_person(proposer, approver):
        raise ReviewError(
            f"four-eyes: {approver} proposed this action and cannot approve or reject it; "
            "a different reviewer must"
        )


# ---------------------------------------------------------------- past decisions on matches
@dataclass(frozen=True)
class PriorDecision:
    """A reviewer's standing decision on (party, list entry), as later screenings apply it.

    A clearance (suppression) holds only for the party and the entry as they were when it
    was cleared (their content hashes) and until it expires; a confirmation holds until the
    case is reopened by a reviewer."""

    action: str  # "confirmed" | "cleared"
    party_hash: str
    entry_hash: str
    case_id: int
    by: str
    at: str  # ISO timestamp
    expires: date | None = None

    def void_reason(self, party_hash: str, entry_hash: str, as_of: date) -> str | None:
        """Why the decision no longer holds for this screening (None: it holds). A
        confirmation is about the party as it was: void once its identifying fields change
        (another company under the same record id is not confirmed by it)."""
        if self.action != "cleared":
            if party_hash != self.party_hash:
                return "the party's identifying fields changed since it was confirmed"
            return None
        if party_hash != self.party_hash:
            return "the party's identifying fields changed since it was cleared"
        if entry_hash and entry_hash != self.entry_hash:
            return "the list entry changed since it was cleared"
        if self.expires is not None and as_of > self.expires:
            return f"the clearance expired on {self.expires.isoformat()}"
        return None

    def note(self, void: str | None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "action": self.action, "case_id": self.case_id, "by": self.by, "at": self.at,
        }  # fmt: skip
        if self.expires is not None:
            out["expires"] = self.expires.isoformat()
        if void is not None:
            out["void"] = void
        return out

    def fingerprint(self) -> list[Any]:
        """What of it enters the screening id (so a replay with the same decisions matches)."""
        expires = self.expires.isoformat() if self.expires else None
        return [self.action, self.party_hash, self.entry_hash, self.case_id, expires]


# (kind, record id) -> (source, entry key) -> the standing decision
PriorDecisions = dict[tuple[str, str], dict[tuple[str, str], PriorDecision]]


def identity_hash(fields: dict[str, Any]) -> str:
    """sha256 over a record's identifying fields (:func:`compliance.screening.identity`):
    a clearance is void once it changes."""
    body = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(body.encode("utf-8")).hexdigest()


def identity_fields(kind: str, record: dict[str, Any]) -> dict[str, Any]:
    """The identifying fields of a record's fingerprint (see
    :func:`compliance.screening.identity`): what a clearance is keyed to."""
    if kind == "data_centre":
        return {
            "name": record.get("name"),
            "operator": record.get("operator"),
            "location": record.get("location"),
        }
    return {
        "name": record.get("name"),
        "aliases": sorted(record.get("aliases") or ()),
        "entity_type": record.get("entity_type"),
        "country": record.get("country"),
        "address": record.get("address"),
        "registration_number": record.get("registration_number"),
        "date_of_birth": record.get("date_of_birth"),
    }
