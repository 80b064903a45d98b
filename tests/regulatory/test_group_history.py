"""Issue 10, finding 6: Country Group D:5 follows State's list of arms-embargoed countries
(22 CFR 126.1), dated by State's notices: both sides of each change."""

from __future__ import annotations

from datetime import date

import pytest

from compliance.rules import load_ruleset, rule_dirs

RULESET = load_ruleset(rule_dirs())


@pytest.mark.parametrize(
    ("country", "day", "member"),
    [
        ("ET", date(2021, 10, 31), False),  # 86 FR 60165: Ethiopia added 2021-11-01
        ("ET", date(2021, 11, 1), True),
        ("ET", date(2026, 12, 1), True),
        ("KH", date(2021, 12, 8), False),  # 86 FR 70053: Cambodia added 2021-12-09
        ("KH", date(2021, 12, 9), True),
        ("KH", date(2025, 11, 6), True),  # State removed Cambodia from 126.1 on 2025-11-07,
        ("KH", date(2025, 11, 7), False),  # before BIS conformed (2026-02-03)
        ("KH", date(2026, 2, 3), False),
        ("ER", date(2021, 1, 1), True),
        ("ER", date(2026, 12, 1), True),
        ("NI", date(2024, 3, 14), False),
        ("NI", date(2024, 3, 15), True),
    ],
)
def test_d5_membership_on_each_side_of_state_s_changes(
    country: str, day: date, member: bool
) -> None:
    assert (country in RULESET.group_members("D:5", day)) is member


def test_an_unverified_change_marks_the_rules_reading_d5_unverified() -> None:
    # the Cambodia removal was seen only in secondary sources
    assert RULESET.group_verified(("D:5",), date(2025, 11, 6)) is False
    assert RULESET.group_verified(("D:5",), date(2021, 12, 8)) is True


def test_the_z_items_license_exceptions_name_include_the_software_ones() -> None:
    from compliance.accelerators import classify, parse_eccn

    assert parse_eccn("5D002.z") == (True, "z") and parse_eccn("5D992.z") == (True, "z")
    assert parse_eccn("5D002.a") == (False, None)
    # the reference table tells a consumer part from a data-centre one
    assert classify("RTX 4090", None, None).datacenter is False
    assert classify("H100 SXM", None, None).datacenter is True
    assert classify("Mystery X1", "3A090.a", None).datacenter is None
