"""Known-answer cases: facts in, expected decision and fired rule ids out.

Each ``topic.cases.yaml`` beside ``topic.yaml`` lists cases; ``compliance rules check`` and the
test suite run them all against the whole ruleset (rules interact, so a case states the full
set of rule ids it expects to fire, not only those of its own file).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from compliance.facts import dates_not_in_force, in_force
from compliance.model import Outcome
from compliance.rules.catalog import FACTS, FactType
from compliance.rules.engine import Ruleset, decide
from compliance.rules.loader import load_cases, load_ruleset
from compliance.rules.schema import Case

_HIT_DEFAULTS: dict[str, Any] = {
    "list": None,
    "source": "case",
    "status": "potential",
    "declared_outcome": None,
    "entry_id": None,
    "entry_name": None,
    "matched_name": None,
    "score": None,
    "license_requirement": None,
    "license_policy": None,
    "federal_register": None,
}


def _hit(item: Mapping[str, Any], as_of: date) -> dict[str, Any]:
    """A case's hit as screening makes it. ``start_date``/``end_date`` are the matched entry's
    own dates: outside them on the case's ``as_of`` the hit is not in force, as in screening."""
    hit = {**_HIT_DEFAULTS, **item}
    start, end = hit.pop("start_date", None), hit.pop("end_date", None)
    why = dates_not_in_force(
        None if start is None else str(start), None if end is None else str(end), as_of
    )
    hit["in_force"], hit["not_in_force"] = why is None, why
    return hit


def _owner(item: Mapping[str, Any], as_of: date) -> dict[str, Any]:
    return {
        "name": item.get("name"),
        "share": item.get("share"),
        "country": item.get("country"),
        "via": item.get("via", "owner"),
        "record_id": item.get("record_id"),
        "hits": tuple(_hit(h, as_of) for h in item.get("hits") or ()),
        "owners": tuple(_owner(o, as_of) for o in item.get("owners") or ()),
    }


def case_facts(case: Case) -> dict[str, Any]:
    """The case's facts in the shapes the screening core produces (``list_hits``: the hits in
    force on the case's date, as screening gives the rules)."""
    facts: dict[str, Any] = {"record.kind": case.kind}
    for name, value in case.facts.items():
        t = FACTS[name].type
        if value is None:
            facts[name] = None
        elif t is FactType.SET:
            facts[name] = frozenset(str(v) for v in value)
        elif t is FactType.HITS:
            facts[name] = in_force(tuple(_hit(h, case.as_of) for h in value))
        elif t is FactType.OWNERS:
            facts[name] = tuple(_owner(o, case.as_of) for o in value)
        elif t is FactType.COUNTRY:
            facts[name] = str(value).upper()
        elif t is FactType.NUMBER:
            facts[name] = float(value)
        else:
            facts[name] = value
    return facts


@dataclass(frozen=True)
class CaseResult:
    path: Path
    name: str
    as_of: str
    expected: Outcome
    got: Outcome
    expected_fired: tuple[str, ...]
    fired: tuple[str, ...]
    # A shipped case whose answer differs only through rules of files the operator replaced:
    # the operator's policy changed it on purpose; shown, not failed.
    changed_by_overlay: bool = False

    @property
    def ok(self) -> bool:
        return self.expected is self.got and self.expected_fired == self.fired

    @property
    def failed(self) -> bool:
        return not self.ok and not self.changed_by_overlay

    def describe(self) -> str:
        if self.ok:
            return f"ok    {self.name}"
        label = "CHANGED by your rules" if self.changed_by_overlay else "FAIL"
        return (
            f"{label}  {self.path.name}: {self.name} (as_of {self.as_of}): expected "
            f"{self.expected.value} {list(self.expected_fired)}, got {self.got.value} "
            f"{list(self.fired)}"
        )


def run_case(ruleset: Ruleset, case: Case, path: Path) -> CaseResult:
    facts = case_facts(case)
    hits = ruleset.compiled(case.as_of).evaluate(facts, case.kind)
    unresolved = any(h.get("status") != "confirmed" for h in facts.get("list_hits") or ())
    return CaseResult(
        path=path,
        name=case.name,
        as_of=case.as_of.isoformat(),
        expected=case.expect.decision,
        got=decide(hits, unresolved),
        expected_fired=tuple(sorted(case.expect.fired)),
        fired=tuple(sorted(h.rule_id for h in hits)),
    )


def _replaced_rule_ids(ruleset: Ruleset, dirs: Sequence[Path]) -> frozenset[str]:
    """Ids of the rules an operator directory brought in or replaced: those of shipped files it
    replaced (old and new) and those of the files it added (a new topic, such as the example
    overlay ``examples/rules/cip_incomplete.yaml``)."""
    shipped = dirs[0]
    own = {p.name for d in dirs[1:] for p in d.glob("*.yaml") if not p.name.endswith(".cases.yaml")}
    if not own:
        return frozenset()
    replaced = {name for name in own if (shipped / name).is_file()}
    original = load_ruleset([shipped]) if replaced else None
    ids: set[str] = set()
    for name in own:
        sources = [ruleset] if original is None else [original, ruleset]
        for source in sources:
            if name in source.files:
                ids.update(rule.id for rule in source.files[name].rules)
    return frozenset(ids)


def run_all(ruleset: Ruleset, dirs: Sequence[Path]) -> list[CaseResult]:
    replaced = _replaced_rule_ids(ruleset, dirs)
    results = []
    for loaded in load_cases(ruleset, dirs):
        for case in loaded.cases.cases:
            result = run_case(ruleset, case, loaded.path)
            differs = set(result.fired) ^ set(result.expected_fired)
            # Same rules fired: the outcome of a replaced rule changed. Different rules: only
            # replaced rules came or went.
            through_overlay = (
                (differs <= replaced) if differs else bool(set(result.fired) & replaced)
            )
            if not result.ok and replaced and loaded.path.parent == dirs[0] and through_overlay:
                result = replace(result, changed_by_overlay=True)
            results.append(result)
    return results
