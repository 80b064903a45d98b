"""Issue 10, finding 1: a list entry counts on ``as_of`` only inside its own dates and, when the
stored history says so, only if the version in force on ``as_of`` held it. An entry that does
not count is shown (match ``in_force: false``, a ``list_entry_not_in_force`` data-quality item)
and decided on by nothing: no rule, no review floor."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from compliance.export.writers import RESULT_COLUMNS, flatten_result
from compliance.lists.service import ListService
from compliance.matching.engine import Matcher
from compliance.model import EntityType, ListEntry, Party
from compliance.rules import load_ruleset, rule_dirs
from compliance.screening import ScreeningContext
from compliance.store.repository import ListRepository
from compliance.store.tables import ListVersion
from tests.contract import screen_party
from tests.lists.test_service import csl_row, write_csl

RULESET = load_ruleset(rule_dirs())
ORG = EntityType.ORGANIZATION

DENIED = ListEntry(
    "dpl-1",
    "ACME EXPORT TRADING LLC",
    ORG,
    "DPL",
    countries=("US",),
    start_date="2016-03-15",
    end_date="2026-03-15",
)
LISTED_LATER = ListEntry(
    "el-1", "ZENITH PHOTONICS GMBH", ORG, "EL", countries=("DE",), start_date="2025-09-16"
)


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher.build([("us-csl", [DENIED, LISTED_LATER])])


def screen(
    matcher: Matcher,
    name: str,
    as_of: date,
    not_held: dict[tuple[str, str], str] | None = None,
    country: str = "US",
) -> dict[str, Any]:
    ctx = ScreeningContext(
        matcher,
        {"us-csl": "sha256:x"},
        as_of,
        ruleset_version=RULESET.version,
        rules=RULESET.compiled(as_of),
        not_held=not_held or {},
    )
    return screen_party(Party("c1", name, entity_type=ORG, country=country), ctx)


def test_a_denial_order_counts_through_its_last_day(matcher: Matcher) -> None:
    result = screen(matcher, "Acme Export Trading LLC", date(2026, 3, 15))
    assert result["decision"] == "prohibited"
    assert [h["rule_id"] for h in result["rule_hits"]] == ["lists.dpl"]
    assert "in_force" not in result["matches"][0]
    assert not [q for q in result["data_quality"] if q["code"] == "list_entry_not_in_force"]


def test_an_expired_denial_order_is_shown_not_applied(matcher: Matcher) -> None:
    result = screen(matcher, "Acme Export Trading LLC", date(2026, 3, 16))
    assert result["decision"] == "clear"
    assert result["rule_hits"] == []
    match = result["matches"][0]
    assert match["entry_id"] == "dpl-1" and match["in_force"] is False
    assert match["not_in_force"] == "expired 2026-03-15, before 2026-03-16"
    [item] = [q for q in result["data_quality"] if q["code"] == "list_entry_not_in_force"]
    assert "dpl-1" in item["detail"]
    # the flat forms say it too
    row = dict(zip(RESULT_COLUMNS, next(flatten_result(result)), strict=True))
    assert row["match_status"].startswith("exact, not in force: expired 2026-03-15")
    assert "list_entry_not_in_force (matches)" in str(row["data_quality"])


def test_a_potential_match_on_an_expired_entry_asks_for_no_review(matcher: Matcher) -> None:
    result = screen(matcher, "Acme Export Tradng", date(2026, 12, 1))
    assert result["matches"] and result["matches"][0]["in_force"] is False
    assert result["decision"] == "clear"


@pytest.mark.parametrize(
    ("as_of", "decision"), [(date(2025, 9, 15), "clear"), (date(2025, 9, 16), "license_required")]
)
def test_an_entry_counts_from_its_start_date(matcher: Matcher, as_of: date, decision: str) -> None:
    result = screen(matcher, "Zenith Photonics GmbH", as_of, country="DE")
    assert result["decision"] == decision
    assert result["matches"][0].get("in_force", True) is (decision != "clear")


def test_the_version_history_excludes_an_entry_the_versions_then_did_not_hold(
    matcher: Matcher,
) -> None:
    why = "on no us-csl version dated on or before 2026-01-01 (versions 1); added by a later"
    # DENIED gives its own start date (2016-03-15): the list's date wins over the history
    held = screen(matcher, "Acme Export Trading LLC", date(2026, 1, 1), {("us-csl", "dpl-1"): why})
    assert held["decision"] == "prohibited"
    undated = Matcher.build([("us-csl", [ListEntry("el-2", "ORION QUANTUM LABS", ORG, "EL")])])
    result = screen(undated, "Orion Quantum Labs", date(2026, 1, 1), {("us-csl", "el-2"): why})
    assert result["decision"] == "clear" and result["matches"][0]["not_in_force"] == why
    # the history is part of the screening id: a replay with another history is another id
    assert (
        result["screening_id"]
        != screen(undated, "Orion Quantum Labs", date(2026, 1, 1))["screening_id"]
    )


def test_an_owner_on_an_expired_entry_does_not_count(matcher: Matcher) -> None:
    from compliance.model import Owner

    party = Party(
        "c2",
        "Blue River Holdings",
        entity_type=ORG,
        country="US",
        owners=(Owner("Acme Export Trading LLC", 60.0, "US"),),
    )
    for as_of, counted in ((date(2026, 3, 15), True), (date(2026, 3, 16), False)):
        ctx = ScreeningContext(
            matcher,
            {"us-csl": "sha256:x"},
            as_of,
            rules=RULESET.compiled(as_of),
        )
        result = screen_party(party, ctx)
        owner_rules = [h["rule_id"] for h in result["rule_hits"] if "ownership" in h["rule_id"]]
        assert bool(owner_rules) is counted, (as_of, result["rule_hits"])


def _set_dates(db: Any, dates: dict[int, str]) -> None:
    with db.sessions.begin() as session:
        for seq, day in dates.items():
            session.execute(
                update(ListVersion)
                .where(ListVersion.seq == seq)
                .values(published=None, loaded_at=datetime.fromisoformat(day).replace(tzinfo=UTC))
            )


def test_not_held_on_reads_the_stored_versions(db: Any, tmp_path: Path) -> None:
    service = ListService(db.sessions, actor="tester")
    v1 = [csl_row("a1", "Huawei Technologies Co., Ltd."), csl_row("a2", "Sugon")]
    v2 = [*v1, csl_row("a4", "New Entry GmbH")]
    service.load([write_csl(tmp_path / "v1.csv", v1)], fmt="csl", source="us-csl", policy=None)
    service.load([write_csl(tmp_path / "v2.csv", v2)], fmt="csl", source="us-csl", policy=None)
    # loaded 2026-01-10 and 2026-06-01 (UTC): dated the day before, as clocks differ
    _set_dates(db, {1: "2026-01-10", 2: "2026-06-01"})
    with db.sessions() as session:
        repo = ListRepository(session)
        # on or after the active version's date: nothing excluded
        assert repo.not_held_on(date(2026, 5, 31)) == {}
        # between the two versions: the entry version 2 added did not count yet
        before = repo.not_held_on(date(2026, 5, 30))
        assert list(before) == [("us-csl", "a4")]
        assert "versions 1)" in before[("us-csl", "a4")]
        # before any stored version: the history does not say; the entries' dates still apply
        assert repo.not_held_on(date(2026, 1, 8)) == {}


def test_a_rolled_back_version_does_not_hide_what_the_good_ones_held(
    db: Any, tmp_path: Path
) -> None:
    service = ListService(db.sessions, actor="tester")
    good = [csl_row(f"a{i}", f"Listed Party Number {i} Ltd") for i in range(1, 21)]
    service.load([write_csl(tmp_path / "v1.csv", good)], fmt="csl", source="us-csl", policy=None)
    service.load(
        [write_csl(tmp_path / "v2.csv", good[:3])], fmt="csl", source="us-csl", policy=None
    )
    service.activate("us-csl", 1)  # the truncated version 2 rolled back
    later = [*good, csl_row("a99", "Added Later Ltd")]
    service.load([write_csl(tmp_path / "v3.csv", later)], fmt="csl", source="us-csl", policy=None)
    _set_dates(db, {1: "2026-03-02", 2: "2026-03-02", 3: "2026-04-02"})
    with db.sessions() as session:
        assert list(ListRepository(session).not_held_on(date(2026, 3, 15))) == [("us-csl", "a99")]


def test_compliance_screen_as_of_applies_the_stored_history(env: Path, tmp_path: Path) -> None:
    """End to end: the CLI passes the lists' version history into screening."""
    import json as _json

    from typer.testing import CliRunner

    from compliance.cli import app
    from compliance.settings import get_settings
    from compliance.store.database import open_database

    runner = CliRunner()
    v1 = [csl_row("a1", "Huawei Technologies Co., Ltd.")]
    v2 = [*v1, csl_row("a4", "Orion Quantum Labs GmbH")]
    for name, rows in (("v1.csv", v1), ("v2.csv", v2)):
        r = runner.invoke(app, ["lists", "load", str(write_csl(tmp_path / name, rows)),
                                "--format", "csl", "--source", "us-csl"])  # fmt: skip
        assert r.exit_code == 0, r.output
    db = open_database(get_settings())
    try:
        with db.sessions.begin() as session:
            for seq, day in ((1, "2026-01-10"), (2, "2026-06-01")):
                session.execute(
                    update(ListVersion).where(ListVersion.seq == seq).values(published=day)
                )
    finally:
        db.dispose()
    src = tmp_path / "in.csv"
    src.write_text("id,name,country\nc1,Orion Quantum Labs GmbH,DE\n", encoding="utf-8")
    decisions = {}
    for as_of in ("2026-05-31", "2026-06-01"):
        out = tmp_path / f"out-{as_of}.jsonl"
        r = runner.invoke(app, ["screen", str(src), "--out", str(out), "--as-of", as_of,
                                "--workers", "1"])  # fmt: skip
        assert r.exit_code == 0, r.output
        [line] = out.read_text(encoding="utf-8").splitlines()
        decisions[as_of] = _json.loads(line)
    before, after = decisions["2026-05-31"], decisions["2026-06-01"]
    assert before["matches"][0]["in_force"] is False and before["decision"] == "clear"
    assert "in_force" not in after["matches"][0] and after["decision"] != "clear"


@pytest.mark.parametrize("text", ["2026-W11-1", "see remarks", "2026-02-30", "", None])
def test_a_date_a_list_does_not_mean_leaves_the_entry_in_force(text: str | None) -> None:
    from compliance.facts import not_in_force

    entry = ListEntry("x", "X", ORG, "DPL", start_date=text, end_date=text)
    assert not_in_force(entry, date(2026, 3, 16)) is None
