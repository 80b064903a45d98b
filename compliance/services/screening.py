"""Opening a screening (the context every decision is made in) and storing what a batch
decided. The CLI calls these now; the HTTP API will call the same ones.

Storing: :class:`RunRecorder` takes the decisions as they come out of a batch, stores them
chunk by chunk, each chunk in its own transaction (a screening with its matches, rule hits
and case update, or nothing), and passes each chunk on only once it is committed. So whatever
a crash interrupts, every decision already written to the output is stored, and no screening
is half-written. The run's own row records what it screened with; once it finishes, its
counts and a sha256 over its screening ids go to the hash-chained audit log.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from compliance.decision import Decision
from compliance.errors import BadInputError
from compliance.matching.engine import ENGINE_VERSION
from compliance.services.index import load_matcher
from compliance.store import audit
from compliance.store.decision_integrity import RunDigest
from compliance.store.decisions import DecisionStore
from compliance.store.repository import ListRepository

if TYPE_CHECKING:
    from compliance.ownership import OwnershipGraph
    from compliance.rules import Ruleset
    from compliance.screening import ScreeningContext

STORE_CHUNK = 512
_RETRIES = 5


def open_screening(
    sessions: sessionmaker[Session],
    cache_dir: Path | None,
    *,
    as_of: date,
    threshold: float | None,
    ruleset: Ruleset,
    graph: OwnershipGraph | None = None,
    standing_decisions: bool = True,
) -> ScreeningContext:
    """The context of a screening on ``as_of``: the active lists' matcher, the rules in force,
    the entries the lists did not hold on ``as_of``, and reviewers' standing decisions
    (confirmations and live clearances), which every screening of a stored party's record
    applies, stored or not (``standing_decisions=False``: a name typed in, no party's)."""
    from compliance.screening import ScreeningContext

    loaded = load_matcher(sessions, cache_dir)
    if not loaded.list_versions:
        raise BadInputError("no active list version: load a list first (compliance lists load)")
    with sessions() as session:
        not_held = ListRepository(session).not_held_on(as_of)
        prior = DecisionStore(session).prior_decisions() if standing_decisions else {}
    ctx = ScreeningContext(
        loaded.matcher,
        loaded.list_versions,
        as_of,
        threshold,
        ruleset_version=ruleset.version,
        rules=ruleset.compiled(as_of),
        graph=graph,
        not_held=not_held,
        prior=prior,
    )
    ctx.warm()
    return ctx


# A run refreshes the planner's statistics once it has stored this many screenings, then at
# every doubling: a run of a few records (a sign-up) never does.
ANALYZE_FIRST = 4 * STORE_CHUNK


class RunRecorder:
    """Stores a run's decisions as they pass (see the module docstring)."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        ctx: ScreeningContext,
        *,
        actor: str,
        command: str,
        kind: str,
        input_name: str | None,
        chunk: int = STORE_CHUNK,
        analyze_first: int = ANALYZE_FIRST,
    ) -> None:
        self.sessions = sessions
        self.actor = actor
        self.chunk = chunk
        self.counts: Counter[str] = Counter()
        self.errors = 0
        self.stored = 0
        self.reused = 0
        self.cases_opened = 0
        self.cases_updated = 0
        self.digest = RunDigest()
        self._analyze_at = analyze_first  # refresh the statistics once this many are stored
        with sessions.begin() as session:
            run = DecisionStore(session).start_run(
                actor=actor, command=command, kind=kind, input_name=input_name,
                list_versions=ctx.list_versions, ruleset_version=ctx.ruleset_version,
                engine_version=ENGINE_VERSION, threshold=ctx.effective_threshold,
                as_of=ctx.as_of, now=datetime.now(UTC),
            )  # fmt: skip
            self.run_id = run.id

    def _store(self, decisions: list[Decision]) -> None:
        """One chunk in one transaction; retried when a reviewer changed one of its cases at
        the same moment (the case's version moved on: read it again and redo the chunk)."""
        from sqlalchemy.orm.exc import StaleDataError

        from compliance.store.tables import ScreeningRun

        for attempt in range(_RETRIES):
            try:
                with self.sessions.begin() as session:
                    store = DecisionStore(session)
                    run = session.get(ScreeningRun, self.run_id)
                    assert run is not None
                    counts = store.store_chunk(run, decisions, datetime.now(UTC))
                    run.stored += counts.stored
                    run.reused += counts.reused
                break  # committed: only now do its lines join the run's digest
            except StaleDataError:
                if attempt == _RETRIES - 1:
                    raise
        for line in counts.digest_lines:
            self.digest.add(*line)
        self.stored += counts.stored
        self.reused += counts.reused
        self.cases_opened += counts.cases_opened
        self.cases_updated += counts.cases_updated
        for d in decisions:
            if d.outcome is None:
                self.errors += 1
            else:
                self.counts[d.outcome.value] += 1
        if self.stored >= self._analyze_at:
            # On a store this run is filling fast (a first batch of a million customers), the
            # planner's row counts fall behind before autovacuum catches up, and it looks a
            # chunk's parties up by scanning them all: refreshed as the run doubles them.
            try:
                with self.sessions.begin() as session:
                    DecisionStore(session).refresh_statistics()
            except DBAPIError:
                pass  # a lock held elsewhere: the chunk is stored, the next doubling retries
            self._analyze_at = 2 * self.stored

    def record(self, decisions: Iterable[Decision]) -> Iterator[Decision]:
        """Each decision, passed on once the chunk holding it is committed."""
        buffer: list[Decision] = []
        for d in decisions:
            buffer.append(d)
            if len(buffer) >= self.chunk:
                self._store(buffer)
                yield from buffer
                buffer = []
        if buffer:
            self._store(buffer)
            yield from buffer

    def finish(self) -> dict[str, Any]:
        """Close the run and write its audit event; returns the run's summary."""
        from compliance.store.tables import ScreeningRun

        now = datetime.now(UTC)
        with self.sessions.begin() as session:
            run = session.get(ScreeningRun, self.run_id)
            assert run is not None
            DecisionStore(session).finish_run(
                run,
                counts=dict(self.counts),
                errors=self.errors,
                now=now,
                digest=self.digest.hexdigest(),
            )
            summary = {
                "run_id": run.id, "input": run.input, "kind": run.kind,
                "stored": run.stored, "reused": run.reused, "errors": run.errors,
                "counts": run.counts, "cases_opened": self.cases_opened,
                "cases_updated": self.cases_updated, "ids_sha256": run.ids_sha256,
                "list_versions": run.list_versions, "ruleset_version": run.ruleset_version,
                "as_of": run.as_of,
            }  # fmt: skip
            audit.append(
                session, actor=self.actor, action="screening.run", subject=f"run:{run.id}",
                outcome="ok", details=summary, at=now,
            )  # fmt: skip
        return summary
