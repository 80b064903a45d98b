"""Checks on the shipped demo data: the embedded demo list, the accelerator table and the samples.

The demo list must stay faithful to the real list snapshots: every name in it is looked up in the
real files (read here with the standard library only, independent of the project's loaders).
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "compliance" / "data"
SAMPLES = REPO / "data" / "samples"
DEMO = DATA / "demo_list.csv"
ACCELERATORS = DATA / "accelerators.csv"

CSL_HEADER = [
    "_id", "source", "entity_number", "type", "programs", "name", "title", "addresses",
    "federal_register_notice", "start_date", "end_date", "standard_order", "license_requirement",
    "license_policy", "call_sign", "vessel_type", "gross_tonnage", "gross_registered_tonnage",
    "vessel_flag", "vessel_owner", "remarks", "source_list_url", "alt_names", "citizenships",
    "dates_of_birth", "nationalities", "places_of_birth", "source_information_url", "ids",
]  # fmt: skip
CSL_SNAPSHOT = "us_csl/csl_consolidated_watchman-pr523_2023-11_partial.csv"

# Lists whose entries are published through a Federal Register notice that the CSL row carries.
# The Unverified List is not here: trade.gov's CSL rows for it have no citation (checked in
# test_csl_rows_are_copied_verbatim against the snapshot instead).
FR_REQUIRED = ("Entity List (EL)", "Military End User (MEU)", "Denied Persons List (DPL)")


def _norm(name: str) -> str:
    return " ".join(name.casefold().split())


def _demo_rows() -> list[dict[str, str]]:
    with DEMO.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


# --- (a) layout --------------------------------------------------------------------------------


def test_demo_list_layout() -> None:
    text = DEMO.read_text(encoding="utf-8")
    first_line = text.split("\n", 1)[0]
    assert first_line == ",".join(CSL_HEADER), "first line must be the CSL header"
    with DEMO.open(encoding="utf-8", newline="") as f:
        records = list(csv.reader(f))
    header, body = records[0], records[1:]
    assert header == CSL_HEADER
    bad = [i for i, rec in enumerate(body, start=2) if len(rec) != len(CSL_HEADER)]
    assert not bad, f"lines without 29 fields: {bad}"
    assert 95 <= len(body) <= 110, len(body)
    # every value double-quoted, as in the trade.gov file (values may hold newlines, as there)
    out = io.StringIO()
    csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(body)
    assert text == first_line + "\n" + out.getvalue(), "values must all be double-quoted"
    ids = [rec[0] for rec in body]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    assert not dupes, f"duplicate _id: {dupes}"


def test_demo_list_federal_register_citations() -> None:
    missing = [
        f"{r['_id']} {r['name']}"
        for r in _demo_rows()
        if r["source"].startswith(FR_REQUIRED) and not r["federal_register_notice"].strip()
    ]
    assert not missing, f"rows without a Federal Register citation: {missing}"


def test_demo_list_sources_and_minorities() -> None:
    rows = _demo_rows()
    sources = {r["source"] for r in rows}
    for prefix in (
        "Entity List (EL)",
        "Military End User (MEU)",
        "Denied Persons List (DPL)",
        "Unverified List (UVL)",
        "Specially Designated Nationals (SDN)",
        "Non-SDN Chinese Military-Industrial Complex",
    ):
        assert any(s.startswith(prefix) for s in sources), prefix
    sdn = [r for r in rows if r["source"].startswith("Specially Designated Nationals")]
    assert len(sdn) < len(rows) / 4, "SDN rows must stay a minority"
    people = [r for r in sdn if r["type"] == "Individual"]
    assert people and all(
        re.fullmatch(r"\d{4}-\d{2}-\d{2}(; \d{4}-\d{2}-\d{2})*", r["dates_of_birth"])
        for r in people
    )
    for r in rows:
        if r["_id"].startswith("demo-el-"):
            assert r["source"] == "Entity List (EL) - Bureau of Industry and Security"
            assert re.fullmatch(r"demo-el-\d{3}", r["_id"]), r["_id"]
        if r["_id"].startswith("demo-sdn-"):  # built from OFAC sdn.csv: the suffix is ent_num
            assert r["source"].startswith("Specially Designated Nationals (SDN)")
            assert r["_id"] == f"demo-sdn-{r['entity_number']}", r["_id"]


# --- (b) every demo name appears in a real list file --------------------------------------------


def _ofac_rows(path: Path) -> list[list[str]]:
    text = path.read_text(encoding="utf-8").rstrip("\r\n\x1a")
    return [[cell.strip() for cell in rec] for rec in csv.reader(text.splitlines())]


def _real_names(lists: Path) -> set[str]:
    names: set[str] = set()
    for r in _read_csv(lists / CSL_SNAPSHOT):
        names.add(_norm(r["name"] or ""))
        names.update(_norm(a) for a in (r["alt_names"] or "").split(";") if a.strip())
    for path in sorted((lists / "us_export_control_nsfreg").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for e in data.get("entities", []):
            names.add(_norm(e["name"]))
            names.update(_norm(a) for a in e.get("aliases") or [])
    for path in (lists / "ofac").glob("sdn_*.csv"):
        names.update(_norm(rec[1]) for rec in _ofac_rows(path) if len(rec) > 1)
    for path in (lists / "ofac").glob("cons_prim*.csv"):
        names.update(_norm(rec[1]) for rec in _ofac_rows(path) if len(rec) > 1)
    for path in [*(lists / "ofac").glob("alt_*.csv"), *(lists / "ofac").glob("cons_alt*.csv")]:
        names.update(_norm(rec[3]) for rec in _ofac_rows(path) if len(rec) > 3)
    for path in (lists / "us_csl").glob("bis_dpl_*.txt"):
        with path.open(encoding="utf-8", newline="") as f:
            names.update(_norm(r["Name"]) for r in csv.DictReader(f, delimiter="\t"))
    names.discard("")
    return names


@pytest.mark.shared
def test_every_demo_name_is_a_real_listing(shared_lists: Path) -> None:
    real = _real_names(shared_lists)
    assert len(real) > 10_000  # sanity: the snapshots were actually read
    missing = [r["name"] for r in _demo_rows() if _norm(r["name"]) not in real]
    assert not missing, f"demo names not found in any real list file: {missing}"


# --- (c) rows copied from the CSL snapshot are verbatim -----------------------------------------


@pytest.mark.shared
def test_csl_rows_are_copied_verbatim(shared_lists: Path) -> None:
    snapshot = {r["_id"]: r for r in _read_csv(shared_lists / CSL_SNAPSHOT) if r["_id"] != "_id"}
    checked = 0
    problems = []
    for r in _demo_rows():
        real = snapshot.get(r["_id"])
        if real is None:
            continue
        checked += 1
        # name, citation and list first (the brief's contract), then every other column
        for field in ("name", "federal_register_notice", "source", *CSL_HEADER):
            if r[field] != (real[field] or ""):
                problems.append(f"{r['_id']} {field}: {r[field]!r} != {real[field]!r}")
    assert checked >= 30, checked
    assert not problems, problems


# --- (d) accelerator reference table ------------------------------------------------------------


def _eccn_3a090(tpp: float, pd: float, *, datacenter: bool = True) -> str:
    """3A090 thresholds (Oct 2023 rule). Non-datacenter ICs are caught only by TPP >= 4800."""
    if tpp >= 4800:
        return "3A090.a"
    if not datacenter:
        return "not_3A090"
    if tpp >= 1600 and pd >= 5.92:
        return "3A090.a"
    if (2400 <= tpp < 4800 and 1.6 <= pd < 5.92) or (tpp >= 1600 and 3.2 <= pd < 5.92):
        return "3A090.b"
    return "not_3A090"


def _as_class(eccn: str) -> str:
    return eccn if eccn in ("3A090.a", "3A090.b") else "not_3A090"


def test_accelerator_table() -> None:
    rows = _read_csv(ACCELERATORS)
    assert list(rows[0]) == [
        "model", "vendor", "origin_country", "tpp", "die_area_mm2", "performance_density",
        "interconnect_gbs", "typical_eccn", "notes", "source",
    ]  # fmt: skip
    assert 20 <= len(rows) <= 35
    models = [r["model"] for r in rows]
    assert len(models) == len(set(models))
    for r in rows:
        assert r["source"].strip(), r["model"]
        if r["interconnect_gbs"]:  # the October 2022 test's second figure
            assert 0 < float(r["interconnect_gbs"]) <= 10_000, r["model"]
        tpp = float(r["tpp"])
        datacenter = "[non-datacenter]" not in r["notes"]
        if r["die_area_mm2"]:
            pd = float(r["performance_density"])
            assert pd == pytest.approx(tpp / float(r["die_area_mm2"]), abs=0.01), r["model"]
            expected = _eccn_3a090(tpp, pd, datacenter=datacenter)
            assert _as_class(r["typical_eccn"]) == expected, (r["model"], expected)
        else:
            assert not r["performance_density"], r["model"]
            outcomes = {
                _eccn_3a090(tpp, pd, datacenter=datacenter) for pd in (0.5, 1.6, 3.2, 5.92, 50)
            }
            if len(outcomes) == 1:
                assert _as_class(r["typical_eccn"]) == outcomes.pop(), r["model"]
            else:  # the outcome depends on a die area nobody has published
                assert r["typical_eccn"] == "undetermined", r["model"]
                assert "approx." in r["notes"] or "not published" in r["notes"], r["model"]


def test_classifier_agrees_with_the_table() -> None:
    """compliance.accelerators classifies every table model (no ECCN given) as the table's
    typical_eccn says, undetermined rows included."""
    from compliance.accelerators import classify

    for r in _read_csv(ACCELERATORS):
        got = classify(r["model"], None, None)
        if r["typical_eccn"] == "undetermined":
            assert got.undetermined, r["model"]
        elif r["typical_eccn"].startswith("3A090"):
            assert got.eccn == r["typical_eccn"] and got.advanced, (r["model"], got)
        else:
            assert got.advanced is False and got.eccn is None, (r["model"], got)
        assert got.origin_country == r["origin_country"]


def test_reference_rows_used_by_samples_exist() -> None:
    models = {r["model"] for r in _read_csv(ACCELERATORS)}
    used = {r["accelerator_model"] for r in _read_csv(SAMPLES / "data_centres.csv")}
    assert used - {""} <= models, used - models


# --- (e) samples --------------------------------------------------------------------------------

CUSTOMER_COLUMNS = [
    "id", "name", "aliases", "entity_type", "country", "address", "registration_number",
    "hq_country", "parent_name", "parent_country", "ultimate_parent_name",
    "ultimate_parent_country", "owners", "date_of_birth", "service", "email", "phone",
    "payment_fingerprint", "ip_address", "asn", "signup_date",
]  # fmt: skip
DATA_CENTRE_COLUMNS = [
    "id", "name", "operator_name", "operator_country", "operator_ultimate_parent_name",
    "operator_ultimate_parent_country", "country", "city", "accelerator_model",
    "accelerator_count", "eccn", "tpp_per_device",
]  # fmt: skip


def test_customers_sample() -> None:
    rows = _read_csv(SAMPLES / "customers.csv")
    assert list(rows[0]) == CUSTOMER_COLUMNS
    assert len(rows) >= 60
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids))
    for r in rows:
        assert r["name"], r["id"]
        assert r["entity_type"] in ("organization", "person"), r["id"]
        assert r["service"] in ("advanced_compute", "general_cloud"), r["id"]
        assert re.fullmatch(r"[A-Z]{2}", r["country"]), r["id"]
        domain = r["email"].rsplit("@", 1)[1]
        assert domain == "example.com" or domain.endswith(".example.com"), r["email"]
        assert r["ip_address"].startswith(("192.0.2.", "198.51.100.", "203.0.113.")), r["id"]
        for owner in filter(None, r["owners"].split(";")):
            name, share, country = owner.rsplit(":", 2)
            assert name and share.endswith("%") and re.fullmatch(r"[A-Z]{2}", country), owner


def test_customers_expected_covers_every_sample() -> None:
    customers = [r["id"] for r in _read_csv(SAMPLES / "customers.csv")]
    expected = _read_csv(SAMPLES / "customers_expected.csv")
    assert list(expected[0]) == ["id", "expected", "expected_entry_name", "note"]
    assert sorted(r["id"] for r in expected) == sorted(customers)
    demo_names = {r["name"] for r in _demo_rows()}
    for r in expected:
        assert r["expected"] in ("match", "no_match"), r["id"]
        assert r["note"], r["id"]
        if r["expected"] == "match":
            names = [n.strip() for n in r["expected_entry_name"].split(";")]
            assert set(names) <= demo_names, (r["id"], set(names) - demo_names)
        else:
            assert not r["expected_entry_name"], r["id"]


@pytest.mark.shared
def test_negative_samples_are_not_real_names(shared_lists: Path) -> None:
    """A no_match sample must not carry a real listed name, except where the note says why
    (C053: a listed person's name with a conflicting date of birth)."""
    real = _real_names(shared_lists)
    expected = {r["id"]: r["expected"] for r in _read_csv(SAMPLES / "customers_expected.csv")}
    clash = [
        r["id"]
        for r in _read_csv(SAMPLES / "customers.csv")
        if expected[r["id"]] == "no_match" and r["id"] != "C053" and _norm(r["name"]) in real
    ]
    assert not clash, clash


def test_data_centres_sample() -> None:
    rows = _read_csv(SAMPLES / "data_centres.csv")
    assert list(rows[0]) == DATA_CENTRE_COLUMNS
    assert 12 <= len(rows) <= 20
    for r in rows:
        assert r["accelerator_model"] or r["eccn"], r["id"]
        assert int(r["accelerator_count"]) > 0, r["id"]
