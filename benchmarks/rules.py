"""What the rules engine adds to batch screening time.

    python benchmarks/rules.py [--customers 50000] [--repeat 3]

Builds the matcher over the full SDN + CSL + BIS Entity List snapshots (as benchmarks/speed.py
does), generates customers with the speed benchmark's generator and gives them what the rules
look at (service, headquarters, 10% with a parent, 5% with owners, some of them listed names),
then screens the same customers in one process three ways, alternating, best of --repeat:

* matching only (no rules, no ownership);
* matching + ownership (owner and parent names screened too) without rules;
* the full screening (ownership + facts + every rule in force today).

Prints records/s for each and the rule-evaluation overhead: (full - ownership) / ownership.
Also prints the per-record cost of evaluating the compiled rules on prebuilt facts.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from speed import customers, load_lists  # noqa: E402

from compliance.facts import customer_facts  # noqa: E402
from compliance.matching.engine import Matcher  # noqa: E402
from compliance.model import Owner, Party  # noqa: E402
from compliance.rules import load_ruleset, rule_dirs  # noqa: E402
from compliance.screening import ScreeningContext, screen_party  # noqa: E402

COUNTRIES = ["US", "DE", "JP", "IN", "BR", "SG", "GB", "FR", "KR", "CN", "HK", "AE", "VN", "MY"]


def enrich(parties: list[Party], listed: list[str], seed: int) -> list[Party]:
    rng = random.Random(seed)
    out: list[Party] = []
    for p in parties:
        extra: dict[str, object] = {
            "service": rng.choice(["advanced_compute", "general_cloud"]),
            "hq_country": p.country or rng.choice(COUNTRIES),
        }
        roll = rng.random()
        if roll < 0.10:
            extra["ultimate_parent_name"] = (
                rng.choice(listed) if rng.random() < 0.2 else (f"{p.name} Holdings")
            )
            extra["ultimate_parent_country"] = rng.choice(COUNTRIES)
        elif roll < 0.15:
            first = rng.choice(listed) if rng.random() < 0.3 else f"{p.name} Capital"
            extra["owners"] = (Owner(first, 30.0, "CN"), Owner(f"{p.name} Partners", 70.0, "SG"))
        out.append(replace(p, **extra))  # type: ignore[arg-type]
    return out


def run(parties: list[Party], ctx: ScreeningContext) -> float:
    start = time.perf_counter()
    for p in parties:
        screen_party(p, ctx)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    lists = load_lists()
    matcher = Matcher.build(lists)
    listed = [e.name for _, entries in lists for e in entries if e.list_code in ("EL", "SDN")]
    parties = enrich(customers(args.customers, lists, args.seed), listed, args.seed)
    bare = [replace(p, owners=(), parent_name=None, ultimate_parent_name=None) for p in parties]
    today = date(2026, 11, 27)
    ruleset = load_ruleset(rule_dirs())
    versions = {"lists": "bench"}

    def context(rules: bool) -> ScreeningContext:
        ctx = ScreeningContext(
            matcher,
            versions,
            today,
            ruleset_version=ruleset.version,
            rules=ruleset.compiled(today) if rules else None,
        )
        ctx.warm()
        return ctx

    run(parties[:2000], context(True))  # warm caches and lazy imports
    best = {"matching": float("inf"), "ownership": float("inf"), "full": float("inf")}
    for _ in range(args.repeat):
        best["matching"] = min(best["matching"], run(bare, context(False)))
        best["ownership"] = min(best["ownership"], run(parties, context(False)))
        best["full"] = min(best["full"], run(parties, context(True)))
    n = len(parties)
    print(f"customers: {n} ({sum(1 for p in parties if p.owners or p.ultimate_parent_name)} "
          "with owners or a parent)")  # fmt: skip
    for name, seconds in best.items():
        print(f"{name:>10}: {n / seconds:8.0f} records/s  ({seconds:.2f} s)")
    overhead = (best["full"] - best["ownership"]) / best["ownership"]
    print(f"rule evaluation overhead: {overhead * 100:.1f}% of batch screening time")
    ownership = (best["ownership"] - best["matching"]) / best["matching"]
    print(f"ownership screening (owner and parent names matched too): +{ownership * 100:.1f}%")

    compiled = ruleset.compiled(today)
    facts = [customer_facts(p, (), (), False) for p in parties[:20000]]
    start = time.perf_counter()
    for f in facts:
        compiled.evaluate(f, "customer")
    per = (time.perf_counter() - start) / len(facts) * 1e6
    print(f"rules in force for customers: {len(compiled.by_kind['customer'])}; "
          f"evaluation alone: {per:.1f} us per record")  # fmt: skip


if __name__ == "__main__":
    main()
