"""Peak memory of `compliance screen` on input that names owners, against a no-owner baseline.

    python benchmarks/ownership_memory.py [--rows 200000] [--workers 0] [--keep DIR]

Generates two customer CSVs of N rows (seeded): one where every row names a parent and two
owners (the parent is another row of the file, so ownership chains run through the batch;
the owners are holding companies, some shared), and a baseline with the same names and no
owners or parents. Each file is screened by the real `compliance screen` command, run
in-process in a fresh Python child (so the peaks do not mix), against the default demo list
in a temporary COMPLIANCE_HOME. Prints, per case: seconds, records written, the peak RSS of
the main process (``getrusage(RUSAGE_SELF)``) and the largest peak RSS of any worker process
(``getrusage(RUSAGE_CHILDREN)``), in MB.

Measured on the 2-core machine, 1 December 2026, default workers (2), demo list; main /
largest worker peak RSS:

* 200,000 rows, before the bounded graph: no owners 148 / 236 MB; parent + 2 owners 574 /
  572 MB. After: no owners 147 / 236 MB; parent + 2 owners 284 / 364 MB (the rest above the
  baseline is the normalizer's and matcher's bounded caches).
* 1,000,000 rows, no owners: 264 / 369 MB (before and after). With owners, before: the main
  process and each worker past 1.4 GB while screening (seen with ps; the run was stopped).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

STEMS = [
    "nord", "sol", "kav", "ter", "lum", "ver", "zen", "quant", "aster", "bright", "clear",
    "blue", "green", "iron", "oak", "pine", "river", "stone", "vista", "wave", "cedar", "delta",
]  # fmt: skip
SUFFIXES = ["Ltd", "GmbH", "LLC", "Inc", "SA", "BV", "AG", "Co", "Pty Ltd", "Oy"]
COUNTRIES = ["GB", "DE", "US", "FR", "NL", "SE", "JP", "SG", "CA", "AU"]


def company(rng: random.Random, i: int) -> str:
    a, b = rng.choice(STEMS), rng.choice(STEMS)
    kind = rng.choice(["Systems", "Labs", "Data", "Compute"])
    return f"{a.title()}{b} {kind} {i} {rng.choice(SUFFIXES)}"


def generate(path: Path, rows: int, *, owners: bool, seed: int = 7) -> None:
    rng = random.Random(seed)
    names: list[str] = []
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["id", "name", "country", "parent_name", "parent_country", "owners"])
        for i in range(rows):
            name = company(rng, i)
            country = rng.choice(COUNTRIES)
            if i < 1000:
                names.append(name)  # parents are among the first rows: chains of records
            if not owners:
                out.writerow([f"c{i}", name, country, "", "", ""])
                continue
            parent = names[rng.randrange(len(names))] if i else f"Root Holdings {i} Ltd"
            holding_a = f"{rng.choice(STEMS).title()} Holdings {rng.randrange(rows)} Ltd"
            holding_b = f"{rng.choice(STEMS).title()} Capital {rng.randrange(50_000)} LLC"
            owner_text = f"{holding_a}:30%:GB;{holding_b}:20%:{rng.choice(COUNTRIES)}"
            out.writerow([f"c{i}", name, country, parent, "", owner_text])


CHILD = """
import json, resource, sys, time
from compliance.cli import app
t = time.perf_counter()
try:
    app(["screen", sys.argv[1], "--out", sys.argv[2], "--workers", sys.argv[3]],
        standalone_mode=False)
except SystemExit as exc:
    code = exc.code
else:
    code = 0
elapsed = time.perf_counter() - t
self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
kids_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"seconds": elapsed, "self_mb": self_kb / 1024, "children_mb": kids_kb / 1024,
                  "exit": code}))
"""


def run_case(csv_path: Path, out: Path, workers: int, env: dict[str, str]) -> dict[str, float]:
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(csv_path), str(out), str(workers)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=3600,
    )
    if proc.returncode != 0:
        sys.exit(f"screen failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    with out.open("rb") as fh:
        result["records"] = sum(1 for _ in fh)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--workers", type=int, default=0, help="0 = the CLI default")
    parser.add_argument("--keep", type=Path, help="work in this directory and keep it")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="ownership-memory-"))
    work.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "COMPLIANCE_HOME": str(work / "home"), "PYTHONPATH": str(REPO)}
    env.pop("COMPLIANCE_DATABASE_URL", None)
    # First use: schema, demo list and index cache, outside the measured runs.
    subprocess.run(
        [sys.executable, "-m", "compliance", "screen-name", "warm up"],
        env=env, capture_output=True, check=True, timeout=600,
    )  # fmt: skip
    print(f"rows: {args.rows}; workers: {args.workers or 'default'}; pid peak RSS in MB")
    for label, owners in (("no owners (baseline)", False), ("parent + 2 owners", True)):
        path = work / ("owners.csv" if owners else "plain.csv")
        generate(path, args.rows, owners=owners)
        r = run_case(path, work / f"{path.stem}.out.jsonl", args.workers, env)
        print(
            f"{label:22s} {r['seconds']:7.1f} s  {int(r['records']):>8d} records  "
            f"main {r['self_mb']:7.0f} MB  largest worker {r['children_mb']:7.0f} MB  "
            f"exit {r['exit']}",
            flush=True,
        )
    print(f"this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    if args.keep is None:
        import shutil

        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    start = time.perf_counter()
    main()
    print(f"total {time.perf_counter() - start:.0f} s")
