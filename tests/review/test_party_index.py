"""Issue 11: the stored parties' index kept on disk in segments for delta re-screening
(compliance.services.party_index). A cached segment must never hide a party: a new or
changed party rebuilds its segment, a forged or damaged file is rebuilt, and the results are
those of an index built afresh."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from compliance.matching.engine import Matcher
from compliance.model import Address, EntityType, ListEntry, Party
from compliance.services import party_index
from compliance.services.rescreen import _move_baseline
from compliance.store.database import Database
from compliance.store.tables import PartyRow
from tests.review.test_hostile import _version
from tests.review.test_workflow import ZENITH, screen, version_of

ORG = EntityType.ORGANIZATION
PERSON = EntityType.PERSON

PARTIES = [
    Party("p-0", "Aurora Lattice Systems Ltd", entity_type=ORG, country="GB"),
    Party("p-1", "Borealis Quantum Fabrication AG", entity_type=ORG, country="CH"),
    Party("p-2", "Meridian Vector Compute BV", entity_type=ORG, country="NL"),
    Party("p-3", "Halvorsen Cryo Instruments AS", entity_type=ORG, country="NO"),
    Party("p-4", "Ingrid Solvang", entity_type=PERSON, country="NO"),
    Party("p-5", "Tobias Brennecke", entity_type=PERSON, country="DE"),
    Party("p-6", "Castellan Optical Works SRL", entity_type=ORG, country="IT"),
    Party("p-7", "Quillon Edge Datacenters Oy", entity_type=ORG, country="FI"),
    Party("p-8", "Saffron Relay Networks Pvt Ltd", entity_type=ORG, country="IN"),
    Party("p-9", "Yusuf Karaoglan", entity_type=PERSON, country="TR"),
]


def _rescreen(db: Database, entries: list[ListEntry], cache: Path | None) -> dict[str, Any]:
    from compliance.rules import load_ruleset, rule_dirs
    from compliance.screening import ScreeningContext
    from compliance.services.rescreen import rescreen

    _version(db, entries)
    ruleset = load_ruleset(rule_dirs())
    as_of = date(2026, 12, 1)
    ctx = ScreeningContext(
        Matcher.build([("us-csl", entries)]), {"us-csl": version_of(entries)}, as_of,
        ruleset_version=ruleset.version, rules=ruleset.compiled(as_of),
    )  # fmt: skip
    return rescreen(db.sessions, ctx, full=False, actor="t", cache_dir=cache).to_dict()


def _segments(report: dict[str, Any]) -> dict[str, int]:
    return {k: v for k, v in report["party_index"].items() if k != "near"}


def _hit_ids(report: dict[str, Any]) -> set[str]:
    return {c["record_id"] for c in report["changes"] if c["new_hits"]}


def _listed(key: str, name: str, etype: EntityType = ORG) -> ListEntry:
    return ListEntry(key, name, etype, "SDN", programs=("RUSSIA-EO14024",))


@pytest.fixture
def segments(monkeypatch: pytest.MonkeyPatch) -> None:
    """Four party ids to a segment: ten parties make three segments."""
    monkeypatch.setattr(party_index, "SEGMENT", 4)


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    path = tmp_path / "cache"
    path.mkdir(mode=0o700)
    return path


def _stored(db: Database) -> list[ListEntry]:
    """The ten parties screened and stored against a list holding ZENITH alone."""
    base = [ZENITH]
    _version(db, base)
    screen(db, PARTIES, Matcher.build([("us-csl", base)]))
    return base


@pytest.mark.usefixtures("segments")
def test_the_next_update_reads_the_segments_back_and_finds_the_same(
    db: Database, cache: Path
) -> None:
    base = _stored(db)
    first = [*base, _listed("sdn-1", "MERIDIAN VECTOR COMPUTE B.V.")]
    report = _rescreen(db, first, cache)
    assert _segments(report) == {"segments": 3, "built": 3, "cached": 0}
    assert _hit_ids(report) == {"p-2"}
    assert sorted(p.name for p in cache.iterdir() if p.name.startswith("parties-")) == [
        "parties-0.idx", "parties-1.idx", "parties-2.idx",
    ]  # fmt: skip

    second = [*first, _listed("sdn-2", "INGRID SOLVANG", PERSON)]
    report = _rescreen(db, second, cache)
    # the re-screened party's record is as it was: no segment is rebuilt
    assert _segments(report) == {"segments": 3, "built": 0, "cached": 3}
    assert _hit_ids(report) == {"p-4"}


@pytest.mark.usefixtures("segments")
def test_a_changed_party_rebuilds_its_segment_and_is_found_under_its_new_name(
    db: Database, cache: Path
) -> None:
    base = _stored(db)
    matcher = Matcher.build([("us-csl", base)])
    _rescreen(db, [*base, _listed("sdn-1", "MERIDIAN VECTOR COMPUTE B.V.")], cache)

    # p-5 (the second segment) is screened again under a new alias; p-9 is new (a fourth
    # segment); their old index entries cannot know either name.
    renamed = replace(PARTIES[5], aliases=("Kestrel Avionics Trading",))
    screen(db, [renamed, Party("p-10", "Volkov Dmitri Sergeevich", entity_type=PERSON)], matcher)
    with db.sessions() as session:
        ids = dict(session.execute(select(PartyRow.record_key, PartyRow.id)).tuples().all())
    assert ids["p-5"] // 4 == 1 and ids["p-10"] // 4 == 2  # (ids from 1: p-0 is 1)

    update = [
        ZENITH,
        _listed("sdn-1", "MERIDIAN VECTOR COMPUTE B.V."),
        _listed("sdn-3", "KESTREL AVIONICS TRADING LLC"),
        _listed("sdn-4", "VOLKOV, Dmitriy Sergeyevich", PERSON),
    ]
    report = _rescreen(db, update, cache)
    assert _segments(report) == {"segments": 3, "built": 2, "cached": 1}
    assert _hit_ids(report) == {"p-5", "p-10"}


@pytest.mark.usefixtures("segments")
@pytest.mark.parametrize("attack", ["flipped byte", "truncated", "other key", "stale replay"])
def test_a_forged_damaged_or_stale_segment_is_rebuilt_not_trusted(
    db: Database, cache: Path, tmp_path: Path, attack: str
) -> None:
    from compliance.matching.engine import DiskCache

    base = _stored(db)
    first = [*base, _listed("sdn-1", "MERIDIAN VECTOR COMPUTE B.V.")]
    assert _hit_ids(_rescreen(db, first, cache)) == {"p-2"}
    target = cache / "parties-1.idx"  # p-6 (id 7) is in the second segment
    data = target.read_bytes()
    if attack == "flipped byte":
        data = data[:-100] + bytes([data[-100] ^ 1]) + data[-99:]
    elif attack == "truncated":
        data = data[: len(data) // 2]
    elif attack == "other key":  # another installation's file for the same stamp, wrong names
        other = tmp_path / "other"
        other.mkdir(mode=0o700)
        with db.sessions() as session:
            stamp = party_index.scan(session).stamps[1]
        forged = Matcher.build([("parties", [_listed("7", "SOMEONE ELSE ENTIRELY")])])
        made = {"parties": f"1:{stamp}", "entry": party_index.ENTRY_FORMAT}
        disk = DiskCache(other, made, forged.weights, name="parties-1")
        disk.write(forged)
        disk.close()
        data = (other / "parties-1.idx").read_bytes()
    else:  # p-6 is renamed (a name of the same length); the segment file from before is
        # put back: authentic, but for the old name
        renamed = replace(PARTIES[6], name="Zorin Kaspar Holdings Co SA")
        assert len(renamed.name) == len(PARTIES[6].name)
        screen(db, [renamed], Matcher.build([("us-csl", first)]))
    target.write_bytes(data)
    new = "ZORIN KASPAR HOLDINGS CO" if attack == "stale replay" else "CASTELLAN OPTICAL WORKS SRL"
    report = _rescreen(db, [*first, _listed("sdn-5", new)], cache)
    assert _segments(report) == {"segments": 3, "built": 1, "cached": 2}
    assert _hit_ids(report) == {"p-6"}
    changed = next(c for c in report["changes"] if c["record_id"] == "p-6")
    assert {tuple(k) for k in changed["new_hits"]} == {("us-csl", "sdn-5")}


@pytest.mark.usefixtures("segments")
def test_segments_find_what_screening_every_party_finds(
    db: Database, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from compliance.services import rescreen as service

    monkeypatch.setattr(service, "FULL_WHEN_NAMES_PER_PARTY", 1e9)  # the prefilter, always
    base = _stored(db)
    update = [
        *base,
        _listed("sdn-1", "AURORA LATTICE SYSTEMS LIMITED"),
        _listed("sdn-2", "HALVORSEN KRYO INSTRUMENTS"),
        _listed("sdn-3", "KARAOGLAN, Yusuf", PERSON),
        _listed("sdn-4", "SAFFRON RELAY NETWORKS PRIVATE LIMITED"),
    ]
    segmented = _rescreen(db, update, cache)
    assert segmented["party_index"]["segments"] == 3
    # what screening every party against the update finds
    full = screen(db, PARTIES, Matcher.build([("us-csl", update)]))
    expected = {d.record_id for d in full if any(m.key[1] != ZENITH.key for m in d.matches)}
    assert expected == {"p-0", "p-8", "p-9"}
    assert _hit_ids(segmented) == expected


def test_an_address_route_reads_the_address_from_the_store(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from compliance.services import rescreen as service

    monkeypatch.setattr(service, "FULL_WHEN_NAMES_PER_PARTY", 1e9)  # the prefilter, always
    base = [ZENITH]
    _version(db, base)
    party = Party(
        "a-1", "Northwind Robotics Ltd", entity_type=ORG,
        address="Room 1203, 88 Jianguomen Outer Street, Chaoyang District, Beijing",
    )  # fmt: skip
    screen(db, [party], Matcher.build([("us-csl", base)]))
    listed = ListEntry(
        "el-9", "SOMETHING ELSE ENTIRELY CO", ORG, "EL",
        addresses=(Address("Room 1203, 88 Jianguomen Outer Street, Beijing", "CN"),),
    )  # fmt: skip
    report = _rescreen(db, [*base, listed], None)
    assert report["party_index"]["built"] == 1  # (no cache: built, not written)
    assert report["screened"] == 1
    (change,) = report["changes"]  # an address hit: the decision changes, no name match
    assert (change["decision_before"], change["decision"]) == ("clear", "review")


def test_moving_baselines_by_id_range_skips_a_party_not_considered(db: Database) -> None:
    base = [ZENITH]
    _version(db, base)
    screen(db, PARTIES[:6], Matcher.build([("us-csl", base)]))
    with db.sessions() as session:
        ids = sorted(session.scalars(select(PartyRow.id)))
    skipped = ids[3]
    with db.sessions.begin() as session:
        _move_baseline(session, [i for i in ids if i != skipped], {"moved": "yes"}, "2027-01-01")
    with db.sessions() as session:
        rows = dict(session.execute(select(PartyRow.id, PartyRow.as_of)).tuples().all())
    assert rows[skipped] != "2027-01-01"
    assert all(rows[i] == "2027-01-01" for i in ids if i != skipped)


# ------------------------------------------------------- a changed entry's names to query
def test_an_entry_that_only_gained_names_is_queried_with_those_alone() -> None:
    from compliance.model import Alias, AliasKind
    from compliance.services.rescreen import added_names

    then = ListEntry("sdn-1", "ZENITH PHOTONICS GMBH", ORG, "SDN", programs=("RUSSIA-EO14024",),
                     aliases=(Alias("ZENITH PHOTONIK", AliasKind.WEAK),))  # fmt: skip
    gained = replace(then, aliases=(*then.aliases, Alias("ZENIT FOTONIKA", AliasKind.AKA)))
    assert added_names(gained, then) == ("ZENIT FOTONIKA",)
    # a weak alias made a strong one scores higher: queried again
    stronger = replace(then, aliases=(Alias("ZENITH PHOTONIK", AliasKind.AKA),))
    assert added_names(stronger, then) == ("ZENITH PHOTONIK",)
    # the primary name made an alias and an alias the primary name: both read anew
    swapped = replace(
        then, name="ZENITH PHOTONIK", aliases=(Alias("ZENITH PHOTONICS GMBH", AliasKind.AKA),)
    )
    assert set(added_names(swapped, then) or ()) == {"ZENITH PHOTONIK", "ZENITH PHOTONICS GMBH"}
    # a name dropped: nothing new to find
    assert added_names(replace(then, aliases=()), then) == ()
    # anything else changed: every name may score differently
    assert added_names(replace(gained, programs=("IRAN",)), then) is None
    assert added_names(replace(gained, countries=("DE",)), then) is None
    assert added_names(replace(then, start_date="2027-01-01"), then) is None


def test_an_entry_that_gained_an_alias_rescreens_who_the_alias_meets_and_its_matches(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from compliance.model import Alias, AliasKind
    from compliance.services import rescreen as service

    monkeypatch.setattr(service, "FULL_WHEN_NAMES_PER_PARTY", 1e9)  # the prefilter, always
    listed = _listed("sdn-1", "MERIDIAN VECTOR COMPUTE B.V.")
    base = [ZENITH, listed]
    _version(db, base)
    decisions = screen(db, PARTIES, Matcher.build([("us-csl", base)]))
    assert {d.record_id for d in decisions if d.matches} == {"p-2"}  # a hit already
    gained = replace(listed, aliases=(Alias("SAFFRON RELAY NETWORKS", AliasKind.AKA),))
    report = _rescreen(db, [ZENITH, gained], None)
    assert report["changed_entries"] == 1
    # p-8 by the new alias; p-2 by its match on the entry, which changed
    assert report["screened"] == 2 and _hit_ids(report) == {"p-8"}
    # the same entry with its programs changed too: every name of it is queried again
    amended = replace(gained, programs=("IRAN",))
    report = _rescreen(db, [ZENITH, amended], None)
    assert {c["record_id"] for c in report["changes"]} <= {"p-2", "p-8"}
    assert report["screened"] == 2


def test_the_party_index_holds_every_form_of_a_name_screening_reads(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by the benchmark's full re-screen: screening reads a company's name also without
    what follows its legal form ("JOINT STOC COMPANY NIIET Shavasu" -> "joint stoc company"),
    and that form met a new alias a full re-screen flagged; the party index held the name as
    written only, and the delta re-screen did not flag it."""
    from compliance.model import Alias, AliasKind
    from compliance.services import rescreen as service

    monkeypatch.setattr(service, "FULL_WHEN_NAMES_PER_PARTY", 1e9)  # the prefilter, always
    party = Party("j-1", "JOINT STOC COMPANY NIIET Shavasu", entity_type=ORG, country="GB")
    listed = _listed("csl-1", "SBERBANK LEASING JSC")
    base = [ZENITH, listed]
    _version(db, base)
    # Among many joint-stock companies, as in a real store: the words every one of them has
    # weigh little in the parties' index, and the listed words must carry the score.
    others = [
        Party(f"o-{i}", f"Joint Stoc Company {w.title()} {v.title()}", entity_type=ORG)
        for i, (w, v) in enumerate(
            (w, v) for w in ("alfa", "vega", "orion", "lyra", "tessa", "corvus", "draco")
            for v in ("holding", "trade", "invest", "logistic", "energo", "stroy", "telecom")
        )
    ]  # fmt: skip
    screen(db, [party, *others], Matcher.build([("us-csl", base)]))
    gained = replace(listed, aliases=(Alias("JOINT STOC COMPANY SBERBANK LEASING", AliasKind.AKA),))
    update = [ZENITH, gained]
    full = Matcher.build([("us-csl", update)]).match(party)  # what screening finds
    assert [(m.entry_key, m.query_name) for m in full] == [("csl-1", "joint stoc company")]
    report = _rescreen(db, update, None)
    assert "j-1" in {c["record_id"] for c in report["changes"]}


def test_a_cleared_hit_comes_back_when_its_entry_gains_an_unrelated_alias(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The entry's new alias alone would not find the party by name; its clearance of the
    entry is void all the same (the entry changed), so the delta re-screen must screen it."""
    from compliance.model import Alias, AliasKind
    from compliance.review import Action
    from compliance.services import rescreen as service
    from tests.review.test_workflow import ALICE, CUSTOMER, KESTREL, decide, only_case

    monkeypatch.setattr(service, "FULL_WHEN_NAMES_PER_PARTY", 1e9)  # the prefilter, always
    base = [ZENITH, KESTREL]
    _version(db, base)
    screen(db, [CUSTOMER, *PARTIES], Matcher.build([("us-csl", base)]))
    decide(db, only_case(db)["case_id"], Action.CLEAR, ALICE)
    gained = replace(ZENITH, aliases=(Alias("NORDLICHT OPTIK VERTRIEB", AliasKind.AKA),))
    report = _rescreen(db, [gained, KESTREL], None)
    assert report["screened"] == 1
    case = only_case(db)  # the hit is back for review
    assert case["party"]["record_id"] == CUSTOMER.id and case["open_matches"] == 1


def test_a_party_is_checked_in_screenings_direction_not_the_indexs(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by the benchmark's full re-screen: screening scores "Wei Khan" against the alias
    "WEI, Ta Han" at 0.87 (a listed name may hold a part the customer left out), but the
    party index, whose scorer reads the alias as the query, scored it under 0.55. Blocking
    finds the party; the check scores it as screening does."""
    from compliance.model import Alias, AliasKind
    from compliance.services import rescreen as service

    monkeypatch.setattr(service, "FULL_WHEN_NAMES_PER_PARTY", 1e9)  # the prefilter, always
    wei = Party("w-1", "Wei Khan", entity_type=PERSON, country="KR")
    others = [
        Party(f"w-{i}", name, entity_type=PERSON)
        for i, name in enumerate(
            ["Li Wei", "Wei Zhang", "Imran Khan", "Han Seo-yeon", "Wei Ling Chen", "Han Wei"], 2
        )
    ]
    listed = ListEntry(
        "sdn-11273", "AKIRAPHOKIN, Thit", PERSON, "SDN", programs=("SDNTK",),
        aliases=tuple(Alias(n, AliasKind.AKA) for n in ("SUTHIT, Samsaeng", "WEI, Ta Han")),
    )  # fmt: skip
    base = [ZENITH, listed]
    _version(db, base)
    screen(db, [wei, *others], Matcher.build([("us-csl", [ZENITH])]))  # before it was listed
    full = Matcher.build([("us-csl", base)]).match(wei)
    assert [(m.entry_key, m.matched_name) for m in full] == [("sdn-11273", "WEI, Ta Han")]
    report = _rescreen(db, base, None)
    assert "w-1" in _hit_ids(report)


def test_the_party_index_finds_a_customer_word_one_letter_longer() -> None:
    """Found by the benchmark's full re-screen at 100,000 parties: screening meets "Salqmi LLC
    Groke" to the alias "Salmi LLC" (the customer's word with a letter dropped is listed),
    but blocking looks a query word's deletions up, not its insertions, and in the parties'
    index the list's name is the query."""
    from compliance.matching.weights import DEFAULT_WEIGHTS
    from compliance.services.party_index import PARTY_WEIGHTS, party_entry

    record = {"id": "c-1", "name": "Salqmi LLC Groke", "entity_type": "unknown", "aliases": []}
    entries = [party_entry(1, "customer", record)]
    party_side = Matcher.build([("parties", entries)], PARTY_WEIGHTS).index
    list_side = Matcher.build([("parties", entries)], DEFAULT_WEIGHTS).index
    assert "salqmi" in party_side.near_tokens("salmi")
    assert "salqmi" not in list_side.near_tokens("salmi")  # the lists' index is unchanged


def test_a_name_thousands_share_finds_every_one_of_them(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hostile review's finding: blocking kept the best 20,000 names per changed name and
    segment (150 by the list index's weights), cutting ties arbitrarily; the parties cut were
    marked current. Here 180 customers share a name a new entry holds: more than the lists'
    cap, and every one must be found."""
    from compliance.services import rescreen as service

    monkeypatch.setattr(service, "FULL_WHEN_NAMES_PER_PARTY", 1e9)  # the prefilter, always
    words = ("alder", "birch", "cedar", "elm", "fir", "hazel", "larch", "maple", "oak", "pine",
             "rowan", "spruce", "teak", "willow", "yew")  # fmt: skip
    many = [
        Party(f"w-{i}", f"Wang Wei {a.title()} {b.title()}", entity_type=PERSON)
        for i, (a, b) in enumerate((a, b) for a in words for b in words[:12])
    ]
    base = [ZENITH]
    _version(db, base)
    screen(db, many, Matcher.build([("us-csl", base)]))
    update = [ZENITH, _listed("sdn-8", "WANG, Wei", PERSON)]
    full = Matcher.build([("us-csl", update)])
    expected = {p.id for p in many if full.match(p)}
    assert len(expected) > 150
    report = _rescreen(db, update, None)
    assert _hit_ids(report) == expected


def test_a_stored_owner_without_a_country_is_read() -> None:
    from compliance.services.party_index import party_entry, party_from_record

    record = {"id": "c-1", "name": "Acme", "owners": [["Jane Roe", 30.0]], "aliases": []}
    assert party_from_record(record).owners[0].name == "Jane Roe"
    assert "Jane Roe" in {a.name for a in party_entry(1, "customer", record).aliases}
