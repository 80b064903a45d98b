"""Issue 11: workers hold their own context, set by the pool initializer: with ``spawn`` each
rebuilds it from a picklable spec (no module global, no fork), and the decisions are the
same as in one process."""

from __future__ import annotations

import json
import pickle
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from compliance.cli import app
from compliance.settings import get_settings
from tests.samples import repeated_customers

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "data" / "samples"
runner = CliRunner()


def _screen(env: Path, infile: Path, workers: int, out: str) -> list[dict]:  # type: ignore[type-arg]
    r = runner.invoke(
        app,
        ["screen", str(infile), "--out", str(env / out), "--workers", str(workers), "--no-store"],
    )
    assert r.exit_code == 0, r.output
    return [json.loads(line) for line in (env / out).read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("method", ["spawn", "forkserver"])
def test_spawned_workers_rebuild_the_context_and_decide_the_same(
    env: Path, monkeypatch: pytest.MonkeyPatch, method: str
) -> None:
    infile = env / "in.csv"
    repeated_customers(infile, 648)  # chunks for both workers
    alone = _screen(env, infile, 1, "one.jsonl")
    monkeypatch.setenv("COMPLIANCE_WORKER_START", method)
    get_settings.cache_clear()
    pooled = _screen(env, infile, 2, "two.jsonl")
    assert len(pooled) == 648
    assert pooled == alone


def test_the_spec_is_small_and_picklable(env: Path) -> None:
    from compliance.rules import load_ruleset, rule_dirs
    from compliance.services.screening import open_screening
    from compliance.services.workers import build_context, spec_for
    from compliance.store.database import open_database

    settings = get_settings()
    db = open_database(settings)
    try:
        ruleset = load_ruleset(rule_dirs())
        ctx = open_screening(
            db.sessions, settings.home / "cache", as_of=date(2026, 12, 1), threshold=None,
            ruleset=ruleset,
        )  # fmt: skip
        spec = spec_for(
            ctx, database_url=settings.effective_database_url,
            cache_dir=settings.home / "cache", rule_dirs=rule_dirs(), ownership_input=None,
        )  # fmt: skip
        blob = pickle.dumps(spec)
        assert len(blob) < 10_000  # hashes, paths and dates: not the index
        rebuilt = build_context(pickle.loads(blob))
        assert rebuilt.list_versions == ctx.list_versions
        assert rebuilt.ruleset_version == ctx.ruleset_version
    finally:
        db.dispose()
