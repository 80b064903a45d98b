"""Evaluating a ruleset: pure, for one ``as_of`` date, with a trace of every rule that fired.

:meth:`Ruleset.compiled` turns the rules in force on a date into plain predicates once
(country groups resolved to that date's members, disabled files and out-of-window rules
dropped); :meth:`CompiledRuleset.evaluate` then runs them over one record's facts and returns
a :class:`RuleHit` per rule that fired, with the facts it used and the evidence behind it.
The decision is the strongest outcome among the hits, and at least ``review`` when the record
has unresolved matches (:func:`decide`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from compliance.model import Outcome
from compliance.rules.operators import (
    OPERATORS,
    Evidence,
    compile_leaf,
    json_value,
    render_value,
)
from compliance.rules.schema import (
    AllOf,
    AnyOf,
    Condition,
    GroupsFile,
    Leaf,
    Rule,
    RuleFile,
    leaves,
    template_facts,
)

Facts = Mapping[str, Any]
_Pred = Callable[[Facts], bool]
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


@dataclass(frozen=True, slots=True)
class RuleHit:
    """One rule that fired for a record: what it decided, why, and on which facts."""

    rule_id: str
    title: str
    outcome: Outcome
    citation: str
    source_url: str
    verified: bool
    basis: str  # "law" or "policy"
    reason: str
    facts: tuple[tuple[str, Any], ...]
    evidence: tuple[str, ...] = ()
    rule_file: str = ""
    _dict: dict[str, Any] | None = field(default=None, init=False, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The output contract's form, built once per hit (hits of scalar-only rules are shared
        across records); each caller gets its own top-level copy."""
        if self._dict is None:
            object.__setattr__(self, "_dict", self._build_dict())
        assert self._dict is not None
        return dict(self._dict)

    def _build_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "title": self.title,
            "outcome": self.outcome.value,
            "basis": self.basis,
            "citation": self.citation,
            "source_url": self.source_url,
            "verified": self.verified,
            "reason": self.reason,
            "facts": {k: json_value(v) for k, v in self.facts},
            "evidence": list(self.evidence),
            "rule_file": self.rule_file,
        }


@dataclass(frozen=True, slots=True)
class _Compiled:
    rule: Rule
    basis: str
    rule_file: str
    test: _Pred
    used: tuple[str, ...]  # facts the rule reads, in order of first use
    evidence: tuple[tuple[str, Evidence], ...]
    # The rule's own flag, and-ed with the verified flags of the group memberships it reads.
    verified: bool
    # Hits of rules that read only scalar facts depend on nothing else: many records of a
    # batch share them (same country, same service), so they are built once.
    _memo: dict[tuple[Any, ...], RuleHit] = field(default_factory=dict, compare=False)

    def fire(self, facts: Facts, as_of: date) -> RuleHit:
        used = tuple((name, facts.get(name)) for name in self.used)
        if not self.evidence and not any(_structured(v) for _, v in used):
            key = tuple(v for _, v in used)
            found = self._memo.get(key)
            if found is None:
                found = self._build(used, as_of)
                if len(self._memo) < _MEMO_SIZE:
                    self._memo[key] = found
            return found
        return self._build(used, as_of, facts)

    def _build(
        self, used: tuple[tuple[str, Any], ...], as_of: date, facts: Facts | None = None
    ) -> RuleHit:
        evidence: list[str] = []
        for name, explain in self.evidence:
            evidence.extend(explain(facts.get(name) if facts is not None else None))
        return RuleHit(
            rule_id=self.rule.id,
            title=self.rule.title,
            outcome=self.rule.outcome,
            citation=self.rule.citation,
            source_url=self.rule.source_url,
            verified=self.verified,
            basis=self.basis,
            reason=_render(self.rule.reason, dict(used), evidence, as_of),
            facts=tuple((k, v) for k, v in used if not _structured(v)),
            evidence=tuple(evidence),
            rule_file=self.rule_file,
        )


_MEMO_SIZE = 10_000


def _structured(value: Any) -> bool:
    return isinstance(value, list | tuple)


def _render(template: str, facts: Mapping[str, Any], evidence: list[str], as_of: date) -> str:
    """Fill ``{fact.name}``, ``{evidence}`` and ``{as_of}``: plain substitution, no format
    mini-language, no attribute access (rule files are data, never code)."""

    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if name == "evidence":
            return "; ".join(evidence) if evidence else "none"
        if name == "as_of":
            return as_of.isoformat()
        return render_value(facts.get(name))

    return _PLACEHOLDER.sub(sub, template)


def _direct(
    op: str, name: str, value: Any, groups: Callable[[str], frozenset[str]]
) -> _Pred | None:
    """One-call predicates for the hot operators (the generic path costs two calls a leaf).
    Each is false on a missing fact, like its generic form."""
    if op == "eq":
        return lambda facts: facts.get(name) == value
    if op == "in":
        return lambda facts: facts.get(name) in value
    if op == "in_group":
        members: frozenset[str] = frozenset().union(*(groups(g) for g in value))
        return lambda facts: facts.get(name) in members
    if op == "is_true":
        return lambda facts: facts.get(name) is True
    if op in ("has", "owner_has", "share_gte", "not_empty"):
        # Most records have no hits and no owners: answer those without a further call.
        test, _ = compile_leaf(op, value, groups)
        return lambda facts: bool(facts.get(name)) and test(facts.get(name))
    return None


def _all(parts: list[_Pred]) -> _Pred:
    # Spelled out for the usual sizes: one `and` chain is cheaper than a loop or all().
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        a, b = parts
        return lambda facts: a(facts) and b(facts)
    if len(parts) == 3:
        a, b, c = parts
        return lambda facts: a(facts) and b(facts) and c(facts)
    if len(parts) == 4:
        a, b, c, d = parts
        return lambda facts: a(facts) and b(facts) and c(facts) and d(facts)

    def test(facts: Facts) -> bool:
        for part in parts:  # noqa: SIM110 - a loop beats all() over a generator here
            if not part(facts):
                return False
        return True

    return test


def _any(parts: list[_Pred]) -> _Pred:
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        a, b = parts
        return lambda facts: a(facts) or b(facts)
    if len(parts) == 3:
        a, b, c = parts
        return lambda facts: a(facts) or b(facts) or c(facts)
    if len(parts) == 4:
        a, b, c, d = parts
        return lambda facts: a(facts) or b(facts) or c(facts) or d(facts)

    def test(facts: Facts) -> bool:
        for part in parts:  # noqa: SIM110 - a loop beats any() over a generator here
            if part(facts):
                return True
        return False

    return test


def _negated(cond: Condition, groups: Callable[[str], frozenset[str]]) -> _Pred | None:
    """``not`` of a hot leaf as one call. Each is exactly ``not`` of its positive form, which
    is false on a missing fact, so the negation is true on a missing fact."""
    if not isinstance(cond, Leaf):
        return None
    name, value = cond.fact, cond.value
    if cond.op == "eq":
        return lambda facts: facts.get(name) != value
    if cond.op == "in":
        return lambda facts: facts.get(name) not in value
    if cond.op == "is_true":
        return lambda facts: facts.get(name) is not True
    return None


def _compile(cond: Condition, groups: Callable[[str], frozenset[str]]) -> _Pred:
    if isinstance(cond, Leaf):
        name = cond.fact
        direct = _direct(cond.op, name, cond.value, groups)
        if direct is not None:
            return direct
        test, _ = compile_leaf(cond.op, cond.value, groups)
        return lambda facts: test(facts.get(name))
    if isinstance(cond, AllOf):
        return _all([_compile(c, groups) for c in cond.all])
    if isinstance(cond, AnyOf):
        return _any([_compile(c, groups) for c in cond.any])
    negated = _negated(cond.not_, groups)
    if negated is not None:
        return negated
    inner = _compile(cond.not_, groups)
    return lambda facts: not inner(facts)


@dataclass(frozen=True)
class CompiledRuleset:
    """The rules in force on ``as_of``, ready to evaluate."""

    version: str
    as_of: date
    by_kind: Mapping[str, tuple[_Compiled, ...]]

    def evaluate(self, facts: Facts, kind: str) -> list[RuleHit]:
        hits = [rule.fire(facts, self.as_of) for rule in self.by_kind[kind] if rule.test(facts)]
        hits.sort(key=lambda h: (-h.outcome.rank, h.rule_id))
        return hits


@dataclass(frozen=True)
class Ruleset:
    """A validated set of rule files plus the country groups, with its content hash."""

    version: str  # "sha256:..." of the rule files' bytes
    groups: GroupsFile
    files: Mapping[str, RuleFile]  # file name -> rules
    sources: Mapping[str, str]  # file name -> the path it was read from
    _compiled: dict[date, CompiledRuleset] = field(default_factory=dict, compare=False)

    def rules(self) -> list[tuple[str, Rule]]:
        return [(name, rule) for name, f in sorted(self.files.items()) for rule in f.rules]

    def rule(self, rule_id: str) -> tuple[str, Rule] | None:
        for name, rule in self.rules():
            if rule.id == rule_id:
                return name, rule
        return None

    def group_members(self, name: str, as_of: date) -> frozenset[str]:
        """Members of a country group on ``as_of``, with aliased countries (HK as CN)."""
        group = next(g for g in self.groups.groups if g.name == name)
        members = group.members_on(as_of)
        aliased = {
            a.country for a in self.groups.aliases if a.from_ <= as_of and a.treated_as in members
        }
        return members | aliased

    def group_verified(self, names: Sequence[str], as_of: date) -> bool:
        """Whether the memberships of these groups on ``as_of`` rest on verified sources only:
        the group itself, every dated change already in effect, and the aliases in effect."""
        for group in self.groups.groups:
            if group.name not in names:
                continue
            if not group.verified:
                return False
            for change in group.changes:
                started = [d for d in (change.added, change.removed) if d is not None]
                if not change.verified and min(started) <= as_of:
                    return False
        return all(a.verified for a in self.groups.aliases if a.from_ <= as_of)

    def compiled(self, as_of: date) -> CompiledRuleset:
        found = self._compiled.get(as_of)
        if found is not None:
            return found
        cache: dict[str, frozenset[str]] = {}

        def groups(name: str) -> frozenset[str]:
            if name not in cache:
                cache[name] = self.group_members(name, as_of)
            return cache[name]

        by_kind: dict[str, list[_Compiled]] = {"customer": [], "data_centre": []}
        for name, rule_file in sorted(self.files.items()):
            if not rule_file.file.enabled:
                continue
            for rule in rule_file.rules:
                if not rule.in_force(as_of):
                    continue
                verified = rule.verified and all(
                    self.group_verified(leaf.value, as_of)
                    for leaf in leaves(rule.when)
                    if leaf.op in ("in_group", "not_in_group")
                )
                compiled = _compile_rule(rule, name, rule_file, groups, verified)
                for kind in rule.applies_to:
                    by_kind[kind].append(compiled)
        result = CompiledRuleset(self.version, as_of, {k: tuple(v) for k, v in by_kind.items()})
        self._compiled[as_of] = result
        return result


def _compile_rule(
    rule: Rule,
    file_name: str,
    rule_file: RuleFile,
    groups: Callable[[str], frozenset[str]],
    verified: bool,
) -> _Compiled:
    used: list[str] = []
    evidence: list[tuple[str, Evidence]] = []
    for leaf in leaves(rule.when):
        if leaf.fact not in used:
            used.append(leaf.fact)
        _, explain = compile_leaf(leaf.op, leaf.value, groups)
        if explain is not None:
            evidence.append((leaf.fact, explain))
    for name in template_facts(rule.reason):
        if name not in used:
            used.append(name)
    return _Compiled(
        rule=rule,
        basis=rule.basis or rule_file.file.basis,
        rule_file=file_name,
        test=_compile(rule.when, groups),
        used=tuple(used),
        evidence=tuple(evidence),
        verified=verified,
    )


def describe_condition(cond: Condition, depth: int = 0) -> list[str]:
    """The condition in plain language, one line per test, indented by nesting."""
    pad = "  " * depth
    if isinstance(cond, Leaf):
        spec = OPERATORS[cond.op]
        value = "" if cond.value is None else " " + _describe_value(cond.value)
        return [f"{pad}{cond.fact} {spec.doc}{value}"]
    if isinstance(cond, AllOf):
        head, parts = "all of:", cond.all
    elif isinstance(cond, AnyOf):
        head, parts = "any of:", cond.any
    else:
        return [f"{pad}not:", *describe_condition(cond.not_, depth + 1)]
    return [f"{pad}{head}", *(line for c in parts for line in describe_condition(c, depth + 1))]


def _describe_value(value: Any) -> str:
    if isinstance(value, frozenset | tuple | list):
        return ", ".join(sorted(str(v) for v in value))
    if isinstance(value, dict):
        return "{" + "; ".join(f"{k}: {_describe_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def rule_status(rule: Rule, enabled: bool, as_of: date) -> str:
    """``in force``, ``suspended``, ``not yet in force``, ``expired`` or ``disabled``."""
    if not enabled:
        return "disabled (its file has enabled: false)"
    if as_of < rule.effective_from:
        return f"not yet in force (from {rule.effective_from})"
    if rule.effective_to is not None and as_of > rule.effective_to:
        return f"no longer in force (until {rule.effective_to})"
    for w in rule.suspended:
        if w.from_ <= as_of <= w.to:
            return f"suspended {w.from_} to {w.to} ({w.citation})"
    return "in force"


def decide(hits: Sequence[RuleHit], unresolved_matches: bool) -> Outcome:
    """The strongest outcome among the rule hits; at least ``review`` with unresolved matches."""
    outcome = Outcome.REVIEW if unresolved_matches else Outcome.CLEAR
    for hit in hits:
        if hit.outcome.rank > outcome.rank:
            outcome = hit.outcome
    return outcome
