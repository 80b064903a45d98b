"""The fast paths give the answers of the reference paths.

* `score_candidates` (plain Python, small blocks) against `score_names` (numpy): the same score
  for every candidate, and exactly the candidates reaching the floor;
* `Matcher.match` through either scorer: the same matches, scores and explanations;
* blocking's two ways of summing key weights (sort, or a slot per name): the same candidates;
* the index after the on-disk cache's round trip (names rebuilt from columns), or pickling:
  the same index and answers.

Queries are many perturbations of every name the lists hold (typos, dropped and reordered
words, glued words, legal-form swaps, other scripts) plus unrelated names, persons and
organisations, so the property is checked well beyond the hand-written cases.
"""

from __future__ import annotations

import pickle
import random
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from compliance import index as index_module
from compliance.lists import parse_files
from compliance.matching import engine
from compliance.matching.engine import Matcher
from compliance.matching.scorer import score_block, score_candidates, score_names
from compliance.matching.weights import DEFAULT_WEIGHTS
from compliance.model import Alias, AliasKind, EntityType, ListEntry, Party
from compliance.normalize import normalize_name
from tests.matching.test_matching import DEMO, EXTRA

MORE = [
    ListEntry("m1", "صنایع الکترونیک ایران", EntityType.ORGANIZATION, "SDN",
              aliases=(Alias("Sanaye Electronic Iran"), Alias("IEI", AliasKind.WEAK))),
    ListEntry("m2", "MEGATECH LIMITED", EntityType.ORGANIZATION, "EL", countries=("CN",)),
    ListEntry("m3", "ZHANG, Wei", EntityType.PERSON, "SDN", dates_of_birth=("1971",)),
    ListEntry("m4", "Wei Zhang Trading Co.", EntityType.ORGANIZATION, "EL"),
    ListEntry("m5", "Zhongguo Dianzi Keji Jituan Youxian Gongsi", EntityType.ORGANIZATION, "EL"),
    ListEntry("m6", "ABC Industrial International Holdings Group Ltd", EntityType.ORGANIZATION,
              "EL", aliases=(Alias("ABC Intl Holdings", AliasKind.WEAK),)),
]  # fmt: skip

UNRELATED = [
    "Nordix Analytics GmbH", "Blue River Logistics Ltd", "Maria Garcia", "Wei Chen",
    "International Trading Company", "Beijing Technology Co., Ltd.", "Acme", "Zz",
    "Golden Crescent", "Sugon", "Huawei", "Technologies", "Iran Electronics",
    "Wei Chang", "Wey Zang", "Muhammad Husayn", "حسين", "Юрий Петров",
]  # fmt: skip


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    _, demo = parse_files([DEMO], "csl")
    return Matcher.build([("demo", demo.entries), ("extra", (*EXTRA, *MORE))])


def _typo(rng: random.Random, text: str) -> str:
    if len(text) < 3:
        return text
    i = rng.randrange(len(text) - 1)
    op = rng.choice("sdit")
    letter = rng.choice("abcdefghijklmnopqrstuvwxyz")
    if op == "s":
        return text[:i] + letter + text[i + 1 :]
    if op == "d":
        return text[:i] + text[i + 1 :]
    if op == "i":
        return text[:i] + letter + text[i:]
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def _variants(rng: random.Random, name: str) -> Iterator[str]:
    words = name.split()
    yield name
    yield _typo(rng, name)
    yield _typo(rng, _typo(rng, name))
    if len(words) > 1:
        yield " ".join(words[1:])
        yield " ".join(reversed(words))
        yield "".join(words)
        yield " ".join(w for i, w in enumerate(words) if i != rng.randrange(len(words)))
        yield " ".join(w[0] if i != len(words) - 1 else w for i, w in enumerate(words))  # initials
        yield " ".join([words[0], rng.choice(["Ahmad", "Petrovich"]), *words[1:]])  # middle name
    yield name + " " + rng.choice(["LLC", "GmbH", "Co., Ltd.", "JSC", "Limited", "S.A."])
    # an extra word the entry lacks (the query's extra words that cost little, or not)
    yield name + " " + rng.choice(["Group", "Lines", "Abdoulay", "International", "Sugon"])
    yield rng.choice(["Sheikh", "Haji Mullah", "Seyed"]) + " " + name
    # two query words that both match one listed word best ("Dave Davis" / "Dave")
    yield words[-1] + " " + _typo(rng, words[-1])


def queries(matcher: Matcher, seed: int = 7) -> list[tuple[str, bool]]:
    rng = random.Random(seed)
    out: list[tuple[str, bool]] = []
    for _source, entry in matcher.index.entries:
        person = entry.entity_type is EntityType.PERSON
        for name in entry.all_names:
            out.extend((v, person) for v in _variants(rng, name))
            out.append((name, not person))  # the other entity type's normalization too
    out.extend((n, p) for n in UNRELATED for p in (False, True))
    return out


def test_small_block_scorer_gives_the_vectorised_scores(matcher: Matcher) -> None:
    index = matcher.index
    rng = random.Random(11)
    checked = 0
    for text, person in queries(matcher):
        norm = normalize_name(text, person)
        if norm.is_empty:
            continue
        blocked = index.candidates(norm)
        # The blocking candidates, and a random block (names blocking would not pick).
        random_rows = np.array(rng.sample(range(index.size), 25), dtype=np.int32)
        for rows in (blocked, random_rows):
            reference = score_names(index, norm, rows)
            for fast in (
                score_candidates(index, norm, rows.tolist(), -1.0),
                score_block(index, norm, rows, -1.0),
            ):
                assert [r for r, _ in fast] == rows.tolist()
                assert np.allclose([s for _, s in fast], reference, rtol=0, atol=1e-12), text
            checked += len(rows)
    assert checked > 5000


@pytest.mark.parametrize("floor", [0.0, 0.39, 0.69, 0.9])
def test_small_block_scorer_keeps_exactly_the_rows_reaching_the_floor(
    matcher: Matcher, floor: float
) -> None:
    index = matcher.index
    for text, person in queries(matcher, seed=3):
        norm = normalize_name(text, person)
        if norm.is_empty:
            continue
        rows = index.candidates(norm)
        reference = score_names(index, norm, rows)
        kept = dict(score_candidates(index, norm, rows.tolist(), floor))
        kept_block = dict(score_block(index, norm, rows, floor))
        for row, score in zip(rows.tolist(), reference.tolist(), strict=True):
            # a score a rounding error away from the floor may go either way
            if abs(score - floor) > 1e-9:
                assert (row in kept) == (score >= floor), (text, index.names[row].name, score)
                assert (row in kept_block) == (score >= floor), (text, index.names[row].name)


def _run(matcher: Matcher, parties: list[Party], threshold: float) -> list[object]:
    return [
        [
            (m.source, m.entry_key, m.score, m.matched_kind, m.query_name,
             [(k, round(f.score, 9), f.detail) for k, f in m.features])
            for m in matcher.match(p, threshold=threshold)
        ]
        for p in parties
    ]  # fmt: skip


def test_match_is_the_same_through_either_scorer(
    matcher: Matcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(5)
    parties = [
        Party(
            f"q{i}",
            text,
            aliases=(_typo(rng, text),) if i % 7 == 0 else (),
            entity_type=EntityType.PERSON if person else EntityType.ORGANIZATION,
            country=rng.choice([None, "CN", "RU", "IR", "DE"]),
            date_of_birth=rng.choice([None, "1971", "1926"]) if person else None,
        )
        for i, (text, person) in enumerate(queries(matcher, seed=5))
    ]
    for threshold in (0.5, 0.8):
        monkeypatch.setattr(engine, "score_block", _score_names_as_block)
        monkeypatch.setattr(engine, "SMALL_BLOCK", 0)  # always the reference numpy scorer
        reference = _run(matcher, parties, threshold)
        monkeypatch.undo()
        assert sum(map(len, reference)) > 500  # the queries do find things
        for small_block in (10**6, 0, 5):  # always plain Python; always score_block; mixed
            monkeypatch.setattr(engine, "SMALL_BLOCK", small_block)
            fast = _run(matcher, parties, threshold)
            # Names of one entry scoring the same (up to rounding) may swap which is shown.
            differ = [i for i, (a, b) in enumerate(zip(fast, reference, strict=True)) if a != b]
            for i in differ:
                assert [m[:3] for m in fast[i]] == [m[:3] for m in reference[i]], parties[i]  # type: ignore[index]
            assert len(differ) <= len(parties) // 200


def _score_names_as_block(
    index: index_module.NameIndex, query: object, rows: np.ndarray, floor: float
) -> list[tuple[int, float]]:
    scores = score_names(index, query, rows)  # type: ignore[arg-type]
    return [(r, s) for r, s in zip(rows.tolist(), scores.tolist(), strict=True) if s >= floor]


def test_both_ways_of_summing_key_weights_give_the_same_candidates(
    matcher: Matcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    index = matcher.index
    norms = [normalize_name(t, p) for t, p in queries(matcher, seed=9)]
    norms = [n for n in norms if not n.is_empty]
    monkeypatch.setattr(index_module, "_SPARSE_RATIO", 10**9)  # always sort the ids
    by_sort = [index.candidates(n).tolist() for n in norms]
    monkeypatch.setattr(index_module, "_SPARSE_RATIO", 0)  # always a slot per name
    by_slot = [index.candidates(n).tolist() for n in norms]
    assert by_sort == by_slot
    assert sum(map(len, by_sort)) > 1000


def _cache_round_trip(matcher: Matcher, cache_dir: Path) -> Matcher:
    disk = engine.DiskCache(cache_dir, {"demo": "sha256:x"}, DEFAULT_WEIGHTS)
    try:
        disk.write(matcher)
        loaded = disk.read(DEFAULT_WEIGHTS)
    finally:
        disk.close()
    assert isinstance(loaded, Matcher)
    return loaded


def test_cached_index_is_the_same_index(matcher: Matcher, tmp_path: Path) -> None:
    loaded = _cache_round_trip(matcher, tmp_path / "cache")
    before, after = matcher.index, loaded.index
    assert len(after.names) == len(before.names) == before.size
    assert list(after.names) == list(before.names)
    assert after.names[3:7] == list(before.names[3:7])
    assert after.names[-1] == before.names[-1]
    assert list(after.entries) == list(before.entries)  # (decoded when read, in a cached one)
    assert after.entries[3:7] == list(before.entries[3:7])
    assert after.entries[-1] == before.entries[-1]
    assert after.row_tokens == before.row_tokens
    assert after.key_info.keys() == before.key_info.keys()
    parties = [Party(f"q{i}", t) for i, (t, _) in enumerate(queries(matcher, seed=1)[:400])]
    assert _run(loaded, parties, 0.5) == _run(matcher, parties, 0.5)
    # ... and cached again after loading (names kept as columns), still the same; pickled too.
    again = _cache_round_trip(loaded, tmp_path / "again")
    assert list(again.index.names) == list(before.names)
    assert _run(again, parties, 0.5) == _run(matcher, parties, 0.5)
    pickled = pickle.loads(pickle.dumps(loaded))
    assert list(pickled.index.names) == list(before.names)


def test_packed_records_rebuild_the_same_party() -> None:
    from compliance.batch import _pack
    from compliance.model import Owner

    party = Party(
        "c1",
        "Huawei Technologies",
        aliases=("华为",),
        entity_type=EntityType.ORGANIZATION,
        country="CN",
        owners=(Owner("Parent Co", 51.0, "CN"),),
        extra=(("email", "a@b.c"),),
    )
    cls, values = pickle.loads(pickle.dumps(_pack(party)))
    assert cls(*values) == party
    assert _pack(replace(party, aliases=())) != _pack(party)
