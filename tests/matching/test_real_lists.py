"""The key matching cases again, on the full real lists (SDN + CSL + Entity List 2026 + UN)."""

from __future__ import annotations

from pathlib import Path

import pytest

from compliance.lists import csl, parse_files
from compliance.matching.engine import Matcher
from compliance.model import EntityType, Party


@pytest.fixture(scope="module")
def matcher(shared_lists: Path) -> Matcher:
    sdn = parse_files(
        [
            shared_lists / "ofac" / f
            for f in ("sdn_2024-05-03.csv", "alt_watchman-2025-12.csv", "add_watchman-2025-12.csv")
        ],
        "ofac",
    )[1]
    consolidated = csl.parse(
        [shared_lists / "us_csl" / "csl_consolidated_watchman-pr523_2023-11_partial.csv"],
        allow_truncated=True,
    )
    el = parse_files([shared_lists / "us_export_control_nsfreg" / "bis_entity_list.json"])[1]
    un = parse_files([shared_lists / "un" / "UN_consolidated_watchman.xml"])[1]
    return Matcher.build(
        [("us-ofac-sdn", sdn.entries), ("us-csl", consolidated.entries),
         ("bis-el", el.entries), ("un-sc", un.entries)]
    )  # fmt: skip


@pytest.mark.parametrize(
    ("query", "source", "entry_name"),
    [
        ("华为技术有限公司", "bis-el", "Huawei Technologies Co., Ltd."),
        ("JSCARGUMENT", "us-ofac-sdn", "JSC ARGUMENT"),
        ("Suawei Technologies Co Ltd", "bis-el", "Huawei Technologies Co., Ltd."),
        ("Газпром нефть", "us-csl", "Gazprom Neft"),
        ("Nicolas MADURO MOROS", "us-ofac-sdn", "MADURO MOROS, Nicolas"),
        ("Kaspersky Lab", "bis-el", "AO Kaspersky Lab"),
    ],
)
def test_finds(matcher: Matcher, query: str, source: str, entry_name: str) -> None:
    found = matcher.match(Party("q", query))
    assert any(m.source == source and m.entry_name == entry_name for m in found), [
        (m.source, m.entry_name, m.score) for m in found
    ]


@pytest.mark.parametrize(
    "query",
    ["George Bush", "Co., Ltd.", "CORP", "Beijing Technology Co., Ltd.",
     "International Group Limited", "Shenzhen Technology Co", "Siemens AG"],
)  # fmt: skip
def test_matches_nothing(matcher: Matcher, query: str) -> None:
    found = matcher.match(Party("q", query))
    assert found == [], [(m.source, m.entry_name, m.score) for m in found]


def test_short_names_stay_few(matcher: Matcher) -> None:
    for query in ("AB", "XY Co", "ZT", "Abc"):
        found = matcher.match(Party("q", query))
        assert len({m.entry_name.casefold() for m in found}) <= 2, (query, found)


def test_blocking_keeps_what_brute_force_finds(matcher: Matcher) -> None:
    queries = [
        "Huawei Technolgies",
        "Gazprom Neft",
        "Rosoboronexport",
        "Kaspersky Lab",
        "Sberbank of Russia",
        "Iran Electronics Industries",
        "Mahan Air",
        "Sugon",
    ]
    for query in queries:
        party = Party("q", query, entity_type=EntityType.ORGANIZATION)
        slow = {(m.source, m.entry_key) for m in matcher.match(party, brute_force=True)}
        fast = {(m.source, m.entry_key) for m in matcher.match(party)}
        assert slow <= fast or len(slow - fast) <= len(slow) // 20, (query, slow - fast)


def test_small_block_scorer_agrees_on_the_real_lists(matcher: Matcher) -> None:
    """`score_candidates` (plain Python) against `score_names` (numpy) on perturbations of a
    sample of the real names, with the blocks blocking gives them."""
    import random

    import numpy as np

    from compliance.matching.scorer import score_candidates, score_names
    from compliance.normalize import normalize_name
    from tests.matching.test_fast_paths import _variants

    rng = random.Random(2)
    index = matcher.index
    checked = 0
    for row in rng.sample(range(index.size), 600):
        rec = index.names[row]
        person = index.entries[rec.entry][1].entity_type is EntityType.PERSON
        for text in _variants(rng, rec.name):
            norm = normalize_name(text, person)
            if norm.is_empty:
                continue
            rows = index.candidates(norm)
            reference = score_names(index, norm, rows)
            fast = score_candidates(index, norm, rows.tolist(), -1.0)
            assert [r for r, _ in fast] == rows.tolist()
            assert np.allclose([s for _, s in fast], reference, rtol=0, atol=1e-12), text
            checked += len(rows)
    assert checked > 20000
