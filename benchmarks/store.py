"""What storing decisions costs `compliance screen`: records/s with the store on against
`--no-store`, in the same run, on SQLite and on PostgreSQL.

    python benchmarks/store.py [--customers 60000] [--workers 2] [--pairs 2] [--pg URL]

Lists: the OFAC SDN (with aliases and addresses), the CSL subset and the BIS Entity List
from ../shared (as benchmarks/speed.py loads them). Customers: speed.py's generator (95%
realistic unlisted names, 5% perturbed listed names; seeded). The index is built and cached
first; then each pair runs `--no-store` and the store back to back, on a file whose record ids
are new each time (so every stored run inserts new parties, screenings and cases, the cost a
provider's new customers bring). PostgreSQL: a scratch database created and dropped here.
Target (issue 11): storing costs at most 25% of the throughput.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from speed import CSL, EL, SDN, SHARED, customers, load_lists  # noqa: E402

from compliance.model import EntityType, Party  # noqa: E402

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _write(parties: list[Party], path: Path, prefix: str) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "name", "entity_type", "country"])
        for p in parties:
            kind = p.entity_type.value if p.entity_type is not EntityType.UNKNOWN else ""
            w.writerow([f"{prefix}-{p.id}", p.name, kind, p.country or ""])


def _run(cmd: list[str], env: dict[str, str]) -> float:
    t = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode not in (0, 2):  # 2: some generated rows are rejected, as they should
        raise SystemExit(f"{' '.join(cmd[2:5])}... exited {done.returncode}: {done.stderr[-800:]}")
    return time.perf_counter() - t


def bench(label: str, env: dict[str, str], parties: list[Party], workers: int, pairs: int) -> None:
    cmd = [sys.executable, "-m", "compliance"]
    tmp = Path(env["COMPLIANCE_HOME"])
    trimmed = tmp / "csl.csv"
    lines = (SHARED / CSL).read_bytes().splitlines(keepends=True)
    trimmed.write_bytes(b"".join(lines[:-1]))
    _run([*cmd, "lists", "load", *[str(SHARED / "ofac" / f) for f in SDN]], env)
    _run([*cmd, "lists", "load", str(trimmed)], env)
    _run([*cmd, "lists", "load", str(SHARED / EL)], env)
    warm = tmp / "warm.csv"
    _write(parties[:100], warm, "warm")
    _run([*cmd, "screen", str(warm), "--no-store", "--out", str(tmp / "w.jsonl")], env)
    plain: list[float] = []
    stored: list[float] = []
    for i in range(pairs):
        for store, times in ((False, plain), (True, stored)):
            infile = tmp / f"c{i}{store}.csv"
            _write(parties, infile, f"r{i}{'s' if store else 'n'}")
            args = [*cmd, "screen", str(infile), "--out", str(tmp / "o.jsonl")]
            args += ["--workers", str(workers)] + ([] if store else ["--no-store"])
            times.append(_run(args, env))
    n = len(parties)
    for name, times in (("--no-store", plain), ("store", stored)):
        rates = ", ".join(f"{n / t:,.0f}" for t in times)
        median = n / statistics.median(times)
        print(f"{label:11} {name:10} {rates} records/s (median {median:,.0f})")
    cost = 1 - statistics.median(plain) / statistics.median(stored)
    print(f"{label:11} storing costs {cost:.0%} of the throughput (target <= 25%)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=60_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--pairs", type=int, default=2)
    ap.add_argument("--pg", default=PG_ADMIN, help="PostgreSQL admin URL ('' to skip)")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    parties = customers(args.customers, load_lists(), args.seed)
    base = {**os.environ, "COMPLIANCE_LOAD_DEMO_LIST": "false"}
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o700)
        bench("sqlite", {**base, "COMPLIANCE_HOME": tmp}, parties, args.workers, args.pairs)
    if not args.pg:
        return
    from sqlalchemy import create_engine, text

    name = f"bench_store_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = args.pg.rsplit("/", 1)[0] + "/" + name
        with tempfile.TemporaryDirectory() as tmp:
            os.chmod(tmp, 0o700)
            env = {**base, "COMPLIANCE_HOME": tmp, "COMPLIANCE_DATABASE_URL": url}
            bench("postgresql", env, parties, args.workers, args.pairs)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
