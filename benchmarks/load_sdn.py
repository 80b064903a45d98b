"""Time loading the full OFAC SDN set (sdn + alt + add + comments) into SQLite and PostgreSQL.

    python benchmarks/load_sdn.py [--shared DIR] [--pg URL] [--only sqlite|postgresql]

Each database runs in its own child process so peak memory (max RSS) is per run. Prints, per
database: parse seconds, store seconds, total seconds, peak RSS MiB, entries/aliases/addresses.
Target (issue 2): under 10 s each on the 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SHARED = REPO.parent / "shared" / "data" / "lists"
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
FILES = (
    "ofac/sdn_2024-05-03.csv",
    "ofac/alt_watchman-2025-12.csv",
    "ofac/add_watchman-2025-12.csv",
    "ofac/sdn_comments_watchman-2025-12.csv",
)


def child(url: str, shared: Path) -> dict[str, object]:
    sys.path.insert(0, str(REPO))
    from compliance.lists import parse_files
    from compliance.lists.service import ListService
    from compliance.store.session import ensure_schema, make_engine, session_factory

    paths = [shared / f for f in FILES]
    engine = make_engine(url)
    ensure_schema(engine)
    t0 = time.perf_counter()
    _, _parsed = parse_files(paths, "ofac")
    t1 = time.perf_counter()
    service = ListService(session_factory(engine), actor="benchmark")
    t2 = time.perf_counter()
    result = service.load(paths, fmt="ofac", source="us-ofac-sdn")
    t3 = time.perf_counter()
    engine.dispose()
    return {
        "parse_s": round(t1 - t0, 2),
        "load_s (parse+store)": round(t3 - t2, 2),
        "entries": result.entry_count,
        "aliases": result.alias_count,
        "addresses": result.address_count,
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    ap.add_argument("--pg", default=PG_ADMIN, help="admin URL; a throwaway database is made")
    ap.add_argument("--only", choices=["sqlite", "postgresql"])
    ap.add_argument("--child-url")
    args = ap.parse_args()
    if args.child_url:
        print(json.dumps(child(args.child_url, args.shared)))
        return
    if not (args.shared / FILES[0]).exists():
        sys.exit(f"list snapshots not found under {args.shared}")
    results: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        targets = []
        if args.only in (None, "sqlite"):
            targets.append(("sqlite", f"sqlite:///{tmp}/bench.db", None))
        if args.only in (None, "postgresql"):
            name = f"compliance_bench_{uuid.uuid4().hex[:8]}"
            from sqlalchemy import create_engine, text
            from sqlalchemy.engine import make_url

            admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            url = make_url(args.pg).set(database=name).render_as_string(hide_password=False)
            targets.append(("postgresql", url, (admin, name)))
        for label, url, cleanup in targets:
            try:
                proc = subprocess.run(
                    [sys.executable, __file__, "--shared", str(args.shared), "--child-url", url],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                results[label] = json.loads(proc.stdout.strip().splitlines()[-1])
            finally:
                if cleanup is not None:
                    admin, name = cleanup
                    with admin.connect() as conn:
                        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    print(f"{'database':<12} " + " ".join(f"{k:>20}" for k in next(iter(results.values()))))
    for label, row in results.items():
        print(f"{label:<12} " + " ".join(f"{v!s:>20}" for v in row.values()))


if __name__ == "__main__":
    main()
