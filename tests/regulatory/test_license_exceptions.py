"""Issue 10, finding 3: License Exceptions NAC/ACA, end to end through data-centre screening:
the reference table's data-centre flag reaches the rules."""

from __future__ import annotations

from datetime import date

import pytest

from compliance.matching.engine import Matcher
from compliance.model import EntityType, ListEntry
from compliance.records import DataCentre
from compliance.rules import load_ruleset, rule_dirs
from compliance.screening import ScreeningContext
from tests.contract import screen_data_centre

RULESET = load_ruleset(rule_dirs())
TODAY = date(2026, 11, 27)


@pytest.fixture(scope="module")
def ctx() -> ScreeningContext:
    matcher = Matcher.build(
        [("x", [ListEntry("x1", "UNRELATED HOLDINGS", EntityType.ORGANIZATION, "EL")])]
    )
    return ScreeningContext(matcher, {"x": "sha256:x"}, TODAY, rules=RULESET.compiled(TODAY))


@pytest.mark.parametrize(
    ("model", "country", "hq", "decision", "rules"),
    [
        ("RTX 4090", "CN", "CN", "review", ["ear.ac.nac"]),  # consumer 3A090.a
        ("H100 SXM", "CN", "CN", "license_required",
         ["ear.ac.cn-case-by-case", "ear.ac.destination-d5", "ear.ac.hq-d5"]),  # data-centre .a
        ("A30", "DE", "CN", "review", ["ear.ac.nac-hq"]),  # 3A090.b, D:5 headquarters
        ("H100 SXM", "DE", "CN", "license_required", ["ear.ac.hq-d5"]),
        ("RTX 4090", "VN", "VN", "review", ["ear.ac.aca"]),
    ],
)  # fmt: skip
def test_nac_and_aca_follow_the_part_s_market(
    ctx: ScreeningContext, model: str, country: str, hq: str, decision: str, rules: list[str]
) -> None:
    dc = DataCentre(
        "d1", "DC One", operator_name="Op One", operator_country=hq, country=country,
        accelerator_model=model, accelerator_count=8,
    )  # fmt: skip
    result = screen_data_centre(dc, ctx)
    fired = sorted(h["rule_id"] for h in result["rule_hits"])
    assert (result["decision"], fired) == (decision, rules)
    assert result["item"]["datacenter"] is (model != "RTX 4090")
