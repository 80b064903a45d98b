"""Loading rules: every mistake is reported with file, line and field, and a bad file means no
ruleset at all. An operator's directory replaces or extends the shipped files."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from compliance.rules import RulesetError, load_ruleset, rule_dirs, shipped_dir

RULE = """\
file: {{title: Extra, jurisdiction: US, basis: policy}}
rules:
  - id: extra.rule
    title: An extra rule
    citation: Provider policy
    source_url: https://example.invalid/policy
    effective_from: 2020-01-01
    verified: true
    applies_to: {applies_to}
    when: {when}
    outcome: {outcome}
    reason: "{reason}"
"""


def write_rule(
    directory: Path,
    *,
    when: str = "{fact: party.country, op: eq, value: 'NO'}",
    outcome: str = "review",
    reason: str = "customer in {party.country}",
    name: str = "extra.yaml",
    applies_to: str = "[customer, data_centre]",
) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(
        RULE.format(when=when, outcome=outcome, reason=reason, applies_to=applies_to),
        encoding="utf-8",
    )
    return path


def problems(directory: Path) -> list[tuple[str, int | None, str | None, str]]:
    with pytest.raises(RulesetError) as info:
        load_ruleset(rule_dirs(directory))
    return [(Path(p.path).name, p.line, p.field, p.message) for p in info.value.problems]


def test_the_shipped_rules_load() -> None:
    ruleset = load_ruleset(rule_dirs())
    assert ruleset.version.startswith("sha256:")
    assert {"lists.yaml", "ownership.yaml", "ear_advanced_computing.yaml"} <= set(ruleset.files)
    assert len(ruleset.rules()) >= 30


def test_an_operator_file_extends_the_ruleset(tmp_path: Path) -> None:
    write_rule(tmp_path)
    ruleset = load_ruleset(rule_dirs(tmp_path))
    assert ruleset.rule("extra.rule") is not None
    assert ruleset.version != load_ruleset(rule_dirs()).version
    hits = ruleset.compiled(date(2026, 1, 1)).evaluate({"party.country": "NO"}, "customer")
    assert [h.rule_id for h in hits] == ["extra.rule"]
    assert hits[0].reason == "customer in NO" and hits[0].basis == "policy"


def test_norway_stays_a_country_code(tmp_path: Path) -> None:
    """YAML 1.1 would read an unquoted NO as false; the loader reads YAML 1.2 booleans."""
    write_rule(tmp_path, when="{fact: party.country, op: in, value: [NO, SE]}")
    ruleset = load_ruleset(rule_dirs(tmp_path))
    hits = ruleset.compiled(date(2026, 1, 1)).evaluate({"party.country": "NO"}, "customer")
    assert [h.rule_id for h in hits] == ["extra.rule"]


def test_an_operator_file_replaces_the_shipped_one(tmp_path: Path) -> None:
    text = (shipped_dir() / "ai_diffusion.yaml").read_text(encoding="utf-8")
    (tmp_path / "ai_diffusion.yaml").write_text(
        text.replace("enabled: false", "enabled: true"), encoding="utf-8"
    )
    ruleset = load_ruleset(rule_dirs(tmp_path))
    facts = {"destination.country": "BR", "item.advanced_computing": True, "item.level": "a"}
    fired = [h.rule_id for h in ruleset.compiled(date(2026, 1, 1)).evaluate(facts, "data_centre")]
    assert fired == ["aid.tier2"]
    facts["destination.country"] = "MO"
    fired = [h.rule_id for h in ruleset.compiled(date(2026, 1, 1)).evaluate(facts, "data_centre")]
    assert sorted(fired) == ["aid.tier3", "ear.ac.destination-d5"]
    facts["destination.country"] = "FR"  # Tier 1
    assert ruleset.compiled(date(2026, 1, 1)).evaluate(facts, "data_centre") == []


@pytest.mark.parametrize(
    ("kwargs", "line", "field", "message"),
    [
        (
            {"when": "{fact: party.countri, op: eq, value: CN}"},
            10,
            "rules[0].when",
            "unknown fact 'party.countri'",
        ),
        (
            {"when": "{fact: party.country, op: near, value: CN}"},
            10,
            "rules[0].when",
            "unknown operator 'near'",
        ),
        (
            {"when": "{fact: party.country, op: in_group, value: 'D:9'}"},
            10,
            "rules[0].when",
            "unknown country group ['D:9']",
        ),
        (
            {"when": "{fact: party.country, op: eq, value: XX}"},
            10,
            "rules[0].when",
            "not an ISO 3166",
        ),
        (
            {"when": "{fact: party.country, op: gt, value: 3}"},
            10,
            "rules[0].when",
            "does not apply to party.country",
        ),
        (
            {"when": "{fact: item.tpp, op: gt, value: 3}", "applies_to": "[customer]"},
            3,
            "rules[0]",
            "exists only for ['data_centre']",
        ),
        ({"outcome": "banned"}, 11, "rules[0].outcome", "'clear', 'review'"),
        ({"reason": "see {party.__class__}"}, 3, "rules[0]", "placeholder {party.__class__}"),
        ({"when": "{all: []}"}, 10, "rules[0].when.all", "at least 1 item"),
        ({"when": "{some: []}"}, 10, "rules[0].when", "a condition is"),
    ],
)
def test_mistakes_name_file_line_and_field(
    tmp_path: Path, kwargs: dict[str, str], line: int, field: str, message: str
) -> None:
    write_rule(tmp_path, **kwargs)
    found = problems(tmp_path)
    assert len(found) == 1, found
    name, got_line, got_field, got_message = found[0]
    assert name == "extra.yaml" and got_line == line and got_field == field
    assert message in got_message


def test_duplicate_keys_and_yaml_errors(tmp_path: Path) -> None:
    path = write_rule(tmp_path)
    path.write_text(
        path.read_text(encoding="utf-8") + "    outcome: prohibited\n", encoding="utf-8"
    )
    [(name, line, _, message)] = problems(tmp_path)
    assert name == "extra.yaml" and line == 13 and "duplicate key 'outcome'" in message
    path.write_text("file: [unclosed\n", encoding="utf-8")
    [(name, line, _, message)] = problems(tmp_path)
    assert "not valid YAML" in message and line == 2


def test_a_rule_id_defined_twice_across_files(tmp_path: Path) -> None:
    write_rule(tmp_path, name="a.yaml")
    write_rule(tmp_path, name="b.yaml")
    [(name, line, field, message)] = problems(tmp_path)
    assert name == "b.yaml" and line == 3 and field == "rules[0].id"
    assert "also defined in a.yaml" in message


def test_every_problem_is_listed_and_nothing_loads(tmp_path: Path) -> None:
    write_rule(tmp_path, name="a.yaml", outcome="banned")
    write_rule(tmp_path, name="b.yaml", when="{fact: nope, op: eq, value: 1}")
    found = problems(tmp_path)
    assert {(n, f) for n, _, f, _ in found} == {
        ("a.yaml", "rules[0].outcome"),
        ("b.yaml", "rules[0].when"),
    }


def test_a_broken_groups_file_is_reported_once(tmp_path: Path) -> None:
    text = (shipped_dir() / "country_groups.yaml").read_text(encoding="utf-8")
    (tmp_path / "country_groups.yaml").write_text(
        text.replace("[IR, KP, SY]", "[IR, KP, ZZ]"), encoding="utf-8"
    )
    found = problems(tmp_path)
    assert len(found) == 1  # the rules naming groups are not failed as well
    name, line, field, message = found[0]
    assert name == "country_groups.yaml" and field == "groups[5].members" and "'ZZ'" in message
    assert (
        line is not None
        and "[IR, KP, ZZ]" in text.replace("[IR, KP, SY]", "[IR, KP, ZZ]").splitlines()[line - 1]
    )


def test_the_version_is_the_content(tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(shipped_dir(), copy)
    assert load_ruleset([copy]).version == load_ruleset(rule_dirs()).version
    (copy / "lists.yaml").write_text(
        (copy / "lists.yaml").read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8"
    )
    assert load_ruleset([copy]).version != load_ruleset(rule_dirs()).version


def test_missing_directory_and_missing_groups(tmp_path: Path) -> None:
    from compliance.errors import BadInputError

    with pytest.raises(BadInputError, match="not found"):
        load_ruleset(rule_dirs(tmp_path / "nope"))
    write_rule(tmp_path)
    with pytest.raises(RulesetError, match=r"country_groups\.yaml is missing"):
        load_ruleset([tmp_path])


def test_unhashable_keys_and_yml_files(tmp_path: Path) -> None:
    path = write_rule(tmp_path)
    path.write_text("? [a, b]\n: 1\n", encoding="utf-8")
    [(name, line, _, message)] = problems(tmp_path)
    assert name == "extra.yaml" and line == 1 and "plain value" in message
    path.unlink()
    (tmp_path / "mine.yml").write_text("file: {}\n", encoding="utf-8")
    from compliance.errors import BadInputError

    with pytest.raises(BadInputError, match=r"must end in \.yaml; rename mine\.yml"):
        load_ruleset(rule_dirs(tmp_path))


def test_unverified_group_memberships_make_a_hit_unverified(tmp_path: Path) -> None:
    """A rule marked verified that reads a group resting on secondary sources (A:5), or one
    whose unverified dated change (AE leaving D:4 on 2026-07-10) is in effect, is shown as
    unverified; before that change took effect, it is not."""
    write_rule(tmp_path, when="{fact: party.country, op: in_group, value: 'A:5'}")
    ruleset = load_ruleset(rule_dirs(tmp_path))

    def extra(as_of: date, country: str) -> bool:
        hits = ruleset.compiled(as_of).evaluate({"party.country": country}, "customer")
        [hit] = [h for h in hits if h.rule_id == "extra.rule"]
        return hit.verified

    assert extra(date(2026, 1, 1), "NO") is False
    write_rule(tmp_path, when="{fact: party.country, op: in_group, value: 'D:4'}")
    ruleset = load_ruleset(rule_dirs(tmp_path))
    assert extra(date(2026, 7, 9), "CN") is True
    assert extra(date(2026, 7, 10), "CN") is False
