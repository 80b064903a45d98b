"""Screening a data-centre file (sequential: a provider's data centres number in the hundreds)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from compliance.batch import BatchSummary
from compliance.records import iter_data_centres
from compliance.screening import ScreeningContext, screen_data_centre


def run_data_centres(
    path: Path,
    ctx: ScreeningContext,
    write: Callable[[Iterable[dict[str, Any]]], int],
    *,
    on_progress: Callable[[int], None] | None = None,
) -> BatchSummary:
    summary = BatchSummary()

    def results() -> Iterator[dict[str, Any]]:
        for rec in iter_data_centres(path):
            summary.records += 1
            if rec.data_centre is None:
                summary.errors += 1
                yield {
                    "record_id": rec.record_id,
                    "kind": "data_centre",
                    "decision": None,
                    "error": rec.error,
                    "line": rec.line,
                    "matches": [],
                    "rule_hits": [],
                }
            else:
                result = screen_data_centre(rec.data_centre, ctx)
                summary.decisions[result["decision"]] += 1
                yield result
            if on_progress is not None:
                on_progress(1)

    write(results())
    return summary
