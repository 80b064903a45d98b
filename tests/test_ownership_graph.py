"""The batch ownership graph (issue 8 item 13): memory flat in the batch's length, and the
same ownership results whether the records are kept in memory or spilled to its file."""

from __future__ import annotations

import multiprocessing as mp
import os
import sys
import tempfile
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from compliance import ownership
from compliance.cli import app
from compliance.model import Owner, Party
from compliance.ownership import OwnershipGraph, owner_links

BATCH = [
    # A chain across records: A -> B -> C -> blocked person.
    Party(
        "A", "Seaside Compute Ltd", country="GB", owners=(Owner("Tidewater Holdings Ltd", 60.0),)
    ),
    Party("B", "TIDEWATER HOLDINGS LIMITED", country="GB", parent_name="Crest Capital GmbH"),
    Party("C", "Crest Capital GmbH", country="DE", owners=(Owner("Blocked Person", 50.0, "IR"),)),
    # A cycle: X owns Y owns X.
    Party("X", "Xylo Systems Ltd", owners=(Owner("Ymir Labs Ltd", 51.0),)),
    Party("Y", "Ymir Labs Ltd", owners=(Owner("Xylo Systems Ltd", 51.0),)),
    # One name in two countries, told apart by country; and a third that is not.
    Party("G", "Acme Holdings Ltd", country="GB", owners=(Owner("Blocked Person", 10.0),)),
    Party("S", "Acme Holdings Ltd", country="SG", owners=(Owner("Clean Owner", 10.0),)),
    Party("P", "Pine Data Ltd", owners=(Owner("Acme Holdings Ltd", 40.0, "SG"),)),
    Party("Q", "Quartz Data Ltd", parent_name="Acme Holdings Ltd"),  # ambiguous: no record
    # A record without owners is no node of the graph; a name that normalizes to nothing.
    Party("N", "Nowhere Ltd"),
    Party("Z", "Zed Ltd", ultimate_parent_name="Nowhere Ltd", parent_name="!!!"),
    Party("E", "Emoji \U0001f600 Ltd", owners=(Owner("Tidewater Holdings Ltd", 5.0, "GB"),)),
]


def screen_name(name: str, country: str | None) -> tuple[dict[str, Any], ...]:
    return ({"entry": name, "country": country},) if "blocked" in name.lower() else ()


def links(graph: OwnershipGraph) -> dict[str, Any]:
    return {p.id: owner_links(p, screen_name, graph) for p in BATCH}


def test_spilled_graph_gives_the_same_ownership_as_the_in_memory_one(tmp_path: Path) -> None:
    kept = OwnershipGraph(BATCH, in_memory=1000)
    with OwnershipGraph(BATCH, in_memory=0, directory=tmp_path) as spilled:
        assert not kept.spilled and spilled.spilled
        assert len(list(tmp_path.iterdir())) == 1
        assert links(spilled) == links(kept)
        assert len(spilled) == len(kept) == 10
        result = links(spilled)
    assert list(tmp_path.iterdir()) == []  # the file is gone once the graph is closed
    # The chain is followed through B and C to the blocked person.
    [to_b] = result["A"]
    assert to_b["record_id"] == "B"
    [to_c] = to_b["owners"]
    assert to_c["record_id"] == "C" and to_c["via"] == "parent"
    assert to_c["owners"][0]["hits"] and to_c["owners"][0]["record_id"] is None
    # The cycle stops where it started.
    [to_y] = result["X"]
    assert to_y["record_id"] == "Y" and to_y["owners"][0]["record_id"] == "X"
    assert to_y["owners"][0]["owners"] == ()
    # Same name in two countries.
    assert result["P"][0]["record_id"] == "S" and result["Q"][0]["record_id"] is None
    assert [link["record_id"] for link in result["Z"]] == [None, None]


def test_records_added_after_the_spill_are_found(tmp_path: Path) -> None:
    graph = OwnershipGraph(BATCH[:2], in_memory=1, directory=tmp_path)
    assert graph.spilled
    for party in BATCH[2:]:
        graph.add(party)
    assert graph.find("crest capital gmbh") == Party(
        "C", "Crest Capital GmbH", country="DE", owners=(Owner("Blocked Person", 50.0, "IR"),)
    )
    assert graph.find("Acme Holdings Ltd", "GB") is not None
    assert graph.find("Acme Holdings Ltd") is None and graph.find("No Such Ltd") is None
    graph.close()


def test_records_with_long_fields_spill_early(tmp_path: Path) -> None:
    """The in-memory share is bounded in characters too, not only in records."""
    long = "x" * 3_000_000
    parties = [Party(f"L{i}", f"Long {i} Ltd", address=long, parent_name="P") for i in range(4)]
    with OwnershipGraph(parties, directory=tmp_path) as graph:
        assert graph.spilled and len(graph) == 4
        found = graph.find("Long 3 Ltd")
        assert found is not None and found.id == "L3" and found.address is None


def _find_in_child(name: str) -> str | None:
    found = _GRAPH.find(name) if _GRAPH is not None else None
    return found.id if found is not None else None


_GRAPH: OwnershipGraph | None = None


def test_forked_workers_read_the_spilled_file(tmp_path: Path) -> None:
    global _GRAPH
    _GRAPH = OwnershipGraph(BATCH, in_memory=0, directory=tmp_path)
    try:
        with mp.get_context("fork").Pool(2) as pool:
            got = pool.map(
                _find_in_child, ["Tidewater Holdings Ltd", "YMIR LABS LIMITED", "Nope"] * 4
            )
        assert got == ["B", "Y", None] * 4
        assert _GRAPH.find("Tidewater Holdings Ltd") is not None  # the parent still reads it
    finally:
        _GRAPH.close()
        _GRAPH = None


def _parties(n: int) -> Iterator[Party]:
    for i in range(n):
        yield Party(
            f"c{i}",
            f"Company {i} Systems Ltd",
            country="GB",
            parent_name=f"Company {i // 10} Systems Ltd",
            owners=(Owner(f"Holding {i} Ltd", 30.0, "GB"), Owner(f"Capital {i} LLC", 20.0)),
        )


def _clear_normalize_caches() -> None:
    """The normalizer's own caches (in every compliance module: names, scripts, symbols, legal
    forms...) are bounded but large: they are not the graph's memory. Which of them earlier
    tests filled decides how much they grow here, so all of them are emptied."""
    for name, module in list(sys.modules.items()):
        if name != "compliance" and not name.startswith("compliance."):
            continue
        for value in list(vars(module).values()):
            if callable(getattr(value, "cache_clear", None)):
                value.cache_clear()


def _retained(n: int) -> int:
    _clear_normalize_caches()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        graph = OwnershipGraph(_parties(n))
        _clear_normalize_caches()
        after = tracemalloc.get_traced_memory()[0]
        assert graph.find(f"Company {n - 1} Systems Ltd") is not None
        graph.close()
    finally:
        tracemalloc.stop()
    return after - before


def test_graph_memory_is_flat_in_the_batch_length(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 8 item 13: the graph used to keep every Party (1M rows naming owners: +1 GB).
    Past its in-memory share (made small here) what it holds does not grow with the batch."""
    monkeypatch.setattr(ownership, "IN_MEMORY", 500, raising=False)
    small, large = _retained(3_000), _retained(9_000)
    assert large < small * 1.2 + (256 << 10), (small, large)
    assert large < 4 << 20, large


CHAIN_CSV = (
    "id,name,country,parent_name,owners\n"
    + "".join(
        f"r{i},Record {i} Ltd,GB,{f'Record {i + 1} Ltd' if i % 7 else ''},"
        f"Holder {i % 3} Ltd:20%:GB\n"
        for i in range(60)
    )
    + "h0,Holder 0 Ltd,GB,,IRAN ELECTRONICS INDUSTRIES:50%:IR\nh1,Holder 1 Ltd,GB,Holder 0 Ltd,\n"
)


def test_screen_gives_identical_results_with_a_spilled_graph(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spill_dir = env / "tmp"
    spill_dir.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spill_dir))  # where the spill file goes
    src = env / "chain.csv"
    src.write_text(CHAIN_CSV, encoding="utf-8")
    outputs = []
    for limit, workers in ((ownership.IN_MEMORY, "1"), (0, "1"), (0, "2")):
        monkeypatch.setattr(ownership, "IN_MEMORY", limit)
        out = env / f"out-{limit}-{workers}.jsonl"
        r = CliRunner().invoke(app, ["screen", str(src), "--out", str(out), "--workers", workers])
        assert r.exit_code == 0, r.output
        outputs.append(out.read_text(encoding="utf-8"))
    assert outputs[0] == outputs[1] == outputs[2]
    assert '"record_id":"h0"' in outputs[0].replace(" ", "")  # the chain reached the holder
    assert not [f for f in os.listdir(spill_dir) if f.startswith("compliance-owners-")]
