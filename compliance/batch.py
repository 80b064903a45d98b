"""Batch screening of a customer or data-centre file: read (streaming), screen, write.

Rows are screened in chunks; with ``workers > 1`` the chunks go to a pool of worker processes,
each holding its own screening context, set once by the pool's initializer: with ``fork`` the
parent's context itself (the built index shared copy-on-write), with ``spawn`` or
``forkserver`` rebuilt from a :class:`~compliance.services.workers.ContextSpec`. Results come
back in input order.
A bad row becomes an output record with its line and error; it never stops the batch. That
holds for a row the screening itself fails on, whatever the exception (it is caught per record,
in the workers too), and for a chunk whose worker fails as a whole (its rows are screened again
one by one in the parent).
"""

from __future__ import annotations

import multiprocessing as mp
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, fields
from itertools import islice
from multiprocessing.pool import AsyncResult
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compliance.decision import Decision, failed
from compliance.model import Party
from compliance.records import RecordResult, iter_customers, iter_data_centres
from compliance.screening import ScreeningContext, screen_data_centre, screen_party

if TYPE_CHECKING:
    from compliance.services.workers import ContextSpec

CHUNK = 256

# This worker process's context, set by the pool initializer (never in the parent).
_WORKER_CTX: ScreeningContext | None = None


def _init_worker(seed: ScreeningContext | ContextSpec) -> None:
    """Pool initializer: the context this worker screens with, from the parent's context
    (fork) or rebuilt from its spec (spawn, forkserver)."""
    global _WORKER_CTX
    from compliance.services.workers import ContextSpec, build_context

    _WORKER_CTX = build_context(seed) if isinstance(seed, ContextSpec) else seed


def _safe_text(text: str) -> str:
    """``text`` made writable as UTF-8 (a lone surrogate becomes ``\\udXXX``)."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _failure(record_id: str | None, kind: str, exc: BaseException) -> Decision:
    """The error record of a row whose screening raised: no decision, never ``clear``. The
    line is filled in by the reader's side, which knows it."""
    detail = _safe_text(str(exc))
    if len(detail) > 200:
        detail = detail[:200] + "..."
    return failed(
        _safe_text(record_id) if record_id is not None else None,
        kind,
        f"screening failed: {type(exc).__name__}: {detail}",
    )


def _screen_one(party: Party, ctx: ScreeningContext) -> Decision:
    """The one place a batch screens a record; an exception becomes the row's error record."""
    try:
        return screen_party(party, ctx).prepare()
    except Exception as exc:  # any row-level failure, whatever its kind
        return _failure(party.id, "customer", exc)


def _screen_chunk(parties: list[Party], ctx: ScreeningContext) -> list[Decision]:
    return [_screen_one(p, ctx) for p in parties]


# Records travel to the worker processes as (class, field values): pickling a tuple of
# strings is done in C, while a frozen slots dataclass is pickled field by field in Python
# (`dataclasses.fields()` for every record), which made the parent process the bottleneck.
_GETTERS: dict[type[Any], Callable[[Any], Any]] = {}
Packed = tuple[type[Any], tuple[Any, ...]]


def _pack(record: Any) -> Packed:
    cls = type(record)
    get = _GETTERS.get(cls)
    if get is None:
        names = [f.name for f in fields(record)]
        if len(names) == 1:  # attrgetter of one name returns the value, not a tuple
            one = attrgetter(names[0])
            get = _GETTERS[cls] = lambda r: (one(r),)
        else:
            get = _GETTERS[cls] = attrgetter(*names)
    return cls, get(record)


def _screen_packed(packed: list[Packed]) -> list[Decision]:
    ctx = _WORKER_CTX
    assert ctx is not None, "the pool initializer sets each worker's context"
    return _screen_chunk([cls(*values) for cls, values in packed], ctx)


def _error_record(rec: RecordResult) -> Decision:
    return failed(rec.record_id, "customer", rec.error or "unreadable row", rec.line)


@dataclass
class BatchSummary:
    records: int = 0
    errors: int = 0
    decisions: Counter[str] = field(default_factory=Counter)


def _chunks(records: Iterable[RecordResult]) -> Iterator[list[RecordResult]]:
    it = iter(records)
    while chunk := list(islice(it, CHUNK)):
        yield chunk


def screen_records(
    records: Iterable[RecordResult],
    ctx: ScreeningContext,
    *,
    workers: int = 1,
    on_progress: Callable[[int], None] | None = None,
    start_method: str = "fork",
    spec: ContextSpec | None = None,
) -> Iterator[Decision]:
    """Screen parsed records in input order; yields one decision per record. With
    ``start_method`` other than ``fork`` the workers rebuild the context from ``spec``."""
    if workers > 1 and start_method != "fork" and spec is None:
        raise ValueError(f"start method {start_method!r} needs a context spec")
    chunks = _chunks(records)

    def emit(chunk: list[RecordResult], screened: list[Decision]) -> Iterator[Decision]:
        results = iter(screened)
        for rec in chunk:
            if rec.party is None:
                yield _error_record(rec)
                continue
            result = next(results)
            yield result.with_line(rec.line) if result.failed else result
        if on_progress is not None:
            on_progress(len(chunk))

    def collect(chunk: list[RecordResult], result: AsyncResult[list[Decision]]) -> list[Decision]:
        try:
            return result.get()
        except Exception:  # the chunk as a whole failed: redo it row by row here
            return _screen_chunk([r.party for r in chunk if r.party is not None], ctx)

    if workers <= 1:
        for chunk in chunks:
            parties = [r.party for r in chunk if r.party is not None]
            yield from emit(chunk, _screen_chunk(parties, ctx))
        return
    # Bounded in-flight work: the reader never runs ahead of the workers by more than a few
    # chunks, so memory stays flat on a file of millions of rows.
    inflight: deque[tuple[list[RecordResult], AsyncResult[list[Decision]]]] = deque()
    seed = ctx if start_method == "fork" else spec
    pool_context = mp.get_context(start_method)
    with pool_context.Pool(workers, initializer=_init_worker, initargs=(seed,)) as pool:
        for chunk in chunks:
            packed = [_pack(r.party) for r in chunk if r.party is not None]
            inflight.append((chunk, pool.apply_async(_screen_packed, (packed,))))
            if len(inflight) >= workers * 4:
                done, result = inflight.popleft()
                yield from emit(done, collect(done, result))
        while inflight:
            done, result = inflight.popleft()
            yield from emit(done, collect(done, result))


def count_lines(path: Path) -> int:
    """Approximate record count for a progress bar (lines minus a header)."""
    with path.open("rb") as fh:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))
    return max(lines - (1 if path.suffix.lower() == ".csv" else 0), 0)


def run_batch(
    path: Path,
    ctx: ScreeningContext,
    write: Callable[[Iterable[Decision]], int],
    *,
    workers: int = 1,
    on_progress: Callable[[int], None] | None = None,
    start_method: str = "fork",
    spec: ContextSpec | None = None,
) -> BatchSummary:
    summary = BatchSummary()

    def tally(results: Iterable[Decision]) -> Iterator[Decision]:
        for result in results:
            summary.records += 1
            if result.outcome is None:
                summary.errors += 1
            else:
                summary.decisions[result.outcome.value] += 1
            yield result

    screened = screen_records(
        iter_customers(path),
        ctx,
        workers=workers,
        on_progress=on_progress,
        start_method=start_method,
        spec=spec,
    )
    write(tally(screened))
    return summary


def run_data_centres(
    path: Path,
    ctx: ScreeningContext,
    write: Callable[[Iterable[Decision]], int],
    *,
    on_progress: Callable[[int], None] | None = None,
) -> BatchSummary:
    """Screen a data-centre file in one process (a provider's data centres number in the
    hundreds, not millions); bad rows become error records, as for customers."""
    summary = BatchSummary()

    def results() -> Iterator[Decision]:
        for rec in iter_data_centres(path):
            summary.records += 1
            if rec.data_centre is None:
                summary.errors += 1
                yield failed(rec.record_id, "data_centre", rec.error or "unreadable row", rec.line)
            else:
                try:
                    result = screen_data_centre(rec.data_centre, ctx)
                except Exception as exc:  # any row-level failure
                    summary.errors += 1
                    result = _failure(rec.record_id, "data_centre", exc).with_line(rec.line)
                else:
                    assert result.outcome is not None
                    summary.decisions[result.outcome.value] += 1
                yield result
            if on_progress is not None:
                on_progress(1)

    write(results())
    return summary
