"""Known-answer cases: facts in, expected decision and fired rule ids out.

Each ``topic.cases.yaml`` beside ``topic.yaml`` lists cases; ``compliance rules check`` and the
test suite run them all against the whole ruleset (rules interact, so a case states the full
set of rule ids it expects to fire, not only those of its own file).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compliance.model import Outcome
from compliance.rules.catalog import FACTS, FactType
from compliance.rules.engine import Ruleset, decide
from compliance.rules.loader import load_cases
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


def _hit(item: Mapping[str, Any]) -> dict[str, Any]:
    return {**_HIT_DEFAULTS, **item}


def _owner(item: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "name": item.get("name"),
        "share": item.get("share"),
        "country": item.get("country"),
        "via": item.get("via", "owner"),
        "record_id": item.get("record_id"),
        "hits": tuple(_hit(h) for h in item.get("hits") or ()),
        "owners": tuple(_owner(o) for o in item.get("owners") or ()),
    }


def case_facts(case: Case) -> dict[str, Any]:
    """The case's facts in the shapes the screening core produces."""
    facts: dict[str, Any] = {"record.kind": case.kind}
    for name, value in case.facts.items():
        t = FACTS[name].type
        if value is None:
            facts[name] = None
        elif t is FactType.SET:
            facts[name] = frozenset(str(v) for v in value)
        elif t is FactType.HITS:
            facts[name] = tuple(_hit(h) for h in value)
        elif t is FactType.OWNERS:
            facts[name] = tuple(_owner(o) for o in value)
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

    @property
    def ok(self) -> bool:
        return self.expected is self.got and self.expected_fired == self.fired

    def describe(self) -> str:
        if self.ok:
            return f"ok    {self.name}"
        return (
            f"FAIL  {self.path.name}: {self.name} (as_of {self.as_of}): expected "
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


def run_all(ruleset: Ruleset, dirs: Sequence[Path]) -> list[CaseResult]:
    return [
        run_case(ruleset, case, loaded.path)
        for loaded in load_cases(ruleset, dirs)
        for case in loaded.cases.cases
    ]
