"""One batch survives any row (issue 8 item 10): a row the screening fails on, whatever the
exception, becomes that row's error record, in one process and in the workers; the output
stays well-formed in every format."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from compliance import batch
from compliance.cli import app
from compliance.decision import Decision
from compliance.model import Outcome, Party
from compliance.records import RecordResult

runner = CliRunner()
DUMMY_CTX: Any = object()  # screen_party is replaced: the context is never read


def _records(n: int) -> list[RecordResult]:
    return [
        RecordResult(line=i + 2, record_id=f"r{i}", party=Party(f"r{i}", f"N {i}"))
        for i in range(n)
    ]


def _fake_screen(party: Party, ctx: Any, **_: Any) -> Decision:
    if party.id in ("r3", "r300"):
        raise UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed")
    if party.id == "r5":
        raise RecursionError("maximum recursion depth exceeded")
    return Decision(party.id, "customer", Outcome.CLEAR)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_row_the_screening_fails_on_becomes_its_error_record(
    workers: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(batch, "screen_party", _fake_screen)
    records = _records(600)  # more than two chunks, so the workers really share the rows
    out = [d.to_dict() for d in batch.screen_records(records, ctx=DUMMY_CTX, workers=workers)]
    assert [r["record_id"] for r in out] == [f"r{i}" for i in range(600)]
    failed = {r["record_id"]: r for r in out if r["decision"] is None}
    assert set(failed) == {"r3", "r5", "r300"}
    assert failed["r3"]["line"] == 5 and failed["r300"]["line"] == 302
    assert failed["r3"]["error"].startswith("screening failed: UnicodeEncodeError")
    assert "\\ud800" in failed["r3"]["error"]  # escaped: the record can be written as UTF-8
    json.dumps(failed["r3"], ensure_ascii=False).encode("utf-8")
    assert failed["r5"]["error"].startswith("screening failed: RecursionError")


def test_a_chunk_whose_worker_fails_is_screened_again_in_the_parent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(batch, "screen_party", _fake_screen)

    def broken(packed: list[batch.Packed]) -> list[Decision]:
        raise MemoryError("worker gave up")

    monkeypatch.setattr(batch, "_screen_packed", broken)
    out = list(batch.screen_records(_records(300), ctx=DUMMY_CTX, workers=2))
    assert len(out) == 300
    assert sum(r.outcome == "clear" for r in out) == 298


SURROGATE_ROWS = (
    '{"id": "a", "name": "Huawei Technologies Co Ltd", "country": "CN"}\n'
    '{"id": "b", "name": "Bad \\ud800 Co"}\n'
    '{"id": "c", "name": "N\\u0000ul Co", "owners": ["Huawei Technologies Co Ltd:60%:CN"]}\n'
    '{"id": "\\udfff", "name": "Bad id"}\n'
    '{"id": "e", "name": "Northwind Analytics Inc.", "country": "US"}\n'
)


@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".xlsx", None])
def test_screen_survives_lone_surrogates_and_writes_well_formed_output(
    env: Path, suffix: str | None, workers: str
) -> None:
    src = env / "in.jsonl"
    src.write_text(SURROGATE_ROWS, encoding="utf-8")
    args = ["screen", str(src), "--workers", workers]
    out = env / f"out{suffix}" if suffix else None
    if out is not None:
        args += ["--out", str(out)]
    r = runner.invoke(app, args)
    assert r.exit_code == 2, r.output  # rejected rows: bad input, never 1
    assert "5 records" in r.stderr and "2 rejected rows" in r.stderr
    if suffix in (".jsonl", None):
        text = out.read_text(encoding="utf-8") if out else r.stdout
        rows = [json.loads(line) for line in text.splitlines()]
        shown = [row["line"] if row["decision"] is None else row["record_id"] for row in rows]
        assert shown == ["a", 2, "c", 4, "e"]
        assert rows[0]["decision"] != "clear" and rows[2]["decision"] != "clear"
        assert rows[1]["error"].startswith("name: holds a lone surrogate")
        assert rows[3]["record_id"] is None and rows[3]["error"].startswith("id: ")
    elif suffix == ".csv":
        assert out is not None
        with out.open(encoding="utf-8", newline="") as fh:
            table = list(csv.DictReader(fh))
        assert {row["record_id"] for row in table} >= {"a", "c", "e"}
        assert any("lone surrogate" in " ".join(row.values()) for row in table)
    else:
        assert out is not None
        sheet = load_workbook(out, read_only=True)["Results"]
        cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c]
        assert any("lone surrogate" in c for c in cells) and "c" in cells
