"""What a worker process needs to screen: a small, picklable :class:`ContextSpec` from which
it rebuilds the screening context once, in the pool's initializer.

With the ``fork`` start method (the default on Linux) the workers are handed the parent's
context itself: a forked child shares the built index with its parent, copy on write, and
nothing is pickled. With ``spawn`` or ``forkserver`` (``COMPLIANCE_WORKER_START``; the only
methods on macOS and Windows) each worker gets the spec and rebuilds: the matcher from the
index cache (or the database), the rules from their directories, the ownership graph from
the input file. A worker refuses to screen when what it rebuilt is not what the parent
screens with (the lists or rules changed in between): the run would no longer be one
screening. The same seam is what a distributed engine would ship to its workers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from compliance.errors import ComplianceError
from compliance.review import PriorDecisions

if TYPE_CHECKING:
    from compliance.screening import ScreeningContext


class WorkerContextError(ComplianceError):
    """A worker could not rebuild the context the run screens with."""

    code = "worker_context"


@dataclass(frozen=True)
class ContextSpec:
    database_url: str
    cache_dir: Path | None
    list_versions: dict[str, str]
    rule_dirs: tuple[Path, ...]
    ruleset_version: str | None
    as_of: date
    threshold: float | None
    not_held: dict[tuple[str, str], str] = field(default_factory=dict)
    prior: PriorDecisions = field(default_factory=dict)
    ownership_input: Path | None = None  # the customer file whose records form the graph


def build_context(spec: ContextSpec) -> ScreeningContext:
    """The screening context ``spec`` describes, checked against it."""
    from compliance.ownership import OwnershipGraph
    from compliance.records import iter_customers
    from compliance.rules import load_ruleset
    from compliance.screening import ScreeningContext
    from compliance.services.index import load_matcher
    from compliance.store.session import make_engine, session_factory

    engine = make_engine(spec.database_url)
    try:
        loaded = load_matcher(session_factory(engine), spec.cache_dir)
    finally:
        engine.dispose()
    if loaded.list_versions != spec.list_versions:
        raise WorkerContextError(
            "the active list versions changed since the run started; run it again"
        )
    ruleset = load_ruleset(list(spec.rule_dirs))
    if ruleset.version != spec.ruleset_version:
        raise WorkerContextError("the rule files changed since the run started; run it again")
    graph = None
    if spec.ownership_input is not None:
        graph = OwnershipGraph(
            r.party for r in iter_customers(spec.ownership_input) if r.party is not None
        )
    ctx = ScreeningContext(
        loaded.matcher,
        loaded.list_versions,
        spec.as_of,
        spec.threshold,
        ruleset_version=ruleset.version,
        rules=ruleset.compiled(spec.as_of),
        graph=graph,
        not_held=dict(spec.not_held),
        prior=spec.prior,
    )
    ctx.warm()
    return ctx


def spec_for(
    ctx: ScreeningContext,
    *,
    database_url: str,
    cache_dir: Path | None,
    rule_dirs: list[Path],
    ownership_input: Path | None,
) -> ContextSpec:
    """The spec of an opened context (what a spawned worker rebuilds it from)."""
    return ContextSpec(
        database_url=database_url,
        cache_dir=cache_dir,
        list_versions=dict(ctx.list_versions),
        rule_dirs=tuple(rule_dirs),
        ruleset_version=ctx.ruleset_version,
        as_of=ctx.as_of,
        threshold=ctx.threshold,
        not_held=dict(ctx.not_held),
        prior=ctx.prior,
        ownership_input=ownership_input,
    )
