"""Issue 11: delta re-screening after a list update, against a full re-screen, on two real
versions of the OFAC SDN list from ../shared (the 2024-05-03 `sdn.csv` alone, then with the
alias and address files: thousands of entries gain names)."""

from __future__ import annotations

import csv
import json
import random
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from compliance.cli import app
from compliance.model import EntityType, Owner, Party
from compliance.records import DataCentre
from compliance.screening import data_centre_fingerprint, party_fingerprint
from compliance.services import rescreen as rescreen_service
from compliance.services.rescreen import data_centre_from_record, party_from_record

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()


def _invoke(*args: str) -> Any:
    r = runner.invoke(app, list(args))
    assert r.exit_code == 0, r.output
    return r


def _customers(ofac: Path, path: Path) -> None:
    """Customers a provider could have: names the SDN gains as aliases in the update (they
    can only match after it), listed names with a typo, and real unlisted companies."""
    rng = random.Random(11)
    with (ofac / "sdn_2024-05-03.csv").open(encoding="latin-1") as fh:
        primaries = {row[0]: row[1] for row in csv.reader(fh) if len(row) > 2}
    with (ofac / "alt_watchman-2025-12.csv").open(encoding="latin-1") as fh:
        aliases = [row[3] for row in csv.reader(fh) if len(row) > 3 and row[0] in primaries]
    with (REPO / "benchmarks" / "data" / "negatives.csv").open(encoding="utf-8") as fh:
        negatives = [row["name"] for row in csv.DictReader(fh)]
    names = rng.sample(aliases, 60)
    for name in rng.sample(sorted(primaries.values()), 30):
        k = rng.randrange(1, max(len(name) - 1, 2))
        names.append(name[:k] + name[k + 1 :])  # one letter dropped
    names += rng.sample(negatives, 110)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "name", "country"])
        for i, name in enumerate(names):
            w.writerow([f"c{i:03d}", name, ""])


def _new_hits(report: dict[str, Any]) -> dict[str, set[tuple[str, str]]]:
    return {
        c["record_id"]: {tuple(k) for k in c["new_hits"]}
        for c in report["changes"]
        if c["new_hits"]
    }


@pytest.mark.shared
def test_delta_rescreen_finds_the_new_hits_a_full_rescreen_finds(
    env: Path, shared_lists: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from compliance.settings import get_settings

    ofac = shared_lists / "ofac"
    customers = env / "customers.csv"
    _customers(ofac, customers)
    _invoke(
        "lists",
        "load",
        str(ofac / "sdn_2024-05-03.csv"),
        "--format",
        "ofac",
        "--source",
        "us-ofac-sdn",
        "--allow-partial",
    )
    _invoke("screen", str(customers), "--out", str(env / "v1.jsonl"), "--workers", "1")
    files = [
        ofac / f
        for f in ("sdn_2024-05-03.csv", "alt_watchman-2025-12.csv", "add_watchman-2025-12.csv")
    ]
    _invoke("lists", "load", *map(str, files), "--format", "ofac", "--source", "us-ofac-sdn")

    # The same store twice: one re-screened by delta, the other in full.
    twin = env / "twin"
    twin.mkdir(mode=0o700)
    shutil.copytree(env / "home" / "cache", twin / "cache")  # the built index, not rebuilt
    src = sqlite3.connect(env / "home" / "compliance.db")
    dst = sqlite3.connect(twin / "compliance.db")
    src.backup(dst)
    src.close()
    dst.close()

    # This update changes thousands of entries: more names than parties, which the service
    # would screen in full. Make it take the prefilter, whose recall is what is tested here.
    monkeypatch.setattr(rescreen_service, "FULL_WHEN_NAMES_PER_PARTY", 1e9)
    delta = json.loads(_invoke("rescreen", "--json").stdout)
    assert delta["strategy"] == "prefilter"
    monkeypatch.setenv("COMPLIANCE_HOME", str(twin))
    get_settings.cache_clear()
    full = json.loads(_invoke("rescreen", "--full", "--json").stdout)

    assert full["screened"] == 200 and delta["screened"] < 200
    assert delta["changed_entries"] > 1000  # the alias files change thousands of entries
    expected = _new_hits(full)
    assert len(expected) >= 30, "the update should give the alias-named customers new hits"
    assert _new_hits(delta) == expected
    # the same decisions for the parties both screened (ids differ only by the run)
    by_id = {c["record_id"]: c["decision"] for c in full["changes"]}
    assert all(by_id.get(c["record_id"]) == c["decision"] for c in delta["changes"])

    # New hits opened cases; a second delta re-screen has nothing left to do.
    monkeypatch.setenv("COMPLIANCE_HOME", str(env / "home"))
    get_settings.cache_clear()
    cases = json.loads(_invoke("review", "list", "--json").stdout)
    flagged = {c["party"]["record_id"] for c in cases}
    assert set(expected) <= flagged
    again = json.loads(_invoke("rescreen", "--json").stdout)
    assert again["changed_entries"] == 0 and again["screened"] == 0


def test_a_stored_record_rebuilds_the_party_it_came_from() -> None:
    party = Party(
        "c-1", "Acme", ("Acme Ltd",), EntityType.ORGANIZATION, "DE", "1 Main St", "HRB 1",
        "DE", "Acme Holding", "NL", "Acme Group", "US",
        (Owner("Jane Roe", 30.0, "GB"),), None, "advanced_compute", (("email", "a@b.c"),),
    )  # fmt: skip
    record = json.loads(json.dumps(party_fingerprint(party)))
    assert party_from_record(record) == party
    dc = DataCentre(
        "dc-1", "Frankfurt 2", "Acme Cloud", "DE", "Acme Group", "US", "DE", "Frankfurt",
        "H100", 512, "3A090.a", 4000.0, (("rack", "7"),),
    )  # fmt: skip
    assert data_centre_from_record(json.loads(json.dumps(data_centre_fingerprint(dc)))) == dc
