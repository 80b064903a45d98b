"""The real-variant evaluation harness (benchmarks/realeval.py) checks its own logic on a small
slice of the real lists: held-out names are really absent from the index, the frozen split is
a fixed rule, cross-list pairs and the negatives file obey their rules."""

from __future__ import annotations

import csv
import sys
from collections import Counter
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))

import realeval  # noqa: E402

from compliance.matching.engine import Matcher  # noqa: E402
from compliance.model import Alias, EntityType, ListEntry  # noqa: E402


@pytest.fixture(scope="module")
def small_lists(request: pytest.FixtureRequest) -> realeval.Lists:
    """UN and UK (fast to parse); OFAC is exercised by the full benchmark."""
    shared: Path = request.getfixturevalue("shared_lists")
    from compliance.lists import default_source, parse_files

    paths = [shared / f for f in realeval.UN_FILES]
    _, parsed = parse_files(paths, "un")
    return [
        (default_source(paths, "un"), list(parsed.entries)),
        (realeval.UK_SOURCE, realeval.load_uk(shared)),
    ]


def test_split_is_a_fixed_rule() -> None:
    keys = [f"src|{i}|NAME {i}" for i in range(4000)]
    first = [realeval.split_of(k) for k in keys]
    assert first == [realeval.split_of(k) for k in keys]
    share = first.count("test") / len(first)
    assert 0.27 < share < 0.33
    # Pinned: a change of salt, hash or share would move these and silently reshuffle the
    # frozen test split.
    assert [realeval.split_of(f"k{i}") for i in range(12)] == PINNED


PINNED = ["test", "dev", "test", "test", "dev", "dev", "dev", "dev", "dev", "dev", "dev", "dev"]


def test_held_out_names_are_absent_from_the_fold_index(small_lists: realeval.Lists) -> None:
    items = realeval.loo_items(small_lists, fast=True)
    assert items
    fold = Counter(it.fold for it in items).most_common(1)[0][0]
    in_fold = [it for it in items if it.fold == fold]
    matcher = Matcher.build(realeval.fold_lists(small_lists, items, fold))
    indexed = {(src, e.key): e for src, e in matcher.index.entries}
    for it in in_fold:
        entry = indexed[(it.source, it.key)]
        names = {entry.name, *(a.name for a in entry.aliases)}
        assert not names & set(it.removed), it.uid
        assert names, it.uid  # an entry never loses every name
        assert realeval.removed_absent(matcher, it)
    # Items of other folds keep their names in this fold's index.
    other = next(
        it
        for it in items
        if it.fold != fold and (it.source, it.key) not in {(x.source, x.key) for x in in_fold}
    )
    assert not realeval.removed_absent(matcher, other)


def test_loo_groups_case_and_order_variants_and_never_empties_an_entry() -> None:
    entry = ListEntry(
        key="1",
        name="IVANOV, Ivan",
        entity_type=EntityType.PERSON,
        aliases=(Alias("Ivan IVANOV"), Alias("Iwan Iwanow"), Alias("I. Ivanov")),
    )
    items = realeval.loo_items([("src", [entry])])
    # "IVANOV, Ivan" and "Ivan IVANOV" are one name: held out together.
    assert len(items) == 3
    grouped = next(it for it in items if it.name == "IVANOV, Ivan")
    assert set(grouped.removed) == {"IVANOV, Ivan", "Ivan IVANOV"}
    for fold in {it.fold for it in items}:
        ((_src, entries),) = realeval.fold_lists([("src", [entry])], items, fold)
        kept = entries[0]
        assert kept.name and kept.name not in {
            n for it in items if it.fold == fold for n in it.removed
        }


def test_loo_run_counts_hits_on_the_entry_itself(small_lists: realeval.Lists) -> None:
    items = [it for it in realeval.loo_items(small_lists, fast=True)][:300]
    realeval.run_loo(small_lists, items, 0.8, log=lambda _msg: None)
    assert any(it.hit for it in items) and not all(it.hit for it in items)
    for it in items:
        assert it.hit == (it.score is not None and it.score >= 0.8)


def test_cross_pairs_by_un_reference(small_lists: realeval.Lists) -> None:
    pairs, _dropped = realeval.cross_pairs(small_lists)
    by_source = dict(small_lists)
    ref = [p for p in pairs if p.how == "un_reference"]
    assert len(ref) > 500
    for p in ref[:50]:
        a, b = by_source[p.a_source][p.a_idx], by_source[p.b_source][p.b_idx]
        refs_a = {i.value.upper() for i in a.identifiers if i.kind == "un_reference"}
        refs_b = {i.value.upper() for i in b.identifiers if i.kind == "un_reference"}
        assert refs_a & refs_b
        assert p.split == realeval.split_of(p.uid)


def test_negatives_file_has_no_listed_name(small_lists: realeval.Lists) -> None:
    with realeval.NEGATIVES_CSV.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) >= 3000
    assert {r["kind"] for r in rows} == {"person", "organization"}
    assert all(r["source"] for r in rows)
    listed = realeval.listed_forms(small_lists)
    assert not [r["name"] for r in rows if realeval._plain(r["name"]) in listed]


def test_labels_file_is_well_formed() -> None:
    labels = realeval.read_labels()
    assert len(labels) >= 90
    assert {lab.label for lab in labels.values()} == {"variant", "different"}
    assert all(lab.shape for lab in labels.values())


def _item(uid: str, shape: str, hit: bool) -> realeval.LooItem:
    source, key, name = uid.split("|")
    it = realeval.LooItem(
        source, key, 0, name, "aka", EntityType.PERSON, name, (name,), (), 0, "dev"
    )
    it.categories = {"shape": shape}
    it.hit = hit
    return it


def test_true_variant_recall_is_stratified_by_shape() -> None:
    labels = {f"s|{i}|n": realeval.Label("A", "variant") for i in range(10)}
    labels.update({f"s|{i}|n": realeval.Label("B", "different") for i in range(10, 30)})
    labels["s|99|n"] = realeval.Label("C", "variant")  # a stratum too small: pooled share
    items = [_item(uid, lab.shape, False) for uid, lab in labels.items()]
    items += [_item(f"s|h{i}|n", "A", True) for i in range(20)]
    shares, pooled, used, _basis = realeval.variant_shares(items, labels)
    assert used == 31 and shares == {"A": 1.0, "B": 0.0}
    assert pooled == 11 / 31
    got = realeval.true_variant_recall(items, shares, pooled)
    # 20 hits; misses: 10 of A (all variants), 20 of B (none), 1 of C (pooled share).
    assert got["recall_true_variants"] == round(20 / (20 + 10 + 11 / 31), 4)
    # A labelled item that is now a hit no longer counts among the misses' labels.
    items[0].hit = True
    _shares, _pooled, used, _basis = realeval.variant_shares(items, labels)
    assert used == 30
