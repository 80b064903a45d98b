"""Issue 10, finding 8: the engine gives the answer the rules in force on ``as_of`` gave, for
every element that changed since 2022-10-07: here the 3A090 parameters themselves (the October
2022 interconnect test, replaced on 2023-11-17), through data-centre screening."""

from __future__ import annotations

from datetime import date

import pytest

from compliance.accelerators import classify
from compliance.matching.engine import Matcher
from compliance.model import EntityType, ListEntry
from compliance.records import DataCentre
from compliance.rules import load_ruleset, rule_dirs
from compliance.screening import ScreeningContext
from tests.contract import screen_data_centre

RULESET = load_ruleset(rule_dirs())
MATCHER = Matcher.build(
    [("x", [ListEntry("x1", "UNRELATED HOLDINGS", EntityType.ORGANIZATION, "EL")])]
)


def screen(model: str, country: str, as_of: date) -> tuple[str, list[str]]:
    ctx = ScreeningContext(MATCHER, {"x": "sha256:x"}, as_of, rules=RULESET.compiled(as_of))
    dc = DataCentre("d1", "DC", operator_name="Op", operator_country="SG", country=country,
                    accelerator_model=model)  # fmt: skip
    result = screen_data_centre(dc, ctx)
    return result["decision"], sorted(h["rule_id"] for h in result["rule_hits"])


@pytest.mark.parametrize(
    ("model", "country", "as_of", "decision", "rules"),
    [
        # before 3A090 existed
        ("H100 SXM", "CN", date(2022, 10, 6), "clear", []),
        # October 2022 text: TPP >= 4800 and 600 GB/s or more
        ("H100 SXM", "CN", date(2022, 10, 7), "license_required", ["ear.ac.destination-cn-2022"]),
        ("A100", "CN", date(2023, 6, 1), "license_required", ["ear.ac.destination-cn-2022"]),
        ("A800", "CN", date(2023, 6, 1), "clear", []),  # NVLink 400 GB/s: designed to pass
        ("H800", "CN", date(2023, 11, 16), "clear", []),
        ("RTX 4090", "CN", date(2023, 6, 1), "clear", []),  # PCIe only
        ("A100", "MO", date(2023, 1, 16), "clear", []),  # Macau from 2023-01-17
        ("A100", "MO", date(2023, 1, 17), "license_required", ["ear.ac.destination-mo-2023"]),
        # October 2023 text: no interconnect test
        ("A800", "CN", date(2023, 11, 17), "license_required", ["ear.ac.destination-d5"]),
        ("H800", "CN", date(2023, 11, 17), "license_required", ["ear.ac.destination-d5"]),
        ("RTX 4090", "CN", date(2023, 11, 17), "review", ["ear.ac.nac"]),  # consumer part
        # a part whose interconnect is not known cannot be classified under the 2022 text
        ("Ascend 910B", "CN", date(2023, 6, 1), "review", ["ear.ac.undetermined"]),
    ],
)  # fmt: skip
def test_3a090_as_it_read_on_as_of(
    model: str, country: str, as_of: date, decision: str, rules: list[str]
) -> None:
    assert screen(model, country, as_of) == (decision, rules)


def test_an_unknown_interconnect_is_undetermined_under_the_2022_text() -> None:
    item = classify("Ascend 910B", None, None, as_of=date(2023, 6, 1))
    assert item.undetermined and "interconnect rate is unknown" in item.basis
    assert classify("Ascend 910B", None, None).advanced is True  # today's text has no such test


def test_a_record_s_eccn_before_2023_is_not_read_as_the_2022_text() -> None:
    # today's .b did not exist under the October 2022 text: undetermined, not 3A090
    item = classify(None, "3A090.b", None, as_of=date(2023, 6, 1))
    assert item.undetermined and item.advanced is None
    assert classify(None, "EAR99", None, as_of=date(2023, 6, 1)).advanced is False


def test_an_eccn_without_its_paragraph_takes_the_model_s() -> None:
    item = classify("RTX 4090", "3A090", None)
    assert item.level == "a" and item.datacenter is False
