"""Matching evaluation built from REAL name variation (issue 9, part 5).

    python benchmarks/realeval.py [--lists ../shared/data/lists] [--fast] [--json OUT]

``benchmarks/quality.py`` prints the same report after the generated dev set (``--no-real``
skips it, ``--real-fast`` runs the fast slice). Four sets, each reported per split (dev /
frozen test) and per category, at the default review threshold:

1. **Leave-one-name-out** (LOO) on OFAC SDN (sdn + alt + add), the UN XML and the UK list
   (the covyr CSVs, read here with ``csv``). An entry's names are grouped by their sorted
   normalized tokens (names differing only in case, punctuation or word order are one
   group); every entry with 2+ groups gives one held-out item per group. Items go to
   ``FOLDS`` folds, an entry's groups to consecutive folds (so a fold removes at most
   ceil(groups / FOLDS) of an entry's groups and never all of them); per fold one Matcher
   is built over the three lists with the fold's names removed, and each held-out name is
   queried (entity type from the entry, no country). A *hit*: the entry itself is matched
   at the threshold. Vessels and aircraft are left out (their aliases are mostly former
   names; they are screened by IMO / tail number).
2. **Cross-list pairs**: the same party on two lists, paired by UN reference number
   (UN <-> UK), by a shared passport / national-id number (any two lists; a number held by
   more than 2 entries of a list is ignored; same entity type and birth year), or by the
   same full date of birth (not 1 January) + a shared nationality + a shared rare name
   token (persons, OFAC <-> UN / UK). Every pair must pass a loose name check (a name token
   of 3+ letters in common or alike at rapidfuzz ratio >= 75, over all names of both
   entries): it drops pairs made by a number misattributed in one list, and it means
   cross-list recall is measured on pairs with at least one similar token. The primary
   name of one side is queried against an index of the other list alone; a hit is the
   paired entry matched at the threshold. Both directions.
3. **Negatives**: ``benchmarks/data/negatives.csv`` (real unlisted companies and people;
   sources in ``benchmarks/data/README.md``), queried against OFAC + UN + UK + CSL +
   Entity List. Alert rate = names with any match at the threshold / names. A name equal to
   a listed name up to case, punctuation and word order is left out (it must alert).
4. **Frozen split**: an item is in *test* when the first 8 bytes of
   sha256("realeval-split-v1" + its key) / 2**64 < 0.30. The key: source|entry key|held-out
   name (LOO); the two sides' source|key sorted (cross-list); the name (negatives). A fixed
   rule, so the split never moves with the matcher. Tuning reads dev only: miss samples are
   printed from dev only.

Hand labels: ``benchmarks/data/loo_labels.csv`` (100 dev LOO misses of the baseline, each
marked ``variant`` or ``different``, with its shape). Recall on true variants = hits /
(hits + estimated true-variant misses): each miss counts as the share of ``variant`` among
the labelled misses of its shape (strata with < 5 labels: the pooled share). Only labelled
items that are still misses in the run count (all labels when fewer than 20 are).

``--fast`` (and the pytest) takes a deterministic 1-in-``FAST_EVERY`` slice of the items.
Full run: ~1-2 minutes on 2 cores (timings printed).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import hashlib
import json
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz

from compliance.lists import csl, default_source, parse_files
from compliance.matching.engine import Matcher
from compliance.matching.features import normalize_identifier
from compliance.matching.weights import DEFAULT_WEIGHTS
from compliance.model import (
    Alias,
    AliasKind,
    EntityType,
    Identifier,
    ListEntry,
    Match,
    Party,
)
from compliance.normalize import normalize_name

REPO = Path(__file__).resolve().parents[1]
DEFAULT_LISTS = (REPO.parent / "shared" / "data" / "lists").resolve()
DATA = Path(__file__).resolve().parent / "data"
NEGATIVES_CSV = DATA / "negatives.csv"
LABELS_CSV = DATA / "loo_labels.csv"

FOLDS = 8
TEST_SHARE = 0.30
SPLIT_SALT = "realeval-split-v1"
FAST_EVERY = 10
RUN_THRESHOLD = 0.5  # queries run this low so the expected entry's score is seen
LIMIT = 50

OFAC_FILES = (
    "ofac/sdn_2024-05-03.csv",
    "ofac/alt_watchman-2025-12.csv",
    "ofac/add_watchman-2025-12.csv",
)
UN_FILES = ("un/UN_consolidated_watchman.xml",)
UK_DIR = "uk"
UK_SOURCE = "uk-fcdo"
CSL_FILE = "us_csl/csl_consolidated_watchman-pr523_2023-11_partial.csv"
EL_FILE = "us_export_control_nsfreg/bis_entity_list.json"

Lists = list[tuple[str, list[ListEntry]]]


# ------------------------------------------------------------------------------ split
def split_of(key: str) -> str:
    """'test' for a fixed ~30% of keys, else 'dev' (a pure function of the key)."""
    digest = hashlib.sha256(f"{SPLIT_SALT}\x1f{key}".encode()).digest()
    return "test" if int.from_bytes(digest[:8], "big") / 2**64 < TEST_SHARE else "dev"


def _fast_keep(key: str) -> bool:
    digest = hashlib.sha256(f"realeval-fast\x1f{key}".encode()).digest()
    return digest[0] % FAST_EVERY == 0


# ------------------------------------------------------------------------------ lists
def load_uk(lists_dir: Path) -> list[ListEntry]:
    """The UK list from the covyr CSVs (subjects, names, DOBs, identifiers).

    Primary name: the first ``primary`` row; ``primary_variation`` and ``alias`` rows are
    aliases (``low_quality_aka`` ones weak)."""
    base = lists_dir / UK_DIR

    def rows(name: str) -> list[dict[str, str]]:
        with (base / f"covyr_uk_sanctions_{name}.csv").open(encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh))

    names: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in rows("subject_names"):
        names[r["unique_id"]].append(r)
    dobs: dict[str, list[str]] = defaultdict(list)
    for r in rows("subject_dobs"):
        if r["year"].isdigit():
            parts = [r["year"]]
            if r["month"].isdigit() and r["day"].isdigit():
                parts += [r["month"].zfill(2), r["day"].zfill(2)]
            dobs[r["unique_id"]].append("-".join(parts))
    idents: dict[str, list[Identifier]] = defaultdict(list)
    for r in rows("subject_identifiers"):
        kind = {"national": "national_id", "business_registration_numbers": "registration"}.get(
            r["identifier_type"], r["identifier_type"]
        )
        ident = Identifier(kind, r["raw_value"].strip())
        if ident.value and ident not in idents[r["unique_id"]]:
            idents[r["unique_id"]].append(ident)
    types = {
        "individual": EntityType.PERSON,
        "entity": EntityType.ORGANIZATION,
        "ship": EntityType.VESSEL,
    }
    out: list[ListEntry] = []
    for s in rows("subjects"):
        uid = s["unique_id"]
        recs = sorted(names.get(uid, []), key=lambda r: (r["name_type"] != "primary", r["name_id"]))
        full = [(r["full_name"].strip(), r) for r in recs if r["full_name"].strip()]
        if not full:
            continue
        primary = full[0][0]
        aliases = tuple(
            Alias(n, AliasKind.WEAK if r["alias_strength"] == "low_quality_aka" else AliasKind.AKA)
            for n, r in full[1:]
        )
        ids = list(idents.get(uid, []))
        if s["un_reference_number"].strip():
            ids.append(Identifier("un_reference", s["un_reference_number"].strip()))
        out.append(
            ListEntry(
                key=uid,
                name=primary,
                entity_type=types.get(s["subject_type"], EntityType.UNKNOWN),
                list_code="UK",
                aliases=aliases,
                identifiers=tuple(ids),
                dates_of_birth=tuple(dict.fromkeys(dobs.get(uid, []))),
                extra=tuple((f"name_type:{n}", r["name_type"]) for n, r in full if r["name_type"]),
            )
        )
    return out


def load_lists(lists_dir: Path) -> Lists:
    """(source, entries) for OFAC SDN, UN and UK."""
    out: Lists = []
    for fmt, files in (("ofac", OFAC_FILES), ("un", UN_FILES)):
        paths = [lists_dir / f for f in files]
        _, parsed = parse_files(paths, fmt)
        out.append((default_source(paths, fmt), list(parsed.entries)))
    out.append((UK_SOURCE, load_uk(lists_dir)))
    return out


def load_us_extra(lists_dir: Path) -> Lists:
    """The CSL subset and the BIS Entity List 2026 (the negatives are screened against
    everything)."""
    paths = [lists_dir / CSL_FILE]
    out: Lists = [
        (default_source(paths, "csl"), list(csl.parse(paths, allow_truncated=True).entries))
    ]
    paths = [lists_dir / EL_FILE]
    _, parsed = parse_files(paths, "nsfreg")
    out.append((default_source(paths, "nsfreg"), list(parsed.entries)))
    return out


def is_person(entry: ListEntry) -> bool:
    return entry.entity_type is EntityType.PERSON


def name_group(name: str, person: bool) -> str:
    """Names with the same sorted normalized tokens are one name for LOO."""
    return " ".join(sorted(normalize_name(name, person).tokens))


def entry_names(entry: ListEntry) -> list[tuple[str, str]]:
    """(name, kind) with the primary first; kind primary / aka / fka / nka / weak /
    variation (UK primary variation)."""
    uk_types = dict(entry.extra)
    out = [(entry.name, "primary")]
    for a in entry.aliases:
        kind = a.kind.value
        if uk_types.get(f"name_type:{a.name}") == "primary_variation" and kind != "weak":
            kind = "variation"
        out.append((a.name, kind))
    return out


# ------------------------------------------------------------------------------ scripts
def script_of(text: str) -> str:
    """'latin' when every letter is Latin (or ASCII), else the first non-Latin script."""
    for ch in text:
        if ch.isalpha() and ord(ch) > 0x24F:
            name = unicodedata.name(ch, "")
            return name.split(" ")[0].lower() if name else "other"
    return "latin"


def _simple(text: str) -> str:
    return " ".join(normalize_name(text).tokens)


# ------------------------------------------------------------------------------ LOO
@dataclass
class LooItem:
    source: str
    key: str
    entry_idx: int  # position in its source's entry list
    name: str
    kind: str
    entity_type: EntityType
    group: str
    removed: tuple[str, ...]  # every name of the group (removed together)
    others: tuple[str, ...]  # the entry's names in the other groups
    fold: int
    split: str
    categories: dict[str, str] = field(default_factory=dict)
    hit: bool = False
    score: float | None = None  # the entry's best score (>= RUN_THRESHOLD) or None
    candidate: bool = False  # one of the entry's rows came out of the blocking index
    best_other: str = ""
    best_other_score: float | None = None

    @property
    def uid(self) -> str:
        return f"{self.source}|{self.key}|{self.name}"


def _stable_int(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "big")


def loo_items(lists: Lists, fast: bool = False) -> list[LooItem]:
    items: list[LooItem] = []
    for source, entries in lists:
        for idx, entry in enumerate(entries):
            if entry.entity_type in (EntityType.VESSEL, EntityType.AIRCRAFT):
                continue
            person = is_person(entry)
            groups: dict[str, list[tuple[str, str]]] = {}
            for name, kind in entry_names(entry):
                g = name_group(name, person)
                if g:
                    groups.setdefault(g, []).append((name, kind))
            if len(groups) < 2:
                continue
            start = _stable_int(f"{source}|{entry.key}")
            for pos, (g, members) in enumerate(groups.items()):
                name, kind = members[0]
                others = tuple(n for g2, ms in groups.items() if g2 != g for n, _ in ms)
                item = LooItem(
                    source=source,
                    key=entry.key,
                    entry_idx=idx,
                    name=name,
                    kind=kind,
                    entity_type=entry.entity_type,
                    group=g,
                    removed=tuple(n for n, _ in members),
                    others=others,
                    fold=(start + pos) % FOLDS,
                    split="",
                )
                item.split = split_of(item.uid)
                if fast and not _fast_keep(item.uid):
                    continue
                item.categories = loo_categories(item, person)
                items.append(item)
    return items


def loo_categories(item: LooItem, person: bool) -> dict[str, str]:
    """Category of the held-out name against the entry's remaining names."""
    held = _simple(item.name)
    rest = [(_simple(o), o) for o in item.others]
    best_ratio, nearest = max(
        ((fuzz.token_sort_ratio(held, s), s) for s, _ in rest), default=(0.0, "")
    )
    held_tokens = set(held.split())
    shared = any(held_tokens & set(s.split()) for s, _ in rest)
    h_script = script_of(item.name)
    o_scripts = {script_of(o) for o in item.others}
    if h_script not in o_scripts:
        shape = "cross-script"
    elif not shared:
        shape = "no shared token"
    elif any(len(t) == 1 for t in held_tokens | set(nearest.split())):
        shape = "initials"
    elif len(held_tokens) != len(set(nearest.split())):
        shape = "token-count change"
    elif best_ratio >= 85:
        shape = "spelling (ratio>=85)"
    else:
        shape = "other"
    etype = {EntityType.PERSON: "person", EntityType.ORGANIZATION: "organization"}.get(
        item.entity_type, "unknown"
    )
    return {
        "list": item.source,
        "type": etype,
        "alias kind": item.kind,
        "shape": shape,
        "script": "cross-script"
        if shape == "cross-script"
        else ("latin" if h_script == "latin" else "non-latin"),
    }


def without(entry: ListEntry, removed: set[str]) -> ListEntry:
    """The entry with the names in ``removed`` taken out (a remaining alias becomes the
    primary name when the primary is removed)."""
    kept = [a for a in entry.aliases if a.name not in removed]
    if entry.name not in removed:
        return dataclasses.replace(entry, aliases=tuple(kept))
    if not kept:
        raise ValueError(f"LOO would remove every name of {entry.key}")
    return dataclasses.replace(entry, name=kept[0].name, aliases=tuple(kept[1:]))


def fold_lists(lists: Lists, items: Sequence[LooItem], fold: int) -> Lists:
    """The lists with every name held out in ``fold`` removed from its entry."""
    removed: dict[tuple[str, int], set[str]] = defaultdict(set)
    for it in items:
        if it.fold == fold:
            removed[(it.source, it.entry_idx)].update(it.removed)
    out: Lists = []
    for source, entries in lists:
        out.append(
            (
                source,
                [
                    without(e, removed[(source, i)]) if (source, i) in removed else e
                    for i, e in enumerate(entries)
                ],
            )
        )
    return out


def _query(matcher: Matcher, name: str, etype: EntityType) -> list[Match]:
    etype = etype if etype in (EntityType.PERSON, EntityType.ORGANIZATION) else EntityType.UNKNOWN
    party = Party(id="q", name=name, entity_type=etype)
    return matcher.match(party, threshold=RUN_THRESHOLD, limit=LIMIT)


def _is_candidate(matcher: Matcher, name: str, person: bool, entry_pos: int) -> bool:
    norm = normalize_name(name, person)
    rows = matcher.index.candidates(norm)
    entries = matcher.index.name_entry[rows]
    return bool((entries == entry_pos).any())


def run_loo(
    lists: Lists, items: list[LooItem], threshold: float, log: Callable[[str], None]
) -> dict[str, float]:
    timings: dict[str, float] = {"build_s": 0.0, "query_s": 0.0}
    for fold in range(FOLDS):
        todo = [it for it in items if it.fold == fold]
        if not todo:
            continue
        t0 = time.perf_counter()
        matcher = Matcher.build(fold_lists(lists, items, fold))
        position = {(src, e.key): i for i, (src, e) in enumerate(matcher.index.entries)}
        t1 = time.perf_counter()
        for it in todo:
            target = position[(it.source, it.key)]
            matches = _query(matcher, it.name, it.entity_type)
            mine = [m for m in matches if (m.source, m.entry_key) == (it.source, it.key)]
            other = [m for m in matches if (m.source, m.entry_key) != (it.source, it.key)]
            it.score = mine[0].score if mine else None
            it.hit = bool(mine) and mine[0].score >= threshold
            it.candidate = _is_candidate(
                matcher, it.name, it.entity_type is EntityType.PERSON, target
            )
            if other:
                it.best_other, it.best_other_score = other[0].entry_name, other[0].score
        t2 = time.perf_counter()
        timings["build_s"] += t1 - t0
        timings["query_s"] += t2 - t1
        log(
            f"  fold {fold}: {len(todo)} held-out names, build {t1 - t0:.1f}s, "
            f"queries {t2 - t1:.1f}s"
        )
    return {k: round(v, 1) for k, v in timings.items()}


def removed_absent(matcher: Matcher, item: LooItem) -> bool:
    """True when none of the item's removed names is indexed under its entry."""
    pos = next(
        i
        for i, (src, e) in enumerate(matcher.index.entries)
        if (src, e.key) == (item.source, item.key)
    )
    rows = (matcher.index.name_entry == pos).nonzero()[0]
    return all(matcher.index.names[int(r)].name not in item.removed for r in rows)


# ------------------------------------------------------------------------------ cross-list
@dataclass
class Pair:
    a_source: str
    a_idx: int
    b_source: str
    b_idx: int
    how: str
    split: str = ""

    @property
    def uid(self) -> str:
        sides = sorted([f"{self.a_source}|{self.a_idx}", f"{self.b_source}|{self.b_idx}"])
        return "||".join(sides)


@dataclass
class PairQuery:
    pair: Pair
    direction: str
    query: str
    expected: str
    categories: dict[str, str]
    split: str
    hit: bool = False
    score: float | None = None
    best_other: str = ""


_ID_KINDS = {"passport", "national_id"}


def _name_tokens(entry: ListEntry) -> set[str]:
    person = is_person(entry)
    out: set[str] = set()
    for name, _ in entry_names(entry):
        out.update(t for t in normalize_name(name, person).core if len(t) >= 4)
    return out


RARE_DF = 8
ALIKE_RATIO = 75


def _loose_tokens(entry: ListEntry) -> set[str]:
    person = is_person(entry)
    out: set[str] = set()
    for name, _ in entry_names(entry):
        out.update(t for t in normalize_name(name, person).core if len(t) >= 3)
    return out


def loosely_alike(a: ListEntry, b: ListEntry) -> bool:
    """Some name token (3+ letters) of one entry equals, or is alike (rapidfuzz ratio >= 75)
    to, one of the other's: "qadhafi" / "gaddafi". Guards the pairs against a number
    misattributed in one list."""
    ta, tb = _loose_tokens(a), _loose_tokens(b)
    return bool(ta & tb) or any(fuzz.ratio(x, y) >= ALIKE_RATIO for x in ta for y in tb)


def _consistent(a: ListEntry, b: ListEntry) -> bool:
    """Same entity type, and a shared birth year where both give one (a guard against a
    number misattributed in one list)."""
    if a.entity_type is not b.entity_type:
        return False
    ya, yb = {d[:4] for d in a.dates_of_birth}, {d[:4] for d in b.dates_of_birth}
    return not (ya and yb) or bool(ya & yb)


def cross_pairs(lists: Lists) -> tuple[list[Pair], Counter[str]]:
    """Pairs of entries on two lists that are the same party (see the module docstring)."""
    by_source = dict(lists)
    found: dict[tuple[str, int, str, int], set[str]] = defaultdict(set)

    def add(a: tuple[str, int], b: tuple[str, int], how: str) -> None:
        if a[0] == b[0]:
            return
        x, y = sorted([a, b])
        found[(x[0], x[1], y[0], y[1])].add(how)

    # UN reference numbers (UN <-> UK; the OFAC remarks cite none).
    refs: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for source, entries in lists:
        for i, e in enumerate(entries):
            for ident in e.identifiers:
                if ident.kind == "un_reference":
                    refs[ident.value.strip().upper().rstrip(".")].append((source, i))
    for holders in refs.values():
        for a in holders:
            for b in holders:
                if a < b:
                    add(a, b, "un_reference")
    # Passport / national-id numbers.
    ids: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for source, entries in lists:
        for i, e in enumerate(entries):
            for ident in e.identifiers:
                value = normalize_identifier(ident.value)
                if ident.kind in _ID_KINDS and len(value) >= 6 and any(c.isdigit() for c in value):
                    ids[value][source].add(i)
    for per_source in ids.values():
        if len(per_source) < 2 or any(len(v) > 2 for v in per_source.values()):
            continue
        flat = [(s, i) for s, v in per_source.items() for i in v]
        for a in flat:
            for b in flat:
                if a < b and _consistent(by_source[a[0]][a[1]], by_source[b[0]][b[1]]):
                    add(a, b, "identifier")
    # Full DOB (not a 1 January placeholder) + shared nationality (where both give one) +
    # a shared rare name token (4+ letters, in at most RARE_DF entries of the three lists).
    tokens = {
        (s, i): _name_tokens(e)
        for s, entries in lists
        for i, e in enumerate(entries)
        if is_person(e)
    }
    df: Counter[str] = Counter(t for toks in tokens.values() for t in toks)
    ofac_src = lists[0][0]
    ofac_by_dob: dict[str, list[int]] = defaultdict(list)
    for i, e in enumerate(by_source[ofac_src]):
        if is_person(e):
            for d in e.dates_of_birth:
                if len(d) == 10 and not d.endswith("-01-01"):
                    ofac_by_dob[d].append(i)
    for source, entries in lists[1:]:
        for j, e in enumerate(entries):
            if not is_person(e):
                continue
            for d in e.dates_of_birth:
                for i in ofac_by_dob.get(d, ()):
                    o = by_source[ofac_src][i]
                    nat_ok = not (o.nationalities and e.nationalities) or bool(
                        set(o.nationalities) & set(e.nationalities)
                    )
                    shared = tokens[(ofac_src, i)] & tokens[(source, j)]
                    if nat_ok and any(df[t] <= RARE_DF for t in shared):
                        add((ofac_src, i), (source, j), "dob+name")
    pairs = []
    dropped: Counter[str] = Counter()
    for (sa, ia, sb, ib), hows in sorted(found.items()):
        how = "un_reference" if "un_reference" in hows else sorted(hows)[0]
        if not loosely_alike(by_source[sa][ia], by_source[sb][ib]):
            dropped[how] += 1
            continue
        p = Pair(sa, ia, sb, ib, how)
        p.split = split_of(p.uid)
        pairs.append(p)
    return pairs, dropped


def run_cross(
    lists: Lists, pairs: list[Pair], threshold: float, fast: bool, log: Callable[[str], None]
) -> tuple[list[PairQuery], dict[str, float]]:
    by_source = dict(lists)
    t0 = time.perf_counter()
    matchers = {src: Matcher.build([(src, entries)]) for src, entries in lists}
    t1 = time.perf_counter()
    queries: list[PairQuery] = []
    for p in pairs:
        if fast and not _fast_keep(p.uid):
            continue
        for (qs, qi), (ts, ti) in (
            ((p.a_source, p.a_idx), (p.b_source, p.b_idx)),
            ((p.b_source, p.b_idx), (p.a_source, p.a_idx)),
        ):
            qe, te = by_source[qs][qi], by_source[ts][ti]
            etype = {EntityType.PERSON: "person", EntityType.ORGANIZATION: "organization"}.get(
                qe.entity_type, "unknown"
            )
            same = _simple(qe.name) in {_simple(n) for n, _ in entry_names(te)}
            pq = PairQuery(
                pair=p,
                direction=f"{_short(qs)} -> {_short(ts)}",
                query=qe.name,
                expected=te.name,
                categories={
                    "direction": f"{_short(qs)} -> {_short(ts)}",
                    "paired by": p.how,
                    "type": etype,
                    "spelling": "exact name on target" if same else "different spelling",
                },
                split=p.split,
            )
            matches = _query(matchers[ts], qe.name, qe.entity_type)
            mine = [m for m in matches if m.entry_key == te.key]
            pq.score = mine[0].score if mine else None
            pq.hit = bool(mine) and mine[0].score >= threshold
            others = [m for m in matches if m.entry_key != te.key]
            pq.best_other = f"{others[0].entry_name} ({others[0].score})" if others else ""
            queries.append(pq)
    t2 = time.perf_counter()
    log(f"  cross-list: {len(queries)} queries, build {t1 - t0:.1f}s, queries {t2 - t1:.1f}s")
    return queries, {"build_s": round(t1 - t0, 1), "query_s": round(t2 - t1, 1)}


def _short(source: str) -> str:
    return {"us-ofac-sdn": "OFAC", "un-sc": "UN", UK_SOURCE: "UK"}.get(source, source)


# ------------------------------------------------------------------------------ negatives
@dataclass
class NegQuery:
    name: str
    kind: str  # person | organization
    source: str
    split: str
    alerted: bool = False
    top: str = ""
    score: float | None = None


def read_negatives(path: Path = NEGATIVES_CSV) -> list[NegQuery]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [
            NegQuery(r["name"], r["kind"], r["source"], split_of(r["name"]))
            for r in csv.DictReader(fh)
        ]


def listed_forms(lists: Lists) -> set[str]:
    """Every listed name, casefolded and punctuation-free (the negatives' exclusion rule)."""
    return {_plain(n) for _, entries in lists for e in entries for n, _ in entry_names(e)}


def _plain(text: str) -> str:
    """NFKC, casefolded, punctuation as spaces, words sorted: "TADIC, Dusan" = "Dusan Tadic"."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(sorted("".join(c if c.isalnum() else " " for c in text).split()))


def run_negatives(
    lists: Lists, negs: list[NegQuery], threshold: float, fast: bool, log: Callable[[str], None]
) -> tuple[list[NegQuery], dict[str, Any]]:
    t0 = time.perf_counter()
    matcher = Matcher.build(lists)
    listed = listed_forms(lists)
    t1 = time.perf_counter()
    kept = [n for n in negs if _plain(n.name) not in listed and (not fast or _fast_keep(n.name))]
    excluded = sum(1 for n in negs if _plain(n.name) in listed)
    for n in kept:
        etype = EntityType.PERSON if n.kind == "person" else EntityType.ORGANIZATION
        matches = _query(matcher, n.name, etype)
        if matches:
            n.score = matches[0].score
            n.top = f"{matches[0].entry_name} [{_short(matches[0].source)}]"
            n.alerted = matches[0].score >= threshold
    t2 = time.perf_counter()
    log(
        f"  negatives: {len(kept)} names ({excluded} excluded as listed), build {t1 - t0:.1f}s, "
        f"queries {t2 - t1:.1f}s"
    )
    return kept, {
        "build_s": round(t1 - t0, 1),
        "query_s": round(t2 - t1, 1),
        "excluded_listed": excluded,
    }


# ------------------------------------------------------------------------------ labels
@dataclass(frozen=True)
class Label:
    shape: str
    label: str  # variant | different


def read_labels(path: Path = LABELS_CSV) -> dict[str, Label]:
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8", newline="") as fh:
        return {
            f"{r['source']}|{r['key']}|{r['held_out']}": Label(r["shape"], r["label"])
            for r in csv.DictReader(fh)
        }


MIN_LABELS = 20  # fewer labelled misses in a run: all labels are used
MIN_STRATUM = 5  # fewer labels in a shape: the pooled share is used for it


def variant_shares(
    items: Sequence[LooItem], labels: dict[str, Label]
) -> tuple[dict[str, float], float, int, str]:
    """Share of true variants among misses, per shape (stratum) and pooled.

    Uses the labelled items that are misses in this run (or not in it: ``--fast``); all
    labels when fewer than ``MIN_LABELS`` are. Returns (per shape, pooled, labels, basis)."""
    status = {it.uid: it.hit for it in items}
    used = [lab for uid, lab in labels.items() if not status.get(uid, False)]
    basis = "labelled items missed in this run"
    if len(used) < MIN_LABELS:
        used, basis = list(labels.values()), "all labels"
    if not used:
        return {}, 0.0, 0, "no labels"
    pooled = sum(lab.label == "variant" for lab in used) / len(used)
    by_shape: dict[str, list[Label]] = defaultdict(list)
    for lab in used:
        by_shape[lab.shape].append(lab)
    shares = {
        shape: sum(lab.label == "variant" for lab in labs) / len(labs)
        for shape, labs in by_shape.items()
        if len(labs) >= MIN_STRATUM
    }
    return shares, pooled, len(used), basis


def true_variant_recall(
    items: Sequence[LooItem], shares: dict[str, float], pooled: float
) -> dict[str, Any]:
    """hits / (hits + estimated true-variant misses); each miss weighted by its shape's
    variant share (a stratified estimate)."""
    hits = sum(it.hit for it in items)
    est = sum(shares.get(it.categories["shape"], pooled) for it in items if not it.hit)
    denom = hits + est
    return {
        "held_out": len(items),
        "hits": hits,
        "est_true_variant_misses": round(est, 1),
        "recall_true_variants": round(hits / denom, 4) if denom else None,
    }


# ------------------------------------------------------------------------------ report
def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4f}" if v <= 1 else f"{v:.1f}"
    return "" if v is None else str(v)


def table(heads: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    cells = [[_fmt(c) for c in r] for r in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(heads)]
    lines = ["  " + "  ".join(h.ljust(w) for h, w in zip(heads, widths, strict=True))]
    lines += ["  " + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join(lines)


def recall_rows(items: Sequence[Any], cats: Sequence[str]) -> list[list[Any]]:
    """Rows: category, value, then n / hits / recall for dev and test."""
    rows: list[list[Any]] = []
    for cat in ("all", *cats):
        groups: dict[str, dict[str, list[bool]]] = defaultdict(lambda: defaultdict(list))
        for it in items:
            value = "all" if cat == "all" else it.categories[cat]
            groups[value][it.split].append(it.hit)
        for value in sorted(groups, key=lambda v: -sum(len(x) for x in groups[v].values())):
            row: list[Any] = [cat, value]
            for split in ("dev", "test"):
                hs = groups[value][split]
                row += [len(hs), round(sum(hs) / len(hs), 4) if hs else None]
            rows.append(row)
    return rows


_RHEADS = ["by", "value", "dev n", "dev recall", "test n", "test recall"]


def report(
    loo: list[LooItem],
    cross: list[PairQuery],
    negs: list[NegQuery],
    labels: dict[str, Label],
    threshold: float,
    info: dict[str, Any],
) -> tuple[str, dict[str, Any]]:
    out = [f"\n#### Real-variant evaluation (threshold {threshold}; split: {info['split_rule']})"]
    data: dict[str, Any] = {"info": info}
    if loo:
        out.append(
            f"\n== Leave-one-name-out: {len(loo)} held-out names "
            f"({sum(i.split == 'dev' for i in loo)} dev / "
            f"{sum(i.split == 'test' for i in loo)} test)"
        )
        rows = recall_rows(loo, ["list", "type", "alias kind", "script", "shape"])
        out.append(table(_RHEADS, rows))
        shares, pooled, used, basis = variant_shares(loo, labels)
        tv = {
            s: true_variant_recall([i for i in loo if i.split == s], shares, pooled)
            for s in ("dev", "test")
        }
        out.append(
            f"  recall on true variants (hand labels, benchmarks/data/loo_labels.csv: {used} "
            f"labels, {basis}; variant share pooled {pooled:.2f}; by shape "
            + ", ".join(f"{k} {v:.2f}" for k, v in sorted(shares.items()))
            + "):"
        )
        for s, v in tv.items():
            out.append(f"    {s}: {v}")
        for s in ("dev", "test"):
            miss = [i for i in loo if i.split == s and not i.hit]
            nc = sum(not i.candidate for i in miss)
            below = sum(i.score is not None for i in miss)
            out.append(
                f"  {s} misses: {len(miss)}; never a candidate {nc}; candidate but "
                f"below threshold {len(miss) - nc} (scored >= {RUN_THRESHOLD}: {below})"
            )
        dev_miss = sorted(
            (i for i in loo if i.split == "dev" and not i.hit), key=lambda i: _stable_int(i.uid)
        )
        out.append("\n== 30 dev misses (held-out name | nearest remaining names | score)")
        out.append(
            table(
                ["list", "shape", "held out", "remaining", "score"],
                (
                    [
                        _short(i.source),
                        i.categories["shape"],
                        i.name[:45],
                        " / ".join(i.others)[:70],
                        i.score,
                    ]
                    for i in dev_miss[:30]
                ),
            )
        )
        data["loo"] = {
            "by_category": [dict(zip(_RHEADS, r, strict=True)) for r in rows],
            "true_variants": tv,
            "variant_shares": {"pooled": pooled, "by_shape": shares, "labels": used},
            "dev_misses": [
                {
                    "uid": i.uid,
                    "held_out": i.name,
                    "others": i.others,
                    "categories": i.categories,
                    "score": i.score,
                    "candidate": i.candidate,
                    "best_other": i.best_other,
                }
                for i in dev_miss
            ],
        }
    if cross:
        out.append(
            f"\n== Cross-list pairs: {len(cross)} queries "
            f"({len({q.pair.uid for q in cross})} pairs)"
        )
        rows = recall_rows(cross, ["direction", "paired by", "type", "spelling"])
        out.append(table(_RHEADS, rows))
        dev_miss_q = sorted(
            (q for q in cross if q.split == "dev" and not q.hit),
            key=lambda q: _stable_int(q.pair.uid + q.direction),
        )
        out.append("\n== 20 dev cross-list misses")
        out.append(
            table(
                ["direction", "by", "query", "expected", "score"],
                (
                    [q.direction, q.pair.how, q.query[:40], q.expected[:40], q.score]
                    for q in dev_miss_q[:20]
                ),
            )
        )
        data["cross"] = {
            "by_category": [dict(zip(_RHEADS, r, strict=True)) for r in rows],
            "dev_misses": [
                {
                    "direction": q.direction,
                    "how": q.pair.how,
                    "query": q.query,
                    "expected": q.expected,
                    "score": q.score,
                }
                for q in dev_miss_q
            ],
        }
    if negs:
        out.append(f"\n== Negatives (real unlisted names): {len(negs)}")
        nrows = []
        for kind in ("all", "person", "organization"):
            for s in ("dev", "test"):
                sel = [n for n in negs if n.split == s and kind in ("all", n.kind)]
                alerts = sum(n.alerted for n in sel)
                nrows.append(
                    [kind, s, len(sel), alerts, round(alerts / len(sel), 4) if sel else None]
                )
        out.append(table(["kind", "split", "names", "alerts", "alert rate"], nrows))
        top = sorted(
            (n for n in negs if n.split == "dev" and n.alerted), key=lambda n: -(n.score or 0)
        )
        out.append(
            "  dev alerts: " + "; ".join(f"{n.name} -> {n.top} ({n.score})" for n in top[:15])
        )
        data["negatives"] = {
            "table": nrows,
            "dev_alerts": [{"name": n.name, "top": n.top, "score": n.score} for n in top],
        }
    out.append("\n== Timing (s): " + json.dumps(info["timing"]))
    return "\n".join(out), data


# ------------------------------------------------------------------------------ main
def evaluate(
    lists_dir: Path,
    *,
    fast: bool = False,
    threshold: float | None = None,
    log: Callable[[str], None] = print,
) -> tuple[str, dict[str, Any]]:
    thr = DEFAULT_WEIGHTS.review_threshold if threshold is None else threshold
    timing: dict[str, Any] = {}
    t0 = time.perf_counter()
    lists = load_lists(lists_dir)
    timing["parse_lists_s"] = round(time.perf_counter() - t0, 1)
    log(f"realeval: lists {', '.join(f'{s} {len(e):,}' for s, e in lists)}")
    items = loo_items(lists, fast)
    timing["loo"] = run_loo(lists, items, thr, log)
    pairs, dropped = cross_pairs(lists)
    log(f"  cross-list: {len(pairs)} pairs; failing the loose name check: {dict(dropped)}")
    cross, timing["cross"] = run_cross(lists, pairs, thr, fast, log)
    t1 = time.perf_counter()
    full = lists + load_us_extra(lists_dir)
    timing["parse_us_extra_s"] = round(time.perf_counter() - t1, 1)
    negs, timing["negatives"] = run_negatives(full, read_negatives(), thr, fast, log)
    timing["total_s"] = round(time.perf_counter() - t0, 1)
    info = {
        "lists": {s: len(e) for s, e in lists},
        "negatives_against": [s for s, _ in full],
        "cross_pairs_dropped_by_name_check": dict(dropped),
        "fast": fast,
        "threshold": thr,
        "split_rule": f"sha256('{SPLIT_SALT}' + key) < {TEST_SHARE} -> test",
        "timing": timing,
    }
    return report(items, cross, negs, read_labels(), thr, info)


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--lists", type=Path, default=DEFAULT_LISTS)
    ap.add_argument("--fast", action="store_true", help=f"1 in {FAST_EVERY} items")
    ap.add_argument("--threshold", type=float, default=None)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)
    text, data = evaluate(args.lists, fast=args.fast, threshold=args.threshold)
    print(text)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(data, indent=1, ensure_ascii=False, default=str), encoding="utf-8"
        )
        print(f"\nJSON: {args.json}")


if __name__ == "__main__":
    main(sys.argv[1:])
