"""The operators of the condition grammar: one table, name -> what it accepts and what it does.

Each operator is checked against the fact's type and its value when a rule file is loaded
(:func:`check_value`), and compiled into a plain predicate for one ``as_of`` date
(:func:`compile_leaf`). A missing fact (``None``) makes every operator false except
``missing``; so ``not_in_group`` on an unknown country is false, never a silent "yes".

``has`` and ``share_gte`` work on the structured facts: ``has`` is true when some list hit
passes a filter (``{list: [...], status: [...], source: [...], declared_outcome: [...]}``);
``share_gte`` adds up the shares of the owners whose hits pass a filter (an owner that is
itself a record of the batch passes when its own qualifying owners hold 50% or more) and
compares the total with ``share``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from compliance.countries import require_iso2
from compliance.model import Outcome
from compliance.rules.catalog import HIT_FILTER_FIELDS, HIT_STATUSES, FactSpec, FactType

Predicate = Callable[[Any], bool]
Evidence = Callable[[Any], list[str]]
GroupLookup = Callable[[str], frozenset[str]]

MAJORITY = 50.0
"""The share at which an intermediary owned by listed parties is itself treated as listed (the
50% rules). An owner, parent or ultimate parent named without a share counts as 0%: control
without 50% ownership does not block (OFAC FAQ 398), so a parent whose share is not known is
not taken to hold the majority; ``ownership.listed-share-unknown`` asks a reviewer for it.
Worked example: "Marina Bay GPU Services", whose ultimate parent "Inspur Electronic Information
Industry Co." is on the Entity List with no share given, is ``review``, not
``license_required``; listing the parent among ``owners`` with its real share (60%) makes it
``license_required``."""

MAX_DEPTH = 6


@dataclass(frozen=True, slots=True)
class OpSpec:
    name: str
    types: frozenset[FactType]
    value: str  # none | scalar | list | groups | hit_filter | share_filter
    doc: str


_SCALARS = frozenset(
    {FactType.STRING, FactType.CHOICE, FactType.COUNTRY, FactType.NUMBER, FactType.BOOL}
)
_ANY = frozenset(FactType)

OPERATORS: dict[str, OpSpec] = {
    op.name: op
    for op in (
        OpSpec("eq", _SCALARS, "scalar", "is equal to"),
        OpSpec("ne", _SCALARS, "scalar", "is not equal to"),
        OpSpec("in", _SCALARS, "list", "is one of"),
        OpSpec("not_in", _SCALARS, "list", "is none of"),
        OpSpec("in_group", frozenset({FactType.COUNTRY}), "groups", "is in country group"),
        OpSpec("not_in_group", frozenset({FactType.COUNTRY}), "groups", "is not in country group"),
        OpSpec("gt", frozenset({FactType.NUMBER}), "scalar", "is greater than"),
        OpSpec("gte", frozenset({FactType.NUMBER}), "scalar", "is at least"),
        OpSpec("lt", frozenset({FactType.NUMBER}), "scalar", "is less than"),
        OpSpec("lte", frozenset({FactType.NUMBER}), "scalar", "is at most"),
        OpSpec("is_true", frozenset({FactType.BOOL}), "none", "is true"),
        OpSpec("is_false", frozenset({FactType.BOOL}), "none", "is false"),
        OpSpec("present", _ANY, "none", "is given"),
        OpSpec("missing", _ANY, "none", "is not given"),
        OpSpec("contains", frozenset({FactType.SET}), "scalar", "contains"),
        OpSpec("not_empty", frozenset({FactType.SET, FactType.HITS}), "none", "is not empty"),
        OpSpec("has", frozenset({FactType.HITS}), "hit_filter", "has a hit with"),
        OpSpec(
            "owner_has",
            frozenset({FactType.OWNERS}),
            "hit_filter",
            "some owner (or an owner of an owner in the batch) has a hit with",
        ),
        OpSpec(
            "share_gte",
            frozenset({FactType.OWNERS}),
            "share_filter",
            "owners with hits add up to at least",
        ),
    )
}


# ----------------------------------------------------------------------------- load time
def _check_scalar(fact: FactSpec, value: Any, groups: frozenset[str]) -> Any:
    del groups
    t = fact.type
    if t is FactType.NUMBER:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{fact.name} is a number; got {value!r}")
        return float(value)
    if t is FactType.BOOL:
        if not isinstance(value, bool):
            raise ValueError(f"{fact.name} is true or false; got {value!r}")
        return value
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{fact.name} takes a text value; got {value!r}")
    if t is FactType.COUNTRY:
        return require_iso2(value)
    if t is FactType.CHOICE and fact.choices is not None and value not in fact.choices:
        raise ValueError(f"{fact.name} is one of {sorted(fact.choices)}; got {value!r}")
    return value


def _as_list(value: Any, what: str) -> list[Any]:
    if isinstance(value, str | int | float | bool):
        return [value]
    if not isinstance(value, list) or not value:
        raise ValueError(f"{what} takes a value or a non-empty list; got {value!r}")
    return value


def _check_filter(fact: FactSpec, value: Any, *, share: bool) -> dict[str, Any]:
    if not isinstance(value, dict) or not value:
        raise ValueError(f"a filter mapping is needed here; got {value!r}")
    allowed = {"lists", "status", "share"} if share else HIT_FILTER_FIELDS
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key not in allowed:
            raise ValueError(f"unknown filter field {key!r}; allowed: {sorted(allowed)}")
        if key == "share":
            if isinstance(item, bool) or not isinstance(item, int | float) or not 0 < item <= 100:
                raise ValueError(f"share is a percentage in (0, 100]; got {item!r}")
            out[key] = float(item)
            continue
        items = [str(x) for x in _as_list(item, key)]
        if key == "status":
            bad = [s for s in items if s not in HIT_STATUSES]
            if bad:
                raise ValueError(f"unknown hit status {bad}; use {list(HIT_STATUSES)}")
        if key == "declared_outcome":
            valid = {o.value for o in Outcome}
            bad = [s for s in items if s not in valid]
            if bad:
                raise ValueError(f"unknown outcome {bad}; use {sorted(valid)}")
        out[key] = frozenset(items)
    if share and "share" not in out:
        raise ValueError("share_gte needs a 'share' percentage")
    if share and "lists" not in out:
        raise ValueError("share_gte needs 'lists'")
    del fact
    return out


def check_value(op: OpSpec, fact: FactSpec, value: Any, groups: frozenset[str]) -> Any:
    """Validate (and normalise) ``value`` for ``op`` on ``fact``; raises ``ValueError``."""
    if fact.type not in op.types:
        kinds = ", ".join(sorted(t.value for t in op.types))
        raise ValueError(
            f"operator {op.name!r} does not apply to {fact.name} ({fact.type.value}); "
            f"it takes {kinds}"
        )
    if op.value == "none":
        if value is not None:
            raise ValueError(f"operator {op.name!r} takes no value")
        return None
    if value is None:
        raise ValueError(f"operator {op.name!r} needs a value")
    if op.value == "scalar":
        if fact.type is FactType.SET:
            if not isinstance(value, str):
                raise ValueError(f"{op.name} takes a text value; got {value!r}")
            return value
        return _check_scalar(fact, value, groups)
    if op.value == "list":
        return frozenset(_check_scalar(fact, v, groups) for v in _as_list(value, op.name))
    if op.value == "groups":
        names = [str(v) for v in _as_list(value, op.name)]
        unknown = [g for g in names if g not in groups]
        if unknown:
            raise ValueError(f"unknown country group {unknown}; known: {sorted(groups)}")
        return tuple(names)
    return _check_filter(fact, value, share=op.value == "share_filter")


# ---------------------------------------------------------------------------- structured
def hit_passes(hit: Mapping[str, Any], flt: Mapping[str, Any]) -> bool:
    """Whether ``hit`` passes ``flt``. A hit on an entry that does not count on the screening
    date (expired, not yet listed: ``in_force`` false) passes no filter."""
    if hit.get("in_force") is False:
        return False
    for key, allowed in flt.items():
        if key in ("share", "lists"):
            continue
        if str(hit.get(key)) not in allowed:
            return False
    lists = flt.get("lists")
    return lists is None or str(hit.get("list")) in lists


def describe_hit(hit: Mapping[str, Any]) -> str:
    text = (
        f"{hit.get('list')} entry '{hit.get('entry_name')}' ({hit.get('source')} "
        f"{hit.get('entry_id')}), {hit.get('status')}, score {hit.get('score')}"
    )
    if hit.get("listed_address"):
        text += f"; listed address: {hit['listed_address']}"
    for key in ("license_requirement", "license_policy", "federal_register"):
        if hit.get(key):
            text += f"; {key.replace('_', ' ')}: {hit[key]}"
    return text


def _owner_share(owner: Mapping[str, Any]) -> float:
    share = owner.get("share")
    return 0.0 if share is None else float(share)


def owned_share(
    owners: Sequence[Mapping[str, Any]], flt: Mapping[str, Any], depth: int = 0
) -> tuple[float, list[str]]:
    """Aggregate share held by qualifying owners, with the chain of each as text."""
    total = 0.0
    chains: list[str] = []
    for owner in owners:
        why = _qualifies(owner, flt, depth)
        if why is None:
            continue
        share = _owner_share(owner)
        total += share
        shown = f"{owner.get('share')}%" if owner.get("share") is not None else "share not given"
        chains.append(f"{owner.get('via')} '{owner.get('name')}' ({shown}): {why}")
    # Shares are given with decimals: 22.9 + 13.7 + 13.4 must reach 50, not 49.99999999999999.
    return min(round(total, 6), 100.0), chains


def _qualifies(owner: Mapping[str, Any], flt: Mapping[str, Any], depth: int) -> str | None:
    hits = [h for h in owner.get("hits") or () if hit_passes(h, flt)]
    if hits:
        return "; ".join(describe_hit(h) for h in hits)
    nested = owner.get("owners") or ()
    if nested and depth < MAX_DEPTH:
        share, chains = owned_share(nested, flt, depth + 1)
        if share >= MAJORITY:
            return f"itself {share:g}% owned by listed parties [" + " | ".join(chains) + "]"
    return None


def owner_hits(
    owners: Sequence[Mapping[str, Any]], flt: Mapping[str, Any], depth: int = 0
) -> list[str]:
    """Every owner, at any depth, with a hit passing ``flt``, as chain text."""
    found: list[str] = []
    for owner in owners:
        label = f"{owner.get('via')} '{owner.get('name')}'"
        if owner.get("share") is not None:
            label += f" ({owner.get('share'):g}%)"
        found.extend(
            f"{label}: {describe_hit(h)}" for h in owner.get("hits") or () if hit_passes(h, flt)
        )
        if depth < MAX_DEPTH:
            found.extend(
                f"{label} <- {x}" for x in owner_hits(owner.get("owners") or (), flt, depth + 1)
            )
    return found


# ------------------------------------------------------------------------------ compile
def compile_leaf(op: str, value: Any, groups: GroupLookup) -> tuple[Predicate, Evidence | None]:
    """A predicate over the fact's value (and, for structured facts, an evidence function)."""
    if op == "eq":
        return (lambda v: v is not None and v == value), None
    if op == "ne":
        return (lambda v: v is not None and v != value), None
    if op == "in":
        return (lambda v: v is not None and v in value), None
    if op == "not_in":
        return (lambda v: v is not None and v not in value), None
    if op in ("in_group", "not_in_group"):
        members: frozenset[str] = frozenset().union(*(groups(g) for g in value))
        if op == "in_group":
            return (lambda v: v is not None and v in members), None
        return (lambda v: v is not None and v not in members), None
    if op in ("gt", "gte", "lt", "lte"):
        cmp: dict[str, Callable[[float, float], bool]] = {
            "gt": lambda a, b: a > b,
            "gte": lambda a, b: a >= b,
            "lt": lambda a, b: a < b,
            "lte": lambda a, b: a <= b,
        }
        f = cmp[op]
        return (lambda v: v is not None and f(float(v), value)), None
    if op == "is_true":
        return (lambda v: v is True), None
    if op == "is_false":
        return (lambda v: v is False), None
    if op == "present":
        return (lambda v: v is not None and v != "" and v != frozenset()), None
    if op == "missing":
        return (lambda v: v is None or v == "" or v == frozenset()), None
    if op == "contains":
        return (lambda v: v is not None and value in v), None
    if op == "not_empty":

        def counted(v: Any) -> list[Any]:
            # a hit on an entry that does not count on the screening date is not counted
            return [x for x in v or () if not isinstance(x, Mapping) or x.get("in_force", True)]

        def not_empty_evidence(v: Any) -> list[str]:
            return [describe_hit(x) for x in counted(v) if isinstance(x, Mapping)]

        return (lambda v: bool(counted(v))), not_empty_evidence
    if op == "has":

        def has(v: Any) -> bool:
            return v is not None and any(hit_passes(h, value) for h in v)

        def has_evidence(v: Any) -> list[str]:
            return [describe_hit(h) for h in v or () if hit_passes(h, value)]

        return has, has_evidence
    if op == "owner_has":

        def owner_has(v: Any) -> bool:
            return bool(v) and bool(owner_hits(v, value))

        def owner_evidence(v: Any) -> list[str]:
            return owner_hits(v or (), value)

        return owner_has, owner_evidence
    if op == "share_gte":
        need = value["share"]

        def share_gte(v: Any) -> bool:
            return bool(v) and owned_share(v, value)[0] >= need

        def share_evidence(v: Any) -> list[str]:
            total, chains = owned_share(v or (), value)
            return [f"listed owners hold {total:g}% in aggregate", *chains]

        return share_gte, share_evidence
    raise ValueError(f"unknown operator {op!r}")  # unreachable after load-time checks


def render_value(value: Any) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, frozenset | set):
        return ", ".join(sorted(str(v) for v in value)) or "none"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list | tuple):
        return f"{len(value)} item(s)"
    return str(value)


def json_value(value: Any) -> Any:
    """A fact value as JSON (sets sorted; records kept)."""
    if isinstance(value, frozenset | set):
        return sorted(value)
    if isinstance(value, tuple):
        return [json_value(v) for v in value]
    if isinstance(value, Mapping):
        return {k: json_value(v) for k, v in value.items()}
    return value
