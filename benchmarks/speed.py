"""Screening speed: blocking vs brute force, growth with list size, and end to end.

    python benchmarks/speed.py [--customers 100000] [--brute-sample 200] [--skip-e2e]

Builds the matcher over every name of the full SDN + CSL + BIS Entity List snapshots in
../shared/data/lists, generates customers (95% realistic non-listed names, 5% perturbed listed
names; seeded), and prints:

* index build seconds, names indexed, resident memory;
* in-process throughput (records/s, one process) and single-name latency p50/p99;
* brute force: the same scorer over every list name, on a sample, and the speed-up;
* blocking recall: of the entries brute force finds at the review threshold, the share the
  blocking index also finds; candidates scored per query (mean, p99, max);
* the same with the list set grown 5x, two ways: with new, different parties (the UN and UK
  lists, then made-up parties joining listed name parts and new words; see
  :func:`grow_distinct`) and with perturbed copies of every entry: per-record cost growth
  for blocking and for brute force;
* end to end: `compliance screen --no-store` on a CSV of the customers with all cores
  (SQLite; what storing the decisions adds is measured by benchmarks/store.py).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from compliance.lists import csl, parse_files  # noqa: E402
from compliance.matching.engine import Matcher  # noqa: E402
from compliance.model import Alias, EntityType, ListEntry, Party  # noqa: E402
from compliance.normalize import normalize_name  # noqa: E402

SHARED = REPO.parent / "shared" / "data" / "lists"
SDN = ("sdn_2024-05-03.csv", "alt_watchman-2025-12.csv", "add_watchman-2025-12.csv")
CSL = "us_csl/csl_consolidated_watchman-pr523_2023-11_partial.csv"
EL = "us_export_control_nsfreg/bis_entity_list.json"

STEMS = [
    "nord",
    "sol",
    "kav",
    "ter",
    "lum",
    "ver",
    "zen",
    "quant",
    "aster",
    "bright",
    "clear",
    "blue",
    "green",
    "river",
    "stone",
    "oak",
    "maple",
    "cedar",
    "pine",
    "harbor",
    "bay",
    "summit",
    "peak",
    "vista",
    "nova",
    "orion",
    "lyra",
    "vega",
    "atlas",
    "delta",
    "sigma",
    "apex",
    "prime",
    "core",
    "arc",
    "flux",
    "pulse",
    "wave",
    "spark",
    "ember",
    "frost",
    "iron",
    "silver",
    "golden",
    "crystal",
    "coral",
    "amber",
    "jade",
    "onyx",
    "ruby",
    "kaveri",
    "ganga",
    "indus",
    "sahyadri",
    "sakura",
    "fuji",
    "hikari",
    "yama",
    "kawa",
    "mori",
    "nami",
    "sora",
    "tsuki",
    "sao",
    "rio",
    "porto",
    "lima",
    "monte",
    "alto",
    "bella",
    "verde",
    "luz",
    "mar",
    "selva",
    "andes",
    "nordic",
    "baltic",
    "alpine",
    "danube",
    "rhine",
    "elbe",
    "oder",
]
INDUSTRY = [
    "analytics",
    "data",
    "cloud",
    "compute",
    "systems",
    "software",
    "robotics",
    "logistics",
    "foods",
    "textiles",
    "labs",
    "studio",
    "media",
    "health",
    "pharma",
    "energy",
    "solar",
    "mining",
    "motors",
    "capital",
    "partners",
    "consulting",
    "design",
    "networks",
    "security",
    "vision",
    "learning",
    "ai",
    "research",
    "engineering",
    "dynamics",
    "semiconductors",
    "devices",
    "trading",
    "holdings",
    "ventures",
    "services",
    "solutions",
    "technologies",
    "digital",
    "marine",
    "aero",
]
FORMS = [
    "Inc.",
    "LLC",
    "Ltd",
    "Limited",
    "GmbH",
    "AG",
    "S.A.",
    "Pvt Ltd",
    "Co., Ltd.",
    "K.K.",
    "B.V.",
    "SAS",
    "Pty Ltd",
    "Oy",
    "AB",
    "Ltda",
    "S.r.l.",
    "",
    "",
]
GIVEN = [
    "james",
    "maria",
    "wei",
    "li",
    "anna",
    "ivan",
    "olga",
    "ahmed",
    "fatima",
    "priya",
    "rahul",
    "carlos",
    "sofia",
    "yuki",
    "hiro",
    "jean",
    "pierre",
    "lucas",
    "emma",
    "noah",
    "liam",
    "mei",
    "chen",
    "jose",
    "ana",
    "omar",
    "layla",
    "david",
    "sarah",
    "dmitri",
    "elena",
]
FAMILY = [
    "smith",
    "garcia",
    "wang",
    "zhang",
    "muller",
    "rossi",
    "kowalski",
    "ivanova",
    "petrov",
    "khan",
    "patel",
    "singh",
    "silva",
    "santos",
    "tanaka",
    "suzuki",
    "kim",
    "park",
    "nguyen",
    "tran",
    "martin",
    "bernard",
    "dubois",
    "schmidt",
    "novak",
    "horvat",
]


def load_lists() -> list[tuple[str, tuple[ListEntry, ...]]]:
    sdn = parse_files([SHARED / "ofac" / f for f in SDN], "ofac")[1]
    consolidated = csl.parse([SHARED / CSL], allow_truncated=True)
    el = parse_files([SHARED / EL], "nsfreg")[1]
    return [("us-ofac-sdn", sdn.entries), ("us-csl", consolidated.entries), ("bis-el", el.entries)]


def typo(rng: random.Random, text: str) -> str:
    if len(text) < 4:
        return text
    i = rng.randrange(len(text))
    op = rng.choice("sdi")
    letter = rng.choice("abcdefghijklmnopqrstuvwxyz")
    if op == "s":
        return text[:i] + letter + text[i + 1 :]
    if op == "d":
        return text[:i] + text[i + 1 :]
    return text[:i] + letter + text[i:]


def customers(n: int, lists: list[tuple[str, tuple[ListEntry, ...]]], seed: int) -> list[Party]:
    rng = random.Random(seed)
    listed = [e for _, entries in lists for e in entries]
    out: list[Party] = []
    for i in range(n):
        if rng.random() < 0.05:
            entry = rng.choice(listed)
            name = typo(rng, rng.choice(entry.all_names))
            etype = entry.entity_type
        elif rng.random() < 0.3:
            name = f"{rng.choice(GIVEN).title()} {rng.choice(FAMILY).title()}"
            etype = EntityType.PERSON
        else:
            name = " ".join(
                p
                for p in (
                    rng.choice(STEMS).title() + rng.choice(["", "ix", "a", "o", "tek"]),
                    rng.choice(INDUSTRY).title(),
                    rng.choice(FORMS),
                )
                if p
            )
            etype = EntityType.ORGANIZATION
        out.append(
            Party(
                f"c{i}",
                name,
                entity_type=etype,
                country=rng.choice(["US", "DE", "JP", "IN", "BR", "SG", "GB", "FR", "KR", None]),
            )
        )
    return out


def grow(
    lists: list[tuple[str, tuple[ListEntry, ...]]], factor: int, seed: int
) -> list[tuple[str, tuple[ListEntry, ...]]]:
    """The list set plus (factor - 1) perturbed copies of every entry (new keys, typo'd names)."""
    rng = random.Random(seed)
    grown = list(lists)
    for copy in range(1, factor):
        for source, entries in lists:
            grown.append(
                (
                    f"{source}-copy{copy}",
                    tuple(
                        replace(
                            e,
                            key=f"{e.key}~{copy}",
                            name=typo(rng, e.name),
                            aliases=tuple(Alias(typo(rng, a.name), a.kind) for a in e.aliases),
                        )
                        for e in entries
                    ),
                )
            )
    return grown


UN = "un/UN_consolidated_watchman.xml"
UK = "uk/covyr_uk_sanctions_*.csv"


def _syllable_word(rng: random.Random) -> str:
    """A made-up name word (a list that grows brings words nobody has listed before)."""
    onsets = ["b", "d", "k", "l", "m", "n", "r", "s", "t", "v", "z", "sh", "kh", "gr", "tr"]
    vowels = ["a", "e", "i", "o", "u", "ai", "ou"]
    return "".join(rng.choice(onsets) + rng.choice(vowels) for _ in range(rng.randint(2, 3)))


def grow_distinct(
    lists: list[tuple[str, tuple[ListEntry, ...]]], factor: int, seed: int
) -> list[tuple[str, tuple[ListEntry, ...]]]:
    """The list set grown to ``factor`` times its entries with new, different parties: the
    UN and UK lists (real parties, their own spellings), then made-up parties whose names
    join the given names of one listed person to the family name of another (or two listed
    companies' distinctive words), a quarter of them with a made-up word, each name new."""
    rng = random.Random(seed)
    base = sum(len(entries) for _, entries in lists)
    grown = list(lists)
    for source, path, fmt in (("un", UN, "un"), ("uk", UK, "uk")):
        files = sorted(SHARED.glob(path))
        if files:  # (a snapshot this machine lacks: more made-up parties instead)
            grown.append((source, parse_files(files, fmt)[1].entries))
    people = [
        e.name.replace(",", " ").split()
        for _, entries in lists
        for e in entries
        if e.entity_type is EntityType.PERSON and len(e.name.split()) >= 2
    ]
    orgs = [
        [w for w in e.name.split() if len(w) > 3 and w.isalpha()]
        for _, entries in lists
        for e in entries
        if e.entity_type is EntityType.ORGANIZATION
    ]
    orgs = [words for words in orgs if words]
    seen = {n.casefold() for _, entries in grown for e in entries for n in e.all_names}
    made: list[ListEntry] = []
    target = factor * base - sum(len(entries) for _, entries in grown)
    while len(made) < target:
        novel = rng.random() < 0.25
        if rng.random() < 0.5:
            first, second = rng.choice(people), rng.choice(people)
            family = _syllable_word(rng).upper() if novel else second[0]
            name, etype = f"{family}, {' '.join(first[1:3])}", EntityType.PERSON
        else:
            one, two = rng.choice(orgs), rng.choice(orgs)
            extra = _syllable_word(rng).upper() if novel else rng.choice(two)
            words = [rng.choice(one), extra, rng.choice(FORMS).upper()]
            name, etype = " ".join(words), EntityType.ORGANIZATION
        if name.casefold() in seen:
            continue
        seen.add(name.casefold())
        made.append(ListEntry(f"new{len(made)}", name, etype, "GROWN"))
    grown.append(("grown", tuple(made)))
    return grown


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed_matches(
    matcher: Matcher, parties: list[Party], brute: bool = False
) -> tuple[float, list[float]]:
    lat: list[float] = []
    start = time.perf_counter()
    for p in parties:
        t = time.perf_counter()
        matcher.match(p, brute_force=brute)
        lat.append(time.perf_counter() - t)
    return time.perf_counter() - start, lat


def pct(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))]


def blocking_report(matcher: Matcher, parties: list[Party]) -> tuple[float, list[int]]:
    hits = kept = 0
    sizes: list[int] = []
    for p in parties:
        slow = {(m.source, m.entry_key) for m in matcher.match(p, brute_force=True)}
        fast = {(m.source, m.entry_key) for m in matcher.match(p)}
        hits += len(slow)
        kept += len(slow & fast)
        sizes.append(len(matcher.index.candidates(normalize_name(p.name))))
    return (kept / hits if hits else 1.0), sizes


def end_to_end(parties: list[Party], workers: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "COMPLIANCE_HOME": tmp, "COMPLIANCE_LOAD_DEMO_LIST": "false"}
        trimmed = Path(tmp) / "csl.csv"
        lines = (SHARED / CSL).read_bytes().splitlines(keepends=True)
        trimmed.write_bytes(b"".join(lines[:-1]))
        cmd = [sys.executable, "-m", "compliance"]
        subprocess.run(
            [*cmd, "lists", "load", *[str(SHARED / "ofac" / f) for f in SDN]],
            env=env,
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [*cmd, "lists", "load", str(trimmed)], env=env, check=True, capture_output=True
        )
        subprocess.run(
            [*cmd, "lists", "load", str(SHARED / EL)], env=env, check=True, capture_output=True
        )
        infile = Path(tmp) / "customers.csv"
        with infile.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["id", "name", "entity_type", "country"])
            for p in parties:
                w.writerow(
                    [
                        p.id,
                        p.name,
                        p.entity_type.value
                        if p.entity_type in (EntityType.PERSON, EntityType.ORGANIZATION)
                        else "",
                        p.country or "",
                    ]
                )
        runs = []
        for _ in range(2):  # first run builds and caches the index, second reuses it
            t = time.perf_counter()
            subprocess.run(
                [
                    *cmd,
                    "screen",
                    str(infile),
                    "--out",
                    str(Path(tmp) / "out.jsonl"),
                    "--workers",
                    str(workers),
                    "--no-store",  # screening only: storing is measured by store.py
                ],
                env=env,
                check=True,
                capture_output=True,
            )
            runs.append(time.perf_counter() - t)
        return runs[0], runs[1]


def main() -> None:
    ap = argparse.ArgumentParser(description="screening speed benchmark")
    ap.add_argument("--customers", type=int, default=100_000)
    ap.add_argument("--brute-sample", type=int, default=200)
    ap.add_argument("--growth-sample", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--skip-e2e", action="store_true")
    ap.add_argument("--only-e2e", action="store_true")
    args = ap.parse_args()
    if not (SHARED / CSL).exists():
        sys.exit(f"list snapshots not found under {SHARED}")

    lists = load_lists()
    if args.only_e2e:
        parties = customers(args.customers, lists, args.seed)
        workers = os.cpu_count() or 1
        cold, warm = end_to_end(parties, workers)
        print(
            f"end to end `compliance screen` ({workers} workers, SQLite): {len(parties)} "
            f"records in {cold:.1f} s cold (index built) = {len(parties) / cold:,.0f}/s; "
            f"{warm:.1f} s with the cached index = {len(parties) / warm:,.0f}/s"
        )
        return
    t = time.perf_counter()
    matcher = Matcher.build(lists)
    build_s = time.perf_counter() - t
    print(
        f"index: {matcher.index.size} names of {len(matcher.index.entries)} entries; "
        f"build {build_s:.1f} s; peak RSS {rss_mib():.0f} MiB"
    )

    parties = customers(args.customers, lists, args.seed)
    matcher.match(parties[0])  # warm caches
    total, lat = timed_matches(matcher, parties)
    rate = len(parties) / total
    print(
        f"blocking, 1 process: {len(parties)} records in {total:.1f} s = {rate:,.0f} records/s;"
        f" latency p50 {pct(lat, 0.5) * 1e3:.2f} ms, p99 {pct(lat, 0.99) * 1e3:.2f} ms"
    )

    rng = random.Random(args.seed)
    sample = rng.sample(parties, args.brute_sample)
    brute_s, _ = timed_matches(matcher, sample, brute=True)
    brute_rate = len(sample) / brute_s
    print(
        f"brute force (same scorer, every name): {brute_rate:,.1f} records/s on "
        f"{len(sample)} records; blocking is {rate / brute_rate:,.0f}x faster"
    )

    positives = [p for p in parties if not p.name[:1].isspace()][: args.customers]
    probe = rng.sample([p for p in positives], min(len(positives), args.brute_sample))
    # A sample rich in true hits: perturbed listed names.
    listed = customers(args.brute_sample * 20, lists, args.seed + 1)
    probe += [p for p in listed if rng.random() < 0.05][: args.brute_sample]
    recall, sizes = blocking_report(matcher, probe)
    print(
        f"blocking recall vs brute force: {recall:.2%} of brute-force hits kept "
        f"({len(probe)} queries); candidates per query mean {statistics.mean(sizes):.0f}, "
        f"p99 {pct([float(s) for s in sizes], 0.99):.0f}, max {max(sizes)}"
    )

    growth_parties = parties[: args.growth_sample]
    for label, grown in (
        ("new, different parties", grow_distinct(lists, 5, args.seed)),
        ("perturbed copies", grow(lists, 5, args.seed)),
    ):
        big = Matcher.build(grown)
        # the baseline timed again beside each grown index: this machine is noisy
        base_s, _ = timed_matches(matcher, growth_parties)
        big_s, _ = timed_matches(big, growth_parties)
        small_brute, _ = timed_matches(matcher, sample[:50], brute=True)
        big_brute, _ = timed_matches(big, sample[:50], brute=True)
        print(
            f"lists x5, {label} ({len(big.index.entries)} entries, {big.index.size} names): "
            f"per-record cost x{big_s / base_s:.2f} with blocking, "
            f"x{big_brute / small_brute:.2f} brute force; peak RSS {rss_mib():.0f} MiB"
        )
        del big

    if not args.skip_e2e:
        workers = os.cpu_count() or 1
        cold, warm = end_to_end(parties, workers)
        print(
            f"end to end `compliance screen` ({workers} workers, SQLite): {len(parties)} "
            f"records in {cold:.1f} s cold (index built) = {len(parties) / cold:,.0f}/s; "
            f"{warm:.1f} s with the cached index = {len(parties) / warm:,.0f}/s"
        )


if __name__ == "__main__":
    main()
