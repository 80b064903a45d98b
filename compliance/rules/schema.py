"""Pydantic models of the rule files (``rules/README.md`` documents them for people).

Everything a rule names is checked here, at load time: facts against
:data:`~compliance.rules.catalog.FACTS`, operators against
:data:`~compliance.rules.operators.OPERATORS`, country groups against the groups file,
outcomes against :class:`~compliance.model.Outcome`, and reason templates against the facts the
rule uses. The known groups come in through the validation context (``{"groups": {...}}``).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)

from compliance.countries import require_iso2
from compliance.model import Outcome
from compliance.rules.catalog import FACTS, FactType
from compliance.rules.operators import OPERATORS, check_value

Kind = Literal["customer", "data_centre"]
Basis = Literal["law", "policy"]

_RULE_ID = r"^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)+$"
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
TEMPLATE_EXTRAS = frozenset({"evidence", "as_of"})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _groups(info: ValidationInfo) -> frozenset[str]:
    ctx = info.context or {}
    return frozenset(ctx.get("groups", ()))


# ---------------------------------------------------------------------------- conditions
class Leaf(_Strict):
    fact: str
    op: str
    value: Any = None

    @model_validator(mode="after")
    def _check(self, info: ValidationInfo) -> Leaf:
        spec = FACTS.get(self.fact)
        if spec is None:
            raise ValueError(f"unknown fact {self.fact!r}; see rules/README.md for the facts")
        op = OPERATORS.get(self.op)
        if op is None:
            raise ValueError(f"unknown operator {self.op!r}; known: {sorted(OPERATORS)}")
        checked = check_value(op, spec, self.value, _groups(info))
        object.__setattr__(self, "value", checked)
        return self


class AllOf(_Strict):
    all: list[Condition] = Field(min_length=1)


class AnyOf(_Strict):
    any: list[Condition] = Field(min_length=1)


class NotOf(_Strict):
    not_: Condition = Field(alias="not")


def _condition_kind(value: Any) -> str | None:
    if isinstance(value, dict):
        for key in ("all", "any", "not"):
            if key in value:
                return key
        if "fact" in value or "op" in value:
            return "leaf"
        return None
    if isinstance(value, BaseModel):
        return {AllOf: "all", AnyOf: "any", NotOf: "not", Leaf: "leaf"}.get(type(value))
    return None


Condition = Annotated[
    Annotated[AllOf, Tag("all")]
    | Annotated[AnyOf, Tag("any")]
    | Annotated[NotOf, Tag("not")]
    | Annotated[Leaf, Tag("leaf")],
    Discriminator(
        _condition_kind,
        custom_error_type="condition",
        custom_error_message="a condition is {fact, op, value} or one of all / any / not",
    ),
]

AllOf.model_rebuild()
AnyOf.model_rebuild()
NotOf.model_rebuild()


def leaves(cond: Condition) -> list[Leaf]:
    if isinstance(cond, Leaf):
        return [cond]
    if isinstance(cond, AllOf):
        return [leaf for c in cond.all for leaf in leaves(c)]
    if isinstance(cond, AnyOf):
        return [leaf for c in cond.any for leaf in leaves(c)]
    return leaves(cond.not_)


def template_facts(template: str) -> list[str]:
    """The fact names a reason template refers to (``{evidence}`` and ``{as_of}`` excluded)."""
    return [n for n in _PLACEHOLDER.findall(template) if n not in TEMPLATE_EXTRAS]


# --------------------------------------------------------------------------------- rules
class Window(_Strict):
    """A period, both ends inclusive: ``from: 2025-11-10, to: 2026-11-09``."""

    from_: date = Field(alias="from")
    to: date
    citation: str
    source_url: str | None = None
    verified: bool = False
    note: str | None = None

    @model_validator(mode="after")
    def _order(self) -> Window:
        if self.to < self.from_:
            raise ValueError(f"'to' {self.to} is before 'from' {self.from_}")
        return self


def _both_kinds() -> list[Kind]:
    return ["customer", "data_centre"]


class Rule(_Strict):
    id: str = Field(pattern=_RULE_ID)
    title: str = Field(min_length=3)
    citation: str = Field(min_length=3)
    source_url: str = Field(pattern=r"^https://")
    effective_from: date
    effective_to: date | None = None  # last day in force, inclusive
    suspended: list[Window] = Field(default_factory=list)
    verified: bool
    basis: Basis | None = None  # default: the file's basis
    applies_to: list[Kind] = Field(default_factory=_both_kinds)
    when: Condition
    outcome: Outcome
    reason: str = Field(min_length=3)
    note: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Rule:
        if self.effective_to is not None and self.effective_to < self.effective_from:
            raise ValueError(
                f"effective_to {self.effective_to} is before effective_from {self.effective_from}"
            )
        used = {leaf.fact for leaf in leaves(self.when)}
        for leaf in leaves(self.when):
            kinds = FACTS[leaf.fact].kinds
            if not kinds & set(self.applies_to):
                raise ValueError(
                    f"fact {leaf.fact!r} exists only for {sorted(kinds)}, but the rule "
                    f"applies to {self.applies_to}"
                )
        del used
        for name in template_facts(self.reason):
            spec = FACTS.get(name)
            if spec is None:
                raise ValueError(
                    f"reason placeholder {{{name}}} is neither a fact nor one of "
                    f"{sorted(TEMPLATE_EXTRAS)}"
                )
            if not spec.kinds & set(self.applies_to):
                raise ValueError(f"reason placeholder {{{name}}} does not exist for these records")
        return self

    def in_force(self, as_of: date) -> bool:
        if as_of < self.effective_from:
            return False
        if self.effective_to is not None and as_of > self.effective_to:
            return False
        return not any(w.from_ <= as_of <= w.to for w in self.suspended)


class RuleFileHeader(_Strict):
    title: str
    jurisdiction: str = Field(min_length=2)
    basis: Basis
    enabled: bool = True
    description: str | None = None


class RuleFile(_Strict):
    file: RuleFileHeader
    rules: list[Rule]

    @field_validator("rules")
    @classmethod
    def _unique(cls, rules: list[Rule]) -> list[Rule]:
        seen: set[str] = set()
        for rule in rules:
            if rule.id in seen:
                raise ValueError(f"rule id {rule.id!r} appears twice")
            seen.add(rule.id)
        return rules


# ------------------------------------------------------------------------ country groups
class GroupChange(_Strict):
    """One dated membership change: ``added`` is the first day as a member, ``removed`` the
    first day no longer a member."""

    country: str
    added: date | None = None
    removed: date | None = None
    citation: str
    source_url: str | None = None
    verified: bool
    note: str | None = None

    @field_validator("country")
    @classmethod
    def _norm(cls, value: str) -> str:
        return require_iso2(value)

    @model_validator(mode="after")
    def _one_date(self) -> GroupChange:
        if self.added is None and self.removed is None:
            raise ValueError("a change needs 'added' or 'removed' (or both)")
        if self.added and self.removed and self.removed <= self.added:
            raise ValueError("'removed' must come after 'added'")
        return self


class Group(_Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9:_-]+$")
    title: str
    citation: str
    source_url: str = Field(pattern=r"^https://")
    verified: bool
    members: list[str]
    changes: list[GroupChange] = Field(default_factory=list)
    note: str | None = None

    @field_validator("members")
    @classmethod
    def _members(cls, members: list[str]) -> list[str]:
        codes = [require_iso2(m) for m in members]
        dup = sorted({c for c in codes if codes.count(c) > 1})
        if dup:
            raise ValueError(f"listed twice: {dup}")
        return codes

    @model_validator(mode="after")
    def _no_overlap(self) -> Group:
        both = sorted({c.country for c in self.changes} & set(self.members))
        if both:
            raise ValueError(
                f"{both} appear both in members (always) and in changes (dated); keep one"
            )
        return self

    def members_on(self, as_of: date) -> frozenset[str]:
        dated = {
            c.country
            for c in self.changes
            if (c.added is None or c.added <= as_of) and (c.removed is None or as_of < c.removed)
        }
        return frozenset(self.members) | dated


class CountryAlias(_Strict):
    """From ``from`` on, ``country`` is treated as ``treated_as`` for group membership."""

    country: str
    treated_as: str
    from_: date = Field(alias="from")
    citation: str
    source_url: str | None = None
    verified: bool

    @field_validator("country", "treated_as")
    @classmethod
    def _norm(cls, value: str) -> str:
        return require_iso2(value)


class GroupsFile(_Strict):
    file: RuleFileHeader
    groups: list[Group]
    aliases: list[CountryAlias] = Field(default_factory=list)

    @field_validator("groups")
    @classmethod
    def _unique(cls, groups: list[Group]) -> list[Group]:
        names = [g.name for g in groups]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"group defined twice: {dup}")
        return groups


# ---------------------------------------------------------------------- known-answer cases
class Expect(_Strict):
    decision: Outcome
    fired: list[str]


class Case(_Strict):
    name: str
    as_of: date
    kind: Kind = "customer"
    facts: dict[str, Any]
    expect: Expect

    @field_validator("facts")
    @classmethod
    def _facts(cls, facts: dict[str, Any]) -> dict[str, Any]:
        for name, value in facts.items():
            spec = FACTS.get(name)
            if spec is None:
                raise ValueError(f"unknown fact {name!r}")
            structured = spec.type in (FactType.HITS, FactType.OWNERS, FactType.SET)
            if structured and value is not None and not isinstance(value, list):
                raise ValueError(f"{name} is a list")
        return facts


class CasesFile(_Strict):
    cases: list[Case] = Field(min_length=1)
