"""The known-answer cases beside the shipped rule files: every one passes, every rule is covered,
and every dated change is tested on both sides."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from compliance.model import Outcome
from compliance.rules import load_ruleset, rule_dirs
from compliance.rules.cases import run_all, run_case
from compliance.rules.loader import load_cases
from compliance.rules.schema import Case

RULESET = load_ruleset(rule_dirs())
CASES = [
    (loaded.path, case)
    for loaded in load_cases(RULESET, rule_dirs())
    for case in loaded.cases.cases
]


def test_there_are_at_least_sixty_cases() -> None:
    assert len(CASES) >= 60
    files = {path.name for path, _ in CASES}
    assert {f.removesuffix(".yaml") + ".cases.yaml" for f in RULESET.files} <= files


@pytest.mark.parametrize(("path", "case"), CASES, ids=[f"{p.stem}:{c.name}" for p, c in CASES])
def test_case(path: Path, case: Case) -> None:
    result = run_case(RULESET, case, path)
    assert result.ok, result.describe()


def test_every_enabled_rule_fires_in_some_case() -> None:
    fired = {rule_id for _, case in CASES for rule_id in case.expect.fired}
    enabled = {r.id for name, r in RULESET.rules() if RULESET.files[name].file.enabled}
    assert enabled - fired == set()


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (date(2024, 3, 14), date(2024, 3, 15)),  # NI into D:1 and D:5
        (date(2025, 11, 6), date(2025, 11, 7)),  # KH out of D:5 (State's 126.1 removal)
        (date(2026, 3, 15), date(2026, 3, 16)),  # a Denied Persons order expires
        (date(2025, 9, 15), date(2025, 9, 16)),  # an Entity List entry's start date
        (date(2024, 1, 31), date(2024, 2, 1)),  # an SDN designation's start date
        (date(2012, 4, 30), date(2012, 5, 1)),  # EO 13608 (Foreign Sanctions Evaders)
        (date(2014, 12, 18), date(2014, 12, 19)),  # EO 13685 (Crimea)
        (date(2022, 2, 20), date(2022, 2, 21)),  # EO 14065 (so-called DNR, LNR)
        (date(2024, 9, 11), date(2024, 9, 12)),  # EO 14071 IT and software services
        (date(2022, 10, 6), date(2022, 10, 7)),  # 87 FR 62186: 3A090 and the China requirement
        (date(2023, 1, 16), date(2023, 1, 17)),  # 88 FR 2821: Macau
        (date(2024, 4, 3), date(2024, 4, 4)),  # 89 FR 23876: NAC for headquartered entities
        (date(2023, 11, 16), date(2023, 11, 17)),  # NAC, the October 2023 rule
        (date(2025, 11, 9), date(2025, 11, 10)),  # Affiliates Rule suspended
        (date(2026, 11, 9), date(2026, 11, 10)),  # Affiliates Rule revives
        (date(2026, 7, 9), date(2026, 7, 10)),  # AE out of D:3/D:4, into A:5
    ],
)
def test_both_sides_of_each_dated_change(before: date, after: date) -> None:
    dates = {case.as_of for _, case in CASES}
    assert before in dates and after in dates


def test_a_wrong_expectation_is_reported() -> None:
    path, case = next((p, c) for p, c in CASES if c.expect.decision is Outcome.LICENSE_REQUIRED)
    wrong = case.model_copy(
        update={"expect": case.expect.model_copy(update={"decision": Outcome.CLEAR})}
    )
    result = run_case(RULESET, wrong, path)
    assert not result.ok and "FAIL" in result.describe()
    assert result.got is Outcome.LICENSE_REQUIRED


def test_run_all_matches_the_parametrized_cases() -> None:
    results = run_all(RULESET, rule_dirs())
    assert len(results) == len(CASES) and all(r.ok for r in results)
